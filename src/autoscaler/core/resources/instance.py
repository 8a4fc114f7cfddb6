"""A member of a ServerGroup (`ServerGroupInstance`): an existing server or one to create."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...proto import handler_pb2 as pb
from ..cloudops import CloudError, CloudOps, Wire, selector_filter, wire_id
from ..tree import label as tree_label
from .computed import CREATE, DELETE, NOOP, Computed, ResourceType
from .parent import ParentResource
from .selector import ResourceSelector
from .wire import assigned_networks, memory_gib, plan_of, upstream_type

if TYPE_CHECKING:
    from .server_group import ServerGroupDef

Instance = pb.ServerGroupInstance
DISK_PLANS = {4: "ssd", 2: "hdd"}


class InstanceResource:
    def __init__(
        self,
        ops: CloudOps,
        definition: ServerGroupDef,
        zone: str,
        instruction: int,
        index: int,
        parent: ParentResource | None,
        record: Wire | None = None,
        planned: Instance | None = None,
    ) -> None:
        self.ops = ops
        self.definition = definition
        self.zone = zone
        self.instruction = instruction
        self.index = index
        self.parent = parent
        self.record = record  # the cloud's server, once it exists
        self.planned = planned  # the payload of a server to create
        self.gone = False

    @property
    def name(self) -> str:
        if self.record is not None:
            return str(self.record.get("Name") or "")
        return self.planned.name if self.planned is not None else ""

    async def compute(self, refresh: bool) -> Computed:
        if refresh:
            await self._refresh()
        parent = await self.parent.payload(refresh) if self.parent is not None else None
        if self.record is not None:
            payload = self._from_record(self.record)
        else:
            assert self.planned is not None
            payload = Instance()
            payload.CopyFrom(self.planned)
        if parent is not None:
            payload.parent.CopyFrom(parent)
        instruction = NOOP if refresh else self.instruction
        return Computed(
            type=ResourceType.SERVER_GROUP_INSTANCE,
            id=payload.id,
            name=payload.name,
            zone=self.zone,
            instruction=instruction,
            grace=self.definition.grace,
            desired=pb.Resource(server_group_instance=payload),
            current=pb.Resource(server_group_instance=payload),
            gone=self.gone,
        )

    async def _refresh(self) -> None:
        if self.instruction == DELETE and self.record is not None:
            # Unlike upstream (which keeps the old record), look: a deleted server is reported
            # to PostHandle as DELETED.
            try:
                self.record = await self.ops.read("Server", self.zone, wire_id(self.record))
            except CloudError as exc:
                if not exc.not_found:
                    raise
                self.gone = True
            return
        if self.record is not None:
            self.record = await self.ops.read("Server", self.zone, wire_id(self.record))
            return
        selector = ResourceSelector(names=[self.name])
        found = [
            s
            for s in await self.ops.find("Server", self.zone, selector_filter(selector))
            if s.get("Name") == self.name
        ]
        where = f"zone={self.zone} Filter='{selector}'"
        if not found:
            raise RuntimeError(f"server not found with: {where}")
        if len(found) > 1:
            raise RuntimeError(f"invalid state: found multiple server with: {where}")
        self.record = found[0]

    def _from_record(self, record: Wire) -> Instance:
        plan = plan_of(record)
        template = self.definition.template
        nic_templates = (template.network_interfaces or []) if template is not None else []
        networks = assigned_networks(record)
        nics = []
        for i, nic in enumerate(n for n in record.get("Interfaces") or [] if n is not None):
            switch = nic.get("Switch") or {}
            upstream = "shared" if upstream_type(nic) == "shared" else wire_id(switch) if switch else ""
            info = Instance.NIC(
                upstream=upstream,
                packet_filter_id=wire_id(nic.get("PacketFilter") or {}),
                user_ip_address=str(nic.get("UserIPAddress") or ""),
                assigned_network=networks[i] if i < len(networks) else None,
            )
            if i < len(nic_templates) and nic_templates[i].expose is not None:
                info.expose_info.CopyFrom(expose_info(nic_templates[i]))
            nics.append(info)
        disks = [
            Instance.Disk(
                id=wire_id(d),
                zone=self.zone,
                plan=DISK_PLANS.get(int((d.get("Plan") or {}).get("ID") or 0), ""),
                connection=str(d.get("Connection") or ""),
                size=int(d.get("SizeMB") or 0) // 1024,
                name=str(d.get("Name") or ""),
            )
            for d in record.get("Disks") or []
            if d is not None
        ]
        return Instance(
            id=wire_id(record),
            zone=self.zone,
            core=int(plan.get("CPU") or 0),
            memory=memory_gib(plan),
            dedicated_cpu=plan.get("Commitment") == "dedicatedcpu",
            gpu=int(plan.get("GPU") or 0),
            cpu_model=str(plan.get("CPUModel") or ""),
            private_host_id=wire_id(record.get("PrivateHost") or {}),
            disks=disks,
            cloud_config=template.cloud_config if template is not None else "",
            network_interfaces=nics,
            cd_rom_id=wire_id((record.get("Instance") or {}).get("CDROM") or {}),
            interface_driver=str(record.get("InterfaceDriver") or ""),
            name=str(record.get("Name") or ""),
            tags=list(record.get("Tags") or []),
            description=str(record.get("Description") or ""),
            icon_id=wire_id(record.get("Icon") or {}),
            shutdown_force=self.definition.shutdown_force,
        )

    def label(self) -> str:
        shown = wire_id(self.record) if self.record is not None else ""
        return tree_label("ServerGroupInstance", shown, self.name, self.zone)

    def parent_label(self) -> str | None:
        return self.parent.label() if self.parent is not None else None


def expose_info(nic: object) -> Instance.ExposeInfo:
    from .template import NICTemplate

    assert isinstance(nic, NICTemplate) and nic.expose is not None
    expose = nic.expose
    health = None
    if expose.health_check is not None:
        health = Instance.HealthCheck(
            protocol=expose.health_check.protocol,
            path=expose.health_check.path,
            status_code=expose.health_check.status_code,
        )
    return Instance.ExposeInfo(
        ports=list(expose.ports or []),
        server_group_name=expose.server_group_name,
        weight=expose.weight,
        vips=list(expose.vips or []),
        health_check=health,
        record_name=expose.record_name,
        ttl=expose.record_ttl,
    )


__all__ = ["CREATE", "DELETE", "NOOP", "InstanceResource", "expose_info"]
