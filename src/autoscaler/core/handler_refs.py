"""The handlers a job calls: builtin ones in-process, custom ones over gRPC.

Both kinds are driven through one interface (`HandlerRef.call`) and pass each response to the
caller's `sink` (the orchestration, which notes whether the job changed anything and tells its
reporter). Builtin handlers
implement `autoscaler.handlers.contract.Handler`; custom handlers are reached with a fresh
connection per call, as upstream does, so a restarted handler is picked up by the next call.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import grpc

from ..cloud.errors import message_of
from ..golang.errors import go_status_text
from ..handlers.client import call_step
from ..handlers.contract import Handler, HandleRequest, HandleResponse, PostHandleRequest, Reporter, Step
from ..wire.dial import default_core_address
from ..wire.socket_hints import shown, socket_hint, with_absolute_paths
from .handler_health import AT_JOB

Request = HandleRequest | PostHandleRequest
Status = HandleResponse.Status
HANDLED = (Status.RUNNING, Status.DONE)


class HandlerCallError(Exception):
    """A handler failed; the job fails with this text."""


ResponseSink = Callable[[HandleResponse], None]


class HandlerRef(Protocol):
    name: str
    builtin: bool

    async def call(self, step: Step, request: Request, sink: ResponseSink) -> bool:
        """Run `step`; False when the handler does not take part in it (a builtin without it)."""
        ...


@dataclass
class BuiltinRef:
    name: str
    handler: Handler
    builtin: bool = True

    async def call(self, step: Step, request: Request, sink: ResponseSink) -> bool:
        if not self.handler.implements(step):
            return False

        async def send(response: HandleResponse) -> None:
            sink(response)

        reporter = Reporter(request.scaling_job_id, send)
        try:
            await getattr(self.handler, step.attribute)(request, reporter)
        except HandlerCallError:
            raise
        except Exception as exc:
            raise HandlerCallError(message_of(exc) or type(exc).__name__) from exc
        return True


@dataclass
class CustomRef:
    """A handler from the `handlers:` list, called over gRPC."""

    name: str
    endpoint: str
    on_error: Callable[[], None] = lambda: None
    builtin: bool = False

    async def call(self, step: Step, request: Request, sink: ResponseSink) -> bool:
        try:
            address = default_core_address(self.endpoint)
        except FileNotFoundError as exc:
            self.on_error()
            raise HandlerCallError(str(exc)) from None
        received = 0
        try:
            async with contextlib.aclosing(call_step(address, step, request)) as responses:
                async for response in responses:
                    received += 1
                    sink(response)
                    if response.status == Status.IGNORED and not response.log:
                        return True  # "not for me": leaving cancels the call
        except grpc.aio.AioRpcError as exc:
            text = go_status_text(exc.code(), exc.details())
            if received == 0:
                self.on_error()  # the call itself failed (upstream counts these)
                if exc.code() == grpc.StatusCode.UNAVAILABLE:
                    # Not reached at all: the same pointers as the start-up check gives.
                    text = with_absolute_paths(text, self.endpoint)
                    hint = socket_hint(self.endpoint, AT_JOB)
                    text += f" (handler: {self.name}, endpoint: {shown(self.endpoint)}){hint}"
            raise HandlerCallError(text) from None
        return True
