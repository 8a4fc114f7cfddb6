"""The YAML seed format: what it creates, and errors that name the file, key and line."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from autoscaler.cloud import ServerUpdate, by_names, open_client
from autoscaler.cloud.fake import FakeCloud
from autoscaler.cloud.fake.seedfile import SeedError, apply_seed, load_seed, parse_seed

from .conftest import fake_options

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "fake-cloud"


def seed(store: Path, text: str, source: str = "seed.yaml") -> dict[str, int]:
    cloud = FakeCloud(store)
    try:
        doc, parsed = parse_seed(text, source)
        return apply_seed(cloud, doc, parsed)
    finally:
        cloud.close()


def resource_count(store: Path) -> int:
    cloud = FakeCloud(store)
    try:
        with cloud.store.read() as tx:
            return sum(n for kind, _, n in tx.counts() if kind in ("Server", "Switch", "Disk", "Interface"))
    finally:
        cloud.close()


@pytest.mark.parametrize("example", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.name)
def test_examples_seed_cleanly(example: Path, tmp_path: Path) -> None:
    doc, parsed = load_seed(str(example))
    cloud = FakeCloud(tmp_path / "s.sqlite3")
    try:
        created = apply_seed(cloud, doc, parsed)
    finally:
        cloud.close()
    assert created and all(n > 0 for n in created.values())


async def test_seeded_resources_are_wired_together(store_path: Path) -> None:
    created = seed(
        store_path,
        """
switches: [{name: sw, zone: tk1a}]
servers:
  - name: s1
    zone: tk1a
    plan: {core: 2, memory: 4}
    power: up
    tags: [b, a]
    disks: [{os_type: debian12, size: 40, plan: hdd}, {size: 20}]
    nics: [{upstream: sw, user_ip_address: 10.0.0.5}, {upstream: shared}]
