"""Health checks of custom handlers, for start-up and `validate`: grpc.health.v1 Check must answer
SERVING; a failure names the handler, its endpoint and, for a unix socket, what is wrong with it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import replace

import grpc

from ..golang.duration import go_duration
from ..golang.errors import go_status_text
from ..log import go_quote
from ..wire.dial import channel, default_core_address
from ..wire.socket_hints import Peer, shown, socket_hint, with_absolute_paths


async def ping(name: str, endpoint: str, timeout: float = 10.0) -> str | None:
    """Health-check a custom handler; None when it answers SERVING, else what went wrong."""
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    try:
        address = default_core_address(endpoint)
    except FileNotFoundError as exc:
        return str(exc)
    async with channel(address) as chan:
        stub = health_pb2_grpc.HealthStub(chan)
        try:
            reply = await stub.Check(health_pb2.HealthCheckRequest(), timeout=timeout)
        except grpc.aio.AioRpcError as exc:
            return go_status_text(exc.code(), exc.details())
    if reply.status != health_pb2.HealthCheckResponse.SERVING:
        return f"got unexpected status: {health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)}"
    return None


# What the Core says about a handler it cannot reach, at start-up and at job time.
SAME_PATH = "give both the same absolute path"
AT_START = Peer("handler", "start the handler before the Core, or give --handlers-wait", SAME_PATH)
AT_JOB = Peer("handler", "start the handler; the next call reaches it", SAME_PATH)


def endpoint_note(endpoint: str) -> str:
    """` (endpoint: …)`, a relative unix path shown absolute."""
    return f" (endpoint: {shown(endpoint) if endpoint else '(default socket)'})"


async def ping_all(
    handlers: Sequence[tuple[str, str]],
    wait: float,
    on_error: Callable[[], None],
    waiting: Callable[[list[str]], None] = lambda names: None,
) -> list[str]:
    """Ping every handler, retrying failures until `wait` seconds have passed (0: once);
    `waiting` is told once which handlers are being waited for."""
    deadline = time.monotonic() + wait
    failures: dict[int, str] = {}
    pending = list(range(len(handlers)))
    told = False
    while True:
        for i in pending:
            name, endpoint = handlers[i]
            problem = await ping(name, endpoint)
            if problem is None:
                failures.pop(i, None)
            else:
                on_error()
                failures[i] = problem
        pending = sorted(failures)
        if not pending or time.monotonic() >= deadline:
            break
        if not told:
            waiting([handlers[i][0] for i in pending])
            told = True
        await asyncio.sleep(min(0.2, max(0.0, deadline - time.monotonic())))
    # When the advice to wait was taken already, say how long it was.
    peer = AT_START
    if wait > 0:
        peer = replace(AT_START, start=f"start the handler before the Core (waited {go_duration(wait)})")
    out = []
    for i in sorted(failures):
        name, endpoint = handlers[i]
        detail = with_absolute_paths(failures[i], endpoint) + endpoint_note(endpoint)
        detail += socket_hint(endpoint, peer)
        out.append(f"handler {go_quote(name)} returns error: {detail}")
    return out
