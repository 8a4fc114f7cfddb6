"""What definitions need to look at the cloud: the client, the zones, a logger for warnings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ...log import Logger
from ..config.rules import DEFAULT_ZONES
from ..request import RequestInfo


@dataclass
class CloudContext:
    cloud: Any  # autoscaler.cloud's client
    logger: Logger
    zones: tuple[str, ...] = DEFAULT_ZONES
    request: RequestInfo | None = None
    # Names of definitions under validation; warnings are logged once per text.
    warned: set[str] = field(default_factory=set)

    def warn(self, text: str) -> None:
        self.logger.warn(text)
