"""Fixtures: clients backed by the fake cloud, in-process or over real HTTP.

`api` is parametrised: the same test runs against the fake app in-process (httpx
ASGITransport, as fake mode does) and against a real `autoscaler fake-cloud serve` subprocess
on 127.0.0.1 (an ephemeral port), reached through `SAKURACLOUD_API_ROOT_URL` like any client.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from autoscaler.cloud import FAKE_TIMINGS, CloudClient, CloudOptions, open_client
from autoscaler.cloud.fake import FakeCloud
from autoscaler.cloud.fake.seedfile import apply_seed, parse_seed

# Power changes and disk copies take this long in the suite, so every wait really waits.
SUITE_DELAY = 0.05


def fake_options(store: Path, delay: float = 0.0) -> CloudOptions:
    return CloudOptions(
        access_token="fake",
        access_token_secret="fake",
        fake_mode=True,
        fake_store_path=str(store),
        fake_delay=delay,
    ).with_defaults()


def http_options(root: str) -> CloudOptions:
    return CloudOptions(
        access_token="token",
        access_token_secret="secret",
        api_root_url=root,
        http_request_rate_limit=1000,
        retry_max=2,
        retry_wait_min=0.01,
        retry_wait_max=0.05,
    ).with_defaults()


def seed_store(store: Path, text: str) -> dict[str, int]:
    """Create resources from seed YAML, from this process (another writer on the store)."""
    cloud = FakeCloud(store)
    try:
        doc, seed = parse_seed(text)
        return apply_seed(cloud, doc, seed)
    finally:
        cloud.close()


@dataclass
class Served:
    process: subprocess.Popen[str]
    root: str
    store: Path

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                return self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                raise
        return self.process.returncode


def serve(store: Path, *extra: str, env: dict[str, str] | None = None) -> Served:
    """Start `autoscaler fake-cloud serve` on an ephemeral loopback port; return once it answers.

    The process sees none of this one's `SAKURACLOUD_*` variables, only those in `env`.
    """
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("SAKURACLOUD_")}, **(env or {})}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "autoscaler",
            "fake-cloud",
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--store",
            str(store),
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if "SAKURACLOUD_API_ROOT_URL=" not in line:
        process.kill()
        _, err = process.communicate()
        raise AssertionError(f"fake-cloud serve did not start: {line!r} {err}")
    return Served(process, line.strip().split("SAKURACLOUD_API_ROOT_URL=", 1)[1], store)


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One `fake-cloud serve` for the session; tests reset its store before use."""
    store = tmp_path_factory.mktemp("served") / "fake-cloud.sqlite3"
    server = serve(store, "--delay", f"{int(SUITE_DELAY * 1000)}ms")
    try:
        yield server
    finally:
        code = server.stop()
        assert code == 0, server.process.stderr.read() if server.process.stderr else code


@dataclass
class Api:
    """A client plus where its fake keeps state (to seed it from the test)."""

    client: CloudClient
    store: Path
    variant: str

    def seed(self, text: str) -> dict[str, int]:
        return seed_store(self.store, text)


@pytest.fixture(params=["in-process", "http"])
async def api(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Api]:
    if request.param == "in-process":
        store = tmp_path / "fake-cloud.sqlite3"
        async with open_client(fake_options(store, SUITE_DELAY)) as client:
            yield Api(client, store, "in-process")
        return
    server: Served = request.getfixturevalue("served")
    cloud = FakeCloud(server.store)
    cloud.reset()
    cloud.close()
    async with open_client(http_options(server.root), timings=FAKE_TIMINGS) as client:
        yield Api(client, server.store, "http")


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "fake-cloud.sqlite3"


@pytest.fixture
async def client(store_path: Path) -> AsyncIterator[CloudClient]:
    """An in-process fake with instant transitions."""
    async with open_client(fake_options(store_path)) as c:
        yield c
