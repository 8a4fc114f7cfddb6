"""The builtin handlers by their upstream names, in upstream's order (the order `list-builtins`
prints and the Core calls them in): the one place a builtin's name is written.

Classes are imported only when one is created, so a process that only lists the names (a
local-exec handler's CLI, the Core's config check) does not load the cloud client.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ...cloud.client import CloudClient
    from ..contract import Handler

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


def create(name: str, client: CloudClient) -> Handler:
    """The builtin called `name`, acting through `client`; KeyError for an unknown name."""
    module, class_name = _BUILTINS[name]
    handler: Handler = getattr(importlib.import_module(f"{__package__}.{module}"), class_name)(client)
    handler.name = name
    return handler
