"""The builtin handlers' names, in upstream's order (the order `list-builtins` prints and the
Core calls them in)."""

from __future__ import annotations

BUILTIN_HANDLERS = (
    "dns-servers-handler",
    "elb-vertical-scaler",
    "elb-servers-handler",
    "gslb-servers-handler",
    "load-balancer-servers-handler",
    "router-vertical-scaler",
    "server-horizontal-scaler",
    "server-vertical-scaler",
)
