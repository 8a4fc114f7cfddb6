"""The top level of the Core's configuration file and its `autoscaler:` section."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import field_validator, model_validator

from ...handlers.builtin.registry import BUILTIN_HANDLERS
from ...wire.exporter_config import ExporterConfig
from ..resources.elb import ELBDef
from ..resources.router import RouterDef
from ..resources.server import ServerDef
from ..resources.server_group import ServerGroupDef
from .decode import GoBool, StrictModel

Definition = ServerDef | ServerGroupDef | ELBDef | RouterDef

DEFAULT_COOLDOWN = 600  # seconds; a value <= 0 means this
DEFAULT_SHUTDOWN_GRACE = 600
DEFAULT_EXPORTER_ADDRESS = ":8081"
DEFAULT_JOURNAL_KEEP_JOBS = 1000
DEFAULT_JOURNAL_KEEP_DAYS = 30
DEFAULT_RECOVERY_TIMEOUT = 600  # seconds


class SakuraCloud(StrictModel):
    token: str = ""
    secret: str = ""
    profile: str = ""


class CustomHandler(StrictModel):
    name: str = ""
    endpoint: str = ""


class Cooldown(StrictModel):
    """`cooldown: 30` for all request types, or `{up: 30, down: 60, keep: 600}`."""

    up: int = 0
    down: int = 0
    keep: int = 0

    @model_validator(mode="before")
    @classmethod
    def _one_number_or_mapping(cls, data: Any) -> Any:
        if isinstance(data, bool):
            raise ValueError("cannot unmarshal bool into an integer or a mapping of up/down/keep")
        if isinstance(data, int | float) or (isinstance(data, str) and data.strip().lstrip("-").isdigit()):
            value = int(data)
            if value != data and not isinstance(data, str):
                raise ValueError(f"cannot unmarshal {data} into an integer")
            return {"up": value, "down": value, "keep": value}
        if isinstance(data, str):
            raise ValueError(f'cannot unmarshal string "{data}" into an integer or a mapping of up/down/keep')
        if isinstance(data, dict):
            # Other keys are ignored here, as upstream does.
            return {k: v for k, v in data.items() if k in ("up", "down", "keep") and v is not None}
        return data

    def seconds(self, request_type: str) -> int:
        value = {"Up": self.up, "Down": self.down, "Keep": self.keep}.get(request_type, 0)
        return value if value > 0 else DEFAULT_COOLDOWN


class BuiltinSwitch(StrictModel):
    disabled: GoBool = False


class HandlersConfig(StrictModel):
    disabled: GoBool = False
    handlers: dict[str, BuiltinSwitch | None] | None = None

    def enabled(self, name: str) -> bool:
        if self.disabled:
            return False
        switch = (self.handlers or {}).get(name)
        return not (switch is not None and switch.disabled)


class JournalConfig(StrictModel):
    """`autoscaler.journal` (ours, not upstream's): where the job journal lives and how much it keeps.

    0 (or absent) means the default of each number."""

    path: str = ""  # default: derived from --addr and --config under $XDG_STATE_HOME
    disabled: GoBool = False
    keep_jobs: int = 0
    keep_days: int = 0
    recovery_timeout: int = 0  # seconds recovery keeps retrying against an unreachable API
    fsync: GoBool = False  # flush each intent to the disk (safe from power cuts; a disk flush per step)

    @field_validator("keep_jobs", "keep_days", "recovery_timeout")
    @classmethod
    def _not_negative(cls, value: int) -> int:
        if value < 0:
            raise ValueError(f"must not be negative, got {value}")
        return value

    @property
    def jobs_kept(self) -> int:
        return self.keep_jobs or DEFAULT_JOURNAL_KEEP_JOBS

    @property
    def days_kept(self) -> int:
        return self.keep_days or DEFAULT_JOURNAL_KEEP_DAYS

    @property
    def recovery_seconds(self) -> int:
        return self.recovery_timeout or DEFAULT_RECOVERY_TIMEOUT


class AutoScalerConfig(StrictModel):
    cooldown: Cooldown | None = None
    shutdown_grace_period: int = 0
    exporter_config: ExporterConfig | None = None
    handlers_config: HandlersConfig | None = None
    journal: JournalConfig | None = None

    @property
    def cooldowns(self) -> Cooldown:
        return self.cooldown or Cooldown()

    @property
    def shutdown_grace(self) -> int:
        return self.shutdown_grace_period if self.shutdown_grace_period > 0 else DEFAULT_SHUTDOWN_GRACE

    @property
    def exporter_enabled(self) -> bool:
        return self.exporter_config is not None and self.exporter_config.enabled

    @property
    def exporter_address(self) -> str:
        conf = self.exporter_config
        return conf.address if conf is not None and conf.address else DEFAULT_EXPORTER_ADDRESS

    def builtin_enabled(self, name: str) -> bool:
        return self.handlers_config is None or self.handlers_config.enabled(name)

    def enabled_builtins(self) -> list[str]:
        return [n for n in BUILTIN_HANDLERS if self.builtin_enabled(n)]


class TopLevel(StrictModel):
    sakuracloud: SakuraCloud | None = None
    handlers: list[CustomHandler] | None = None
    resources: Any = None  # decoded item by item, by type
    autoscaler: AutoScalerConfig | None = None


@dataclass
class Config:
    """A loaded configuration (decoded, not yet validated against the cloud)."""

    path: str
    strict: bool
    sakuracloud: SakuraCloud = field(default_factory=SakuraCloud)
    custom_handlers: list[CustomHandler] = field(default_factory=list)
    resources: list[Definition] | None = None  # None: the key is absent (an error at validation)
    autoscaler: AutoScalerConfig = field(default_factory=AutoScalerConfig)
    # Warnings found while loading (unreadable string-or-file paths), logged at validation.
    load_warnings: list[tuple[str, str]] = field(default_factory=list)

    @property
    def definitions(self) -> list[Definition]:
        return self.resources or []

    def find(self, name: str) -> Definition | None:
        return next((d for d in self.definitions if d.name == name), None)

    def resolve_name(self, raw: str) -> str:
        """The resource a request means: its name, or the only definition for ""/"default"."""
        if raw not in ("", "default"):
            return raw
        named = {d.name for d in self.definitions if d.name}
        if len(named) > 1:
            raise ValueError(
                "request parameter 'ResourceName' is required when core's configuration has more than "
                "one resource definition"
            )
        if not self.definitions:
            raise LookupError("no resource is defined in the configuration")
        return self.definitions[0].name
