"""Fake mode as the Core gets it: from the environment, no credentials, fast timings."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from autoscaler.cloud import FAKE_TIMINGS, CloudOptions, ServerCreate, open_client
from autoscaler.cloud.fake import StoreError, transport


def env(store: Path, **extra: str) -> dict[str, str]:
    return {
        "SAKURACLOUD_FAKE_MODE": "1",
        "SAKURACLOUD_FAKE_STORE_PATH": str(store),
        "HOME": "/nonexistent",
        **extra,
    }


async def test_fake_mode_from_the_environment_needs_no_credentials(tmp_path: Path) -> None:
    options = CloudOptions.from_env(environ=env(tmp_path / "s.sqlite3", SAKURACLOUD_FAKE_DELAY="10ms"))
    assert options.fake_mode and options.access_token == "" and options.fake_delay == 0.01
    async with open_client(options) as client:
        assert client.fake_mode and client.timings == FAKE_TIMINGS
        assert client.caller.limiter.interval == 0  # no client-side rate limit in-process
        assert (await client.auth_status.read()).permission == "create"
        created = await client.servers.create("is1a", ServerCreate(name="a"))
        assert created.id == 100000000001  # the first ID the pool issues


async def test_unusable_store_fails_at_open(tmp_path: Path) -> None:
    bad = tmp_path / "bad.sqlite3"
    bad.write_text("garbage" * 100)
    with pytest.raises(StoreError, match="not a fake cloud store"):
        open_client(CloudOptions.from_env(environ=env(bad)))


async def test_transport_serves_any_httpx_client(tmp_path: Path) -> None:
    options = CloudOptions.from_env(environ=env(tmp_path / "s.sqlite3"))
    async with httpx.AsyncClient(transport=transport(options), base_url="http://fake") as http:
        answer = await http.get("/is1a/api/cloud/1.1/product/internet")
    assert answer.status_code == 200
    assert [p["BandWidthMbps"] for p in answer.json()["InternetPlans"]][:3] == [100, 250, 500]
