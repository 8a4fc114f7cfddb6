"""Builtin handlers: they act on SAKURA Cloud directly, called in-process by the Core.

Each implements `autoscaler.handlers.contract.Handler`; `create(name, transport)` builds one
by its upstream name (None for a builtin this version does not provide yet).
"""

from __future__ import annotations

from collections.abc import Callable

from ..contract import Handler
from .api import CloudOps, Transport


def create(name: str, transport: Transport) -> Handler | None:
    from .elb_servers import ELBServersHandler
    from .elb_vertical import ELBVerticalScaler
    from .router_vertical import RouterVerticalScaler
    from .server_horizontal import ServerHorizontalScaler
    from .server_vertical import ServerVerticalScaler

    ops = CloudOps(transport)
    factories: dict[str, Callable[[CloudOps], Handler]] = {
        "server-vertical-scaler": ServerVerticalScaler,
        "server-horizontal-scaler": ServerHorizontalScaler,
        "elb-vertical-scaler": ELBVerticalScaler,
        "router-vertical-scaler": RouterVerticalScaler,
        "elb-servers-handler": ELBServersHandler,
    }
    factory = factories.get(name)
    return factory(ops) if factory is not None else None
