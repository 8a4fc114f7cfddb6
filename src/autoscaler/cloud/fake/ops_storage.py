"""Disks (create, copy, edit, delete), the catalogue (archives, CD-ROMs, plans, icons, private
hosts, zones), notes and the account's auth status."""

from __future__ import annotations

from typing import Any

from . import pool
from .body import Body
from .clock import in_transition, settle, status
from .context import Ctx, Reply, Request, done, found, int_param, ok, route
from .errors import bad_request, conflict
from .ops_servers import check_ref
from .query import apply
from .store import GLOBAL

Record = dict[str, Any]
MAX_DISKS = 4
STORAGE = {"ID": 123456789012, "Name": "fake-storage", "Class": "iscsi1204"}
AUTH_STATUS: Record = {
    "Account": {"ID": 123456789012, "Name": "fakeアカウント", "Code": "fake", "Class": "account"},
    "Member": {"Code": "fake", "Class": "member"},
    "AuthClass": "account",
    "AuthMethod": "apikey",
    "ExternalPermission": "bill+eventlog+cdn",
    "IsAPIKey": True,
    "OperationPenalty": "none",
    "Permission": "create",
}


# --- disks ---------------------------------------------------------------------------------------


def _disk_plan(ctx: Ctx, plan_id: int, size_mb: int) -> Record:
    plan = ctx.tx.get("DiskPlan", ctx.zone, plan_id)
    if plan is None:
        raise bad_request(f"Disk.Plan: DiskPlan[ID:{plan_id}] is not found (2 = HDD, 4 = SSD)")
    sizes = [int(s.get("SizeMB", 0)) for s in plan.get("Size") or []]
    if size_mb not in sizes:
        raise bad_request(
            f"Disk.SizeMB: {size_mb} is not offered by {plan.get('Name', plan_id)} "
            f"(sizes in GB: {', '.join(str(s // 1024) for s in sizes)})"
        )
    return {"ID": plan_id, "Name": plan.get("Name", ""), "StorageClass": plan.get("StorageClass", "")}


def _new_disk(ctx: Ctx, body: Body) -> Record:
    name = body.text("Name")
    if not name:
        raise bad_request("Disk.Name is required")
    size_mb = body.number("SizeMB", 20480)
    plan = _disk_plan(ctx, body.id("Plan") or 4, size_mb)
    connection = body.text("Connection", "virtio") or "virtio"
    if connection not in ("virtio", "ide"):
        raise bad_request(f"Disk.Connection must be virtio or ide, got {connection!r}")
    disk: Record = {
        "ID": 0,
        "Name": name,
        "Description": body.text("Description"),
        "Tags": body.tags(),
        "Icon": check_ref(ctx, "Icon", body.id("Icon"), "Disk.Icon", global_=True),
        "Availability": "migrating",
        "SizeMB": size_mb,
        "MigratedMB": 0,
        "Connection": connection,
        "ConnectionOrder": 0,
        "Plan": plan,
        "Storage": dict(STORAGE),
        "_server": 0,
    }
    archive_id, source_disk_id = body.id("SourceArchive"), body.id("SourceDisk")
    if archive_id and source_disk_id:
        raise bad_request("Disk: SourceArchive and SourceDisk are mutually exclusive")
    if archive_id:
        archive = ctx.tx.get("Archive", ctx.zone, archive_id)
        if archive is None:
            raise bad_request(f"Disk.SourceArchive: Archive[ID:{archive_id}] is not found in zone {ctx.zone}")
        if int(archive.get("SizeMB") or 0) > size_mb:
            raise bad_request(f"Disk.SizeMB: {size_mb} is smaller than the archive ({archive['SizeMB']} MB)")
        disk["SourceArchive"] = {"ID": archive_id, "Availability": archive.get("Availability", "")}
    if source_disk_id:
        source = ctx.tx.get("Disk", ctx.zone, source_disk_id)
        if source is None:
            raise bad_request(f"Disk.SourceDisk: Disk[ID:{source_disk_id}] is not found in zone {ctx.zone}")
        disk["SourceDisk"] = {"ID": source_disk_id, "Availability": source.get("Availability", "")}
    server_id = body.id("Server")
    if server_id:
        server = ctx.tx.get("Server", ctx.zone, server_id)
        if server is None:
            raise bad_request(f"Disk.Server: Server[ID:{server_id}] is not found in zone {ctx.zone}")
        attached = [d for d in ctx.tx.all("Disk", ctx.zone) if d.get("_server") == server_id]
        if len(attached) >= MAX_DISKS:
            raise conflict(f"Server[ID:{server_id}] already has {MAX_DISKS} disks")
        disk["_server"] = server_id
        disk["ConnectionOrder"] = len(attached) + 1
    disk["ID"] = pool.next_id(ctx.tx)
    ctx.stamp_new(disk)
    disk["_ready_at"] = ctx.at + ctx.delays.disk_copy
    return settle(disk, ctx.at)


