"""The Core's cloud binding for SAKURA Cloud: credentials from the file and the environment,
one client for the whole process, the account check, and the per-type definition logic.
"""

from __future__ import annotations

import os
from datetime import datetime

from ..log import Logger
from .cloudops import CloudError, CloudOps, Transport
from .config.model import Config, Definition
from .config.problems import Problem, invalid, system
from .config.rules import DEFAULT_ZONES
from .handlers import BuiltinRef
from .request import RequestInfo
from .resources.computed import Resource
from .resources.context import CloudContext
from .resources.server_group import ServerGroupDef

ALLOWED_PERMISSIONS = ("create", "arrange")


class CloudUnavailable(RuntimeError):
    pass


def open_transport(config: Config) -> Transport:
    """The cloud client's transport (real API, or the fake cloud when fake mode is on)."""
    import importlib

    try:
        core_transport = importlib.import_module("autoscaler.cloud").core_transport
    except (ImportError, AttributeError) as exc:
        raise CloudUnavailable(
            f"initializing API Client failed: the SAKURA Cloud client is not available: {exc}"
        ) from None
    transport: Transport = core_transport(
        token=config.sakuracloud.token,
        secret=config.sakuracloud.secret,
        profile=config.sakuracloud.profile,
        strict=config.strict,
    )
    return transport


class SakuraBinding:
    def __init__(self, config: Config, logger: Logger) -> None:
        self.config = config
        self.logger = logger
        self._ops: CloudOps | None = None
        self._error: str | None = None
        try:
            self._ops = CloudOps(open_transport(config))
        except Exception as exc:
            self._error = (
                str(exc) if str(exc).startswith("initializing") else f"initializing API Client failed: {exc}"
            )

    @property
    def ops(self) -> CloudOps:
        if self._ops is None:
            raise CloudUnavailable(self._error or "initializing API Client failed")
        return self._ops

    @property
    def zones(self) -> tuple[str, ...]:
        return self._ops.zones if self._ops is not None else DEFAULT_ZONES

    async def account_check(self) -> Problem | None:
        if self._ops is None:
            return system(self._error or "initializing API Client failed")
        try:
            status = await self._ops.call("GET", self._ops.transport.default_zone, "auth-status")
        except CloudError as exc:
            return invalid(f"reading SAKURA cloud account info failed: {exc.message}")
        except Exception as exc:
            return system(f"reading SAKURA cloud account info failed: unknown error: {exc}")
        permission = str(status.get("Permission") or "")
        if permission not in ALLOWED_PERMISSIONS:
            return invalid(f"required permissions have not been assigned. assigned permission: {permission}")
        if len(os.environ.get("SAKURACLOUD_APPEND_USER_AGENT", "")) > 1024:
            return system("SAKURACLOUD_APPEND_USER_AGENT is too long: max=1024")
        return None

    async def check_definition(self, definition: Definition, ctx: CloudContext) -> list[Problem]:
        if isinstance(definition, ServerGroupDef):
            return await definition.check(self.ops, ctx.warn)
        return await definition.check(self.ops)

    async def resources(self, definition: Definition, request: RequestInfo, logger: Logger) -> list[Resource]:
        return list(await definition.resources(self.ops, request))

    async def last_modified(
        self, definition: Definition, request: RequestInfo, logger: Logger
    ) -> datetime | None:
        return await definition.last_modified(self.ops)

    def builtin_handlers(self, names: list[str]) -> list[BuiltinRef]:
        from ..handlers.builtin import create

        out = []
        for name in names:
            handler = create(name, self.ops.transport)
            if handler is not None:
                out.append(BuiltinRef(name, handler))
        return out

    async def close(self) -> None:
        if self._ops is not None:
            await self._ops.close()
