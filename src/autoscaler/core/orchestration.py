"""Running one scaling job: compute the definition's resources, then for each resource
PreHandle, Handle (every handler, in order), refresh from the cloud, PostHandle.

The first error anywhere fails the job. A job is "handled" (DONE rather than DONE_NOOP) as
soon as any handler reports RUNNING or DONE. Every event goes to the job's reporter.

With a definition's `parallelism` above 1 (ServerGroup), up to that many resources go through
their steps at once; they start in order, the first error stops starting more, the started ones
finish, and the job fails with every error.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TypeAlias

from ..cloud.errors import message_of
from ..golang.errors import multierror
from ..handlers.contract import HandleRequest, HandleResponse, PostHandleRequest, Step
from ..log import Logger
from .handler_refs import HANDLED, HandlerRef
from .job import DONE, DONE_NOOP, FAILED, RUNNING, Job
from .reporter import JobReporter
from .request import RequestInfo
from .resources.computed import NOOP, Computed, Resource, handle_result

PROGRESS_INTERVAL = 30.0

# Called when a job fails, before its end is reported: brings what the job left half-done back
# to a safe state and returns the job's error with what it did (None: the error unchanged).
Recover: TypeAlias = Callable[[Job, str], Awaitable[str | None]]


@dataclass
class JobRun:
    """What one run of a job needs."""

    job: Job
    request: RequestInfo
    logger: Logger  # carries request, source, resource
    handlers: Sequence[HandlerRef]
    resources: Callable[[], Awaitable[Sequence[Resource]]]  # computes the definition's resources
    parallelism: int = 1  # how many resources at once
    handled: bool = False


class ResourceErrors(Exception):
    """Several resources of one job failed; `str()` lists them all (go-multierror's text)."""

    def __init__(self, errors: Sequence[BaseException]) -> None:
        self.errors = list(errors)
        super().__init__(multierror([message_of(e) or type(e).__name__ for e in self.errors]).rstrip("\n"))


class Orchestrator:
    def __init__(
        self,
        reporter: JobReporter,
        progress_interval: float = PROGRESS_INTERVAL,
        recover: Recover | None = None,
    ) -> None:
        self.reporter = reporter
        self.progress_interval = progress_interval
        self.recover = recover

    async def run(self, run: JobRun) -> int:
        """Run the job to its end and return its final status (DONE, DONE_NOOP or FAILED)."""
        run.job.status = RUNNING
        self.reporter.running(run.job, run.logger)
        try:
            async with self._progress(run):
                resources = await run.resources()
                if run.parallelism > 1 and len(resources) > 1:
                    await self._handle_in_parallel(run, resources)
                else:
                    for resource in resources:
                        await self._handle_resource(run, resource)
        except Exception as exc:
            error = message_of(exc) or type(exc).__name__
            if self.recover is not None:
                error = await self.recover(run.job, error) or error
            run.job.status = FAILED
            self.reporter.finished(run.job, FAILED, error, run.logger)
            return FAILED
        final = DONE if run.handled else DONE_NOOP
        run.job.status = final
        self.reporter.finished(run.job, final, None, run.logger)
        return final

    @contextlib.asynccontextmanager
    async def _progress(self, run: JobRun) -> AsyncIterator[None]:
        async def tick() -> None:
            elapsed = 0
            while True:
                await asyncio.sleep(self.progress_interval)
                elapsed += int(self.progress_interval)
                self.reporter.progress(run.job, elapsed, run.logger)

        task = asyncio.create_task(tick())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _handle_in_parallel(self, run: JobRun, resources: Sequence[Resource]) -> None:
        slots = asyncio.Semaphore(run.parallelism)
        failures: dict[int, BaseException] = {}
        started: list[asyncio.Task[None]] = []

        async def one(position: int, resource: Resource, computed: Computed, slot: bool) -> None:
            try:
                await self._handle_resource(run, resource, computed)
            except Exception as exc:
                failures[position] = exc
            finally:
                if slot:
                    slots.release()

        try:
            for position, resource in enumerate(resources):
                computed = await resource.compute(refresh=False)
                # Only members being created or deleted count against the limit: an unchanged
                # one changes nothing in the cloud and passes alongside.
                slot = computed.instruction != NOOP
                if slot:
                    await slots.acquire()
                if failures:
                    if slot:
                        slots.release()
                    break
                started.append(asyncio.create_task(one(position, resource, computed, slot)))
            await asyncio.gather(*started)
        except asyncio.CancelledError:
            # The job itself is being cancelled (shutdown): so is every member still running.
            for task in started:
                task.cancel()
            await asyncio.gather(*started, return_exceptions=True)
            raise
        if len(failures) == 1:
            raise next(iter(failures.values()))
        if failures:
            raise ResourceErrors([failures[p] for p in sorted(failures)])

    async def _handle_resource(
        self, run: JobRun, resource: Resource, computed: Computed | None = None
    ) -> None:
        if computed is None:
            computed = await resource.compute(refresh=False)
        zone = computed.zone or "global"
        logger = _resource_logger(run.logger, computed, zone)
        self.reporter.resource_started(run.job, computed, logger)
        try:
            refreshed, result, logger = await self._steps(run, resource, computed, zone, logger)
        except BaseException as exc:
            self.reporter.resource_failed(run.job, computed, _error_text(exc), logger)
            raise
        self.reporter.resource_finished(run.job, refreshed, result, logger)

    async def _steps(
        self, run: JobRun, resource: Resource, computed: Computed, zone: str, logger: Logger
    ) -> tuple[Computed, int, Logger]:
        request = run.request
        for step in (Step.PRE_HANDLE, Step.HANDLE):
            for handler in run.handlers:
                message = HandleRequest(
                    source=request.source,
                    resource_name=request.resource_name,
                    scaling_job_id=run.job.id,
                    instruction=computed.instruction,  # type: ignore[arg-type]
                    setup_grace_period=computed.grace,
                    desired=computed.desired,
                )
                await self._call(run, handler, step, message, logger)
        refreshed = await resource.compute(refresh=True)
        logger = _resource_logger(run.logger, refreshed, zone, fallback_id=computed.id)
        result = handle_result(computed, refreshed)
        for handler in run.handlers:
            post = PostHandleRequest(
                source=request.source,
                resource_name=request.resource_name,
                scaling_job_id=run.job.id,
                result=result,  # type: ignore[arg-type]
                current=refreshed.current,
                setup_grace_period=refreshed.grace,
            )
            await self._call(run, handler, Step.POST_HANDLE, post, logger)
        return refreshed, result, logger

    async def _call(
        self,
        run: JobRun,
        handler: HandlerRef,
        step: Step,
        message: HandleRequest | PostHandleRequest,
        logger: Logger,
    ) -> None:
        step_logger = logger.bind(step=step.method, handler=handler.name)

        def sink(response: HandleResponse) -> None:
            if response.status in HANDLED:
                run.handled = True
            self.reporter.handler_response(run.job, response, handler.builtin, step_logger)

        self.reporter.handler_call_started(run.job, handler.name, step, handler.builtin, step_logger)
        started = time.perf_counter()
        try:
            if not await handler.call(step, message, sink):
                self.reporter.handler_skipped(run.job, handler.name, step, step_logger)
        except BaseException as exc:
            self.reporter.handler_call_failed(run.job, handler.name, step, _error_text(exc), step_logger)
            raise
        finally:
            self.reporter.handler_call_ended(
                run.job, handler.name, step, time.perf_counter() - started, step_logger
            )


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, asyncio.CancelledError):
        return "cancelled"
    return message_of(exc) or type(exc).__name__


def _resource_logger(base: Logger, computed: Computed, zone: str, fallback_id: str = "") -> Logger:
    shown_id = computed.id or (fallback_id if computed.gone else "") or "(known after handle)"
    return base.bind(type=computed.type, zone=zone, id=shown_id, name=computed.name)
