"""The fake's SQLite store: durable, and unusable files are refused, never overwritten."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from autoscaler.cloud import CloudError, ServerCreate, open_client
from autoscaler.cloud.fake import FakeCloud, StoreError
from autoscaler.cloud.fake.store import Store

from .conftest import fake_options


async def test_state_survives_a_restart(store_path: Path) -> None:
    async with open_client(fake_options(store_path)) as client:
        created = await client.servers.create(
            "is1a", ServerCreate(name="keep-me", connected_switches=["shared"])
        )
    async with open_client(fake_options(store_path)) as client:
        again = await client.servers.read("is1a", created.id)
        other = await client.servers.create("is1a", ServerCreate(name="next"))
    assert again.name == "keep-me" and again.interfaces[0].ip_address == created.interfaces[0].ip_address
    assert other.id > created.id  # the ID pool is persisted too


def test_new_store_is_seeded_once(store_path: Path) -> None:
    cloud = FakeCloud(store_path)
    with cloud.store.read() as tx:
        counts = {(k, z): n for k, z, n in tx.counts()}
    cloud.close()
    assert counts[("Zone", "")] == 6
    assert counts[("Archive", "is1a")] >= 13 and counts[("ServerPlan", "tk1v")] > 100
    again = FakeCloud(store_path)
    with again.store.read() as tx:
        assert {(k, z): n for k, z, n in tx.counts()} == counts
    again.close()


def test_garbage_file_is_refused_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite3"
    path.write_bytes(b"this is not a database at all" * 100)
    before = path.read_bytes()
    with pytest.raises(StoreError, match=r"store\.sqlite3: not a fake cloud store"):
        FakeCloud(path)
    assert path.read_bytes() == before


def test_upstream_json_store_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "fake.json"
    path.write_text('[{"ID": "1", "ResourceType": "Server", "ZoneName": "is1a"}]', encoding="utf-8")
    with pytest.raises(StoreError, match="not a fake cloud store"):
        FakeCloud(path)


def test_other_sqlite_database_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE users (name TEXT)")
    db.commit()
    db.close()
    with pytest.raises(StoreError, match="another kind"):
        FakeCloud(path)
    db = sqlite3.connect(path)
    assert [r[0] for r in db.execute("SELECT name FROM sqlite_master")] == ["users"]
    db.close()


def test_unusable_locations(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="is a directory"):
        FakeCloud(tmp_path)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="cannot create its directory"):
        FakeCloud(blocker / "sub" / "store.sqlite3")


def test_schema_from_another_version_is_refused(store_path: Path) -> None:
    FakeCloud(store_path).close()
    db = sqlite3.connect(store_path)
    db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    db.commit()
    db.close()
    with pytest.raises(StoreError, match="schema version 99"):
        FakeCloud(store_path)


async def test_damaged_record_is_reported_by_the_api(store_path: Path) -> None:
    async with open_client(fake_options(store_path)) as client:
        created = await client.servers.create("is1a", ServerCreate(name="x"))
        db = sqlite3.connect(store_path)
        db.execute("UPDATE resources SET data = '{broken' WHERE kind = 'Server' AND id = ?", (created.id,))
        db.commit()
        db.close()
        with pytest.raises(CloudError) as info:
            await client.servers.read("is1a", created.id)
    assert info.value.status == 500 and info.value.code == "fake_store_error"
    assert f"Server {created.id} (zone is1a) is not valid JSON" in info.value.message


def test_a_failed_write_changes_nothing(store_path: Path) -> None:
    store = Store(store_path)
    with store.write() as tx:
        tx.put("Thing", "is1a", {"ID": 1, "Name": "before"})
    with pytest.raises(RuntimeError), store.write() as tx:
        tx.put("Thing", "is1a", {"ID": 1, "Name": "after"})
        raise RuntimeError("boom")
    with store.read() as tx:
        assert tx.get("Thing", "is1a", 1) == {"ID": 1, "Name": "before"}
    store.close()


def test_reset_removes_resources_and_reseeds(store_path: Path) -> None:
    cloud = FakeCloud(store_path)
    with cloud.store.write() as tx:
        tx.put("Server", "is1a", {"ID": 5, "Name": "gone"})
        tx.set_meta("next_id", "100000000500")
    cloud.reset()
    with cloud.store.read() as tx:
        assert tx.get("Server", "is1a", 5) is None
        assert tx.meta("next_id") == ""
        assert tx.all("Zone", "")
    cloud.close()


def test_wal_mode(store_path: Path) -> None:
    FakeCloud(store_path).close()
    db = sqlite3.connect(store_path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.close()
