"""`autoscaler.HandleService` over a `Handler`: per-call logging, reporting and error status."""

from __future__ import annotations

from collections.abc import Callable

import grpc
from google.protobuf import text_format
from google.protobuf.message import Message

from ..log import LEVELS, Logger
from ..proto import handler_pb2_grpc
from .contract import Handler, HandleRequest, HandlerError, HandleResponse, PostHandleRequest, Reporter, Step


class HandleService(handler_pb2_grpc.HandleServiceServicer):
    def __init__(self, handler: Handler, logger: Logger, on_error: Callable[[], None] = lambda: None) -> None:
        self.handler = handler
        self.logger = logger
        self.on_error = on_error

    async def _call(self, step: Step, request: Message, context: grpc.aio.ServicerContext) -> None:
        job_id = getattr(request, "scaling_job_id", "")
        log = self.logger.bind(
            ("scaling-job-id", job_id), ("step", step.method), ("handler", self.handler.full_name)
        )
        if log.enabled(LEVELS["debug"]):
            log.debug(
                f"{step.method}() received request",
                request=text_format.MessageToString(request, as_one_line=True),
            )
        if not self.handler.implements(step):
            log.info(f"{step.method}() ignored request", status="IGNORED")
            return
        log.info(f"{step.method}() received request", status="RECEIVED")

        async def send(response: HandleResponse) -> None:
            await context.write(response)

        reporter = Reporter(job_id, send)
        try:
            await getattr(self.handler, step.attribute)(request, reporter)
        except HandlerError as exc:
            self.on_error()
            context.set_code(exc.code)
            context.set_details(exc.message)
        except Exception as exc:
            self.on_error()
            log.error("handler reported un error", error=str(exc) or type(exc).__name__)
            context.set_code(grpc.StatusCode.UNKNOWN)
            context.set_details(str(exc) or type(exc).__name__)

    async def PreHandle(self, request: HandleRequest, context: grpc.aio.ServicerContext) -> None:  # type: ignore[override]
        await self._call(Step.PRE_HANDLE, request, context)

    async def Handle(self, request: HandleRequest, context: grpc.aio.ServicerContext) -> None:  # type: ignore[override]
        await self._call(Step.HANDLE, request, context)

    async def PostHandle(self, request: PostHandleRequest, context: grpc.aio.ServicerContext) -> None:  # type: ignore[override]
        await self._call(Step.POST_HANDLE, request, context)
