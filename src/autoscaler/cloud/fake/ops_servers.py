"""Servers: create with NICs, update, plan change (new ID), power, CD-ROM, delete with disks."""

from __future__ import annotations

import copy
from typing import Any

from . import pool
from .body import Body
from .clock import in_transition, settle, start_power, status
from .context import Ctx, Reply, Request, done, found, int_param, ok, route
from .errors import ApiError, bad_request, conflict
from .query import apply
from .store import GLOBAL

Record = dict[str, Any]
MAX_NICS = 10
INTERFACE_DRIVERS = ("virtio", "e1000")


# --- plans ---------------------------------------------------------------------------------------


def pick_plan(
    ctx: Ctx, *, cpu: int, memory_mb: int, gpu: int, commitment: str, cpu_model: str, generation: int
) -> Record:
    """The newest available plan with these specs (a 400 naming them when there is none)."""
    candidates = [
        p
        for p in ctx.tx.all("ServerPlan", ctx.zone)
        if p.get("CPU") == cpu
        and p.get("MemoryMB") == memory_mb
        and int(p.get("GPU") or 0) == gpu
        and (p.get("Commitment") or "standard") == commitment
        and (not cpu_model or p.get("CPUModel") == cpu_model)
        and (not generation or p.get("Generation") == generation)
        and p.get("Availability") == "available"
    ]
    if not candidates:
        spec = f"CPU={cpu} MemoryMB={memory_mb} GPU={gpu} Commitment={commitment}"
        if cpu_model:
            spec += f" CPUModel={cpu_model}"
        if generation:
            spec += f" Generation={generation}"
        raise bad_request(f"no server plan in zone {ctx.zone} with {spec}")
    candidates.sort(key=lambda p: int(p.get("Generation") or 0), reverse=True)
    plan = candidates[0]
    keys = ("ID", "Name", "CPU", "MemoryMB", "GPU", "GPUModel", "CPUModel", "Commitment", "Generation")
    out = {k: plan[k] for k in keys if k in plan}
    out["ConfidentialVM"] = bool(plan.get("ConfidentialVM", False))
    return out


def zone_info(ctx: Ctx) -> Record:
    for zone in ctx.tx.all("Zone", GLOBAL):
        if zone.get("Name") == ctx.zone:
            return {k: copy.deepcopy(v) for k, v in zone.items() if not k.startswith("_")}
    return {"Name": ctx.zone}


def check_ref(ctx: Ctx, kind: str, id_: int, where: str, *, global_: bool = False) -> Record:
    """`{"ID": id}` for a reference that must exist, `{}` for none."""
    if not id_:
        return {}
    record = ctx.tx.get(kind, GLOBAL if global_ else ctx.zone, id_)
    if record is None:
        raise bad_request(f"{where}: {kind}[ID:{id_}] is not found")
    return {"ID": id_, "Name": record.get("Name", "")}


# --- NICs ----------------------------------------------------------------------------------------


def new_nic(ctx: Ctx, server_id: int, index: int, switch: str | int | None) -> Record:
    nic: Record = {
        "ID": pool.next_id(ctx.tx),
        "MACAddress": pool.next_mac(ctx.tx),
        "IPAddress": "",
        "UserIPAddress": "",
        "HostName": "",
        "_server": server_id,
        "_index": index,
        "_switch": switch,
        "_packet_filter": 0,
    }
    if switch == "shared":
        try:
            nic["IPAddress"] = pool.next_shared_ip(ctx.tx, ctx.zone)
        except pool.PoolExhausted as exc:
            raise conflict(str(exc)) from None
    ctx.stamp_new(nic)
    ctx.tx.put("Interface", ctx.zone, nic)
    return nic


def _connected_switches(ctx: Ctx, entries: list[Any]) -> list[str | int | None]:
    out: list[str | int | None] = []
    for i, entry in enumerate(entries):
        where = f"Server.ConnectedSwitches[{i}]"
        if entry is None:
            out.append(None)
            continue
        item = Body(entry, where)
        if item.text("Scope") == "shared":
            out.append("shared")
            continue
        sw_id = item.number("ID")
        if not sw_id:
            raise bad_request(f'{where}: needs "ID" of a switch or "Scope": "shared"')
        if ctx.tx.get("Switch", ctx.zone, sw_id) is None:
            raise bad_request(f"{where}: Switch[ID:{sw_id}] is not found in zone {ctx.zone}")
        out.append(sw_id)
    if len(out) > MAX_NICS:
        raise bad_request(f"Server.ConnectedSwitches: at most {MAX_NICS} NICs, got {len(out)}")
    return out


# --- operations ----------------------------------------------------------------------------------


def _view(ctx: Ctx, record: Record) -> Record:
    return ctx.views.server(record)


@route("GET", "server")
def find_servers(ctx: Ctx, req: Request) -> Reply:
    views = [_view(ctx, r) for r in ctx.tx.all("Server", ctx.zone)]
    total, page = apply(views, req.find)
    return found("Servers", total, req.find.from_, page)


