"""`type: ServerGroup` — horizontal scaling: a group of servers created from a template."""

from __future__ import annotations

from typing import ClassVar

from ..config.decode import GoBool, StrictModel
from ..config.rules import Rules, each, minimum, required, skip_empty, unique, zone_rule
from .base import DefinitionBase
from .gofmt import sprintf
from .parent import ParentDef
from .plans import Plan, ServerGroupPlan
from .template import Template

DEFAULT_NAME_FORMAT = "%s-%03d"


class AutoHealing(StrictModel):
    enabled: GoBool = False


class ServerGroupDef(DefinitionBase):
    TYPE: ClassVar[str] = "ServerGroup"

    server_name_prefix: str = ""
    server_name_format: str = ""
    zone: str = ""
    zones: list[str] | None = None
    min_size: int = 0
    max_size: int = 0
    auto_healing: AutoHealing | None = None
    plans: list[ServerGroupPlan] | None = None
    template: Template | None = None
    shutdown_force: GoBool = False
    parent: ParentDef | None = None

    def own_rules(self, rules: Rules, zones: tuple[str, ...]) -> None:
        zone_ok = zone_rule(zones)
        rules.field(
            "zone",
            None if self.zone or self.zones is not None else "required_without=Zones",
            skip_empty(self.zone, zone_ok),
        )
        zones_given = rules.field(
            "zones", None if self.zones is not None or self.zone else "required_without=Zone"
        )
        if zones_given and self.zones is not None and rules.field("zones", unique(self.zones)):
            each("zones", self.zones, rules, required, zone_ok)
        rules.field(
            "min_size",
            minimum(self.min_size, 0),
            None if self.min_size <= self.max_size else "ltefield=MaxSize",
        )
        rules.field(
            "max_size",
            minimum(self.max_size, 0),
            None if self.max_size >= self.min_size else "gtecsfield=MinSize",
        )
        if rules.field("template", None if self.template is not None else "required"):
            assert self.template is not None
            self.template.struct_rules(rules)
        if self.parent is not None:
            self.parent.rules(rules)

    @property
    def name_prefix(self) -> str:
        return self.server_name_prefix or self.name

    @property
    def zone_list(self) -> list[str]:
        """The group's zones; `zone: x` is the same as `zones: [x]`."""
        return [self.zone] if self.zone else list(self.zones or ())

    def server_name(self, index: int) -> str:
        return sprintf(self.server_name_format or DEFAULT_NAME_FORMAT, self.name_prefix, index + 1)

    def zone_for(self, position: int) -> str:
        zones = self.zone_list
        return zones[position % len(zones)]

    def plan_list(self) -> list[Plan[int]]:
        """Every size from min to max, named after the first `plans` entry of that size."""
        out = []
        for size in range(self.min_size, self.max_size + 1):
            name = next((p.name for p in self.plans or () if p.size == size), "")
            out.append(Plan(name, (size,), size))
        return out

    def local_checks(self) -> tuple[list[str], list[str]]:
        """(errors, warnings) of the definition checks that need no cloud."""
        errors: list[str] = []
        warnings: list[str] = []
        if not self.name_prefix:
            errors.append("name or server_name_prefix: required")
        if self.name and not self.server_name_prefix:
            warnings.append("required: server_name_prefix")
        if self.zone and self.zones is not None and len(self.zones) > 0:
            errors.append("only one of zone and zones can be specified")
        if len(self.zone_list) > 1 and self.parent is not None and self.parent.type == "LoadBalancer":
            errors.append("multiple zones cannot be specified when the parent is a LoadBalancer")
        for plan in self.plans or ():
            if not self.min_size <= plan.size <= self.max_size:
                errors.append(f"plan: plan.size must be between min_size and max_size: size:{plan.size}")
        return errors, warnings

    def size_by_highest_index(self, names: list[str]) -> int:
        """How many members Keep maintains: up to the highest numbered member present."""
        if self.max_size <= 0 or not names:
            return 0
        if len(names) >= self.max_size:
            return self.max_size
        present = set(names)
        for count in range(self.max_size, 0, -1):
            if self.server_name(count - 1) in present:
                return count
        return 0

    def index_of(self, name: str) -> int:
        return next((i for i in range(self.max_size) if self.server_name(i) == name), 0)

    def next_name(self, names: list[str]) -> tuple[str, int]:
        """The first free number among the current members (gaps first)."""
        present = set(names)
        for i in range(len(names)):
            if self.server_name(i) not in present:
                return self.server_name(i), i
        return self.server_name(len(names)), len(names)
