"""The builtin handlers by their upstream names, in upstream's order (the order `list-builtins`
prints and the Core calls them in): the one place a builtin's name is written.

Classes are imported only when one is created, so a process that only lists the names (a
local-exec handler's CLI, the Core's config check) does not load the cloud client.

Each builtin is created with the recorder of its cloud-changing steps (`intents`); the names
of that contract are re-exported here, the Core's one door to the builtins.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from .intents import KINDS, NO_INTENTS, Action, Intent, IntentRecorder, NoIntents, recorded

if TYPE_CHECKING:
    from ...cloud.client import CloudClient
    from ..contract import Handler

__all__ = [
    "BUILTIN_HANDLERS",
    "KINDS",
    "NO_INTENTS",
    "Action",
    "Intent",
    "IntentRecorder",
    "NoIntents",
    "create",
    "recorded",
]

# name -> (module in this package, class)
_BUILTINS = {
    "dns-servers-handler": ("dns_servers", "DNSServersHandler"),
    "elb-vertical-scaler": ("elb_vertical", "ELBVerticalScaler"),
    "elb-servers-handler": ("elb_servers", "ELBServersHandler"),
    "gslb-servers-handler": ("gslb_servers", "GSLBServersHandler"),
    "load-balancer-servers-handler": ("lb_servers", "LoadBalancerServersHandler"),
    "router-vertical-scaler": ("router_vertical", "RouterVerticalScaler"),
    "server-horizontal-scaler": ("server_horizontal", "ServerHorizontalScaler"),
    "server-vertical-scaler": ("server_vertical", "ServerVerticalScaler"),
}
BUILTIN_HANDLERS = tuple(_BUILTINS)


def create(name: str, client: CloudClient, intents: IntentRecorder = NO_INTENTS) -> Handler:
    """The builtin called `name`, acting through `client` and telling `intents` before and after
    each step that changes the cloud; KeyError for an unknown name."""
    module, class_name = _BUILTINS[name]
    cls = getattr(importlib.import_module(f"{__package__}.{module}"), class_name)
    handler: Handler = cls(client, intents)
    handler.name = name
    return handler
