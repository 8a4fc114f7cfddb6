"""`autoscaler.ScalingService` (Up/Down/Keep) and the job bookkeeping behind it.

Differences from upstream, deliberately: accepting a request (find the job, check the
cooldown, mark it ACCEPTED) is serialised per resource name, so two simultaneous requests can
no longer both be accepted; every job is tracked, so shutdown waits for all of them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any, cast

import grpc

from ..cloud.errors import message_of
from ..golang.duration import go_duration
from ..log import Logger, clip, go_quote
from ..proto import request_pb2, request_pb2_grpc
from ..wire.metadata import refusal_trailers
from .cloud import CoreCloud
from .config.model import Config
from .handler_refs import HandlerRef
from .job import ACCEPTED, CANCELED, Job, Refusal, whole_seconds
from .orchestration import JobRun, Orchestrator, Recover
from .reporter import JobReporter
from .request import RequestInfo, RequestType

ScalingRequest = request_pb2.ScalingRequest
ScalingResponse = request_pb2.ScalingResponse


class RequestError(Exception):
    """Answered as a gRPC error with status Unknown, as upstream's service does."""


class CoreState:
    """Jobs by resource name, the stopping flag, and the running job tasks."""

    def __init__(
        self,
        config: Config,
        cloud: CoreCloud,
        handlers: Callable[[], Sequence[HandlerRef]],
        logger: Logger,
        reporter: JobReporter,
        recover: Recover | None = None,
    ) -> None:
        self.config = config
        self.cloud = cloud
        self.handlers = handlers
        self.logger = logger
        self.reporter = reporter
        self.orchestrator = Orchestrator(reporter, recover=recover)
        self.jobs: dict[str, Job] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self.running: set[asyncio.Task[int]] = set()
        self.stopping = False

    async def handle(
        self,
        request_type: RequestType,
        request: ScalingRequest,
        on_refusal: Callable[[Refusal], None] = lambda _: None,
    ) -> ScalingResponse:
        """Answer one request; `on_refusal` hears why it was not accepted, when it was not."""
        self.reporter.received(request_type, request, self.logger)
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
                stopping = Refusal("core is shutting down", "stopping")
                on_refusal(stopping)
                self.reporter.ignored(job, stopping, logger)
                return _response(name, job.status, stopping)
            definition = self.config.find(name)
            try:
                if definition is None:
                    # Echoed cut short: a megabyte of name would overflow the caller's gRPC trailers.
                    raise RequestError(f"resource {go_quote(clip(name))} not found")
                last_modified = await definition.last_modified(self.cloud.client)
            except Exception as exc:
                job.status = CANCELED
                text = message_of(exc)
                self.reporter.canceled(job, text, logger)
                raise RequestError(text) from None
            refusal = job.refusal(request_type, last_modified)
            if refusal is not None:
                on_refusal(refusal)
                self.reporter.ignored(job, refusal, logger)
                return _response(name, job.status, refusal)
            job.status = ACCEPTED
            self.reporter.accepted(job, info, logger)
            run = JobRun(
                job=job,
                request=info,
                logger=logger,
                handlers=self.handlers(),
                resources=lambda: definition.resources(self.cloud.client, info),
                parallelism=definition.parallelism_limit,
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
    return ScalingResponse(scaling_job_id=job_id, status=cast(Any, status), message=str(message))


class ScalingService(request_pb2_grpc.ScalingServiceServicer):
    def __init__(self, state: CoreState) -> None:
        self.state = state

    async def _serve(
        self, request_type: RequestType, request: ScalingRequest, context: grpc.aio.ServicerContext
    ) -> ScalingResponse:
        def tell(refusal: Refusal) -> None:
            # Only in trailers: the answer's message bytes stay upstream's.
            remaining = go_duration(whole_seconds(refusal.remaining)) if refusal.kind == "cooldown" else ""
            context.set_trailing_metadata(refusal_trailers(refusal.kind, remaining))

        response = None
        try:
            response = await self.state.handle(request_type, request, tell)
            return response
        except RequestError as exc:
            self.state.reporter.refused(str(exc))
            await context.abort(grpc.StatusCode.UNKNOWN, str(exc))
            raise AssertionError("unreachable") from None
        finally:
            self.state.reporter.answered(response)

    async def Up(self, request: ScalingRequest, context: grpc.aio.ServicerContext) -> ScalingResponse:
        return await self._serve(RequestType.UP, request, context)

    async def Down(self, request: ScalingRequest, context: grpc.aio.ServicerContext) -> ScalingResponse:
        return await self._serve(RequestType.DOWN, request, context)

    async def Keep(self, request: ScalingRequest, context: grpc.aio.ServicerContext) -> ScalingResponse:
        return await self._serve(RequestType.KEEP, request, context)
