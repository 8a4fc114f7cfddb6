"""The Core's one door to the cloud: what configuration checks, jobs and builtins need.

Everything the Core asks of SAKURA Cloud goes through a `CloudBinding`, so the logic above it
does not depend on the client's shape, and the `resources`, `validate` and `start` commands
share one construction path.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from ..log import Logger
from .config.model import Definition
from .config.problems import Problem
from .handlers import BuiltinRef
from .request import RequestInfo
from .resources.computed import Resource
from .resources.context import CloudContext


class CloudBinding(Protocol):
    @property
    def zones(self) -> tuple[str, ...]: ...

    async def account_check(self) -> Problem | None: ...

    async def check_definition(self, definition: Definition, ctx: CloudContext) -> list[Problem]: ...

    async def resources(
        self, definition: Definition, request: RequestInfo, logger: Logger
    ) -> list[Resource]: ...

    async def last_modified(
        self, definition: Definition, request: RequestInfo, logger: Logger
    ) -> datetime | None: ...

    def builtin_handlers(self, names: list[str]) -> list[BuiltinRef]: ...

    async def close(self) -> None: ...
