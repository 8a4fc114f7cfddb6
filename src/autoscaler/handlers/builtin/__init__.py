"""Builtin handlers: they act on SAKURA Cloud directly, called in-process by the Core.

Each implements `autoscaler.handlers.contract.Handler`; `create(name, client)` builds one by
its upstream name (None for an unknown name), acting through the Core's one `CloudClient`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..contract import Handler

if TYPE_CHECKING:
    from ...cloud.client import CloudClient


def create(name: str, client: CloudClient) -> Handler | None:
    from .dns_servers import DNSServersHandler
    from .elb_servers import ELBServersHandler
    from .elb_vertical import ELBVerticalScaler
    from .gslb_servers import GSLBServersHandler
    from .lb_servers import LoadBalancerServersHandler
    from .router_vertical import RouterVerticalScaler
    from .server_horizontal import ServerHorizontalScaler
    from .server_vertical import ServerVerticalScaler

    factories: dict[str, Callable[[CloudClient], Handler]] = {
        "dns-servers-handler": DNSServersHandler,
        "elb-vertical-scaler": ELBVerticalScaler,
        "elb-servers-handler": ELBServersHandler,
        "gslb-servers-handler": GSLBServersHandler,
        "load-balancer-servers-handler": LoadBalancerServersHandler,
        "router-vertical-scaler": RouterVerticalScaler,
        "server-horizontal-scaler": ServerHorizontalScaler,
        "server-vertical-scaler": ServerVerticalScaler,
    }
    factory = factories.get(name)
    return factory(client) if factory is not None else None
