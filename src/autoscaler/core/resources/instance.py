"""A member of a ServerGroup (`ServerGroupInstance`): an existing server or one to create."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...cloud.client import CloudClient
from ...cloud.errors import CloudError
from ...cloud.models import Server
from ...proto import handler_pb2 as pb
from ..tree import label as tree_label
from .computed import CREATE, DELETE, NOOP, Computed, ResourceType
from .parent import ParentResource
from .payloads import assigned_networks, id_text
from .selector import ResourceSelector

if TYPE_CHECKING:
    from .server_group import ServerGroupDef

Instance = pb.ServerGroupInstance
DISK_PLANS = {4: "ssd", 2: "hdd"}


class InstanceResource:
    def __init__(
        self,
        client: CloudClient,
        definition: ServerGroupDef,
        zone: str,
        instruction: int,
        index: int,
        parent: ParentResource | None,
        record: Server | None = None,
        planned: Instance | None = None,
    ) -> None:
        self.client = client
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
            return self.record.name
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
                self.record = await self.client.servers.read(self.zone, self.record.id)
            except CloudError as exc:
                if not exc.is_not_found:
                    raise
                self.gone = True
            return
        if self.record is not None:
            self.record = await self.client.servers.read(self.zone, self.record.id)
            return
        selector = ResourceSelector(names=[self.name])
        found = [
            s for s in await self.client.servers.find(self.zone, selector.condition()) if s.name == self.name
        ]
        where = f"zone={self.zone} Filter='{selector}'"
        if not found:
            raise RuntimeError(f"server not found with: {where}")
        if len(found) > 1:
            raise RuntimeError(f"invalid state: found multiple server with: {where}")
        self.record = found[0]

    def _from_record(self, record: Server) -> Instance:
        template = self.definition.template
        nic_templates = (template.network_interfaces or []) if template is not None else []
        networks = assigned_networks(record)
        nics = []
        for i, nic in enumerate(record.interfaces):
            if nic.upstream_type == "shared":
                upstream = "shared"
            else:
                upstream = id_text(nic.switch.id) if nic.switch is not None else ""
            info = Instance.NIC(
                upstream=upstream,
                packet_filter_id=id_text(nic.packet_filter.id) if nic.packet_filter is not None else "",
                user_ip_address=nic.user_ip_address,
                assigned_network=networks[i],
            )
            if i < len(nic_templates) and nic_templates[i].expose is not None:
                info.expose_info.CopyFrom(expose_info(nic_templates[i]))
            nics.append(info)
        disks = [
            Instance.Disk(
                id=id_text(d.id),
                zone=self.zone,
                plan=DISK_PLANS.get(d.plan.id if d.plan is not None else 0, ""),
                connection=d.connection,
                size=d.size_mb // 1024,
                name=d.name,
            )
            for d in record.disks
        ]
        cdrom = record.instance.cdrom
        return Instance(
            id=id_text(record.id),
            zone=self.zone,
            core=record.cpu,
            memory=record.memory_gb,
            dedicated_cpu=record.dedicated_cpu,
            gpu=record.gpu,
            cpu_model=record.cpu_model,
            private_host_id=id_text(record.private_host_id),
            disks=disks,
            cloud_config=template.cloud_config if template is not None else "",
            network_interfaces=nics,
            cd_rom_id=id_text(cdrom.id) if cdrom is not None else "",
            interface_driver=record.interface_driver,
            name=record.name,
            tags=list(record.tags),
            description=record.description,
            icon_id=id_text(record.icon_id),
            shutdown_force=self.definition.shutdown_force,
        )

    def label(self) -> str:
        shown = id_text(self.record.id) if self.record is not None else ""
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
