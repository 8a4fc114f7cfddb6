"""The Core's one door to SAKURA Cloud: credentials from the file and the environment, one
client for the whole process (tests swap its httpx transport), the account check, and the
builtin handlers acting through that client.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..cloud.client import CloudClient, open_client
from ..cloud.config import CloudOptions, default_user_agent
from ..cloud.errors import CloudError, message_of
from ..golang.duration import go_duration
from ..log import Logger
from .config.model import Config, Definition
from .config.problems import Problem, invalid, system
from .config.rules import DEFAULT_ZONES
from .handler_refs import BuiltinRef

if TYPE_CHECKING:
    from ..handlers.builtin.registry import IntentRecorder

ALLOWED_PERMISSIONS = ("create", "arrange")


class CloudUnavailable(RuntimeError):
    pass


def open_cloud(config: Config) -> CloudClient:
    """The one cloud client of this configuration (in fake mode, backed by the fake cloud).

    Options merge as upstream: the environment, then (not in strict mode) the usacloud
    profile, then `sakuracloud.token`/`secret` from the file.
    """
    options = CloudOptions.from_env(
        profile=config.sakuracloud.profile,
        token=config.sakuracloud.token,
        secret=config.sakuracloud.secret,
        user_agent=default_user_agent(),
        strict=config.strict,
    )
    return open_client(options)


def missing_credentials(options: CloudOptions) -> str:
    """What is missing for the real API, and every place it can come from; "" when nothing is."""
    if options.fake_mode:
        return ""
    lacking = [
        what
        for what, value in (("token", options.access_token), ("secret", options.access_token_secret))
        if not value
    ]
    if not lacking:
        return ""
    return (
        f"no API key ({' and '.join(lacking)} not set): give SAKURACLOUD_ACCESS_TOKEN and "
        "SAKURACLOUD_ACCESS_TOKEN_SECRET in the environment, sakuracloud.token and sakuracloud.secret "
        "in the configuration, or a usacloud profile (sakuracloud.profile or SAKURACLOUD_PROFILE); "
        "to try without an account, set SAKURACLOUD_FAKE_MODE=1"
    )


class CoreCloud:
    def __init__(self, config: Config, logger: Logger) -> None:
        self.config = config
        self.logger = logger
        self._client: CloudClient | None = None
        self._error: str | None = None
        try:
            self._client = open_cloud(config)
            self._client.caller.on_retry = self._log_retry
        except Exception as exc:
            self._error = (
                str(exc) if str(exc).startswith("initializing") else f"initializing API Client failed: {exc}"
            )

    def _log_retry(self, failure: str, wait: float) -> None:
        self.logger.warn("cloud API request failed, retrying", error=failure, wait=go_duration(wait))

    @property
    def client(self) -> CloudClient:
        if self._client is None:
            raise CloudUnavailable(self._error or "initializing API Client failed")
        return self._client

    @property
    def zones(self) -> tuple[str, ...]:
        return self._client.zones if self._client is not None else DEFAULT_ZONES

    async def account_check(self) -> Problem | None:
        if self._client is None:
            return system(self._error or "initializing API Client failed")
        missing = missing_credentials(self._client.options)
        if missing:
            # Without a key every request is refused (or, offline, retried for minutes): say so now.
            return invalid(f"reading SAKURA cloud account info failed: {missing}")
        try:
            status = await self._client.auth_status.read()
        except CloudError as exc:
            return invalid(f"reading SAKURA cloud account info failed: {message_of(exc)}")
        except Exception as exc:
            return system(f"reading SAKURA cloud account info failed: unknown error: {exc}")
        if status.permission not in ALLOWED_PERMISSIONS:
            return invalid(
                f"required permissions have not been assigned. assigned permission: {status.permission}"
            )
        if len(os.environ.get("SAKURACLOUD_APPEND_USER_AGENT", "")) > 1024:
            return system("SAKURACLOUD_APPEND_USER_AGENT is too long: max=1024")
        return None

    async def check_definition(self, definition: Definition, warn: Callable[[str], None]) -> list[Problem]:
        return await definition.check(self.client, warn)

    def builtin_handlers(self, names: list[str], intents: IntentRecorder | None = None) -> list[BuiltinRef]:
        """Fresh builtins acting through the client, telling `intents` of their cloud steps."""
        from ..handlers.builtin.registry import NO_INTENTS, create

        return [BuiltinRef(name, create(name, self.client, intents or NO_INTENTS)) for name in names]

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
