"""Power and readiness: boot, shut down and wait for servers and disks (cloud-api.md §3.6).

Every wait polls `Read`; intervals and timeouts come from `client.timings` unless given:

    server = await boot_server(client, zone, id_, user_data=cloud_config)   # until up
    server = await shutdown_server(client, zone, id_, force=False)          # until down
    server = await wait_server_up(client, zone, id_)
    disk = await wait_disk_ready(client, zone, disk_id)
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from .errors import CloudError, WaitTimeout, message_of
from .models import Disk, Server

if TYPE_CHECKING:
    from .client import CloudClient, Timings


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
