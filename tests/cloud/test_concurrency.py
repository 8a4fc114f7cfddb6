"""Several processes write to one store at once: nothing is lost, nothing is issued twice."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from autoscaler.cloud import by_names, open_client
from autoscaler.cloud.models import ProxyLB, Server

from .conftest import fake_options, seed_store, serve

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
