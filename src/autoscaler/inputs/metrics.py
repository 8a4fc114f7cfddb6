"""The webhook counters, under upstream's exact names.

Upstream exposes `sacloud_autoscaler_webhook_requests_total`, `..._up` and `..._down`, all of
type counter, labelled with the response code; the `_up`/`_down` samples have no `_total`
suffix. prometheus_client appends `_total` to every counter it renders, so these counters are
collected here and exposed through a type string that reads `counter` but is not the value the
renderer appends the suffix for. The 200/400/500 series exist at 0 from the start, as upstream.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client.metrics_core import Metric

from ..wire.metrics import grpc_errors

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

PREFIX = "sacloud_autoscaler_webhook_requests"
INITIAL_CODES = ("200", "400", "500")
HELP = {
    "total": "A counter for requests to the webhooks",
    "up": "A counter for requests to the /up webhook",
    "down": "A counter for requests to the /down webhook",
    "keep": "A counter for requests to the /keep webhook",
}
COMPONENT = "inputs_to_core"


class _CounterType(str):
    """Renders as `counter` in `# TYPE`, yet is not equal to "counter", which is what makes
    prometheus_client rename the family to `<name>_total`."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        return other is self

    def __ne__(self, other: object) -> bool:
        return other is not self

    def __hash__(self) -> int:
        return str.__hash__(self)


_COUNTER = _CounterType("counter")


class WebhookMetrics:
    """Counts each `/up`, `/down` (and `/keep`) response by status code."""

    def __init__(self, registry: CollectorRegistry, routes: tuple[str, ...] = ("up", "down")) -> None:
        self.registry = registry
        self._counts: dict[str, dict[str, float]] = {
            name: dict.fromkeys(INITIAL_CODES, 0.0) for name in ("total", *routes)
        }
        self.grpc_errors = grpc_errors(registry).labels(COMPONENT)
        registry.register(self)

    def count(self, route: str, code: int) -> None:
        label = str(code)
        for name in ("total", route):
            counts = self._counts[name]
            counts[label] = counts.get(label, 0.0) + 1

    def value(self, route: str, code: int) -> float:
        return self._counts[route].get(str(code), 0.0)

    def collect(self) -> Iterator[Metric]:
        for name, counts in self._counts.items():
            family = f"{PREFIX}_total" if name == "total" else f"{PREFIX}_{name}"
            metric = Metric(family, HELP[name], "counter")
            metric.type = _COUNTER
            for code, value in sorted(counts.items()):  # Go sorts series by label value
                metric.add_sample(family, {"code": code}, value)
            yield metric

    def describe(self) -> Iterator[Metric]:
        return self.collect()
