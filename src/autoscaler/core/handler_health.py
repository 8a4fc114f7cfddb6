"""Health checks of custom handlers, for start-up and `validate`: grpc.health.v1 Check must answer
SERVING; a failure names the handler, its endpoint and, for a unix socket, what is wrong with it.
"""

from __future__ import annotations

import asyncio
import os
import socket
import stat
import time
from collections.abc import Callable, Sequence

import grpc

from ..golang.duration import go_duration
from ..golang.errors import go_status_text
from ..log import go_quote
from ..wire.address import AddressError, parse
from ..wire.dial import channel, default_core_address


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


def missing_socket_hint(endpoint: str) -> str:
    """A hint when the endpoint is a unix socket file that is missing or that nobody listens on,
    or a path given without `unix:`. Paths are shown absolute: a relative one is resolved in each
    process's own working directory, the usual reason a Core misses a running handler."""
    try:
        address = parse(endpoint) if endpoint else None
    except AddressError:
        return ""
    if address is None:
        return ""
    if address.network == "tcp":
        return _scheme_hint(address.endpoint)
    if not address.is_unix_file:
        return ""
    path = os.path.abspath(address.endpoint)
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        relative = (
            ""
            if os.path.isabs(address.endpoint)
            else (
                f"; the relative path was resolved in this process's folder {os.getcwd()}: if the handler "
                "runs in another folder, give both the same absolute path"
            )
        )
        return (
            f" (the socket {path} does not exist: start the handler before the Core, "
            f"or give --handlers-wait{relative})"
        )
    except OSError:
        return ""
    if not stat.S_ISSOCK(mode):
        return f" ({path} is not a socket)"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        try:
            probe.connect(path)
        except ConnectionRefusedError:
            # A file left by a handler that did not exit cleanly (e.g. killed with SIGKILL).
            return (
                f" (nothing listens on the socket {path}: the handler that made it is gone; "
                "start it again, it replaces the stale file)"
            )
        except OSError:
            return ""
    return ""


def _scheme_hint(endpoint: str) -> str:
    """`endpoint: handler.sock` is a host name to gRPC; name the unix socket if one is there."""
    if ":" in endpoint.rsplit("]", 1)[-1]:
        return ""  # host:port
    path = os.path.abspath(endpoint)
    try:
        is_socket = stat.S_ISSOCK(os.stat(path).st_mode)
    except OSError:
        is_socket = False
    if is_socket:
        return f" (did you mean unix:{path}?)"
    if endpoint.endswith(".sock") or "/" in endpoint:
        return f" (an endpoint without a scheme is host:port; for a unix socket write unix:{endpoint})"
    return ""


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
    out = []
    for i in sorted(failures):
        name, endpoint = handlers[i]
        hint = missing_socket_hint(endpoint)
        if wait > 0:
            # The advice to wait was taken already: say how long it was.
            hint = hint.replace(", or give --handlers-wait", f" (waited {go_duration(wait)})")
        detail = failures[i] + _endpoint_note(endpoint) + hint
        out.append(f"handler {go_quote(name)} returns error: {detail}")
    return out


def _endpoint_note(endpoint: str) -> str:
    return f" (endpoint: {endpoint or '(default socket)'})"
