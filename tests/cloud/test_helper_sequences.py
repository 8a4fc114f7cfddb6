"""Contract of the helpers the Core and the builtin handlers build on: the requests they send,
in order, and the texts of their failures (builtin-handlers-and-cloud.md §2.1.1, §3.6;
cloud-api.md §5). The edge is an httpx MockTransport answering from a script."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from autoscaler.cloud import (
    CloudClient,
    CloudOptions,
    NoResultsError,
    PlanChange,
    Timings,
    WaitTimeout,
    lookup,
    plans,
    power,
)

ROOT = "https://api.example.test/cloud/zone"
QUICK = Timings(
    poll_interval=0.001,
    poll_timeout=5.0,
    power_retry_interval=0.001,
    power_retry_timeout=5.0,
    power_rerequest_interval=5.0,
)

Answer = tuple[int, dict[str, Any]]


@dataclass
class Script:
    """Answers the n-th request with `answers[n]` (the last one repeats); keeps what was asked."""

    answers: list[Answer]
    seen: list[str] = field(default_factory=list)
    bodies: list[Any] = field(default_factory=list)
    times: list[float] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/cloud/zone/is1a/api/cloud/1.1/")
        query = request.url.query.decode().replace("%22", '"')
        self.seen.append(f"{request.method} {path}" + (f"?{query}" if query else ""))
        self.bodies.append(json.loads(request.content) if request.content else None)
        self.times.append(time.monotonic())
        status, body = self.answers[min(len(self.seen), len(self.answers)) - 1]
        return httpx.Response(status, json=body)


def client_for(script: Script, timings: Timings = QUICK) -> CloudClient:
    options = CloudOptions(access_token="t", access_token_secret="s", api_root_url=ROOT).with_defaults()
    return CloudClient(options, httpx.MockTransport(script), timings=timings, rate_limit=False)


def server(status: str, id_: int = 1, tags: list[str] | None = None) -> Answer:
    record = {"ID": id_, "Name": "web", "Availability": "available", "Instance": {"Status": status}}
    return 200, {"is_ok": True, "Server": {**record, "Tags": tags or []}}


OK: Answer = (200, {"is_ok": True})
STILL_CREATING: Answer = (409, {"error_code": "still_creating", "error_msg": "still creating"})


async def run(script: Script, call: Callable[[CloudClient], Any], timings: Timings = QUICK) -> Any:
    async with client_for(script, timings) as client:
        return await call(client)


async def test_boot_waits_one_interval_then_retries_while_still_creating() -> None:
    script = Script([STILL_CREATING, OK, server("down"), server("up")])
    timings = Timings(
        poll_interval=0.001,
        poll_timeout=5.0,
        power_retry_interval=0.05,
        power_retry_timeout=5.0,
        power_rerequest_interval=5.0,
    )
    started = time.monotonic()
    up = await run(script, lambda c: power.boot_server(c, "is1a", 1, user_data="#cloud-config"), timings)
    assert up.is_up
    assert script.seen == ["PUT server/1/power", "PUT server/1/power", "GET server/1", "GET server/1"]
    assert script.bodies[0] == {"UserBootVariables": {"CloudInit": {"UserData": "#cloud-config"}}}
    # Upstream's ticker fires before the first request: it goes one interval after the call.
    assert script.times[0] - started >= 0.045


async def test_power_request_that_stays_still_creating_times_out() -> None:
    timings = Timings(poll_interval=0.001, power_retry_interval=0.001, power_retry_timeout=0.0)
    with pytest.raises(WaitTimeout) as info:
        await run(Script([STILL_CREATING]), lambda c: power.shutdown_server(c, "is1a", 1), timings)
    assert str(info.value) == "powerRequestWithRetry: timed out: still creating"


async def test_shutdown_other_errors_fail_at_once() -> None:
    script = Script([(404, {"error_code": "not_found", "error_msg": "Server[1] is not found"})])
    with pytest.raises(Exception) as info:
        await run(script, lambda c: power.shutdown_server(c, "is1a", 1, force=True))
    assert script.seen == ["DELETE server/1/power"] and script.bodies == [{"Force": True}]
    assert "Server[1] is not found" in str(info.value)


async def test_wait_that_never_reaches_its_goal() -> None:
    timings = Timings(poll_interval=0.001, poll_timeout=0.0, power_retry_interval=0.001)
    with pytest.raises(WaitTimeout) as info:
        await run(Script([OK, server("up")]), lambda c: power.shutdown_server(c, "is1a", 7), timings)
    assert str(info.value) == "waiting for server 7 to be down: context deadline exceeded"
    with pytest.raises(WaitTimeout) as disk:
        disk_record: Answer = (200, {"is_ok": True, "Disk": {"ID": 9, "Availability": "migrating"}})
        await run(Script([disk_record]), lambda c: power.wait_disk_ready(c, "is1a", 9), timings)
    assert str(disk.value) == "waiting for disk 9: context deadline exceeded"


async def test_plan_change_tags_the_previous_id_first() -> None:
    script = Script([server("down", 1, ["b", "@previous-id=0", "a"]), server("down"), server("down", 2)])
    new = await run(
        script,
        lambda c: plans.change_server_plan(
            c, "is1a", 1, PlanChange(cpu=2, memory_mb=4096, commitment="standard")
        ),
    )
    assert new.id == 2
    assert script.seen == ["GET server/1", "PUT server/1", "PUT server/1/plan"]
    assert script.bodies[1]["Server"]["Tags"] == ["@previous-id=1", "a", "b"]
    assert script.bodies[2] == {"CPU": 2, "MemoryMB": 4096, "Commitment": "standard"}


async def test_plan_change_with_ten_tags_does_not_tag() -> None:
    script = Script([server("down", 1, [f"t{i}" for i in range(10)]), server("down", 2)])
    await run(script, lambda c: plans.change_server_plan(c, "is1a", 1, PlanChange(cpu=1, memory_mb=1024)))
    assert script.seen == ["GET server/1", "PUT server/1/plan"]


async def test_read_falls_back_to_the_previous_id_tag() -> None:
    gone: Answer = (404, {"error_code": "not_found", "error_msg": "gone"})
    found: Answer = (200, {"Servers": [{"ID": 5, "Name": "web"}], "Count": 1, "Total": 1})
    script = Script([gone, found])
    assert (await run(script, lambda c: lookup.read_server(c, "is1a", 1))).id == 5
    assert script.seen == [
        "GET server/1",
        'GET server?{"Count":0,"From":0,"Filter":{"Tags.Name":[["@previous-id=1"]]}}',
    ]
    for call, text in (
        (lambda c: lookup.read_server(c, "is1a", 1), "Server[1] not found (also not by @previous-id)"),
        (lambda c: lookup.read_router(c, "is1a", 1), "Internet[1] not found (also not by @previous-id)"),
        (lambda c: lookup.read_proxylb(c, 1), "ProxyLB[1] not found (also not by @previous-id)"),
    ):
        with pytest.raises(NoResultsError) as info:
            await run(Script([gone, (200, {})]), call)
        assert str(info.value) == text


async def test_archive_by_os_type_texts() -> None:
    script = Script([(200, {"Archives": []})])
    with pytest.raises(NoResultsError) as none:
        await run(script, lambda c: lookup.find_archive_by_os_type(c, "is1a", "ubuntu2204"))
    assert str(none.value) == "archive not found with ostype.ArchiveOSType: Ubuntu2204"
    assert script.seen == [
        'GET archive?{"Count":0,"From":0,"Filter":{"Scope":["shared"],"Tags.Name":[["ubuntu-22.04-latest"]]}}'
    ]
    with pytest.raises(NoResultsError) as unknown:
        await run(Script([OK]), lambda c: lookup.find_archive_by_os_type(c, "is1a", "windows"))
    assert str(unknown.value) == "unsupported ostype.ArchiveOSType: Custom"
