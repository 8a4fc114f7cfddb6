"""The Core's cloud binding for SAKURA Cloud: credentials from the file and the environment,
one client for the whole process, the account check, and the per-type definition logic.
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any

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
    """The cloud client (`autoscaler.cloud`) for this configuration, behind the Core's Transport.

    Options merge as upstream: the environment, then (not in strict mode) the usacloud
    profile, then `sakuracloud.token`/`secret` from the file.
    """
    try:
        from ..cloud import config as cloud_config
        from ..cloud.transport import Caller
    except ImportError as exc:
        raise CloudUnavailable(
            f"initializing API Client failed: the SAKURA Cloud client is not available: {exc}"
        ) from None
    layers = [cloud_config.options_from_env()]
    if not config.strict:
        layers.append(cloud_config.options_from_profile(config.sakuracloud.profile))
    layers.append(
        cloud_config.CloudOptions(
            access_token=config.sakuracloud.token,
            access_token_secret=config.sakuracloud.secret,
            user_agent=cloud_config.default_user_agent(),
        )
    )
    options = cloud_config.merge_options(*layers).with_defaults()
    http_transport = None
    if options.fake_mode:
        import importlib

        try:
            fake = importlib.import_module("autoscaler.cloud.fake")
            http_transport = fake.transport(options)
        except (ImportError, AttributeError) as exc:
            raise CloudUnavailable(
                f"initializing API Client failed: fake mode is not available: {exc}"
            ) from None
    return CallerTransport(
        Caller(options, http_transport),
        options.zones,
        options.default_zone,
        options.fake_mode,
        max(options.fake_delay, 0.0),
    )


class CallerTransport:
    """`autoscaler.cloud`'s Caller as the Core's Transport (errors mapped to CloudError)."""

    def __init__(
        self, caller: Any, zones: tuple[str, ...], default_zone: str, fake: bool, fake_delay: float = 0.0
    ) -> None:
        self.caller = caller
        self.fake_delay = fake_delay  # the fake cloud's transition time (SAKURACLOUD_FAKE_DELAY)
        self.zones = zones or DEFAULT_ZONES
        self.default_zone = default_zone or "is1a"
        self.fake = fake

    async def request(
        self, method: str, zone: str, path: str, body: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        from ..cloud.errors import CloudError as ClientCloudError

        try:
            answer: dict[str, Any] = await self.caller.request(method, zone, path, body=body)
        except ClientCloudError as exc:
            raise CloudError(exc.status, exc.code, exc.message or str(exc)) from None
        return answer

    async def close(self) -> None:
        await self.caller.aclose()


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
