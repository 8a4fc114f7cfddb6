"""What happens to scaling jobs, told to one reporter: the ScalingService and the orchestration
call its hooks and neither log nor count themselves.

`JobReporter` has a no-op hook per event; `LogReporter` writes upstream's log lines and counts
the Core's metrics; `Reporters` tells several reporters the same events, in order. Each hook
gets the logger that carries the event's fields (request, source, resource, and for handler
events type, zone, id, name, step, handler), so a reporter that logs shows them as upstream does.
Hooks come in order within one task: a request's from `received` to `answered`, a job's from
`running` to `finished`, a resource's and a handler call's from their start to their end.
"""

from __future__ import annotations

from typing import Any

from google.protobuf import text_format

from ..golang.duration import go_duration
from ..handlers.contract import HandleResponse, Step
from ..log import LEVELS, Logger, Whole
from ..proto import request_pb2
from .job import ACCEPTED, CANCELED, FAILED, IGNORED, RUNNING, Job, Refusal, status_name, whole_seconds
from .metrics import CoreMetrics
from .request import RequestInfo, RequestType
from .resources.computed import Computed

Status = HandleResponse.Status


class BuiltinStatus(int):
    """A builtin's response status, logged by name (upstream's JSON lines show its number; one
    JSON type per key is kinder to log stores, see docs/compatibility.md)."""

    def __str__(self) -> str:
        return str(Status.Name(self))  # type: ignore[arg-type]


class JobReporter:
    """The events of scaling jobs. Every hook does nothing; override the ones you need."""

    def received(
        self, request_type: RequestType, request: request_pb2.ScalingRequest, logger: Logger
    ) -> None:
        """A ScalingService request arrived (before its resource name is resolved)."""

    def refused(self, error: str) -> None:
        """The request was answered with a gRPC error (unknown resource, cloud failure)."""

    def answered(self, response: request_pb2.ScalingResponse | None) -> None:
        """The request's answer is going back (None: it failed); the last hook of a request."""

    def ignored(self, job: Job, reason: str, logger: Logger) -> None:
        """The request was not taken: the Core is stopping, or the job is busy or cooling down.

        `reason` is the Core's answer; a `Refusal` also says why (its `kind`, `remaining`)."""

    def canceled(self, job: Job, error: str, logger: Logger) -> None:
        """The request could not be checked (its resource could not be read)."""

    def accepted(self, job: Job, request: RequestInfo, logger: Logger) -> None:
        """A job was accepted for `request`."""

    def running(self, job: Job, logger: Logger) -> None:
        """The job started working."""

    def progress(self, job: Job, elapsed: int, logger: Logger) -> None:
        """The job is still running after `elapsed` seconds."""

    def resource_started(self, job: Job, resource: Computed, logger: Logger) -> None:
        """The job computed one of its resources and is about to call PreHandle for it."""

    def resource_finished(self, job: Job, resource: Computed, result: int, logger: Logger) -> None:
        """Every handler's PostHandle of the resource ended (`resource` is the refreshed value)."""

    def resource_failed(self, job: Job, resource: Computed, error: str, logger: Logger) -> None:
        """A step of the resource failed (or the job was cancelled): the job stops here."""

    def handler_call_started(self, job: Job, handler: str, step: Step, builtin: bool, logger: Logger) -> None:
        """A handler's step is being called."""

    def handler_call_failed(self, job: Job, handler: str, step: Step, error: str, logger: Logger) -> None:
        """The call failed (before `handler_call_ended`); the job fails with `error`."""

    def handler_skipped(self, job: Job, handler: str, step: Step, logger: Logger) -> None:
        """A builtin handler does not implement this step."""

    def handler_response(self, job: Job, response: HandleResponse, builtin: bool, logger: Logger) -> None:
        """A handler reported back during a step."""

    def handler_call_ended(self, job: Job, handler: str, step: Step, seconds: float, logger: Logger) -> None:
        """A call of a handler's step ended (successfully or not) after `seconds`."""

    def finished(self, job: Job, status: int, error: str | None, logger: Logger) -> None:
        """The job ended with DONE, DONE_NOOP or FAILED (`error` says why it failed)."""


