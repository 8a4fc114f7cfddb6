"""Slow and too many HTTP clients against a real uvicorn server on a real socket (issue 12,
item 2): deadlines for headers and body, the connection cap, and what the log says."""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from autoscaler.log import new_logger
from autoscaler.wire.http import AsgiServer, bind_tcp
from autoscaler.wire.http_limits import HttpLimits

PARTIAL = b"GET /slow HTTP/1.1\r\nHost: x\r\n"  # the headers never end


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    body = b""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"ok " + body})


@asynccontextmanager
async def serving(limits: HttpLimits) -> AsyncIterator[tuple[AsgiServer, io.StringIO]]:
    log = io.StringIO()
    server = AsgiServer(app, bind_tcp("127.0.0.1:0"), limits, new_logger("info", "logfmt", log))
    await server.start()
    try:
        yield server, log
    finally:
        await server.stop()


async def connect(address: str, data: bytes = b"") -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    host, port = address.rsplit(":", 1)
    reader, writer = await asyncio.open_connection(host, int(port))
    if data:
        writer.write(data)
        await writer.drain()
    return reader, writer


async def closed_by_server(reader: asyncio.StreamReader, timeout: float = 30.0) -> bytes:
    """Everything the server sent before it closed the connection (fails if it never closes)."""
    return await asyncio.wait_for(reader.read(), timeout)


async def test_headers_that_never_end_are_cut_off() -> None:
    async with serving(HttpLimits(header_timeout=0.3)) as (server, log):
        reader, writer = await connect(server.address, PARTIAL)
        silent, silent_writer = await connect(server.address)  # not even a first byte
        assert await closed_by_server(reader) == b""
        assert await closed_by_server(silent) == b""
        writer.close()
        silent_writer.close()
    lines = [line for line in log.getvalue().splitlines() if "closed slow HTTP connections" in line]
    assert len(lines) == 1  # rate-limited: the second one is counted in the next line
    assert 'count=1 reason="request headers not received within 0.3s"' in lines[0]


async def test_a_body_that_never_ends_is_cut_off_and_the_app_sees_a_disconnect() -> None:
    async with serving(HttpLimits(body_timeout=0.3)) as (server, log):
        reader, writer = await connect(
            server.address, b"POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab"
        )
        assert await closed_by_server(reader) == b""
        writer.close()
    assert 'reason="request body not received within 0.3s"' in log.getvalue()


async def test_kept_alive_connections_are_not_hurried_between_requests() -> None:
    async with (
        serving(HttpLimits(header_timeout=0.3)) as (server, _log),
        httpx.AsyncClient(base_url=f"http://{server.address}") as client,
    ):
        first = await client.post("/a", content=b"1")
        await asyncio.sleep(1.0)  # idle longer than the header deadline: keep-alive rules here
        second = await client.post("/b", content=b"2")
        assert (first.text, second.text) == ("ok 1", "ok 2")
        assert len(server.guard.open) == 1  # the same connection served both


async def test_past_the_cap_the_longest_waiting_slow_client_makes_room() -> None:
    async with serving(HttpLimits(max_connections=3)) as (server, log):
        slow = [await connect(server.address, PARTIAL) for _ in range(3)]
        await _until(lambda: len(server.guard.open) == 3)
        async with httpx.AsyncClient() as client:
            response = await client.get(f"http://{server.address}/healthz", timeout=30)
        assert response.text == "ok "
        assert await closed_by_server(slow[0][0]) == b""  # the oldest gave way
        for _reader, writer in slow:
            writer.close()
    assert "HTTP connection limit reached" in log.getvalue()
    assert 'action="closed the longest-waiting idle or slow connection"' in log.getvalue()


async def test_when_the_cap_is_full_of_busy_connections_newcomers_get_503() -> None:
    async with serving(HttpLimits(max_connections=2)) as (server, log):
        # Headers complete, body pending: busy, not waiting for headers, so never displaced.
        busy = [
            await connect(server.address, b"POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n")
            for _ in range(2)
        ]
        await _until(lambda: len(server.guard.open) == 2 and not server.guard.waiting)
        async with httpx.AsyncClient() as client:
            refused = await client.get(f"http://{server.address}/healthz", timeout=30)
            for reader, writer in busy:
                writer.write(b"12345")
                await writer.drain()
                assert (await reader.readuntil(b"ok 12345")).startswith(b"HTTP/1.1 200")
                writer.close()
            await _until(lambda: len(server.guard.open) == 0)
            accepted = await client.get(f"http://{server.address}/healthz", timeout=30)
    assert (refused.status_code, refused.text) == (503, "Service Unavailable")
    assert accepted.status_code == 200
    assert log.getvalue().count("HTTP connection limit reached") == 1
    assert "Exceeded concurrency limit" not in log.getvalue()


async def _until(predicate: Any, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


def test_every_server_has_the_default_limits() -> None:
    sock = bind_tcp("127.0.0.1:0")
    try:
        server = AsgiServer(app, sock)
        assert server.guard.limits == HttpLimits(header_timeout=10.0, body_timeout=30.0, max_connections=1000)
        assert 1 <= server.guard.cap <= 1000
    finally:
        sock.close()
