"""Each fake transition takes its own delay (`SAKURACLOUD_FAKE_DELAY_BOOT`, `…_SHUTDOWN`,
`…_DISK_COPY`, each defaulting to `SAKURACLOUD_FAKE_DELAY`), seen through a served fake.

A finished power transition is stamped with the moment it was due (`StatusChangedAt` = request
time + delay), so a boot's or a shutdown's length is read from the API exactly, however loaded
the machine is. A disk copy has no such stamp: it is shown `migrating` for at least its delay.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

import pytest

from autoscaler.cloud import FAKE_TIMINGS, CloudClient, DiskCreate, ServerCreate, lookup, open_client
from autoscaler.cloud.models import Server

from .conftest import http_options, serve

Z = "is1a"
LONG = 60.0  # a delay no test waits for: what it governs must still be in progress


@asynccontextmanager
async def served_client(tmp_path: Path, env: dict[str, str], *flags: str) -> AsyncIterator[CloudClient]:
    server = serve(tmp_path / "delays.sqlite3", *flags, env=env)
    try:
        async with open_client(http_options(server.root), timings=FAKE_TIMINGS) as client:
            yield client
    finally:
        assert server.stop() == 0


async def until(read: Callable[[], Awaitable[Server]], status: str, timeout: float = 20.0) -> Server:
    deadline = time.monotonic() + timeout
    while True:
        server = await read()
        if server.instance_status == status:
            return server
        assert time.monotonic() < deadline, f"still {server.instance_status!r}, not {status!r}"
        await asyncio.sleep(0.01)


def changed_at(server: Server) -> datetime:
    assert server.instance.status_changed_at is not None
    return server.instance.status_changed_at


async def power_cycle(client: CloudClient) -> tuple[float, float]:
    """Boot and shut down a new server: how long each transition took by the API's stamps."""
    server = await client.servers.create(Z, ServerCreate(name="timed", connected_switches=["shared"]))

    def read() -> Awaitable[Server]:
        return client.servers.read(Z, server.id)

    await client.servers.boot(Z, server.id)
    asked = changed_at(await read())  # booting shows `down`, stamped with the request time
    booted = changed_at(await until(read, "up"))
    await client.servers.shutdown(Z, server.id)
    stopping = changed_at(await read())  # `cleaning` (or already `down`), stamped likewise
    stopped = changed_at(await until(read, "down"))
    return (booted - asked).total_seconds(), (stopped - stopping).total_seconds()


async def new_disk_state(client: CloudClient) -> tuple[str, float]:
    """Create a disk from an archive: its state at once, and how long until it is available."""
    archive = await lookup.find_archive_by_os_type(client, Z, "ubuntu")
    start = time.monotonic()
    disk = await client.disks.create(
        Z, DiskCreate(name="copy", plan_id=4, size_mb=20480, source_archive_id=archive.id)
    )
    first = disk.availability
    while disk.availability != "available":
        assert time.monotonic() - start < 20, "the disk copy never finished"
        await asyncio.sleep(0.01)
        disk = await client.disks.read(Z, disk.id)
    return first, time.monotonic() - start


async def test_boot_and_shutdown_take_their_own_delays(tmp_path: Path) -> None:
    env = {
        "SAKURACLOUD_FAKE_DELAY": f"{LONG}s",  # left for the disk copy only
        "SAKURACLOUD_FAKE_DELAY_BOOT": "150ms",
        "SAKURACLOUD_FAKE_DELAY_SHUTDOWN": "0.4",  # plain seconds are accepted too
    }
    async with served_client(tmp_path, env) as client:
        boot, shutdown = await power_cycle(client)
        archive = await lookup.find_archive_by_os_type(client, Z, "ubuntu")
        disk = await client.disks.create(
            Z, DiskCreate(name="slow", plan_id=4, size_mb=20480, source_archive_id=archive.id)
        )
        await asyncio.sleep(0.1)
        assert (await client.disks.read(Z, disk.id)).availability == "migrating"
    assert boot == pytest.approx(0.15, abs=0.002)
    assert shutdown == pytest.approx(0.4, abs=0.002)


async def test_the_disk_copy_takes_its_own_delay(tmp_path: Path) -> None:
    # --delay stands in for SAKURACLOUD_FAKE_DELAY; the per-kind variable still refines it.
    env = {"SAKURACLOUD_FAKE_DELAY": f"{LONG}s", "SAKURACLOUD_FAKE_DELAY_DISK_COPY": "250ms"}
    async with served_client(tmp_path, env, "--delay", "0s") as client:
        first, ready_after = await new_disk_state(client)
        boot, shutdown = await power_cycle(client)
    assert first == "migrating" and ready_after >= 0.25
    assert boot == shutdown == 0.0


@pytest.mark.parametrize(
    "name",
    ["SAKURACLOUD_FAKE_DELAY_BOOT", "SAKURACLOUD_FAKE_DELAY_SHUTDOWN", "SAKURACLOUD_FAKE_DELAY_DISK_COPY"],
)
def test_serve_names_an_invalid_delay_variable(tmp_path: Path, name: str) -> None:
    with pytest.raises(AssertionError) as refused:
        serve(tmp_path / "s.sqlite3", env={name: "soon"})
    assert f'Error: {name}: time: invalid duration "soon"' in str(refused.value)