class LogReporter(JobReporter):
    """Upstream's log lines for every event, and the Core's metrics when it has them."""

    def __init__(self, metrics: CoreMetrics | None = None) -> None:
        self.metrics = metrics

    def _count(self, status: int) -> None:
        if self.metrics is not None:
            self.metrics.job_status(status)

    def received(
        self, request_type: RequestType, request: request_pb2.ScalingRequest, logger: Logger
    ) -> None:
        pairs: list[tuple[str, Any]] = [("request", request_type.label), ("resource", request.resource_name)]
        if request.desired_state_name:
            pairs.append(("desired", request.desired_state_name))
        logger.info("request received", *pairs)
        if logger.enabled(LEVELS["debug"]):
            logger.debug("", *pairs, request=text_format.MessageToString(request, as_one_line=True))

    def refused(self, error: str) -> None:
        if self.metrics is not None:
            self.metrics.core_errors.inc()

    def ignored(self, job: Job, reason: str, logger: Logger) -> None:
        # Upstream's line, then (an addition) why: reason=cooldown remaining=9m32s, reason=running.
        pairs: list[tuple[str, object]] = [("status", status_name(IGNORED))]
        if isinstance(reason, Refusal) and reason.kind in ("cooldown", "running"):
            pairs.append(("reason", reason.kind))
            if reason.kind == "cooldown":
                pairs.append(("remaining", go_duration(whole_seconds(reason.remaining))))
        logger.info(str(reason), *pairs)

    def canceled(self, job: Job, error: str, logger: Logger) -> None:
        logger.info("request has been canceled", status=status_name(CANCELED), error=error)

    def accepted(self, job: Job, request: RequestInfo, logger: Logger) -> None:
        logger.info("request has been accepted", status=status_name(ACCEPTED))
        self._count(ACCEPTED)

    def running(self, job: Job, logger: Logger) -> None:
        self._count(RUNNING)
        logger.info("", status=status_name(RUNNING))

    def progress(self, job: Job, elapsed: int, logger: Logger) -> None:
        logger.info(f"{elapsed}s elapsed")

    def handler_skipped(self, job: Job, handler: str, step: Step, logger: Logger) -> None:
        logger.debug("ignored request")

    def handler_response(self, job: Job, response: HandleResponse, builtin: bool, logger: Logger) -> None:
        # Upstream's handler-response line: empty message, `status`, and `log` when non-empty.
        status: object = BuiltinStatus(response.status) if builtin else Status.Name(response.status)
        pairs: list[tuple[str, object]] = [("status", status)]
        if response.log:
            pairs.append(("log", Whole(response.log)))  # a handler's report, bounded by gRPC
        if response.status == Status.IGNORED and not response.log:
            logger.debug("", *pairs)
            return
        logger.info("", *pairs)

    def handler_call_ended(self, job: Job, handler: str, step: Step, seconds: float, logger: Logger) -> None:
        if self.metrics is not None:
            self.metrics.handler_call(handler, step.method, seconds)

    def finished(self, job: Job, status: int, error: str | None, logger: Logger) -> None:
        self._count(status)
        if status == FAILED:
            logger.warn("", status=status_name(status), error=error or "")
        else:
            logger.info("", status=status_name(status))


class Reporters(JobReporter):
    """Several reporters told every event, in the order given (the log first, as a rule)."""

    def __init__(self, *reporters: JobReporter) -> None:
        self.reporters = reporters

    def received(
        self, request_type: RequestType, request: request_pb2.ScalingRequest, logger: Logger
    ) -> None:
        for reporter in self.reporters:
            reporter.received(request_type, request, logger)

    def refused(self, error: str) -> None:
        for reporter in self.reporters:
            reporter.refused(error)

    def answered(self, response: request_pb2.ScalingResponse | None) -> None:
        for reporter in self.reporters:
            reporter.answered(response)

    def ignored(self, job: Job, reason: str, logger: Logger) -> None:
        for reporter in self.reporters:
            reporter.ignored(job, reason, logger)

    def canceled(self, job: Job, error: str, logger: Logger) -> None:
        for reporter in self.reporters:
            reporter.canceled(job, error, logger)

    def accepted(self, job: Job, request: RequestInfo, logger: Logger) -> None:
        for reporter in self.reporters:
            reporter.accepted(job, request, logger)

    def running(self, job: Job, logger: Logger) -> None:
        for reporter in self.reporters:
            reporter.running(job, logger)

    def progress(self, job: Job, elapsed: int, logger: Logger) -> None:
        for reporter in self.reporters:
            reporter.progress(job, elapsed, logger)

    def resource_started(self, job: Job, resource: Computed, logger: Logger) -> None:
        for reporter in self.reporters:
            reporter.resource_started(job, resource, logger)

    def resource_finished(self, job: Job, resource: Computed, result: int, logger: Logger) -> None:
        for reporter in self.reporters:
            reporter.resource_finished(job, resource, result, logger)

    def resource_failed(self, job: Job, resource: Computed, error: str, logger: Logger) -> None:
        for reporter in self.reporters:
            reporter.resource_failed(job, resource, error, logger)

    def handler_call_started(self, job: Job, handler: str, step: Step, builtin: bool, logger: Logger) -> None:
        for reporter in self.reporters:
            reporter.handler_call_started(job, handler, step, builtin, logger)

    def handler_call_failed(self, job: Job, handler: str, step: Step, error: str, logger: Logger) -> None:
        for reporter in self.reporters:
            reporter.handler_call_failed(job, handler, step, error, logger)

    def handler_skipped(self, job: Job, handler: str, step: Step, logger: Logger) -> None:
        for reporter in self.reporters:
            reporter.handler_skipped(job, handler, step, logger)

    def handler_response(self, job: Job, response: HandleResponse, builtin: bool, logger: Logger) -> None:
        for reporter in self.reporters:
            reporter.handler_response(job, response, builtin, logger)

    def handler_call_ended(self, job: Job, handler: str, step: Step, seconds: float, logger: Logger) -> None:
        for reporter in self.reporters:
            reporter.handler_call_ended(job, handler, step, seconds, logger)

    def finished(self, job: Job, status: int, error: str | None, logger: Logger) -> None:
        for reporter in self.reporters:
            reporter.finished(job, status, error, logger)
