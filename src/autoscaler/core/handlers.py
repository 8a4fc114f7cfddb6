"""The handlers a job calls: builtin ones in-process, custom ones over gRPC.

Both kinds are driven through one interface (`HandlerRef.call`) and report each response to a
`ResponseSink`, which logs it and records whether the job changed anything. Builtin handlers
implement `autoscaler.handlers.contract.Handler`; custom handlers are reached with a fresh
connection per call, as upstream does, so a restarted handler is picked up by the next call.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import grpc

from ..cloud.errors import message_of
from ..golang.errors import go_status_text
from ..handlers.contract import Handler, HandleRequest, HandleResponse, PostHandleRequest, Reporter
from ..log import Logger, go_quote
from ..proto import handler_pb2_grpc
from ..wire.dial import channel, default_core_address

Request = HandleRequest | PostHandleRequest
STEPS = {"PreHandle": "pre_handle", "Handle": "handle", "PostHandle": "post_handle"}
Status = HandleResponse.Status
HANDLED = (Status.RUNNING, Status.DONE)


class HandlerCallError(Exception):
    """A handler failed; the job fails with this text."""


class BuiltinStatus(int):
    """A builtin's response status: its name in logfmt, its number in JSON (as upstream logs)."""

    def __str__(self) -> str:
        return str(Status.Name(self))  # type: ignore[arg-type]


class ResponseSink(Protocol):
    def __call__(self, response: HandleResponse, logger: Logger, builtin: bool) -> None: ...


class HandlerRef(Protocol):
    name: str
    builtin: bool

    async def call(self, step: str, request: Request, logger: Logger, sink: ResponseSink) -> None: ...


@dataclass
class BuiltinRef:
    name: str
    handler: Handler
    builtin: bool = True

    async def call(self, step: str, request: Request, logger: Logger, sink: ResponseSink) -> None:
        attribute = STEPS[step]
        if not self.handler.implements(attribute):
            logger.debug("ignored request")
            return

        async def send(response: HandleResponse) -> None:
            sink(response, logger, True)

        reporter = Reporter(request.scaling_job_id, send)
        try:
            await getattr(self.handler, attribute)(request, reporter)
        except HandlerCallError:
            raise
        except Exception as exc:
            raise HandlerCallError(message_of(exc) or type(exc).__name__) from exc


@dataclass
class CustomRef:
    """A handler from the `handlers:` list, called over gRPC."""

    name: str
    endpoint: str
    on_error: Callable[[], None] = lambda: None
    builtin: bool = False

    async def call(self, step: str, request: Request, logger: Logger, sink: ResponseSink) -> None:
        try:
            address = default_core_address(self.endpoint)
        except FileNotFoundError as exc:
            self.on_error()
            raise HandlerCallError(str(exc)) from None
        received = 0
        async with channel(address) as chan:
            stub = handler_pb2_grpc.HandleServiceStub(chan)
            stream = getattr(stub, step)(request)
            try:
                async for response in stream:
                    received += 1
                    if response.status == Status.IGNORED and not response.log:
                        logger.debug("", status="IGNORED")
                        stream.cancel()
                        return
                    sink(response, logger, False)
            except grpc.aio.AioRpcError as exc:
                if received == 0:
                    self.on_error()  # the call itself failed (upstream counts these)
                raise HandlerCallError(go_status_text(exc.code(), exc.details())) from None


def log_response(response: HandleResponse, logger: Logger, builtin: bool) -> None:
    """Upstream's handler-response line: empty message, `status`, and `log` when non-empty."""
    status: object = BuiltinStatus(response.status) if builtin else Status.Name(response.status)
    pairs: list[tuple[str, object]] = [("status", status)]
    if response.log:
        pairs.append(("log", response.log))
    if response.status == Status.IGNORED and not response.log:
        logger.debug("", *pairs)
        return
    logger.info("", *pairs)


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
    """A hint when the endpoint is a unix socket file that is missing or that nobody listens on."""
    import os
    import socket
    import stat

    from ..wire.address import AddressError, parse

    try:
        address = parse(endpoint) if endpoint else None
    except AddressError:
        return ""
    if address is None or not address.is_unix_file:
        return ""
    path = address.endpoint
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return (
            f" (the socket {path} does not exist: start the handler before the Core, or give --handlers-wait)"
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
            return f" (nothing listens on the socket {path}: is the handler running?)"
        except OSError:
            return ""
    return ""


async def ping_all(
    handlers: Sequence[tuple[str, str]], wait: float, on_error: Callable[[], None]
) -> list[str]:
    """Ping every handler, retrying failures until `wait` seconds have passed (0: once)."""
    import asyncio

    deadline = time.monotonic() + wait
    failures: dict[int, str] = {}
    pending = list(range(len(handlers)))
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
        await asyncio.sleep(min(0.2, max(0.0, deadline - time.monotonic())))
    out = []
    for i in sorted(failures):
        name, endpoint = handlers[i]
        detail = failures[i] + _endpoint_note(endpoint) + missing_socket_hint(endpoint)
        out.append(f"handler {go_quote(name)} returns error: {detail}")
    return out


def _endpoint_note(endpoint: str) -> str:
    return f" (endpoint: {endpoint or '(default socket)'})"
