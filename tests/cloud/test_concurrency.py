"""Concurrent work on the cloud.

- Several processes write to one store at once: nothing is lost, nothing is issued twice.
- Several tasks of one job share one `CloudClient` (a parallel ServerGroup scale-out): IDs and
  addresses stay unique, power requests never overlap, the request rate stays under the limit.
"""

from __future__ import annotations

import asyncio
import itertools
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import httpx
import pytest

from autoscaler.cloud import (
    FAKE_TIMINGS,
    CloudClient,
    DiskCreate,
    ServerCreate,
    by_names,
    lookup,
    open_client,
    power,
)
from autoscaler.cloud.fake import FakeCloud
from autoscaler.cloud.models import Disk, ProxyLB, Server
from autoscaler.cloud.transport import RateLimiter

from .conftest import Served, fake_options, http_options, seed_store, serve

PER_WRITER = 15


def test_two_writer_processes_and_a_server_share_one_store(tmp_path: Path) -> None:
    store = tmp_path / "shared.sqlite3"
    seed_store(store, "elbs: [{name: shared-elb}]\n")
    served = serve(store)
    go = tmp_path / "go"
    writers = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.cloud.concurrent_writer", target, prefix, str(PER_WRITER), str(go)],
            stderr=subprocess.PIPE,
            text=True,
        )
        for target, prefix in ((str(store), "inproc"), (served.root, "viahttp"), (str(store), "another"))
    ]
    try:
        go.touch()
        errors = [(w.wait(timeout=120), w.stderr.read() if w.stderr else "") for w in writers]
    finally:
        for w in writers:
            if w.poll() is None:
                w.kill()
        assert served.stop() == 0
    assert [code for code, _ in errors] == [0, 0, 0], errors

    async def read_back() -> tuple[list[Server], ProxyLB]:
        async with open_client(fake_options(store)) as client:
            return list(await client.servers.find("is1a")), (await client.elb.find(by_names("shared-elb")))[0]

    servers, elb = asyncio.run(read_back())
    assert len(servers) == 3 * PER_WRITER
    assert len({s.id for s in servers}) == len(servers)
    for prefix in ("inproc", "viahttp", "another"):
        assert len([s for s in servers if s.tags == [prefix]]) == PER_WRITER
    addresses = [s.interfaces[0].ip_address for s in servers]
    macs = [s.interfaces[0].mac_address for s in servers]
    assert len(set(addresses)) == len(addresses) and len(set(macs)) == len(macs)
    # Every read-modify-write of the ELB landed: no update was lost.
    assert sorted(s.ip_address for s in elb.servers) == sorted(addresses)


# --- many tasks, one client ----------------------------------------------------------------------

TASKS = 8
RATE = 20  # requests per second when limiting is on
Z = "is1a"


@dataclass(frozen=True)
class Sent:
    method: str
    path: str
    start: float
    end: float


class Recording(httpx.AsyncHTTPTransport):
    """The network transport, noting when each request went out and when its answer came."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[Sent] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        start = time.monotonic()
        response = await super().handle_async_request(request)
        self.sent.append(Sent(request.method, request.url.path, start, time.monotonic()))
        return response


@pytest.fixture(scope="module")
def parallel_fake(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    # Boots and disk copies take a moment, so that the tasks really wait side by side.
    store = tmp_path_factory.mktemp("parallel") / "fake-cloud.sqlite3"
    served = serve(
        store, env={"SAKURACLOUD_FAKE_DELAY_BOOT": "30ms", "SAKURACLOUD_FAKE_DELAY_DISK_COPY": "30ms"}
    )
    try:
        yield served
    finally:
        assert served.stop() == 0


def reset_store(store: Path) -> None:
    cloud = FakeCloud(store)
    try:
        cloud.reset()
    finally:
        cloud.close()


@dataclass(frozen=True)
class Built:
    server: Server
    disk: Disk
    booting: tuple[float, float]  # when boot_server was called and when it returned


async def build(client: CloudClient, n: int, archive_id: int) -> Built:
    """One member of a scale-out: a server on the shared segment, its disk copied, then booted."""
    server = await client.servers.create(
        Z, ServerCreate(name=f"par-{n:03d}", cpu=1, memory_mb=1024, connected_switches=["shared"])
    )
    disk = await client.disks.create(
        Z,
        DiskCreate(
            name=f"par-{n:03d}-disk",
            plan_id=4,
            size_mb=20480,
            source_archive_id=archive_id,
            server_id=server.id,
        ),
    )
    await power.wait_disk_ready(client, Z, disk.id)
    start = time.monotonic()
    up = await power.boot_server(client, Z, server.id)
    return Built(up, disk, (start, time.monotonic()))


@pytest.mark.parametrize("limited", [False, True], ids=["rate-limit-off", "rate-limit-on"])
async def test_tasks_sharing_one_client_keep_ids_unique_power_serial_and_rate_limited(
    parallel_fake: Served, limited: bool
) -> None:
    reset_store(parallel_fake.store)
    recording = Recording()
    options = replace(http_options(parallel_fake.root), http_request_rate_limit=RATE)
    async with CloudClient(options, recording, timings=FAKE_TIMINGS, rate_limit=limited) as client:
        archive = await lookup.find_archive_by_os_type(client, Z, "ubuntu")
        built = await asyncio.gather(*(build(client, n, archive.id) for n in range(TASKS)))

    servers = [b.server for b in built]
    assert all(s.is_up for s in servers)
    nics = [nic for s in servers for nic in s.interfaces]
    assert len(nics) == TASKS
    ids = [s.id for s in servers] + [b.disk.id for b in built] + [nic.id for nic in nics]
    assert len(set(ids)) == 3 * TASKS  # one counter for every kind: no ID issued twice
    assert len({nic.ip_address for nic in nics}) == TASKS and all(nic.ip_address for nic in nics)
    assert len({nic.mac_address for nic in nics}) == TASKS

    # The tasks did want to boot at the same time ...
    windows = sorted(b.booting for b in built)
    assert any(later[0] < earlier[1] for earlier, later in itertools.pairwise(windows))
    # ... yet no power request was on the wire while another one was.
    powers = sorted((s for s in recording.sent if s.path.endswith("/power")), key=lambda s: s.start)
    assert len(powers) >= TASKS
    for earlier, later in itertools.pairwise(powers):
        assert later.start >= earlier.end, (earlier, later)

    if limited:
        starts = sorted(s.start for s in recording.sent)
        slack = RateLimiter(RATE).slack * RATE  # requests saved up while idle
        # Between any two requests, no more went out than the rate allows plus the saved-up
        # burst; +2 absorbs the event loop waking a sleeper up to 0.1 s late on a busy machine.
        for i, first in enumerate(starts):
            for j in range(i + 1, len(starts)):
                assert j - i <= RATE * (starts[j] - first) + slack + 2, (i, j, starts[j] - first)