def _apply_edit(ctx: Ctx, disk: Record, edit: Body) -> None:
    """A disk edit: the host name and NIC[0]'s address become visible on the server."""
    note_ids = []
    scripts = []  # as they are now: the notes may be deleted right after the edit
    for i, item in enumerate(edit.array("Notes")):
        note_id = Body(item, f"Config.Notes[{i}]").number("ID")
        note = ctx.tx.get("Note", GLOBAL, note_id)
        if note is None:
            raise bad_request(f"Config.Notes[{i}]: Note[ID:{note_id}] is not found")
        note_ids.append(note_id)
        scripts.append(str(note.get("Content", "")))
    for i, item in enumerate(edit.array("SSHKeys")):
        key = Body(item, f"Config.SSHKeys[{i}]")
        if not key.text("PublicKey") and not key.number("ID"):
            raise bad_request(f"Config.SSHKeys[{i}]: needs PublicKey or ID")
    subnet = edit.obj("UserSubnet")
    disk["_edit"] = {
        "HostName": edit.text("HostName"),
        "UserIPAddress": edit.text("UserIPAddress"),
        "UserSubnet": {
            "DefaultRoute": subnet.text("DefaultRoute"),
            "NetworkMaskLen": subnet.number("NetworkMaskLen"),
        },
        "Notes": note_ids,
        "SSHKeys": len(edit.array("SSHKeys")),
        "DisablePWAuth": edit.flag("DisablePWAuth"),
        "EnableDHCP": edit.flag("EnableDHCP"),
        "ChangePartitionUUID": edit.flag("ChangePartitionUUID"),
        "Background": edit.flag("Background"),
        "PasswordSet": bool(edit.text("Password")),
        "Scripts": scripts,
    }
    server_id = int(disk.get("_server") or 0)
    if not server_id:
        return
    server = ctx.get("Server", server_id)
    if edit.text("HostName"):
        server["HostName"] = edit.text("HostName")
        ctx.tx.put("Server", ctx.zone, ctx.touch(server))
    nics = ctx.views.nics_of(server_id)
    if nics and edit.text("UserIPAddress") and nics[0].get("_switch") != "shared":
        nics[0]["UserIPAddress"] = edit.text("UserIPAddress")
        ctx.tx.put("Interface", ctx.zone, ctx.touch(nics[0]))


@route("GET", "disk")
def find_disks(ctx: Ctx, req: Request) -> Reply:
    total, page = apply([ctx.views.disk(d) for d in ctx.tx.all("Disk", ctx.zone)], req.find)
    return found("Disks", total, req.find.from_, page)


@route("GET", "disk/{id}")
def read_disk(ctx: Ctx, req: Request) -> Reply:
    return ok("Disk", ctx.views.disk(ctx.get("Disk", int_param(req, "id", "Disk"))))


@route("POST", "disk")
def create_disk(ctx: Ctx, req: Request) -> Reply:
    disk = _new_disk(ctx, req.body.obj("Disk", required=True))
    if req.body.has("Config"):
        _apply_edit(ctx, disk, req.body.obj("Config"))
    ctx.tx.put("Disk", ctx.zone, disk)
    return ok("Disk", ctx.views.disk(disk), 201)


