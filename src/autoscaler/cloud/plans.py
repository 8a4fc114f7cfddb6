"""Plan changes and plan lookups (cloud-api.md §5).

A plan change may replace the resource (a new ID), so the resource is first tagged
`@previous-id=<old id>`; `lookup.read_server` and friends follow that tag afterwards:

    new = await change_server_plan(client, zone, id_, PlanChange(cpu=4, memory_mb=8192))
    router = await change_router_bandwidth(client, zone, id_, 250)
    elb = await change_elb_plan(client, id_, 500)

`find_server_plan(client, zone, core=2, memory_gb=4)` finds the newest plan with given specs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .conditions import FindCondition, previous_id_tag, scalar
from .errors import NoResultsError
from .models import Internet, ProxyLB, Server, ServerPlan
from .ops.servers import PlanChange, ServerUpdate

if TYPE_CHECKING:
    from .client import CloudClient

PREVIOUS_ID_PREFIX = "@previous-id"
MAX_TAGS_FOR_PREVIOUS_ID = 10

# --- previous-ID tags and plan changes ---------------------------------------------------------


def previous_id_tags(tags: Sequence[str], id_: int) -> list[str] | None:
    """Tags with `@previous-id=<id>` replacing older ones, sorted; None with 10 or more tags."""
    if len(tags) >= MAX_TAGS_FOR_PREVIOUS_ID:
        return None
    kept = [t for t in tags if not t.startswith(PREVIOUS_ID_PREFIX)]
    return sorted([*kept, previous_id_tag(id_)])


async def change_server_plan(client: CloudClient, zone: str, id_: int, plan: PlanChange) -> Server:
    """Tag with the previous ID, change the plan, and return the server (with its new ID)."""
    server = await client.servers.read(zone, id_)
    tags = previous_id_tags(server.tags, server.id)
    if tags is not None:
        await client.servers.update(zone, id_, ServerUpdate.of(server, tags))
    return await client.servers.change_plan(zone, id_, plan)


async def change_router_bandwidth(client: CloudClient, zone: str, id_: int, band_width_mbps: int) -> Internet:
    router = await client.internet.read(zone, id_)
    tags = previous_id_tags(router.tags, router.id)
    if tags is not None:
        await client.internet.update(
            zone, id_, name=router.name, description=router.description, tags=tags, icon_id=router.icon_id
        )
    return await client.internet.update_bandwidth(zone, id_, band_width_mbps)


async def change_elb_plan(client: CloudClient, id_: int, plan: int) -> ProxyLB:
    elb = await client.elb.read(id_)
    tags = previous_id_tags(elb.tags, elb.id)
    if tags is not None:
        # Upstream's helper drops these two settings on this update; keeping them is harmless.
        await client.elb.update(
            id_,
            name=elb.name,
            description=elb.description,
            tags=tags,
            icon_id=elb.icon_id,
            settings=elb.settings,
            settings_hash=elb.settings_hash,
        )
    return await client.elb.change_plan(id_, plan, elb.region)


# --- server plan lookup --------------------------------------------------------------------------


def server_plan_condition(
    *, core: int = 0, memory_gb: int = 0, gpu: int = 0, cpu_model: str = "", dedicated_cpu: bool = False
) -> FindCondition:
    filters = {
        "Commitment": scalar("dedicatedcpu" if dedicated_cpu else "standard", raw=True),
        "ConfidentialVM": scalar(0),
    }
    if core > 0:
        filters["CPU"] = scalar(core)
    if memory_gb > 0:
        filters["MemoryMB"] = scalar(memory_gb * 1024)
    if gpu > 0:
        filters["GPU"] = scalar(gpu)
    if cpu_model:
        filters["CPUModel"] = scalar(cpu_model)
    return FindCondition(count=1000, sort=["-Generation"], filter=filters)


async def find_server_plan(
    client: CloudClient,
    zone: str,
    *,
    core: int = 0,
    memory_gb: int = 0,
    gpu: int = 0,
    cpu_model: str = "",
    dedicated_cpu: bool = False,
) -> ServerPlan:
    """The newest-generation plan with these specs (`server plan not found` when none)."""
    cond = server_plan_condition(
        core=core, memory_gb=memory_gb, gpu=gpu, cpu_model=cpu_model, dedicated_cpu=dedicated_cpu
    )
    found = await client.server_plans.find(zone, cond)
    if found.count == 0 or not found.items:
        raise NoResultsError("server plan not found")
    return found.items[0]
