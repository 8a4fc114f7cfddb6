"""`type: Server` — vertical scaling of existing servers by plan (cores, memory)."""

from __future__ import annotations

from typing import ClassVar

from ..config.decode import GoBool
from ..config.rules import Rules
from .base import DefinitionBase
from .parent import ParentDef
from .plans import Plan, ServerPlan
from .selector import MultiZoneSelector

# (core, memory GiB); not checked against the cloud, as upstream.
DEFAULT_SERVER_PLANS = ((2, 4), (4, 8), (4, 16), (8, 16), (10, 24), (10, 32), (10, 48))


class ServerDef(DefinitionBase):
    TYPE: ClassVar[str] = "Server"
    DEFAULT_GRACE: ClassVar[int] = 60

    selector: MultiZoneSelector | None = None
    gpu: int = 0
    cpu_model: str = ""
    dedicated_cpu: GoBool = False
    plans: list[ServerPlan] | None = None
    shutdown_force: GoBool = False
    parent: ParentDef | None = None

    def own_rules(self, rules: Rules, zones: tuple[str, ...]) -> None:
        if rules.field("selector", None if self.selector is not None else "required"):
            assert self.selector is not None
            self.selector.zone_rules(rules, zones)
        if self.parent is not None:
            self.parent.rules(rules)

    def plan_list(self) -> list[Plan[ServerPlan]]:
        plans = self.plans or [ServerPlan(core=c, memory=m) for c, m in DEFAULT_SERVER_PLANS]
        return [Plan(p.name, (p.core, p.memory), p) for p in plans]
