"""`type: Router` — vertical scaling of a router (switch+router) by bandwidth."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import ClassVar

from ...cloud.client import CloudClient
from ...cloud.errors import message_of
from ...cloud.lookup import read_router
from ...cloud.models import Internet
from ...proto import handler_pb2 as pb
from ..config.problems import Invalid, Problem, classify, invalid, prefix_all, system
from ..config.rules import Rules
from ..request import RequestInfo
from ..tree import label as tree_label
from .base import DefinitionBase
from .computed import NOOP, UPDATE, Computed, ResourceType
from .payloads import id_text, latest
from .plans import Plan, RouterPlan, duplicate_names, vertical_plan
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

    # --- cloud side --------------------------------------------------------------------------

    async def find_routers(self, client: CloudClient) -> list[tuple[str, Internet]]:
        assert self.selector is not None
        found: list[tuple[str, Internet]] = []
        for zone in self.selector.zones or ():
            try:
                routers = await client.internet.find(zone, self.selector.condition())
            except Exception as exc:
                raise RuntimeError(f"computing state failed: {message_of(exc)}") from None
            found += [(zone, r) for r in routers]
        if not found:
            raise Invalid(f"resource not found with selector: {self.selector}")
        return found

    async def check(self, client: CloudClient, warn: Callable[[str], None]) -> list[Problem]:
        problems: list[Problem] = []
        if self.plans and len(self.plans) == 1:
            problems.append(invalid("at least two plans must be specified"))
        elif self.plans:
            assert self.selector is not None
            for zone in self.selector.zones or ():
                try:
                    available = await client.internet_plans.find(zone)
                except Exception as exc:
                    problems.append(system(f"validating router plan failed: {message_of(exc)}"))
                    break
                problems += [invalid(t) for t in duplicate_names([p.name for p in self.plans])]
                for plan in self.plans:
                    if not any(
                        a.availability == "available" and a.band_width_mbps == plan.band_width
                        for a in available
                    ):
                        problems.append(
                            invalid(f"plan{{zone: {zone}, band_width:{plan.band_width}}} not exists")
                        )
        try:
            await self.find_routers(client)
        except Exception as exc:
            problems.append(classify(exc))
        return prefix_all(problems, self.prefix)

    async def resources(self, client: CloudClient, request: RequestInfo) -> list[RouterResource]:
        return [RouterResource(client, self, zone, r, request) for zone, r in await self.find_routers(client)]

    async def last_modified(self, client: CloudClient) -> datetime | None:
        # Routers have no modification time; a plan change makes a new router.
        return latest(r.created_at for _, r in await self.find_routers(client))


class RouterResource:
    def __init__(
        self, client: CloudClient, definition: RouterDef, zone: str, record: Internet, request: RequestInfo
    ) -> None:
        self.client = client
        self.definition = definition
        self.zone = zone
        self.record = record
        self.request = request

    async def compute(self, refresh: bool) -> Computed:
        if refresh:
            self.record = await read_router(self.client, self.zone, self.record.id)
        current = pb.Router(
            id=id_text(self.record.id),
            zone=self.zone,
            band_width=self.record.band_width_mbps,
            name=self.record.name,
        )
        desired = pb.Router()
        desired.CopyFrom(current)
        desired.band_width = 0
        instruction = NOOP
        chosen = None if refresh else vertical_plan(self.request, self.definition, (current.band_width,))
        if chosen is not None:
            desired.band_width = chosen.value.band_width
            instruction = UPDATE
        return Computed(
            type=ResourceType.ROUTER,
            id=current.id,
            name=current.name,
            zone=self.zone,
            instruction=instruction,
            grace=self.definition.grace,
            desired=pb.Resource(router=desired),
            current=pb.Resource(router=current),
        )

    def label(self) -> str:
        return tree_label("Router", id_text(self.record.id), self.record.name, self.zone)

    def parent_label(self) -> str | None:
        return None
