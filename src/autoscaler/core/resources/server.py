"""`type: Server` — vertical scaling of existing servers by plan (cores, memory)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import ClassVar

from ...cloud.client import CloudClient
from ...cloud.errors import message_of
from ...cloud.lookup import read_server
from ...cloud.models import Server
from ...proto import handler_pb2 as pb
from ..config.decode import GoBool
from ..config.problems import Invalid, Problem, classify, invalid, prefix_all, system
from ..config.rules import Rules
from ..request import RequestInfo
from ..tree import label as tree_label
from .base import DefinitionBase
from .computed import NOOP, UPDATE, Computed, ResourceType
from .parent import ParentDef, ParentResource, find_parent
from .payloads import assigned_networks, id_text, latest
from .plans import Plan, ServerPlan, duplicate_names, vertical_plan
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

    # --- cloud side --------------------------------------------------------------------------

    async def find_servers(self, client: CloudClient) -> list[tuple[str, Server]]:
        assert self.selector is not None
        found: list[tuple[str, Server]] = []
        for zone in self.selector.zones or ():
            try:
                servers = await client.servers.find(zone, self.selector.condition())
            except Exception as exc:
                raise RuntimeError(f"computing status failed: {message_of(exc)}") from None
            found += [(zone, s) for s in servers]
        if not found:
            raise Invalid(f"resource not found with selector: {self.selector}")
        return found

    async def check(self, client: CloudClient, warn: Callable[[str], None]) -> list[Problem]:
        problems = await self._check_plans(client)
        try:
            servers = await self.find_servers(client)
        except Exception as exc:
            problems.append(classify(exc))
            servers = []
        if self.parent is not None:
            for zone, _ in servers:
                try:
                    await find_parent(client, self.parent, zone)
                except Exception as exc:
                    problems.append(classify(exc).prefixed(self.parent.prefix))
        return prefix_all(problems, self.prefix)

    async def _check_plans(self, client: CloudClient) -> list[Problem]:
        if not self.plans:
            return []
        if len(self.plans) == 1:
            return [invalid("at least two plans must be specified")]
        assert self.selector is not None
        problems: list[Problem] = []
        model = self.cpu_model or "uncategorized"
        for zone in self.selector.zones or ():
            try:
                available = await client.server_plans.find(zone)
            except Exception as exc:
                return [system(f"validating server plan failed: {message_of(exc)}")]
            problems += [invalid(t) for t in duplicate_names([p.name for p in self.plans])]
            for plan in self.plans:
                exists = any(
                    a.availability == "available"
                    and a.dedicated_cpu == self.dedicated_cpu
                    and (a.cpu, a.memory_gb, a.gpu, a.cpu_model) == (plan.core, plan.memory, self.gpu, model)
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

    async def resources(self, client: CloudClient, request: RequestInfo) -> list[ServerResource]:
        out = []
        for zone, record in await self.find_servers(client):
            parent = await find_parent(client, self.parent, zone) if self.parent is not None else None
            out.append(ServerResource(client, self, zone, record, parent, request))
        return out

    async def last_modified(self, client: CloudClient) -> datetime | None:
        return changed_at(s for _, s in await self.find_servers(client))


def changed_at(servers: Iterable[Server]) -> datetime | None:
    """When any of these servers last changed: settings (ModifiedAt) or power state."""
    return latest(t for s in servers for t in (s.modified_at, s.instance.status_changed_at))


class ServerResource:
    def __init__(
        self,
        client: CloudClient,
        definition: ServerDef,
        zone: str,
        record: Server,
        parent: ParentResource | None,
        request: RequestInfo,
    ) -> None:
        self.client = client
        self.definition = definition
        self.zone = zone
        self.record = record
        self.parent = parent
        self.request = request

    async def compute(self, refresh: bool) -> Computed:
        if refresh:
            self.record = await read_server(self.client, self.zone, self.record.id)
        parent = await self.parent.payload(refresh) if self.parent is not None else None
        record = self.record
        current = pb.Server(
            parent=parent,
            id=id_text(record.id),
            zone=self.zone,
            core=record.cpu,
            memory=record.memory_gb,
            dedicated_cpu=record.dedicated_cpu,
            gpu=record.gpu,
            cpu_model=record.cpu_model,
            assigned_network=assigned_networks(record),
            name=record.name,
            shutdown_force=self.definition.shutdown_force,
        )
        desired = pb.Server()
        desired.CopyFrom(current)
        desired.core, desired.memory = 0, 0
        instruction = NOOP
        chosen = (
            None if refresh else vertical_plan(self.request, self.definition, (current.core, current.memory))
        )
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
        return tree_label("Server", id_text(self.record.id), self.record.name, self.zone)

    def parent_label(self) -> str | None:
        return self.parent.label() if self.parent is not None else None
