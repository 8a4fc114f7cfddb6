"""Grafana: forward when the notification's `state` is `alerting`.

Both legacy alert notifications and unified alerting's webhook contact point carry a top-level
`state` (`alerting`, `ok`, `no_data`, `paused`, `pending`); only `alerting` scales.
"""

from __future__ import annotations

from ..golang.jsonfield import JSONError, string_field
from .contract import InputError

METHODS = ("POST", "PUT")


class GrafanaInput:
    name = "grafana"

    async def should_accept(self, method: str, body: bytes) -> bool:
        if method not in METHODS:
            return False
        try:
            return string_field(body, "state", "grafana.grafanaWebhookBody") == "alerting"
        except JSONError as exc:
            raise InputError(str(exc)) from None

    async def close(self) -> None:
        return None
