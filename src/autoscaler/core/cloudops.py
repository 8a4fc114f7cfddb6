"""The Core's side of the cloud operations: selectors as find filters; the rest is shared
with the builtin handlers (`autoscaler.handlers.builtin.api`)."""

from __future__ import annotations

from ..handlers.builtin.api import (
    CloudError,
    CloudOps,
    Transport,
    Wire,
    condition,
    escape,
    latest,
    parse_time,
    wire_id,
)
from .resources.selector import ResourceSelector

__all__ = ["CloudError", "CloudOps", "Transport", "Wire", "condition", "latest", "parse_time", "wire_id"]


def selector_filter(selector: ResourceSelector) -> Wire:
    out: Wire = {}
    if selector.id:
        out["ID"] = [str(selector.id)]
    if selector.names:
        out["Name"] = "%20".join(escape(n) for n in selector.names)
    if selector.tags:
        out["Tags.Name"] = [list(selector.tags)]
    return out