@route("GET", "server/{id}")
def read_server(ctx: Ctx, req: Request) -> Reply:
    return ok("Server", _view(ctx, ctx.get("Server", int_param(req, "id", "Server"))))


@route("POST", "server")
def create_server(ctx: Ctx, req: Request) -> Reply:
    body = req.body.obj("Server", required=True)
    name = body.text("Name")
    if not name:
        raise bad_request("Server.Name is required")
    driver = body.text("InterfaceDriver", "virtio")
    if driver not in INTERFACE_DRIVERS:
        raise bad_request(
            f"Server.InterfaceDriver must be one of {', '.join(INTERFACE_DRIVERS)}, got {driver!r}"
        )
    spec = body.obj("ServerPlan")
    plan = pick_plan(
        ctx,
        cpu=spec.number("CPU", 1),
        memory_mb=spec.number("MemoryMB", 1024),
        gpu=spec.number("GPU"),
        commitment=spec.text("Commitment") or "standard",
        cpu_model=spec.text("CPUModel"),
        generation=spec.number("Generation"),
    )
    switches = _connected_switches(ctx, body.array("ConnectedSwitches"))
    server: Record = {
        "ID": pool.next_id(ctx.tx),
        "Name": name,
        "Description": body.text("Description"),
        "Tags": body.tags(),
        "Icon": check_ref(ctx, "Icon", body.id("Icon"), "Server.Icon", global_=True),
        "Availability": "available",
        "HostName": name,
        "InterfaceDriver": driver,
        "ServerPlan": plan,
        "Zone": zone_info(ctx),
        "Instance": {"Status": "down", "BeforeStatus": "", "StatusChangedAt": ctx.now_text},
        "PrivateHost": check_ref(ctx, "PrivateHost", body.id("PrivateHost"), "Server.PrivateHost"),
    }
    ctx.stamp_new(server)
    ctx.tx.put("Server", ctx.zone, server)
    for index, switch in enumerate(switches):
        new_nic(ctx, server["ID"], index, switch)
    return ok("Server", _view(ctx, server), 201)


@route("PUT", "server/{id}")
def update_server(ctx: Ctx, req: Request) -> Reply:
    server = settle(ctx.get("Server", int_param(req, "id", "Server")), ctx.at)
    body = req.body.obj("Server", required=True)
    if body.has("Name"):
        if not body.text("Name"):
            raise bad_request("Server.Name must not be empty")
        server["Name"] = body.text("Name")
    if body.has("Description"):
        server["Description"] = body.text("Description")
    if body.has("Tags"):
        server["Tags"] = body.tags()
    if body.has("Icon"):
        server["Icon"] = check_ref(ctx, "Icon", body.id("Icon"), "Server.Icon", global_=True)
    if body.has("PrivateHost"):
        server["PrivateHost"] = check_ref(ctx, "PrivateHost", body.id("PrivateHost"), "Server.PrivateHost")
    if body.has("InterfaceDriver"):
        driver = body.text("InterfaceDriver")
        if driver not in INTERFACE_DRIVERS:
            raise bad_request(f"Server.InterfaceDriver must be one of {', '.join(INTERFACE_DRIVERS)}")
        server["InterfaceDriver"] = driver
    ctx.touch(server)
    ctx.tx.put("Server", ctx.zone, server)
    return ok("Server", _view(ctx, server))


def _require_stopped(server: Record, what: str) -> None:
    if in_transition(server) or status(server) == "up":
        raise conflict(f"Server[ID:{server['ID']}] is running: shut it down before {what}")


@route("PUT", "server/{id}/plan")
def change_plan(ctx: Ctx, req: Request) -> Reply:
    old = settle(ctx.get("Server", int_param(req, "id", "Server")), ctx.at)
    _require_stopped(old, "changing its plan")
    current = old.get("ServerPlan") or {}
    body = req.body
    plan = pick_plan(
        ctx,
        cpu=body.number("CPU", int(current.get("CPU") or 1)),
        memory_mb=body.number("MemoryMB", int(current.get("MemoryMB") or 1024)),
        gpu=body.number("GPU"),
        commitment=body.text("Commitment") or "standard",
        cpu_model=body.text("CPUModel"),
        generation=body.number("Generation"),
    )
    # The real API replaces the server: a new ID, the same disks, NICs and tags.
    new = copy.deepcopy(old)
    new["ID"] = pool.next_id(ctx.tx)
    new["ServerPlan"] = plan
    ctx.touch(new)
    ctx.tx.delete("Server", ctx.zone, int(old["ID"]))
    ctx.tx.put("Server", ctx.zone, new)
    for kind in ("Interface", "Disk"):
        for record in ctx.tx.all(kind, ctx.zone):
            if record.get("_server") == old["ID"]:
                record["_server"] = new["ID"]
                ctx.tx.put(kind, ctx.zone, record)
    return ok("Server", _view(ctx, new))