@route("PUT", "disk/{id}/config")
def edit_disk(ctx: Ctx, req: Request) -> Reply:
    disk = ctx.get("Disk", int_param(req, "id", "Disk"))
    _apply_edit(ctx, disk, req.body)
    ctx.tx.put("Disk", ctx.zone, ctx.touch(disk))
    return done()


@route("DELETE", "disk/{id}")
def delete_disk(ctx: Ctx, req: Request) -> Reply:
    disk = ctx.get("Disk", int_param(req, "id", "Disk"))
    server_id = int(disk.get("_server") or 0)
    server = ctx.tx.get("Server", ctx.zone, server_id) if server_id else None
    if server is not None:
        settle(server, ctx.at)
        if in_transition(server) or status(server) == "up":
            raise conflict(f"Disk[ID:{disk['ID']}] is connected to running Server[ID:{server_id}]")
    view = ctx.views.disk(disk)
    ctx.tx.delete("Disk", ctx.zone, int(disk["ID"]))
    return ok("Disk", view)


@route("GET", "product/disk")
def find_disk_plans(ctx: Ctx, req: Request) -> Reply:
    total, page = apply([ctx.views.plain(p) for p in ctx.tx.all("DiskPlan", ctx.zone)], req.find)
    return found("DiskPlans", total, req.find.from_, page)


# --- catalogue -----------------------------------------------------------------------------------


def _catalogue(kind: str, list_key: str, path: str, *, global_: bool = False) -> None:
    def find(ctx: Ctx, req: Request) -> Reply:
        zone = GLOBAL if global_ else ctx.zone
        total, page = apply([ctx.views.plain(r) for r in ctx.tx.all(kind, zone)], req.find)
        return found(list_key, total, req.find.from_, page)

    def read(ctx: Ctx, req: Request) -> Reply:
        zone = GLOBAL if global_ else ctx.zone
        return ok(kind, ctx.views.plain(ctx.get(kind, int_param(req, "id", kind), zone=zone)))

    route("GET", path)(find)
    route("GET", f"{path}/{{id}}")(read)


_catalogue("Archive", "Archives", "archive")
_catalogue("CDROM", "CDROMs", "cdrom")
_catalogue("PrivateHost", "PrivateHosts", "privatehost")
_catalogue("Icon", "Icons", "icon", global_=True)
_catalogue("Note", "Notes", "note", global_=True)
_catalogue("Zone", "Zones", "zone", global_=True)
_catalogue("InternetPlan", "InternetPlans", "product/internet")


@route("POST", "note")
def create_note(ctx: Ctx, req: Request) -> Reply:
    body = req.body.obj("Note", required=True)
    if not body.text("Name"):
        raise bad_request("Note.Name is required")
    note: Record = {
        "ID": pool.next_id(ctx.tx),
        "Name": body.text("Name"),
        "Description": body.text("Description"),
        "Tags": body.tags(),
        "Icon": check_ref(ctx, "Icon", body.id("Icon"), "Note.Icon", global_=True),
        "Class": body.text("Class") or "shell",
        "Content": body.text("Content"),
        "Scope": "user",
        "Availability": "available",
    }
    ctx.stamp_new(note)
    ctx.tx.put("Note", GLOBAL, note)
    return ok("Note", ctx.views.plain(note), 201)


@route("DELETE", "note/{id}")
def delete_note(ctx: Ctx, req: Request) -> Reply:
    note = ctx.get_global("Note", int_param(req, "id", "Note"))
    if note.get("Scope") == "shared":
        raise conflict(f"Note[ID:{note['ID']}] is a shared note and cannot be deleted")
    ctx.tx.delete("Note", GLOBAL, int(note["ID"]))
    return ok("Note", ctx.views.plain(note))


@route("GET", "auth-status")
def auth_status(ctx: Ctx, req: Request) -> Reply:
    return Reply(200, {**AUTH_STATUS, "is_ok": True})
