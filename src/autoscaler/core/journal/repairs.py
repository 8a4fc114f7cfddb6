"""Bringing one resource an interrupted job touched back to a safe state, from what the journal
recorded and what the cloud shows now.

The rule that holds afterwards: a server that was running before the job runs again; what the
job took off a parent is put back, unless the job deleted that server on purpose; no group
member exists half-created. Each repair reads the cloud first and acts only on what differs,
so running it again (after a crash during recovery, or a retry) does no harm.

- Server, UPDATE (shutdown, change_plan, boot, detach): an interrupted plan change is finished
  (the server is off), the server is booted if the job had shut it down, and PostHandle
  re-attaches it to its parent.
- ServerGroupInstance, CREATE (create_server, create_disk..., boot): with every disk created,
  the member is finished (booted; PostHandle adds it to its parent); else it is deleted with
  the disks it has. Startup-script notes left behind are deleted.
- ServerGroupInstance, DELETE (remove, shutdown, delete_server): the deletion is finished (off
  its parent, shut down, deleted with its disks).
- ELB or Router, UPDATE (change_plan): nothing to repair, a plan change keeps the service up;
  PostHandle tells the handlers.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from ...cloud.client import CloudClient
from ...cloud.errors import CloudError
from ...cloud.lookup import read_server
from ...cloud.models import Server
from ...cloud.ops.servers import PlanChange
from ...cloud.plans import change_server_plan
from ...cloud.power import server_is_down, server_is_up
from ...handlers.builtin.registry import Action
from ...proto import handler_pb2 as pb
from ..resources.computed import Computed
from .records import DONE, FAILED, INTENT, ResourceEntry, StepEntry

Result = pb.PostHandleRequest.ResourceHandleResults
# Record a recovery step: (action, target, zone, cloud_id, detail) -> a block filling the outcome.
RecordStep = Callable[..., contextlib.AbstractAsyncContextManager[dict[str, Any]]]
Locate = Callable[[ResourceEntry, str], Awaitable[Any]]  # (resource, current cloud ID) -> Resource | None


@dataclass
class Repair:
    """What recovery did for one resource, and the PostHandle the handlers get."""

    actions: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what was found, nothing done about it
    post_result: int | None = None  # None: no PostHandle
    post_current: Computed | None = None  # set for a deleted resource (its last known value)
    post_why: str = ""  # what the builtins do with that PostHandle, for the job's error text
    cloud_id: str = ""  # the resource's ID now (after a plan change, a creation)


@dataclass
class RepairContext:
    client: CloudClient
    record: RecordStep
    locate: Locate
    pre_handle_delete: Callable[[Computed], Awaitable[None]]  # builtins' PreHandle for a member going
    action: Callable[[str, ResourceEntry, str], None]  # log one line: (what, resource, cloud ID)
    user_data: str = ""  # a ServerGroup template's cloud_config (booting a new member)
    force: bool = False  # the definition's shutdown_force
    has_parent: bool = False  # the definition has a `parent`


def steps_of(steps: list[StepEntry], *actions: Action) -> list[StepEntry]:
    names = {str(a) for a in actions}
    return [s for s in steps if s.action in names]


# --- power, as recovery needs it: from any state, including a transition someone else began ---


async def ensure_up(client: CloudClient, zone: str, id_: int, user_data: str = "") -> bool:
    """Until the server is up; True when recovery had to ask for the boot."""
    return await _ensure(client, zone, id_, want_up=True, user_data=user_data)


async def ensure_down(client: CloudClient, zone: str, id_: int, force: bool) -> bool:
    return await _ensure(client, zone, id_, want_up=False, force=force)


async def _ensure(
    client: CloudClient, zone: str, id_: int, *, want_up: bool, user_data: str = "", force: bool = False
) -> bool:
    t = client.timings
    asked = False
    last_request = float("-inf")
    while True:
        server = await client.servers.read(zone, id_)
        if (server_is_up if want_up else server_is_down)(server):
            return asked
        status = server.instance_status.lower()
        # A server never booted has no status yet (the fake's); it counts as off.
        settled = server.availability == "available" and status in (("down", "") if want_up else ("up",))
        if settled and time.monotonic() - last_request >= t.power_rerequest_interval:
            last_request = time.monotonic()
            try:
                if want_up:
                    await client.servers.boot(zone, id_, user_data)
                else:
                    await client.servers.shutdown(zone, id_, force)
                asked = True
            except CloudError as exc:
                # Already starting or stopping (the job's own request is being carried out).
                if not exc.is_conflict:
                    raise
        await asyncio.sleep(t.poll_interval)


async def settle(client: CloudClient, zone: str, id_: int) -> Server:
    """The server once it is neither starting up the cloud side nor stopping."""
    while True:
        server = await client.servers.read(zone, id_)
        if server.availability == "available" and server.instance_status.lower() in ("up", "down", ""):
            return server
        await asyncio.sleep(client.timings.poll_interval)


async def disks_settled(client: CloudClient, zone: str, disk_ids: list[int]) -> None:
    """Until no disk is still being copied (a disk in migration cannot be deleted)."""
    for disk_id in disk_ids:
        while True:
            try:
                disk = await client.disks.read(zone, disk_id)
            except CloudError as exc:
                if exc.is_not_found:
                    break
                raise
            if disk.availability != "migrating":
                break
            await asyncio.sleep(client.timings.poll_interval)


# --- the repairs -------------------------------------------------------------------------------


async def repair_server(ctx: RepairContext, res: ResourceEntry, steps: list[StepEntry]) -> Repair:
    """A Server whose vertical scaling was cut short."""
    out = Repair()
    plan_steps = steps_of(steps, Action.CHANGE_PLAN)
    cloud_id = res.cloud_id or (steps[0].cloud_id if steps else "")
    for step in plan_steps:
        if step.state == DONE and step.outcome.get("id"):
            cloud_id = str(step.outcome["id"])
    server = await read_server(ctx.client, res.zone, int(cloud_id))  # follows @previous-id
    server = await settle(ctx.client, res.zone, server.id)
    was_up = bool(steps_of(steps, Action.SHUTDOWN))
    unfinished = [s for s in plan_steps if s.state == INTENT]
    if unfinished:
        step = unfinished[-1]
        to = step.detail.get("plan_to", {})
        wanted = (int(to.get("core", 0)), int(to.get("memory", 0)))
        if (server.cpu, server.memory_gb) == wanted:
            out.notes.append(f"the plan change of {res.name} had been made (ID {server.id})")
        elif server_is_up(server):
            out.notes.append(f"the plan of {res.name} was left unchanged (the server had not been shut down)")
        else:
            old_id = server.id
            plan = PlanChange(
                cpu=wanted[0],
                memory_mb=wanted[1] * 1024,
                gpu=int(to.get("gpu", 0)),
                cpu_model=str(to.get("cpu_model", "")),
                commitment=str(to.get("commitment", "standard")),
            )
            async with ctx.record(Action.CHANGE_PLAN, res, old_id, plan_to=to) as outcome:
                server = await change_server_plan(ctx.client, res.zone, old_id, plan)
                outcome["id"] = str(server.id)
            what = (
                f"finished the plan change to {{Core:{wanted[0]}, Memory:{wanted[1]}}} "
                f"(ID {old_id} -> {server.id})"
            )
            out.actions.append(f"{what} of {res.name}")
            ctx.action(what, res, str(server.id))
    if was_up and not server_is_up(server):
        async with ctx.record(Action.BOOT, res, server.id):
            asked = await ensure_up(ctx.client, res.zone, server.id)
        if asked:
            what = "booted it (it was running before the job)"
            out.actions.append(f"booted {res.name} (ID {server.id}; it was running before the job)")
        else:
            what = "waited for the boot the job had begun"
            out.actions.append(f"waited for {res.name} to finish booting (ID {server.id})")
        ctx.action(what, res, str(server.id))
    out.cloud_id = str(server.id)
    detached = steps_of(steps, Action.DETACH)
    attached = [s for s in steps_of(steps, Action.ATTACH) if s.state == DONE]
    if out.actions or (detached and not attached):
        out.post_result = Result.UPDATED
        if detached and not attached:
            out.post_why = "re-attaching it to its parent"
    return out


async def repair_new_member(ctx: RepairContext, res: ResourceEntry, steps: list[StepEntry]) -> Repair:
    """A ServerGroup member whose creation was cut short: finished when every disk exists, else
    deleted with what it has."""
    out = Repair()
    client, zone = ctx.client, res.zone
    await _delete_left_notes(ctx, res, steps, out)
    creates = steps_of(steps, Action.CREATE_SERVER)
    server_id = next((int(s.outcome["id"]) for s in reversed(creates) if s.outcome.get("id")), 0)
    server: Server | None = None
    if server_id:
        try:
            server = await client.servers.read(zone, server_id)
        except CloudError as exc:
            if not exc.is_not_found:
                raise
    else:
        # The create call may have gone out without its answer being recorded: find it by name.
        found = [s for s in await client.servers.find(zone) if s.name == res.name]
        server = found[0] if found else None
    if server is None:
        out.notes.append(f"member {res.name} had not been created")
        return out
    out.cloud_id = str(server.id)
    expected = max((int(s.detail.get("disks", 0)) for s in creates), default=0)
    disk_steps = steps_of(steps, Action.CREATE_DISK)
    created = {int(s.detail.get("index", -1)) for s in disk_steps if s.state == DONE and s.step != "Recovery"}
    complete = len(created) >= expected and not any(s.state == FAILED for s in disk_steps)
    complete = complete and not steps_of(steps, Action.DELETE_SERVER)  # recovery began a roll-back
    if complete:
        await disks_settled(client, zone, server.disk_ids)
        if server_is_up(await client.servers.read(zone, server.id)):
            out.notes.append(f"the new member {res.name} is running")
        else:
            async with ctx.record(Action.BOOT, res, server.id):
                asked = await ensure_up(client, zone, server.id, ctx.user_data)
            what = "booted the new member to finish its creation" if asked else "waited for its boot to end"
            out.actions.append(f"{what} ({res.name}, ID {server.id})")
            ctx.action(what, res, str(server.id))
        # PostHandle when recovery changed something, or the parent still lacks the member (the
        # builtins add it); not to tell the custom handlers again what their PostHandle failed on.
        added = [s for s in steps_of(steps, Action.ADD) if s.state == DONE]
        if out.actions or (ctx.has_parent and not added):
            out.post_result = Result.CREATED
            out.post_why = "adding it to its parent" if ctx.has_parent and not added else ""
        return out
    located = await ctx.locate(res, str(server.id))
    last = await located.compute(refresh=False) if located is not None else None
    if not server_is_down(server) and server.instance_status:
        await ensure_down(client, zone, server.id, ctx.force)
    await disks_settled(client, zone, server.disk_ids)
    disks = server.disk_ids
    async with ctx.record(Action.DELETE_SERVER, res, server.id, disks=[str(d) for d in disks]):
        await client.servers.delete_with_disks(zone, server.id, disks)
    what = f"deleted the half-created member (disks created: {len(created)} of {expected})"
    out.actions.append(f"deleted the half-created member {res.name} (ID {server.id}, disks {_ids(disks)})")
    ctx.action(what, res, str(server.id))
    out.post_result, out.post_current, out.cloud_id = Result.DELETED, last, ""
    return out


async def repair_leaving_member(ctx: RepairContext, res: ResourceEntry, steps: list[StepEntry]) -> Repair:
    """A ServerGroup member whose deletion was cut short: the deletion is finished (the job
    had begun to take it out of service)."""
    out = Repair()
    client, zone = ctx.client, res.zone
    cloud_id = res.cloud_id or next((s.cloud_id for s in steps if s.cloud_id and s.kind == res.kind), "")
    ids = {s.cloud_id for s in steps_of(steps, Action.SHUTDOWN, Action.DELETE_SERVER)} - {""}
    cloud_id = cloud_id or next(iter(ids), "")
    try:
        server = await client.servers.read(zone, int(cloud_id))
    except CloudError as exc:
        if not exc.is_not_found:
            raise
        out.notes.append(f"member {res.name} had been deleted")
        return out
    located = await ctx.locate(res, str(server.id))
    last: Computed | None = None
    if located is not None:
        located.instruction = pb.DELETE
        last = await located.compute(refresh=False)
        await ctx.pre_handle_delete(last)  # off its parent (again: nothing happens if it is off)
    if not server_is_down(server) and server.instance_status:
        async with ctx.record(Action.SHUTDOWN, res, server.id, force=ctx.force):
            await ensure_down(client, zone, server.id, ctx.force)
    disks = server.disk_ids
    await disks_settled(client, zone, disks)
    async with ctx.record(Action.DELETE_SERVER, res, server.id, disks=[str(d) for d in disks]):
        await client.servers.delete_with_disks(zone, server.id, disks)
    what = "finished deleting the member (the job had begun to take it out of service)"
    out.actions.append(f"finished deleting member {res.name} (ID {server.id}, disks {_ids(disks)})")
    ctx.action(what, res, str(server.id))
    out.post_result, out.post_current = Result.DELETED, last
    return out


async def repair_plan_only(ctx: RepairContext, res: ResourceEntry, steps: list[StepEntry]) -> Repair:
    """An ELB or router whose plan change was cut short: the change either happened or not,
    the service ran on in both cases."""
    out = Repair(cloud_id=res.cloud_id)
    unfinished = [s for s in steps_of(steps, Action.CHANGE_PLAN) if s.state == INTENT]
    if unfinished:
        out.notes.append(f"the plan change of {res.name} may not have been made; left as the cloud has it")
        out.post_result = Result.UPDATED
    return out


async def _delete_left_notes(
    ctx: RepairContext, res: ResourceEntry, steps: list[StepEntry], out: Repair
) -> None:
    """Startup-script notes the job created and did not delete (they hold the scripts)."""
    deleted = {s.cloud_id for s in steps_of(steps, Action.DELETE_NOTE) if s.state == DONE}
    for step in steps_of(steps, Action.CREATE_NOTE):
        note_id = str(step.outcome.get("id", ""))
        if not note_id or note_id in deleted:
            continue
        async with ctx.record(Action.DELETE_NOTE, res, note_id):
            try:
                await ctx.client.notes.delete(int(note_id))
            except CloudError as exc:
                if not exc.is_not_found:
                    raise
        deleted.add(note_id)
        out.actions.append(f"deleted the startup-script note {note_id} left by the job")
        ctx.action("deleted a startup-script note left by the job", res, note_id)


def _ids(ids: list[int]) -> str:
    return "[" + " ".join(str(i) for i in ids) + "]"
