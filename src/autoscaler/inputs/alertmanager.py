"""Prometheus Alertmanager: forward when the notification's `status` is `firing`.

Only the group's top-level status counts (not the individual alerts), so a group with any
firing alert scales and a `resolved` notification is ignored.
"""

from __future__ import annotations

from ..golang.jsonfield import JSONError, string_field
from .contract import InputError


class AlertmanagerInput:
    name = "alertmanager"

    async def should_accept(self, method: str, body: bytes) -> bool:
        if method != "POST":
            return False
        try:
            return string_field(body, "status", "alertmanager.alertManagerWebhookBody") == "firing"
        except JSONError as exc:
            raise InputError(str(exc)) from None

    async def close(self) -> None:
        return None
