"""The Prometheus metrics of this process, sent over OTLP under the same names.

The Core, the handlers and the inputs count into a private prometheus_client registry (the
`/metrics` exporter serves it). When OTLP is on, a `RegistryBridge` collects that registry on
the OpenTelemetry export interval (`OTEL_METRIC_EXPORT_INTERVAL`, default 60 s) and hands the
samples to the official OTLP metric exporter, so one dashboard fits both paths:

- a counter becomes a cumulative monotonic sum named as its Prometheus sample
  (`sacloud_autoscaler_core_jobs_total`, `sacloud_autoscaler_webhook_requests_up`);
- a histogram becomes a cumulative explicit-bucket histogram under the family name
  (`sacloud_autoscaler_core_handler_call_duration_seconds`), with Prometheus' bucket bounds;
- anything else (gauges, info) becomes a gauge per sample name.
Labels become attributes. No unit is set, so a collector's Prometheus exporter adds no suffix.

The Python SDK has no hook to feed another library's metrics into its readers, hence this
thread beside them; it mirrors the SDK's own periodic reader (interval, timeout, a last export
at shutdown).
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from opentelemetry.sdk.metrics.export import (
    AggregationTemporality,
    Gauge,
    Histogram,
    HistogramDataPoint,
    Metric,
    MetricExporter,
    MetricsData,
    NumberDataPoint,
    ResourceMetrics,
    ScopeMetrics,
    Sum,
)
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.util.instrumentation import InstrumentationScope

from ..version import VERSION
from .names import TRACER_NAME

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

CUMULATIVE = AggregationTemporality.CUMULATIVE


def _millis(variable: str, default: float) -> float:
    value = os.environ.get(variable, "")
    return float(value) if value else default


def _counter(family: Any, start: int, now: int) -> Iterable[Metric]:
    by_name: dict[str, list[NumberDataPoint]] = {}
    for sample in family.samples:
        if sample.name.endswith("_created"):
            continue
        point = NumberDataPoint(dict(sample.labels), start, now, sample.value)
        by_name.setdefault(sample.name, []).append(point)
    for name, points in by_name.items():
        yield Metric(name, family.documentation, "", Sum(points, CUMULATIVE, is_monotonic=True))


def _histogram(family: Any, start: int, now: int) -> Iterable[Metric]:
    series: dict[tuple[tuple[str, str], ...], dict[str, Any]] = {}
    for sample in family.samples:
        labels = {k: v for k, v in sample.labels.items() if k != "le"}
        entry = series.setdefault(tuple(sorted(labels.items())), {"labels": labels, "buckets": []})
        if sample.name.endswith("_bucket"):
            entry["buckets"].append((float(sample.labels["le"]), sample.value))
        elif sample.name.endswith("_count"):
            entry["count"] = int(sample.value)
        elif sample.name.endswith("_sum"):
            entry["sum"] = sample.value
    points = []
    for entry in series.values():
        cumulative = sorted(entry["buckets"])
        counts, previous = [], 0.0
        for _, total in cumulative:  # Prometheus buckets are cumulative; OTLP's are not
            counts.append(int(total - previous))
            previous = total
        bounds = [le for le, _ in cumulative if not math.isinf(le)]
        points.append(
            HistogramDataPoint(
                entry["labels"],
                start,
                now,
                count=entry.get("count", int(previous)),
                sum=entry.get("sum", 0.0),
                bucket_counts=counts,
                explicit_bounds=bounds,
                # Unknown to Prometheus: None leaves the optional OTLP fields unset.
                min=None,  # type: ignore[arg-type]
                max=None,  # type: ignore[arg-type]
            )
        )
    if points:
        yield Metric(family.name, family.documentation, "", Histogram(points, CUMULATIVE))


def _gauges(family: Any, now: int) -> Iterable[Metric]:
    by_name: dict[str, list[NumberDataPoint]] = {}
    for sample in family.samples:
        by_name.setdefault(sample.name, []).append(NumberDataPoint(dict(sample.labels), 0, now, sample.value))
    for name, points in by_name.items():
        yield Metric(name, family.documentation, "", Gauge(points))


def convert(registry: CollectorRegistry, start: int, now: int) -> list[Metric]:
    """The registry's samples as OpenTelemetry metrics (`start`, `now`: Unix nanoseconds)."""
    out: list[Metric] = []
    for family in registry.collect():
        kind = str(family.type)  # the webhook counters carry a str subclass (inputs/metrics.py)
        if kind == "counter":
            out.extend(_counter(family, start, now))
        elif kind == "histogram":
            out.extend(_histogram(family, start, now))
        else:
            out.extend(_gauges(family, now))
    return out


class RegistryBridge:
    """Exports one registry on the OpenTelemetry metric interval, in a daemon thread."""

    def __init__(self, registry: CollectorRegistry, resource: Resource, exporter: MetricExporter) -> None:
        self.registry = registry
        self.resource = resource
        self.exporter = exporter
        self.interval = _millis("OTEL_METRIC_EXPORT_INTERVAL", 60000) / 1000
        self.timeout_millis = _millis("OTEL_METRIC_EXPORT_TIMEOUT", 30000)
        self.scope = InstrumentationScope(TRACER_NAME, VERSION)
        self.started = time.time_ns()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="autoscaler-otlp-metrics", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def snapshot(self) -> MetricsData:
        metrics = convert(self.registry, self.started, time.time_ns())
        return MetricsData([ResourceMetrics(self.resource, [ScopeMetrics(self.scope, metrics, "")], "")])

    def export(self) -> None:
        # The exporter logs and retries failures itself; a collector that is down costs a warning.
        self.exporter.export(self.snapshot(), timeout_millis=self.timeout_millis)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.export()

    def shutdown(self) -> None:
        self._stop.set()
        self._thread.join(self.timeout_millis / 1000)
        self.export()
        self.exporter.shutdown()