elbs: [{name: e, servers: [{server: s1, zone: tk1a, port: 8080}]}]
dns: [{zone: example.org, records: [{name: "@", server: s1, server_zone: tk1a}]}]
""",
    )
    assert created == {"switches": 1, "disks": 2, "servers": 1, "elbs": 1, "dns": 1}
    async with open_client(fake_options(store_path)) as client:
        server = (await client.servers.find("tk1a", by_names("s1")))[0]
        elb = (await client.elb.find(by_names("e")))[0]
        dns = (await client.dns.find())[0]
    assert server.is_up and server.tags == ["a", "b"] and (server.cpu, server.memory_gb) == (2, 4)
    assert [d.size_mb for d in server.disks] == [40960, 20480]
    assert [n.upstream_type for n in server.interfaces] == ["switch", "shared"]
    assert [(s.ip_address, s.port) for s in elb.servers] == [("10.0.0.5", 8080)]
    assert dns.records[0].rdata == "10.0.0.5"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "servers:\n  - name: a\n    colour: red\n",
            'seed.yaml:3:5: servers[0].colour: unknown field "colour"',
        ),
        (
            "servers:\n  - name: a\n    plan: {core: many}\n",
            "seed.yaml:3:18: servers[0].plan.core: Input should be a valid integer",
        ),
        ("switches:\n  - zone: is1a\n", "seed.yaml:2:5: switches[0].name: required"),
        (
            "servers:\n  - name: a\n    power: sideways\n",
            "seed.yaml:3:12: servers[0].power: Input should be 'up' or 'down'",
        ),
        ("servers: [a, b\n", "seed.yaml:2:1: invalid YAML"),
    ],
)
def test_schema_errors_name_the_line_and_key(text: str, message: str, store_path: Path) -> None:
    with pytest.raises(SeedError) as info:
        seed(store_path, text)
    assert str(info.value).startswith(message), str(info.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "switches: [{name: ok}]\nservers:\n  - name: a\n  - name: b\n    nics: [{upstream: nowhere}]\n",
            "seed.yaml:4:5: servers[1]: nics[0].upstream: no Switch 'nowhere' in zone is1a",
        ),
        (
            "servers:\n  - name: a\n    plan: {core: 3, memory: 1000}\n",
            "seed.yaml:2:5: servers[0]: no server plan in zone is1a with CPU=3 MemoryMB=1024000",
        ),
        ("servers:\n  - {name: a, zone: zz9z}\n", "seed.yaml:2:5: servers[0]: zone 'zz9z' is not served"),
        (
            "servers:\n  - name: a\n    disks: [{os_type: plan9}]\n",
            "seed.yaml:2:5: servers[0]: disks[0].os_type: unknown OS type 'plan9'",
        ),
        (
            "servers:\n  - name: a\n    disks: [{size: 33}]\n",
            "seed.yaml:2:5: servers[0]: disks[0]: Disk.SizeMB: 33792 is not offered",
        ),
        (
            "elbs:\n  - name: e\n    servers: [{server: ghost}]\n",
            "seed.yaml:2:5: elbs[0]: servers[0]: no Server 'ghost'",
        ),
        (
            "elbs:\n  - name: e\n    plan: 7\n",
            "seed.yaml:2:5: elbs[0]: ServiceClass 'cloud/proxylb/plain/7': plan 7 is not offered",
        ),
        (
            "load_balancers:\n  - {name: l, switch: none, addresses: [192.168.0.4]}\n",
            "seed.yaml:2:5: load_balancers[0]: no Switch 'none'",
        ),
        (
            "dns:\n  - zone: example.com\n    records: [{name: www, rdata: 'not-an-ip'}]\n",
            "seed.yaml:2:5: dns[0]: Settings.DNS.ResourceRecordSets[0].RData: 'not-an-ip' is not an IPv4 address",
        ),
    ],
)
def test_semantic_errors_name_the_item_and_keep_nothing(text: str, message: str, store_path: Path) -> None:
    FakeCloud(store_path).close()
    before = resource_count(store_path)
    with pytest.raises(SeedError) as info:
        seed(store_path, text)
    assert str(info.value).startswith(message), str(info.value)
    assert resource_count(store_path) == before  # one transaction: nothing half-done


def test_missing_file() -> None:
    with pytest.raises(SeedError, match=r"open /nonexistent/seed\.yaml: no such file or directory"):
        load_seed("/nonexistent/seed.yaml")


SERVER = "servers:\n  - {name: web, zone: is1a, power: up, disks: [{os_type: ubuntu, size: 20}], nics: [{upstream: shared}]}\n"


async def test_seeded_resources_were_changed_a_day_ago_and_later_changes_are_now(store_path: Path) -> None:
    seed(store_path, SERVER)
    async with open_client(fake_options(store_path)) as client:
        (web,) = await client.servers.find("is1a", by_names("web"))
        age = (datetime.now(UTC) - web.modified_at).total_seconds()  # type: ignore[operator]
        assert 24 * 3600 - 60 < age < 24 * 3600 + 60  # the first Up's cooldown is long past
        assert web.is_up  # a power state reached back then, not still booting
        await client.servers.update("is1a", web.id, ServerUpdate(name="web", description="changed"))
        (changed,) = await client.servers.find("is1a", by_names("web"))
        assert (datetime.now(UTC) - changed.modified_at).total_seconds() < 60  # type: ignore[operator]


@pytest.mark.parametrize(("value", "low", "high"), [("0s", 0, 60), ("90m", 5340, 5460), ("30", 0, 90)])
async def test_seeded_ago_sets_the_age(value: str, low: float, high: float, store_path: Path) -> None:
    seed(store_path, f"seeded_ago: {value}\n" + SERVER)
    async with open_client(fake_options(store_path)) as client:
        (web,) = await client.servers.find("is1a", by_names("web"))
        assert low <= (datetime.now(UTC) - web.modified_at).total_seconds() <= high  # type: ignore[operator]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "soon",
            "seed.yaml:1:13: seeded_ago: must be a duration such as 24h, 90m or 0s, or a number of seconds",
        ),
        ("-5", "seed.yaml:1:13: seeded_ago: must not be negative, got -5"),
    ],
)
def test_seeded_ago_errors_name_the_line(value: str, message: str, store_path: Path) -> None:
    with pytest.raises(SeedError) as info:
        seed(store_path, f"seeded_ago: {value}\n" + SERVER)
    assert str(info.value).startswith(message), str(info.value)
