"""The HTTP edge: errors, retries with backoff, rate limiting, power serialisation."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from autoscaler.cloud import CloudClient, CloudConnectionError, CloudError, CloudOptions
from autoscaler.cloud.errors import CloudClientError, message_of
from autoscaler.cloud.transport import RateLimiter


def client_for(handler: Any, **overrides: Any) -> CloudClient:
    settings: dict[str, Any] = {
        "access_token": "t",
        "access_token_secret": "s",
        "api_root_url": "https://api.example.test/cloud/zone/",
        "retry_max": 3,
        "retry_wait_min": 0.001,
        "retry_wait_max": 0.004,
        **overrides,
    }
    options = CloudOptions(**settings).with_defaults()
    return CloudClient(options, httpx.MockTransport(handler), rate_limit=False)


async def test_error_envelope_becomes_cloud_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            409,
            json={
                "is_fatal": True,
                "serial": "abc",
                "status": "409 Conflict",
                "error_code": "still_creating",
                "error_msg": "creating",
            },
        )

    async with client_for(handler) as client:
        with pytest.raises(CloudError) as info:
            await client.servers.boot("is1a", 1)
    err = info.value
    assert (err.status, err.code, err.message, err.serial, err.is_fatal) == (
        409,
        "still_creating",
        "creating",
        "abc",
        True,
    )
    assert err.is_still_creating and not err.is_not_found
    assert "PUT https://api.example.test/cloud/zone/is1a/api/cloud/1.1/server/1/power" in str(err)
    assert message_of(err) == "creating"  # what the Core shows: the API's own message
    assert message_of(CloudError(500, method="GET", url="u")) == "GET u: 500"
    assert message_of(CloudConnectionError("refused")) == "refused"


async def test_non_json_error_body() -> None:
    async with client_for(lambda r: httpx.Response(502, text="<html>bad gateway</html>")) as client:
        with pytest.raises(CloudError) as info:
            await client.servers.read("is1a", 1)
    assert info.value.status == 502
    assert str(info.value) == "error in response: <html>bad gateway</html>"


async def test_success_statuses_and_empty_bodies() -> None:
    statuses = iter([200, 201, 202, 204])

    def handler(request: httpx.Request) -> httpx.Response:
        status = next(statuses)
        return httpx.Response(status) if status == 204 else httpx.Response(status, json={"is_ok": True})

    async with client_for(handler) as client:
        for _ in range(4):
            await client.servers.boot("is1a", 1)


async def test_retries_423_and_503_then_succeeds() -> None:
    answers = [423, 503, 200]
    seen: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        status = answers.pop(0)
        seen.append(status)
        return httpx.Response(status, json={"is_ok": True, "Server": {"ID": 1}} if status == 200 else {})

    told: list[tuple[str, float]] = []
    async with client_for(handler) as client:
        client.caller.on_retry = lambda failure, wait: told.append((failure, wait))
        server = await client.servers.read("is1a", 1)
    assert server.id == 1
    assert seen == [423, 503, 200]
    url = "https://api.example.test/cloud/zone/is1a/api/cloud/1.1/server/1"
    assert told == [(f"GET {url}: 423", 0.001), (f"GET {url}: 503", 0.002)]  # the backoff doubles


async def test_retries_give_up_after_retry_max() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(503, json={"error_code": "busy", "error_msg": "try later"})

    async with client_for(handler, retry_max=2) as client:
        with pytest.raises(CloudError) as info:
            await client.servers.read("is1a", 1)
    assert calls == 3  # the first attempt and two retries
    assert info.value.code == "busy"


async def test_other_errors_are_not_retried() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(404, json={"error_code": "not_found", "error_msg": "gone"})

    async with client_for(handler) as client:
        with pytest.raises(CloudError):
            await client.servers.read("is1a", 1)
    assert calls == 1


async def test_connection_errors_are_retried_then_reported() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        raise httpx.ConnectError("connection refused", request=request)

    async with client_for(handler, retry_max=2) as client:
        with pytest.raises(CloudConnectionError, match="connection refused"):
            await client.servers.read("is1a", 1)
    assert calls == 3


async def test_backoff_doubles_up_to_the_maximum_and_honours_retry_after() -> None:
    options = CloudOptions(retry_wait_min=1, retry_wait_max=5).with_defaults()
    client = CloudClient(options, httpx.MockTransport(lambda r: httpx.Response(200)))
    try:
        waits = [client.caller._backoff(n, None) for n in range(5)]
        busy = httpx.Response(503, headers={"Retry-After": "7"})
    finally:
        await client.aclose()
    assert waits == [1, 2, 4, 5, 5]
    assert client.caller._backoff(0, busy) == 7


async def test_invalid_success_body_is_reported() -> None:
    async with client_for(lambda r: httpx.Response(200, text="not json")) as client:
        with pytest.raises(CloudClientError, match="response is not JSON"):
            await client.servers.read("is1a", 1)


async def test_missing_envelope_key_is_reported() -> None:
    async with client_for(lambda r: httpx.Response(200, json={"is_ok": True})) as client:
        with pytest.raises(CloudClientError, match=r"Server\.Read: response has no 'Server'"):
            await client.servers.read("is1a", 1)


def test_rate_limiter_spaces_requests_and_allows_a_burst_after_idling() -> None:
    now = [100.0]
    limiter = RateLimiter(10, slack=2, clock=lambda: now[0])
    # back to back: 0.1 s apart
    assert [round(limiter.reserve(), 3) for _ in range(3)] == [0.0, 0.1, 0.2]
    now[0] += 10  # idle: at most two saved-up slots
    assert [round(limiter.reserve(), 3) for _ in range(4)] == [0.0, 0.0, 0.0, 0.1]
    assert RateLimiter(0).reserve() == 0.0


async def test_power_requests_are_serialised() -> None:
    in_flight = 0
    peak = 0

    async def slow(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.01)
        in_flight -= 1
        return httpx.Response(200, json={"is_ok": True})

    async with client_for(slow) as client:
        await asyncio.gather(
            *(client.servers.boot("is1a", i) for i in range(4)), client.servers.shutdown("is1a", 9)
        )
        assert peak == 1
        peak = 0
        await asyncio.gather(*(client.servers.read("is1a", i) for i in range(4)), return_exceptions=True)
    assert peak > 1  # ordinary requests still run side by side


async def test_trailing_slash_of_the_root_is_dropped() -> None:
    urls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        urls.append(str(request.url))
        return httpx.Response(200, json={"Permission": "create"})

    async with client_for(handler) as client:
        await client.auth_status.read()
    assert urls == ["https://api.example.test/cloud/zone/is1a/api/cloud/1.1/auth-status"]
