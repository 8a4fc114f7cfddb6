"""`server-horizontal-scaler`: create and delete the servers of a ServerGroup."""

from __future__ import annotations

from datetime import datetime

from ...cloud.client import CloudClient
from ...cloud.encoding import to_id
from ...cloud.ops.disks import DiskCreate, DiskEdit, disk_plan_id
from ...cloud.ops.servers import SHARED, ServerCreate
from ...cloud.power import boot_server, shutdown_server, wait_disk_ready
from ...golang.template import render
from ...proto import handler_pb2 as pb
from ..contract import Handler, HandleRequest, Reporter
from .grace import grace_sleep
from .server_vertical import commitment


def _id(value: str) -> int:
    """An optional ID of the request (`""` when none) as the API wants it (0 = none)."""
    return int(value) if value.isdigit() else 0


def _id_list(ids: list[int]) -> str:
    return "[" + " ".join(str(i) for i in ids) + "]"


def render_startup_scripts(instance: pb.ServerGroupInstance) -> list[str]:
    """Each startup script executed as a Go template (named after the server) on the instance.

    Only when they will be used: the edit goes with the first disk, and only if it is copied
    from an archive or a disk (a blank disk cannot be edited).
    """
    first = instance.disks[0] if instance.disks else None
    if not instance.HasField("edit_parameter") or first is None:
        return []
    if not (first.source_archive_id or first.source_disk_id):
        return []
    return [render(instance.name, script, instance) for script in instance.edit_parameter.startup_scripts]


def disk_edit(edit: pb.ServerGroupInstance.EditParameter, note_ids: list[int]) -> DiskEdit:
    return DiskEdit(
        password=edit.password,
        ssh_keys=list(edit.ssh_keys),
        ssh_key_ids=[_id(k) for k in edit.ssh_key_ids],
        disable_pw_auth=edit.disable_password_auth,
        enable_dhcp=edit.enable_dhcp,
        change_partition_uuid=edit.change_partition_uuid,
        host_name=edit.host_name,
        note_ids=note_ids,
        user_ip_address=edit.ip_address,
        network_mask_len=edit.network_mask_len,
        default_route=edit.default_route,
    )


class ServerHorizontalScaler(Handler):
    def __init__(self, client: CloudClient) -> None:
        self.client = client

    async def handle(self, request: HandleRequest, reporter: Reporter) -> None:
        kind = request.desired.WhichOneof("resource")
        if kind != "server_group_instance" or request.instruction not in (pb.CREATE, pb.DELETE):
            await reporter.ignored()
            return
        instance = request.desired.server_group_instance
        await reporter.accepted()
        await reporter.running()
        if request.instruction == pb.CREATE:
            await self._create(request, instance, reporter)
        else:
            await self._delete(instance, reporter)

    async def _create(
        self, request: HandleRequest, instance: pb.ServerGroupInstance, reporter: Reporter
    ) -> None:
        zone = instance.zone
        # Scripts are rendered before anything is created, so a template error leaves nothing
        # half-built (upstream renders them after the server exists).
        scripts = render_startup_scripts(instance)
        await reporter.running("creating...")
        switches: list[int | str | None] = []
        for i, nic in enumerate(instance.network_interfaces):
            if i == 0 and nic.upstream == SHARED:
                switches.append(SHARED)
            else:
                if not _id(nic.upstream):
                    raise RuntimeError("ConnectedNICSetting: SwitchID is required")
                switch = await self.client.switches.read(zone, int(nic.upstream))
                switches.append(switch.id)
        created = await self.client.servers.create(
            zone,
            ServerCreate(
                name=instance.name,
                description=instance.description,
                tags=list(instance.tags),
                icon_id=_id(instance.icon_id),
                private_host_id=_id(instance.private_host_id),
                interface_driver=instance.interface_driver or "virtio",
                cpu=instance.core or 1,
                memory_mb=(instance.memory or 1) * 1024,
                gpu=instance.gpu,
                cpu_model=instance.cpu_model,
                commitment=commitment(instance.dedicated_cpu),
                connected_switches=switches,
            ),
        )
        for created_nic in created.interfaces:
            if created_nic.index >= len(instance.network_interfaces):
                continue
            nic = instance.network_interfaces[created_nic.index]
            if nic.packet_filter_id:
                await self.client.interfaces.connect_to_packet_filter(
                    zone, created_nic.id, to_id(nic.packet_filter_id)
                )
            if nic.user_ip_address:
                await self.client.interfaces.update(zone, created_nic.id, nic.user_ip_address)
        if instance.cd_rom_id:
            await self.client.servers.insert_cdrom(zone, created.id, to_id(instance.cd_rom_id))
        server = await self.client.servers.read(zone, created.id)
        await reporter.running(
            f"created: {{Zone:{server.zone.name or zone}, ID:{server.id}, Name:{server.name}}}"
        )
        for i, disk in enumerate(instance.disks):
            await reporter.running(f"creating disk[{i}]...")
            disk_id = await self._create_disk(instance, disk, server.id, scripts if i == 0 else None)
            read = await self.client.disks.read(zone, disk_id)
            await reporter.running(
                f"created disk[{i}]: {{Zone:{zone}, ID:{disk_id}, Name:{read.name}, ServerID:{server.id}}}"
            )
        await reporter.running("starting...")
        await boot_server(self.client, zone, server.id, user_data=instance.cloud_config)
        await grace_sleep(self.client, request.setup_grace_period, reporter.running)
        await reporter.done("started")

    async def _create_disk(
        self,
        instance: pb.ServerGroupInstance,
        disk: pb.ServerGroupInstance.Disk,
        server_id: int,
        scripts: list[str] | None,
    ) -> int:
        """Create one disk; `scripts` (the rendered startup scripts) only for the first."""
        zone = instance.zone
        spec = DiskCreate(
            name=disk.name,
            description=disk.description,
            tags=list(disk.tags),
            icon_id=_id(disk.icon_id),
            plan_id=disk_plan_id(disk.plan),
            connection=disk.connection,
            size_mb=disk.size * 1024,
            source_archive_id=_id(disk.source_archive_id),
            source_disk_id=_id(disk.source_disk_id),
            server_id=server_id,
        )
        notes: list[int] = []
        copied = bool(disk.source_archive_id or disk.source_disk_id)
        if scripts is not None and copied and instance.HasField("edit_parameter"):
            for script in scripts:
                name = f"note-{datetime.now().astimezone().isoformat(timespec='seconds')}"
                notes.append((await self.client.notes.create(name, script)).id)
            edit = disk_edit(instance.edit_parameter, notes)
            created = await self.client.disks.create_with_config(zone, spec, edit)
        else:
            created = await self.client.disks.create(zone, spec)
        await wait_disk_ready(self.client, zone, created.id)
        for note_id in notes:
            await self.client.notes.delete(note_id)
        return created.id

    async def _delete(self, instance: pb.ServerGroupInstance, reporter: Reporter) -> None:
        zone, server_id = instance.zone, to_id(instance.id)
        server = await self.client.servers.read(zone, server_id)
        if server.is_up:
            await reporter.running("shutting down...")
            await shutdown_server(self.client, zone, server_id, force=instance.shutdown_force)
            await reporter.running("shut down")
        disks = server.disk_ids
        await reporter.running(f"deleting...: {{Disks:{_id_list(disks)}}}")
        await self.client.servers.delete_with_disks(zone, server_id, disks)
        await reporter.done(
            f"deleted: {{Zone:{zone}, ID:{instance.id}, Name:{instance.name}, Disks:{_id_list(disks)}}}"
        )
