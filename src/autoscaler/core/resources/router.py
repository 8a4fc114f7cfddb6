"""`type: Router` — vertical scaling of a router (switch+router) by bandwidth."""

from __future__ import annotations

from typing import ClassVar

from ..config.rules import Rules
from .base import DefinitionBase
from .plans import Plan, RouterPlan
from .selector import MultiZoneSelector

ROUTER_MBPS = (100, 250, 500, 1000, 1500, 2000, 2500, 3000, 3500, 4000, 4500, 5000)


class RouterDef(DefinitionBase):
    TYPE: ClassVar[str] = "Router"

    selector: MultiZoneSelector | None = None
    plans: list[RouterPlan] | None = None

    def own_rules(self, rules: Rules, zones: tuple[str, ...]) -> None:
        if rules.field("selector", None if self.selector is not None else "required"):
            assert self.selector is not None
            self.selector.zone_rules(rules, zones)

    def plan_list(self) -> list[Plan[RouterPlan]]:
        plans = self.plans or [RouterPlan(band_width=b) for b in ROUTER_MBPS]
        return [Plan(p.name, (p.band_width,), p) for p in plans]
