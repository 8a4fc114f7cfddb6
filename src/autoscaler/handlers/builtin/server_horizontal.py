"""`server-horizontal-scaler`: create and delete the servers of a ServerGroup."""

from __future__ import annotations

from datetime import datetime

from ...cloud.client import CloudClient
from ...cloud.encoding import to_id
from ...cloud.models import Server
from ...cloud.ops.disks import DiskCreate, DiskEdit, disk_plan_id
from ...cloud.ops.servers import SHARED, ServerCreate
from ...cloud.power import boot_server, shutdown_server, wait_disk_ready
from ...golang.template import render
from ...proto import handler_pb2 as pb
from ..contract import Handler, HandleRequest, Reporter, Step
from .grace import grace_sleep
from .intents import NO_INTENTS, Action, IntentRecorder, Steps
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
    def __init__(self, client: CloudClient, intents: IntentRecorder = NO_INTENTS) -> None:
        self.client = client
        self.intents = intents

    async def handle(self, request: HandleRequest, reporter: Reporter) -> None:
        kind = request.desired.WhichOneof("resource")
        if kind != "server_group_instance" or request.instruction not in (pb.CREATE, pb.DELETE):
            await reporter.ignored()
            return
        instance = request.desired.server_group_instance
        await reporter.accepted()
        await reporter.running()
        steps = Steps(self.intents, request, Step.HANDLE, "ServerGroupInstance")
        if request.instruction == pb.CREATE:
            await self._create(request, instance, reporter, steps)
        else:
            await self._delete(instance, reporter, steps)

    async def _create(
        self, request: HandleRequest, instance: pb.ServerGroupInstance, reporter: Reporter, steps: Steps
    ) -> None:
        zone, name = instance.zone, instance.name
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
        create = steps.record(
            Action.CREATE_SERVER, target=name, zone=zone, cloud_id="", disks=len(instance.disks)
        )
        async with create as outcome:
            created = await self._create_server(instance, switches)
            outcome["id"] = str(created.id)
        configure = [
            (created_nic, instance.network_interfaces[created_nic.index])
            for created_nic in created.interfaces
            if created_nic.index < len(instance.network_interfaces)
        ]
        configure = [(c, n) for c, n in configure if n.packet_filter_id or n.user_ip_address]
        if configure or instance.cd_rom_id:
            async with steps.record(Action.CONFIGURE_SERVER, target=name, zone=zone, cloud_id=created.id):
                for created_nic, nic in configure:
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
            disk_id = await self._create_disk(
                instance, disk, i, server.id, scripts if i == 0 else None, steps
            )
            read = await self.client.disks.read(zone, disk_id)
            await reporter.running(
                f"created disk[{i}]: {{Zone:{zone}, ID:{disk_id}, Name:{read.name}, ServerID:{server.id}}}"
            )
        await reporter.running("starting...")
        async with steps.record(Action.BOOT, target=name, zone=zone, cloud_id=server.id):
            await boot_server(self.client, zone, server.id, user_data=instance.cloud_config)
        await grace_sleep(self.client, request.setup_grace_period, reporter.running)
        await reporter.done("started")

    async def _create_server(
        self, instance: pb.ServerGroupInstance, switches: list[int | str | None]
    ) -> Server:
        return await self.client.servers.create(
            instance.zone,
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

    async def _create_disk(
        self,
        instance: pb.ServerGroupInstance,
        disk: pb.ServerGroupInstance.Disk,
        index: int,
        server_id: int,
        scripts: list[str] | None,
        steps: Steps,
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
        server = instance.name
        copied = bool(disk.source_archive_id or disk.source_disk_id)
        with_edit = scripts is not None and copied and instance.HasField("edit_parameter")
        if with_edit:
            for script in scripts or ():
                name = f"note-{datetime.now().astimezone().isoformat(timespec='seconds')}"
                async with steps.record(Action.CREATE_NOTE, target=server, zone=zone, cloud_id="") as outcome:
                    notes.append((await self.client.notes.create(name, script)).id)
                    outcome["id"] = str(notes[-1])
        async with steps.record(
            Action.CREATE_DISK, target=server, zone=zone, cloud_id="", index=index, server_id=str(server_id)
        ) as outcome:
            if with_edit:
                edit = disk_edit(instance.edit_parameter, notes)
                created = await self.client.disks.create_with_config(zone, spec, edit)
            else:
                created = await self.client.disks.create(zone, spec)
            outcome["id"] = str(created.id)
        await wait_disk_ready(self.client, zone, created.id)
        for note_id in notes:
            async with steps.record(Action.DELETE_NOTE, target=server, zone=zone, cloud_id=note_id):
                await self.client.notes.delete(note_id)
        return created.id

    async def _delete(self, instance: pb.ServerGroupInstance, reporter: Reporter, steps: Steps) -> None:
        zone, server_id, name = instance.zone, to_id(instance.id), instance.name
        server = await self.client.servers.read(zone, server_id)
        if server.is_up:
            await reporter.running("shutting down...")
            force = instance.shutdown_force
            async with steps.record(Action.SHUTDOWN, target=name, zone=zone, cloud_id=server_id, force=force):
                await shutdown_server(self.client, zone, server_id, force=force)
            await reporter.running("shut down")
        disks = server.disk_ids
        await reporter.running(f"deleting...: {{Disks:{_id_list(disks)}}}")
        async with steps.record(
            Action.DELETE_SERVER, target=name, zone=zone, cloud_id=server_id, disks=[str(d) for d in disks]
        ):
            await self.client.servers.delete_with_disks(zone, server_id, disks)
        await reporter.done(
            f"deleted: {{Zone:{zone}, ID:{instance.id}, Name:{instance.name}, Disks:{_id_list(disks)}}}"
        )
