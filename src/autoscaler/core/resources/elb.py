"""`type: ELB` (or `EnhancedLoadBalancer`) — vertical scaling of an ELB by CPS."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import ClassVar

from ...cloud.client import CloudClient
from ...cloud.errors import message_of
from ...cloud.lookup import read_proxylb
from ...cloud.models import ProxyLB
from ...proto import handler_pb2 as pb
from ..config.problems import Invalid, Problem, classify, invalid, prefix_all
from ..config.rules import Rules
from ..request import RequestInfo
from ..tree import label as tree_label
from .base import DefinitionBase
from .computed import NOOP, UPDATE, Computed, ResourceType
from .payloads import elb_payload, id_text, latest
from .plans import ELBPlan, Plan, vertical_plan
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

    # --- cloud side --------------------------------------------------------------------------

    async def find_elbs(self, client: CloudClient) -> list[ProxyLB]:
        assert self.selector is not None
        try:
            found = (await client.elb.find(self.selector.condition())).items
        except Exception as exc:
            raise RuntimeError(f"computing status failed: {message_of(exc)}") from None
        if not found:
            raise Invalid(f"resource not found with selector: {self.selector}")
        return found

    async def check(self, client: CloudClient, warn: Callable[[str], None]) -> list[Problem]:
        problems: list[Problem] = []
        if self.plans and len(self.plans) == 1:
            problems.append(invalid("at least two plans must be specified"))
        elif self.plans:
            seen: set[str] = set()
            for plan in self.plans:
                if plan.name:
                    if plan.name in seen:
                        problems.append(invalid(f'plan name "{plan.name}" is duplicated'))
                    seen.add(plan.name)
                if plan.cps not in ELB_CPS:
                    problems.append(invalid(f"plan{{CPS:{plan.cps}}} not found"))
        try:
            await self.find_elbs(client)
        except Exception as exc:
            problems.append(classify(exc))
        return prefix_all(problems, self.prefix)

    async def resources(self, client: CloudClient, request: RequestInfo) -> list[ELBResource]:
        return [ELBResource(client, self, record, request) for record in await self.find_elbs(client)]

    async def last_modified(self, client: CloudClient) -> datetime | None:
        return latest(r.modified_at for r in await self.find_elbs(client))


class ELBResource:
    def __init__(
        self, client: CloudClient, definition: ELBDef, record: ProxyLB, request: RequestInfo
    ) -> None:
        self.client = client
        self.definition = definition
        self.record = record
        self.request = request

    async def compute(self, refresh: bool) -> Computed:
        if refresh:
            self.record = await read_proxylb(self.client, self.record.id)
        current = elb_payload(self.record)
        desired = elb_payload(self.record, plan=0)
        instruction = NOOP
        chosen = None if refresh else vertical_plan(self.request, self.definition, (current.plan,))
        if chosen is not None:
            desired.plan = chosen.value.cps
            instruction = UPDATE
        return Computed(
            type=ResourceType.ELB,
            id=current.id,
            name=current.name,
            zone="",
            instruction=instruction,
            grace=self.definition.grace,
            desired=pb.Resource(elb=desired),
            current=pb.Resource(elb=current),
        )

    def label(self) -> str:
        return tree_label("EnhancedLoadBalancer", id_text(self.record.id), self.record.name)

    def parent_label(self) -> str | None:
        return None
