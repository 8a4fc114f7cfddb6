"""The handler contract: what a handler implements and how it reports back to the Core.

A handler implements any of `pre_handle`, `handle` and `post_handle` as coroutines taking the
request and a `Reporter`. Steps it does not implement are answered with OK and no messages
(upstream logs them as "ignored"). Reports become `HandleResponse` messages on the RPC's stream,
each carrying the request's `scaling_job_id`. Raising `HandlerError` ends the RPC with that
status; any other exception ends it with UNKNOWN and the exception's text.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable

import grpc

from ..proto import handler_pb2 as pb

HandleRequest = pb.HandleRequest
PostHandleRequest = pb.PostHandleRequest
HandleResponse = pb.HandleResponse
Status = pb.HandleResponse.Status


class Step(enum.Enum):
    """A step of a scaling job, in the order the Core calls them. Its value is the command-line
    spelling (`--handler-type`, `AUTOSCALER_HANDLER_TYPE`)."""

    PRE_HANDLE = "pre-handle"
    HANDLE = "handle"
    POST_HANDLE = "post-handle"

    @property
    def method(self) -> str:
        """The gRPC method, as the Core and the handlers log it: `PreHandle`."""
        return self.value.title().replace("-", "")

    @property
    def attribute(self) -> str:
        """The `Handler` coroutine that implements it: `pre_handle`."""
        return self.value.replace("-", "_")


STEPS = tuple(step.value for step in Step)


class HandlerError(Exception):
    """Fail the RPC with `code` and `message` (what the Core logs for the failed job)."""

    def __init__(self, message: str, code: grpc.StatusCode = grpc.StatusCode.UNKNOWN) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


Send = Callable[[HandleResponse], Awaitable[None]]


class Reporter:
    """Streams progress to the Core for one request.

    Send RUNNING/DONE when the handler changed something (the Core then counts the job as
    handled), IGNORED with an empty log to tell the Core the request is not for this handler.
    Keep each log under 4 MiB, the Core's receive limit.
    """

    def __init__(self, scaling_job_id: str, send: Send) -> None:
        self.scaling_job_id = scaling_job_id
        self._send = send
        self.sent = 0

    async def report(self, status: int, log: str = "") -> None:
        await self._send(HandleResponse(scaling_job_id=self.scaling_job_id, status=status, log=log))  # type: ignore[arg-type]
        self.sent += 1

    async def accepted(self, log: str = "") -> None:
        await self.report(Status.ACCEPTED, log)

    async def running(self, log: str = "") -> None:
        await self.report(Status.RUNNING, log)

    async def done(self, log: str = "") -> None:
        await self.report(Status.DONE, log)

    async def ignored(self, log: str = "") -> None:
        await self.report(Status.IGNORED, log)


class Handler:
    """Base class for handlers served by this runtime. Override the steps you need.

    `name` is the short name; log lines carry `from=autoscaler-handlers-<name>`.
    """

    name: str = "custom"

    async def pre_handle(self, request: HandleRequest, reporter: Reporter) -> None:
        raise NotImplementedError

    async def handle(self, request: HandleRequest, reporter: Reporter) -> None:
        raise NotImplementedError

    async def post_handle(self, request: PostHandleRequest, reporter: Reporter) -> None:
        raise NotImplementedError

    async def close(self) -> None:
        """Called once on shutdown, after in-flight calls drained (or the grace ran out)."""

    def implements(self, step: Step) -> bool:
        """Whether a subclass overrides the coroutine of `step`."""
        return getattr(type(self), step.attribute) is not getattr(Handler, step.attribute)

    @property
    def full_name(self) -> str:
        return f"autoscaler-handlers-{self.name}"
