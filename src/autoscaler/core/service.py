"""`autoscaler.ScalingService` (Up/Down/Keep) and the job bookkeeping behind it.

Differences from upstream, deliberately: accepting a request (find the job, check the
cooldown, mark it ACCEPTED) is serialised per resource name, so two simultaneous requests can
no longer both be accepted; every job is tracked, so shutdown waits for all of them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any, cast

import grpc
from google.protobuf import text_format

from ..cloud.errors import message_of
from ..log import Logger, go_quote
from ..proto import request_pb2, request_pb2_grpc
from .config.model import Config, Definition
from .handlers import HandlerRef
from .job import ACCEPTED, CANCELED, IGNORED, Job, status_name
from .metrics import CoreMetrics
from .orchestration import JobRun, Orchestrator
from .request import RequestInfo, RequestType
from .resources.computed import Resource

ScalingRequest = request_pb2.ScalingRequest
ScalingResponse = request_pb2.ScalingResponse


class RequestError(Exception):
    """Answered as a gRPC error with status Unknown, as upstream's service does."""


class Definitions:
    """How the Core reaches the cloud for a definition: its resources and their last change."""

    def __init__(
        self,
        resources: Callable[[Definition, RequestInfo, Logger], Awaitable[list[Resource]]],
        last_modified: Callable[[Definition, RequestInfo, Logger], Awaitable[datetime | None]],
    ) -> None:
        self.resources = resources
        self.last_modified = last_modified


class CoreState:
    """Jobs by resource name, the stopping flag, and the running job tasks."""

    def __init__(
        self,
        config: Config,
        definitions: Definitions,
        handlers: Callable[[], Sequence[HandlerRef]],
        logger: Logger,
        metrics: CoreMetrics | None = None,
        orchestrator: Orchestrator | None = None,
    ) -> None:
        self.config = config
        self.definitions = definitions
        self.handlers = handlers
        self.logger = logger
        self.metrics = metrics
        self.orchestrator = orchestrator or Orchestrator(metrics)
        self.jobs: dict[str, Job] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self.running: set[asyncio.Task[int]] = set()
        self.stopping = False

    async def handle(self, request_type: RequestType, request: ScalingRequest) -> ScalingResponse:
        pairs: list[tuple[str, Any]] = [("request", request_type.label), ("resource", request.resource_name)]
        if request.desired_state_name:
            pairs.append(("desired", request.desired_state_name))
        self.logger.info("request received", *pairs)
        if self.logger.enabled(10):
            self.logger.debug("", *pairs, request=text_format.MessageToString(request, as_one_line=True))
        try:
            name = self.config.resolve_name(request.resource_name)
        except (ValueError, LookupError) as exc:
            raise RequestError(str(exc)) from None
        info = RequestInfo(request_type, request.source, name, request.desired_state_name, request.sync)
        logger = self.logger.bind(request=request_type, source=request.source, resource=name)
        lock = self._locks.setdefault(name, asyncio.Lock())
        async with lock:
            job = self.jobs.get(name)
            if job is None:
                job = self.jobs[name] = Job(name, self.config.autoscaler.cooldowns)
            if self.stopping:
                logger.info("core is shutting down", status=status_name(IGNORED))
                return _response(name, job.status, "core is shutting down")
            definition = self.config.find(name)
            try:
                if definition is None:
                    raise RequestError(f"resource {go_quote(name)} not found")
                last_modified = await self.definitions.last_modified(definition, info, logger)
            except Exception as exc:
                job.status = CANCELED
                text = message_of(exc)
                logger.info("request has been canceled", status=status_name(CANCELED), error=text)
                raise RequestError(text) from None
            if not job.acceptable(request_type, last_modified):
                logger.info("job is in an unacceptable state", status=status_name(IGNORED))
                return _response(name, job.status, "job is in an unacceptable state")
            job.status = ACCEPTED
            logger.info("request has been accepted", status=status_name(ACCEPTED))
            if self.metrics is not None:
                self.metrics.job_status(ACCEPTED)
            run = JobRun(
                job=job,
                request=info,
                logger=logger,
                handlers=self.handlers(),
                resources=lambda: self.definitions.resources(definition, info, logger),
            )
            task = asyncio.create_task(self.orchestrator.run(run), name=f"job {name}")
            job.task = task
            self.running.add(task)
            task.add_done_callback(self.running.discard)
        if request.sync:
            # The job goes on even if the caller goes away (upstream ignores the RPC context).
            final = await asyncio.shield(task)
            return _response(name, final)
        return _response(name, job.status)

    async def stop(self, grace: float) -> bool:
        """Refuse new requests and wait for the running jobs; False if the grace ran out."""
        self.stopping = True
        if not self.running:
            return True
        _, pending = await asyncio.wait(set(self.running), timeout=grace)
        return not pending


def _response(job_id: str, status: int, message: str = "") -> ScalingResponse:
    return ScalingResponse(scaling_job_id=job_id, status=cast(Any, status), message=message)


class ScalingService(request_pb2_grpc.ScalingServiceServicer):
    def __init__(self, state: CoreState) -> None:
        self.state = state

    async def _serve(
        self, request_type: RequestType, request: ScalingRequest, context: grpc.aio.ServicerContext
    ) -> ScalingResponse:
        try:
            return await self.state.handle(request_type, request)
        except RequestError as exc:
            if self.state.metrics is not None:
                self.state.metrics.core_errors.inc()
            await context.abort(grpc.StatusCode.UNKNOWN, str(exc))
            raise AssertionError("unreachable") from None

    async def Up(self, request: ScalingRequest, context: grpc.aio.ServicerContext) -> ScalingResponse:
        return await self._serve(RequestType.UP, request, context)

    async def Down(self, request: ScalingRequest, context: grpc.aio.ServicerContext) -> ScalingResponse:
        return await self._serve(RequestType.DOWN, request, context)

    async def Keep(self, request: ScalingRequest, context: grpc.aio.ServicerContext) -> ScalingResponse:
        return await self._serve(RequestType.KEEP, request, context)