@route("DELETE", "server/{id}")
def delete_server(ctx: Ctx, req: Request) -> Reply:
    server = settle(ctx.get("Server", int_param(req, "id", "Server")), ctx.at)
    if in_transition(server) or status(server) == "up":
        raise conflict(f"Server[ID:{server['ID']}] is still running")
    sid = int(server["ID"])
    with_disks = req.body.array("WithDisk")
    disk_ids: list[int] = []
    for i, raw in enumerate(with_disks):
        try:
            disk_id = int(raw)
        except (TypeError, ValueError):
            raise bad_request(f"WithDisk[{i}] must be a disk ID, got {raw!r}") from None
        if ctx.tx.get("Disk", ctx.zone, disk_id) is None:
            raise ApiError(404, "not_found", f"Disk[ID:{disk_id}] in WithDisk is not found")
        disk_ids.append(disk_id)
    # Everything is checked before anything is deleted: the call is all or nothing.
    view = _view(ctx, server)
    for nic in ctx.views.nics_of(sid):
        ctx.tx.delete("Interface", ctx.zone, int(nic["ID"]))
    for disk in ctx.tx.all("Disk", ctx.zone):
        if disk.get("_server") == sid and int(disk["ID"]) not in disk_ids:
            disk["_server"] = 0
            ctx.tx.put("Disk", ctx.zone, ctx.touch(disk))
    for disk_id in disk_ids:
        ctx.tx.delete("Disk", ctx.zone, disk_id)
    ctx.tx.delete("Server", ctx.zone, sid)
    return ok("Server", view)


def _host(ctx: Ctx, server: Record) -> None:
    instance = server.setdefault("Instance", {})
    instance["Host"] = {"Name": f"sac-{ctx.zone}-sv{int(server['ID']) % 1000:03d}", "InfoURL": ""}


@route("PUT", "server/{id}/power")
def boot(ctx: Ctx, req: Request) -> Reply:
    server = settle(ctx.get("Server", int_param(req, "id", "Server")), ctx.at)
    going = in_transition(server)
    if going == "up" or status(server) == "up":
        raise conflict(f"Server[ID:{server['ID']}] is already running or starting")
    if going == "down":
        raise conflict(f"Server[ID:{server['ID']}] is shutting down")
    variables = req.body.obj("UserBootVariables")
    user_data = variables.obj("CloudInit").text("UserData")
    server["_user_data"] = user_data
    _host(ctx, server)
    start_power(server, "up", status(server) or "down", ctx.at, ctx.delays.boot)
    ctx.tx.put("Server", ctx.zone, server)
    return done()


@route("DELETE", "server/{id}/power")
def shutdown(ctx: Ctx, req: Request) -> Reply:
    server = settle(ctx.get("Server", int_param(req, "id", "Server")), ctx.at)
    if in_transition(server) or status(server) != "up":
        raise conflict(f"Server[ID:{server['ID']}] is not running")
    req.body.flag("Force")  # validated; a fake power-off takes as long as a shutdown
    start_power(server, "down", "up", ctx.at, ctx.delays.shutdown)
    ctx.tx.put("Server", ctx.zone, server)
    return done()


@route("PUT", "server/{id}/reset")
def reset(ctx: Ctx, req: Request) -> Reply:
    server = settle(ctx.get("Server", int_param(req, "id", "Server")), ctx.at)
    if in_transition(server) or status(server) != "up":
        raise conflict(f"Server[ID:{server['ID']}] is not running")
    start_power(server, "up", "up", ctx.at, ctx.delays.boot)
    ctx.tx.put("Server", ctx.zone, server)
    return done()


@route("PUT", "server/{id}/cdrom")
def insert_cdrom(ctx: Ctx, req: Request) -> Reply:
    server = ctx.get("Server", int_param(req, "id", "Server"))
    cdrom_id = req.body.obj("CDROM", required=True).number("ID")
    if ctx.tx.get("CDROM", ctx.zone, cdrom_id) is None:
        raise bad_request(f"CDROM[ID:{cdrom_id}] is not found in zone {ctx.zone}")
    server.setdefault("Instance", {})["CDROM"] = {"ID": cdrom_id}
    ctx.tx.put("Server", ctx.zone, ctx.touch(server))
    return done()


@route("DELETE", "server/{id}/cdrom")
def eject_cdrom(ctx: Ctx, req: Request) -> Reply:
    server = ctx.get("Server", int_param(req, "id", "Server"))
    server.setdefault("Instance", {}).pop("CDROM", None)
    ctx.tx.put("Server", ctx.zone, ctx.touch(server))
    return done()


@route("GET", "product/server")
def find_server_plans(ctx: Ctx, req: Request) -> Reply:
    total, page = apply([ctx.views.plain(p) for p in ctx.tx.all("ServerPlan", ctx.zone)], req.find)
    return found("ServerPlans", total, req.find.from_, page)


@route("GET", "product/server/{id}")
def read_server_plan(ctx: Ctx, req: Request) -> Reply:
    return ok("ServerPlan", ctx.views.plain(ctx.get("ServerPlan", int_param(req, "id", "ServerPlan"))))
