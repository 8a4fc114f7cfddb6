"""What the handlers and the Core build on top of single operations (cloud-api.md §5, §3.6).

Power and readiness (every wait polls `Read`; intervals/timeouts from `client.timings` unless
given):

    server = await boot_server(client, zone, id_, user_data=cloud_config)   # until up
    server = await shutdown_server(client, zone, id_, force=False)          # until down
    server = await wait_server_up(client, zone, id_)
    disk = await wait_disk_ready(client, zone, disk_id)

Plan changes that may replace a resource tag it first with `@previous-id=<old id>`:

    new = await change_server_plan(client, zone, id_, PlanChange(cpu=4, memory_mb=8192))
    router = await change_router_bandwidth(client, zone, id_, 250)
    elb = await change_elb_plan(client, id_, 500)

Reads that follow such a replacement (Core's refresh): `read_server`, `read_router`,
`read_proxylb` — a 404 falls back to the resource tagged `@previous-id=<id>`.

Lookups: `find_archive_by_os_type(client, zone, "ubuntu")`, `find_server_plan(client, zone, ...)`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, NamedTuple, TypeVar

from .conditions import FindCondition, previous_id_tag, scalar, tags_and
from .errors import CloudError, NoResultsError, WaitTimeout, message_of
from .models import Archive, Disk, Internet, ProxyLB, Server, ServerPlan
from .ops.base import FindResult
from .ops.servers import PlanChange, ServerUpdate
from .wire import WireModel

if TYPE_CHECKING:
    from .client import CloudClient, Timings

M = TypeVar("M", bound=WireModel)

PREVIOUS_ID_PREFIX = "@previous-id"
MAX_TAGS_FOR_PREVIOUS_ID = 10

# --- power and readiness -----------------------------------------------------------------------


def _timings(client: CloudClient, timings: Timings | None) -> Timings:
    return timings or client.timings


def server_is_up(server: Server) -> bool:
    return server.availability == "available" and server.instance_status.lower() == "up"


def server_is_down(server: Server) -> bool:
    return server.availability == "available" and server.instance_status.lower() == "down"


async def _first_request(request: Callable[[], Awaitable[None]], t: Timings) -> None:
    """Send a power request one retry interval from now (upstream's ticker fires first); while
    the API answers "still creating", send it again every interval until the retry timeout."""
    deadline = time.monotonic() + t.power_retry_timeout
    while True:
        await asyncio.sleep(t.power_retry_interval)
        try:
            await request()
            return
        except CloudError as exc:
            if not exc.is_still_creating:
                raise
            if time.monotonic() >= deadline:
                raise WaitTimeout(f"powerRequestWithRetry: timed out: {message_of(exc)}") from exc


async def _wait_server(
    client: CloudClient,
    zone: str,
    id_: int,
    done: Callable[[Server], bool],
    goal: str,
    t: Timings,
    rerequest: Callable[[], Awaitable[None]] | None = None,
    rerequest_when: str = "",
) -> Server:
    """Poll until `done`; optionally repeat the power request while the status stays `rerequest_when`."""
    start = time.monotonic()
    next_request = start + t.power_rerequest_interval
    while True:
        await asyncio.sleep(t.poll_interval)
        server = await client.servers.read(zone, id_)
        if done(server):
            return server
        now = time.monotonic()
        if now - start >= t.poll_timeout:
            raise WaitTimeout(f"waiting for server {id_} to be {goal}: context deadline exceeded")
        if rerequest is not None and now >= next_request and server.instance_status.lower() == rerequest_when:
            next_request = now + t.power_rerequest_interval
            try:
                await rerequest()
            except CloudError as exc:
                if not exc.is_conflict:
                    raise
                rerequest = None  # the earlier request is being carried out


async def wait_server_up(
    client: CloudClient, zone: str, id_: int, *, timings: Timings | None = None
) -> Server:
    return await _wait_server(client, zone, id_, server_is_up, "up", _timings(client, timings))


async def boot_server(
    client: CloudClient, zone: str, id_: int, *, user_data: str = "", timings: Timings | None = None
) -> Server:
    """Boot (with cloud-init `user_data` when given) and wait until the server is up."""
    t = _timings(client, timings)

    async def request() -> None:
        await client.servers.boot(zone, id_, user_data)

    await _first_request(request, t)
    return await _wait_server(client, zone, id_, server_is_up, "up", t, request, "down")


async def shutdown_server(
    client: CloudClient, zone: str, id_: int, *, force: bool = False, timings: Timings | None = None
) -> Server:
    """Shut down (ACPI request, or power off when `force`) and wait until the server is down."""
    t = _timings(client, timings)

    async def request() -> None:
        await client.servers.shutdown(zone, id_, force)

    await _first_request(request, t)
    return await _wait_server(client, zone, id_, server_is_down, "down", t, request, "up")


async def wait_disk_ready(
    client: CloudClient, zone: str, id_: int, *, timings: Timings | None = None
) -> Disk:
    """Poll until the disk is `available` (a `failed` disk runs into the timeout)."""
    t = _timings(client, timings)
    start = time.monotonic()
    while True:
        await asyncio.sleep(t.poll_interval)
        disk = await client.disks.read(zone, id_)
        if disk.availability == "available":
            return disk
        if time.monotonic() - start >= t.poll_timeout:
            raise WaitTimeout(f"waiting for disk {id_}: context deadline exceeded")


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


# --- reads with previous-ID fallback -------------------------------------------------------------


async def _read_following(
    read: Callable[[], Awaitable[M]],
    find: Callable[[FindCondition], Awaitable[FindResult[M]]],
    kind: str,
    id_: int,
) -> M:
    """Read by ID; after a 404, the first resource tagged `@previous-id=<id>`."""
    try:
        return await read()
    except CloudError as exc:
        if not exc.is_not_found:
            raise
    found = (await find(FindCondition(filter={"Tags.Name": tags_and(previous_id_tag(id_))}))).first()
    if found is None:
        raise NoResultsError(f"{kind}[{id_}] not found (also not by @previous-id)")
    return found


async def read_server(client: CloudClient, zone: str, id_: int) -> Server:
    return await _read_following(
        lambda: client.servers.read(zone, id_), lambda c: client.servers.find(zone, c), "Server", id_
    )


async def read_router(client: CloudClient, zone: str, id_: int) -> Internet:
    return await _read_following(
        lambda: client.internet.read(zone, id_), lambda c: client.internet.find(zone, c), "Internet", id_
    )


async def read_proxylb(client: CloudClient, id_: int) -> ProxyLB:
    return await _read_following(lambda: client.elb.read(id_), client.elb.find, "ProxyLB", id_)


# --- lookups -------------------------------------------------------------------------------------


class OSType(NamedTuple):
    """An `os_type` of a disk template: its name in upstream's messages and its archive tags."""

    name: str
    tags: tuple[str, ...]


OS_TYPES: dict[str, OSType] = {
    "almalinux": OSType("AlmaLinux", ("current-stable", "distro-alma")),
    "almalinux10": OSType("AlmaLinux10", ("alma-10-latest",)),
    "almalinux9": OSType("AlmaLinux9", ("alma-9-latest",)),
    "almalinux8": OSType("AlmaLinux8", ("alma-8-latest",)),
    "rockylinux": OSType("RockyLinux", ("current-stable", "distro-rocky")),
    "rockylinux10": OSType("RockyLinux10", ("rocky-10-latest",)),
    "rockylinux9": OSType("RockyLinux9", ("rocky-9-latest",)),
    "rockylinux8": OSType("RockyLinux8", ("rocky-8-latest",)),
    "miracle": OSType("MiracleLinux", ("current-stable", "distro-miracle")),
    "miraclelinux": OSType("MiracleLinux", ("current-stable", "distro-miracle")),
    "miracle9": OSType("MiracleLinux9", ("miracle-9-latest",)),
    "miraclelinux9": OSType("MiracleLinux9", ("miracle-9-latest",)),
    "miracle8": OSType("MiracleLinux8", ("miracle-8-latest",)),
    "miraclelinux8": OSType("MiracleLinux8", ("miracle-8-latest",)),
    "ubuntu": OSType("Ubuntu", ("current-stable", "distro-ubuntu")),
    "ubuntu2404": OSType("Ubuntu2404", ("ubuntu-24.04-latest",)),
    "ubuntu2204": OSType("Ubuntu2204", ("ubuntu-22.04-latest",)),
    "debian": OSType("Debian", ("current-stable", "distro-debian")),
    "debian12": OSType("Debian12", ("debian-12-latest",)),
    "debian11": OSType("Debian11", ("debian-11-latest",)),
    "kusanagi": OSType("Kusanagi", ("current-stable", "pkg-kusanagi")),
}


async def find_archive_by_os_type(client: CloudClient, zone: str, os_type: str) -> Archive:
    """The first shared archive carrying the OS type's tags (an unknown name is upstream's `Custom`)."""
    known = OS_TYPES.get(os_type)
    if known is None:
        raise NoResultsError("unsupported ostype.ArchiveOSType: Custom")
    cond = FindCondition(filter={"Tags.Name": tags_and(*known.tags), "Scope": scalar("shared")})
    found = (await client.archives.find(zone, cond)).first()
    if found is None:
        raise NoResultsError(f"archive not found with ostype.ArchiveOSType: {known.name}")
    return found


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
