"""`type: Server` — vertical scaling of existing servers by plan (cores, memory)."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from ...proto import handler_pb2 as pb
from ..cloudops import CloudOps, Wire, latest, selector_filter, wire_id
from ..config.decode import GoBool
from ..config.problems import Invalid, Problem, classify, invalid, prefix_all, system
from ..config.rules import Rules
from ..request import RequestInfo
from ..tree import label as tree_label
from .base import DefinitionBase
from .computed import NOOP, UPDATE, Computed, ResourceType
from .parent import ParentDef, ParentResource, find_parent
from .plans import Plan, PlanError, ServerPlan, desired_plan, duplicate_names
from .selector import MultiZoneSelector
from .wire import assigned_networks, memory_gib, plan_of

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

    # --- cloud side --------------------------------------------------------------------------

    async def find_servers(self, ops: CloudOps) -> list[tuple[str, Wire]]:
        assert self.selector is not None
        found: list[tuple[str, Wire]] = []
        for zone in self.selector.zones or ():
            try:
                servers = await ops.find("Server", zone, selector_filter(self.selector))
            except Exception as exc:
                raise RuntimeError(f"computing status failed: {exc}") from None
            found += [(zone, s) for s in servers]
        if not found:
            raise Invalid(f"resource not found with selector: {self.selector}")
        return found

    async def check(self, ops: CloudOps) -> list[Problem]:
        problems = await self._check_plans(ops)
        try:
            servers = await self.find_servers(ops)
        except Exception as exc:
            problems.append(classify(exc))
            servers = []
        if self.parent is not None:
            for zone, _ in servers:
                try:
                    await find_parent(ops, self.parent, zone)
                except Exception as exc:
                    problems.append(classify(exc).prefixed(self.parent.prefix))
        return prefix_all(problems, self.prefix)

    async def _check_plans(self, ops: CloudOps) -> list[Problem]:
        if not self.plans:
            return []
        if len(self.plans) == 1:
            return [invalid("at least two plans must be specified")]
        assert self.selector is not None
        problems: list[Problem] = []
        model = self.cpu_model or "uncategorized"
        for zone in self.selector.zones or ():
            try:
                available = await ops.find("ServerPlan", zone)
            except Exception as exc:
                return [system(f"validating server plan failed: {exc}")]
            problems += [invalid(t) for t in duplicate_names([p.name for p in self.plans])]
            for plan in self.plans:
                exists = any(
                    str(a.get("Availability") or "") == "available"
                    and (a.get("Commitment") == "dedicatedcpu") == self.dedicated_cpu
                    and int(a.get("CPU") or 0) == plan.core
                    and memory_gib(a) == plan.memory
                    and int(a.get("GPU") or 0) == self.gpu
                    and str(a.get("CPUModel") or "") == model
                    for a in available
                )
                if not exists:
                    problems.append(
                        invalid(
                            f"plan{{zone:{zone}, core:{plan.core}, memory:{plan.memory}, "
                            f"dedicated_cpu:{str(self.dedicated_cpu).lower()}, gpu:{self.gpu}, "
                            f"cpu_mode:{self.cpu_model}}} not exists"
                        )
                    )
        return problems

    async def resources(self, ops: CloudOps, request: RequestInfo) -> list[ServerResource]:
        out = []
        for zone, record in await self.find_servers(ops):
            parent = await find_parent(ops, self.parent, zone) if self.parent is not None else None
            out.append(ServerResource(ops, self, zone, record, parent, request))
        return out

    async def last_modified(self, ops: CloudOps) -> datetime | None:
        times = [
            latest(s.get("ModifiedAt"), (s.get("Instance") or {}).get("StatusChangedAt"))
            for _, s in await self.find_servers(ops)
        ]
        present = [t for t in times if t is not None]
        return max(present) if present else None


class ServerResource:
    def __init__(
        self,
        ops: CloudOps,
        definition: ServerDef,
        zone: str,
        record: Wire,
        parent: ParentResource | None,
        request: RequestInfo,
    ) -> None:
        self.ops = ops
        self.definition = definition
        self.zone = zone
        self.record = record
        self.parent = parent
        self.request = request

    async def compute(self, refresh: bool) -> Computed:
        if refresh:
            self.record = await self.ops.read_with_previous("Server", self.zone, wire_id(self.record))
        parent = await self.parent.payload(refresh) if self.parent is not None else None
        plan = plan_of(self.record)
        current = pb.Server(
            parent=parent,
            id=wire_id(self.record),
            zone=self.zone,
            core=int(plan.get("CPU") or 0),
            memory=memory_gib(plan),
            dedicated_cpu=plan.get("Commitment") == "dedicatedcpu",
            gpu=int(plan.get("GPU") or 0),
            cpu_model=str(plan.get("CPUModel") or ""),
            assigned_network=assigned_networks(self.record),
            name=str(self.record.get("Name") or ""),
            shutdown_force=self.definition.shutdown_force,
        )
        desired = pb.Server()
        desired.CopyFrom(current)
        desired.core, desired.memory = 0, 0
        instruction = NOOP
        if not refresh and self.request.resource_name == self.definition.name:
            try:
                chosen = desired_plan(
                    self.request, (current.core, current.memory), self.definition.plan_list()
                )
            except PlanError as exc:
                raise RuntimeError(f"computing desired plan failed: {exc}") from None
            if chosen is not None:
                desired.core, desired.memory = chosen.value.core, chosen.value.memory
                instruction = UPDATE
        return Computed(
            type=ResourceType.SERVER,
            id=current.id,
            name=current.name,
            zone=self.zone,
            instruction=instruction,
            grace=self.definition.grace,
            desired=pb.Resource(server=desired),
            current=pb.Resource(server=current),
        )

    def label(self) -> str:
        return tree_label("Server", wire_id(self.record), str(self.record.get("Name") or ""), self.zone)

    def parent_label(self) -> str | None:
        return self.parent.label() if self.parent is not None else None
