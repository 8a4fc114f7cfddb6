"""`server-horizontal-scaler`: create and delete the servers of a ServerGroup."""

from __future__ import annotations

from datetime import datetime

from ...proto import handler_pb2 as pb
from ..contract import Handler, HandleRequest, Reporter
from .api import CloudOps, Wire, wire_id
from .gotemplate import render
from .power import boot, disk_ready, grace_sleep, is_up, shutdown

DISK_PLAN_IDS = {"ssd": 4, "hdd": 2}


def _ref(value: str) -> Wire:
    return {"ID": int(value)} if value.isdigit() and int(value) else {}


def _id_list(ids: list[str]) -> str:
    return "[" + " ".join(ids) + "]"


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


class ServerHorizontalScaler(Handler):
    name = "server-horizontal-scaler"

    def __init__(self, ops: CloudOps) -> None:
        self.ops = ops

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
        switches: list[Wire | None] = []
        for i, nic in enumerate(instance.network_interfaces):
            if i == 0 and nic.upstream == "shared":
                switches.append({"Scope": "shared"})
            else:
                if not nic.upstream.isdigit():
                    raise RuntimeError("ConnectedNICSetting: SwitchID is required")
                await self.ops.read("Switch", zone, nic.upstream)
                switches.append({"ID": int(nic.upstream)})
        plan: Wire = {
            "CPU": instance.core or 1,
            "MemoryMB": (instance.memory or 1) * 1024,
            "Commitment": "dedicatedcpu" if instance.dedicated_cpu else "standard",
            "ConfidentialVM": False,
        }
        if instance.gpu:
            plan["GPU"] = instance.gpu
        if instance.cpu_model:
            plan["CPUModel"] = instance.cpu_model
        body = {
            "Server": {
                "Name": instance.name,
                "Description": instance.description,
                "Tags": sorted(instance.tags),
                "Icon": _ref(instance.icon_id),
                "PrivateHost": _ref(instance.private_host_id),
                "InterfaceDriver": instance.interface_driver or "virtio",
                "ServerPlan": plan,
                "WaitDiskMigration": False,
                "ConnectedSwitches": switches,
            }
        }
        created = (await self.ops.call("POST", zone, "server", body)).get("Server") or {}
        server_id = wire_id(created)
        for i, nic_wire in enumerate(created.get("Interfaces") or []):
            if i >= len(instance.network_interfaces) or nic_wire is None:
                continue
            nic = instance.network_interfaces[i]
            if nic.packet_filter_id:
                await self.ops.call(
                    "PUT", zone, f"interface/{wire_id(nic_wire)}/to/packetfilter/{nic.packet_filter_id}"
                )
            if nic.user_ip_address:
                await self.ops.call(
                    "PUT",
                    zone,
                    f"interface/{wire_id(nic_wire)}",
                    {"Interface": {"UserIPAddress": nic.user_ip_address}},
                )
        if instance.cd_rom_id:
            await self.ops.call(
                "PUT", zone, f"server/{server_id}/cdrom", {"CDROM": {"ID": int(instance.cd_rom_id)}}
            )
        server = await self.ops.read("Server", zone, server_id)
        shown_zone = (server.get("Zone") or {}).get("Name") or zone
        await reporter.running(
            f"created: {{Zone:{shown_zone}, ID:{server_id}, Name:{server.get('Name') or ''}}}"
        )
        for i, disk in enumerate(instance.disks):
            await reporter.running(f"creating disk[{i}]...")
            disk_id = await self._create_disk(instance, disk, server_id, scripts if i == 0 else None)
            read = await self.ops.read("Disk", zone, disk_id)
            name = read.get("Name") or ""
            await reporter.running(
                f"created disk[{i}]: {{Zone:{zone}, ID:{disk_id}, Name:{name}, ServerID:{server_id}}}"
            )
        await reporter.running("starting...")
        await boot(self.ops, zone, server_id, instance.cloud_config)
        await grace_sleep(self.ops, request.setup_grace_period, reporter.running)
        await reporter.done("started")

    async def _create_disk(
        self,
        instance: pb.ServerGroupInstance,
        disk: pb.ServerGroupInstance.Disk,
        server_id: str,
        scripts: list[str] | None,
    ) -> str:
        """Create one disk; `scripts` (the rendered startup scripts) only for the first."""
        zone = instance.zone
        spec: Wire = {
            "Name": disk.name,
            "Description": disk.description,
            "Tags": sorted(disk.tags),
            "Icon": _ref(disk.icon_id),
            "Plan": {"ID": DISK_PLAN_IDS.get(disk.plan, 0)},
            "SizeMB": disk.size * 1024,
            "Server": {"ID": int(server_id)},
        }
        if disk.connection:
            spec["Connection"] = disk.connection
        if disk.source_archive_id:
            spec["SourceArchive"] = {"ID": int(disk.source_archive_id)}
        if disk.source_disk_id:
            spec["SourceDisk"] = {"ID": int(disk.source_disk_id)}
        body: Wire = {"Disk": spec, "KMSKey": {}}
        notes: list[str] = []
        copied = bool(disk.source_archive_id or disk.source_disk_id)
        if scripts is not None and copied and instance.HasField("edit_parameter"):
            edit = instance.edit_parameter
            for script in scripts:
                note = {
                    "Name": f"note-{datetime.now().astimezone().isoformat(timespec='seconds')}",
                    "Class": "shell",
                }
                answer = await self.ops.call(
                    "POST",
                    self.ops.transport.default_zone,
                    "note",
                    {"Note": {**note, "Content": script, "Tags": [], "Icon": {}}},
                )
                notes.append(wire_id(answer.get("Note") or {}))
            config: Wire = {"Background": True}
            for key, value in (
                ("Password", edit.password),
                ("DisablePWAuth", edit.disable_password_auth),
                ("EnableDHCP", edit.enable_dhcp),
                ("ChangePartitionUUID", edit.change_partition_uuid),
                ("HostName", edit.host_name),
                ("UserIPAddress", edit.ip_address),
            ):
                if value:
                    config[key] = value
            if edit.network_mask_len or edit.default_route:
                config["UserSubnet"] = {
                    "DefaultRoute": edit.default_route,
                    "NetworkMaskLen": edit.network_mask_len,
                }
            keys: list[Wire] = [{"PublicKey": k} for k in edit.ssh_keys]
            keys += [{"ID": int(k)} for k in edit.ssh_key_ids if k.isdigit() and int(k)]
            if keys:
                config["SSHKeys"] = keys
            if notes:
                config["Notes"] = [{"ID": int(n)} for n in notes if n]
            body["Config"] = config
        created = (await self.ops.call("POST", zone, "disk", body)).get("Disk") or {}
        disk_id = wire_id(created)
        await disk_ready(self.ops, zone, disk_id)
        for note_id in notes:
            if note_id:
                await self.ops.call("DELETE", self.ops.transport.default_zone, f"note/{note_id}")
        return disk_id

    async def _delete(self, instance: pb.ServerGroupInstance, reporter: Reporter) -> None:
        zone = instance.zone
        server = await self.ops.read("Server", zone, instance.id)
        if is_up(server):
            await reporter.running("shutting down...")
            await shutdown(self.ops, zone, instance.id, instance.shutdown_force)
            await reporter.running("shut down")
        disks = [wire_id(d) for d in server.get("Disks") or [] if d]
        await reporter.running(f"deleting...: {{Disks:{_id_list(disks)}}}")
        body: Wire = {"WithDisk": [int(d) for d in disks]} if disks else {}
        await self.ops.call("DELETE", zone, f"server/{instance.id}", body)
        await reporter.done(
            f"deleted: {{Zone:{zone}, ID:{instance.id}, Name:{instance.name}, Disks:{_id_list(disks)}}}"
        )
