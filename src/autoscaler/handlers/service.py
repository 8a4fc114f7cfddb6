"""`autoscaler.HandleService` over a `Handler`: per-call logging, reporting and error status."""

from __future__ import annotations

from collections.abc import Callable

import grpc
from google.protobuf import text_format
from google.protobuf.message import Message

from ..log import Logger
from ..proto import handler_pb2_grpc
from .contract import Handler, HandleRequest, HandlerError, HandleResponse, PostHandleRequest, Reporter


class HandleService(handler_pb2_grpc.HandleServiceServicer):
    def __init__(self, handler: Handler, logger: Logger, on_error: Callable[[], None] = lambda: None) -> None:
        self.handler = handler
        self.logger = logger
        self.on_error = on_error

    async def _call(
        self, step: str, attribute: str, request: Message, context: grpc.aio.ServicerContext
    ) -> None:
        job_id = getattr(request, "scaling_job_id", "")
        log = self.logger.bind(
            ("scaling-job-id", job_id), ("step", step), ("handler", self.handler.full_name)
        )
        if log.enabled(10):
            log.debug(
                f"{step}() received request", request=text_format.MessageToString(request, as_one_line=True)
            )
        if not self.handler.implements(attribute):
            log.info(f"{step}() ignored request", status="IGNORED")
            return
        log.info(f"{step}() received request", status="RECEIVED")

        async def send(response: HandleResponse) -> None:
            await context.write(response)

        reporter = Reporter(job_id, send)
        try:
            await getattr(self.handler, attribute)(request, reporter)
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
        await self._call("PreHandle", "pre_handle", request, context)

    async def Handle(self, request: HandleRequest, context: grpc.aio.ServicerContext) -> None:  # type: ignore[override]
        await self._call("Handle", "handle", request, context)

    async def PostHandle(self, request: PostHandleRequest, context: grpc.aio.ServicerContext) -> None:  # type: ignore[override]
        await self._call("PostHandle", "post_handle", request, context)
