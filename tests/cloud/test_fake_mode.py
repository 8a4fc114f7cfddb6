"""Fake mode as the Core gets it: from the environment, no credentials, fast timings; and the
one place (`open_client`) that tells it from the real API."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from autoscaler.cloud import FAKE_TIMINGS, REAL_TIMINGS, CloudOptions, ServerCreate, open_client
from autoscaler.cloud.client import fake_timings
from autoscaler.cloud.fake import StoreError, transport
from autoscaler.handlers.builtin.grace import grace_for, grace_sleep


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
        assert client.options.fake_mode and client.timings == fake_timings(options)
        assert client.timings.poll_interval == FAKE_TIMINGS.poll_interval
        assert client.timings.setup_grace(60) == 0.01  # cut to the fake's transition time
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


async def test_a_client_of_an_api_root_keeps_upstream_timings_and_rate_limit() -> None:
    # A served fake is reached like the real API: nothing is cut short, requests are limited.
    options = CloudOptions(api_root_url="http://127.0.0.1:9", http_request_rate_limit=5).with_defaults()
    async with open_client(options) as client:
        assert client.timings == REAL_TIMINGS
        assert grace_for(client, 60) == 60.0
        assert client.caller.limiter.interval == 0.2


async def test_the_setup_grace_follows_the_timings_and_says_why_it_is_short(tmp_path: Path) -> None:
    said: list[str] = []

    async def running(text: str) -> None:
        said.append(text)

    # The cap is the boot delay: the time a fake server takes to come up stands for its set-up.
    options = CloudOptions.from_env(
        environ=env(tmp_path / "s.sqlite3", SAKURACLOUD_FAKE_DELAY="5s", SAKURACLOUD_FAKE_DELAY_BOOT="20ms")
    )
    async with open_client(options) as client:
        assert grace_for(client, 60) == 0.02 and grace_for(client, 0) == 0.0
        await grace_sleep(client, 60, running)
        await grace_sleep(client, 0, running)  # no grace period: nothing said, no wait
    assert said == ["waiting for setup to complete: setup_grace_period=60 (fake cloud: 20ms)"]


async def test_fake_mode_with_an_api_root_talks_http_with_the_fakes_timings() -> None:
    options = CloudOptions(fake_mode=True, api_root_url="http://127.0.0.1:9/cloud", fake_delay_boot=2.0)
    options = options.with_defaults()
    async with open_client(options) as client:
        assert client.options.api_root_url == "http://127.0.0.1:9/cloud"  # not the in-process fake
        assert client.caller.limiter.interval == 0.1  # a served fake is a service: 10 per second
        assert client.timings.poll_interval == pytest.approx(0.2)  # the 2 s boot / 10
        assert client.timings.setup_grace_cap == 2.0


def test_fake_polls_about_ten_times_per_transition() -> None:
    assert fake_timings(CloudOptions(fake_mode=True)).poll_interval == FAKE_TIMINGS.poll_interval
    shortest = CloudOptions(fake_mode=True, fake_delay_boot=3.0, fake_delay_shutdown=0.5)
    assert fake_timings(shortest).poll_interval == pytest.approx(0.05)
    assert fake_timings(CloudOptions(fake_mode=True, fake_delay=600)).poll_interval == 5.0
