"""`type: ELB` (or `EnhancedLoadBalancer`) — vertical scaling of an ELB by CPS."""

from __future__ import annotations

from typing import ClassVar

from ..config.rules import Rules
from .base import DefinitionBase
from .plans import ELBPlan, Plan
from .selector import ResourceSelector

ELB_CPS = (100, 500, 1000, 5000, 10000, 50000, 100000, 400000)


class ELBDef(DefinitionBase):
    TYPE: ClassVar[str] = "EnhancedLoadBalancer"

    selector: ResourceSelector | None = None
    plans: list[ELBPlan] | None = None

    def own_rules(self, rules: Rules, zones: tuple[str, ...]) -> None:
        if rules.field("selector", None if self.selector is not None else "required"):
            assert self.selector is not None
            self.selector.rules(rules)

    def plan_list(self) -> list[Plan[ELBPlan]]:
        plans = self.plans or [ELBPlan(cps=c) for c in ELB_CPS]
        return [Plan(p.name, (p.cps,), p) for p in plans]
