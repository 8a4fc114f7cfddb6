"""The Core's spans, told by the job events (imported only when tracing is on).

One request, one trace (continued from the caller's gRPC metadata when it sent any):

    ScalingService#Up            server, upstream's name and request attributes
      Core#handle                client, upstream's: finding the job, the cooldown check
        <cloud API requests>     of the cooldown check (cloud/tracing.py)
        Job#run                  the job: id, final status, error
          Resource#handle        one per resource: type, id, name, zone, instruction, result
            Handler#PreHandle    one per handler and step (upstream's name for builtins):
            Handler#Handle         name, step, builtin, last status, responses, error; a
            Handler#PostHandle     custom handler's gRPC call (and its own spans) below it

A span is made current while its part runs, so what runs inside (cloud requests, a handler's
gRPC call) nests under it. Hooks of one part come in order within one task (see reporter.py),
so each task keeps a stack of the spans it opened.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from opentelemetry import context, trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

from ..handlers.contract import HandleResponse, Step
from ..log import Logger
from ..proto import handler_pb2, request_pb2
from ..telemetry.names import PREFIX
from ..telemetry.spans import tracer
from ..version import VERSION
from .job import ACCEPTED, CANCELED, IGNORED, Job, status_name
from .reporter import JobReporter
from .request import RequestInfo, RequestType
from .resources.computed import Computed

# How much of a handler's report goes into a span event (a script's output can be a megabyte).
EVENT_LOG_LIMIT = 1024

_Open = tuple[tuple[Span, object], ...]


def _enum_name(enum: Any, number: int) -> str:
    try:
        return str(enum.Name(number))
    except ValueError:
        return str(number)


class TraceReporter(JobReporter):
    def __init__(self) -> None:
        self._tracer = tracer()
        self._open: ContextVar[_Open] = ContextVar(f"autoscaler-spans-{id(self)}", default=())
        self._skipped: ContextVar[bool] = ContextVar(f"autoscaler-skipped-{id(self)}", default=False)

    # --- the stack of spans opened in this task -------------------------------------------------

    def _push(self, span: Span) -> None:
        token = context.attach(trace.set_span_in_context(span))
        self._open.set((*self._open.get(), (span, token)))

    def _pop(self, end: bool = True) -> Span | None:
        """Close the last span this task opened; `end=False` drops it instead (a span that is
        never ended is never exported)."""
        stack = self._open.get()
        if not stack:
            return None
        span, token = stack[-1]
        self._open.set(stack[:-1])
        if end:
            span.end()
        context.detach(token)  # type: ignore[arg-type]
        return span

    def _start(self, name: str, kind: SpanKind, attributes: dict[str, Any]) -> None:
        self._push(self._tracer.start_span(name, kind=kind, attributes=attributes))

    def _current(self) -> Span:
        """The span this task opened last (not the current one: a gRPC client span may be)."""
        stack = self._open.get()
        return stack[-1][0] if stack else trace.INVALID_SPAN

    @staticmethod
    def _fail(span: Span, error: str) -> None:
        span.set_attribute(PREFIX + "error", error)
        span.set_status(Status(StatusCode.ERROR, error))

    # --- a request ----------------------------------------------------------------------------

    def received(
        self, request_type: RequestType, request: request_pb2.ScalingRequest, logger: Logger
    ) -> None:
        self._start(
            f"ScalingService#{request_type.label}",
            SpanKind.SERVER,
            {
                PREFIX + "request.type": request_type.label,
                PREFIX + "request.source": request.source,
                PREFIX + "request.resource_name": request.resource_name,
                PREFIX + "request.desired_state_name": request.desired_state_name,
                PREFIX + "request.sync": request.sync,
            },
        )
        self._start("Core#handle", SpanKind.CLIENT, {})

    def refused(self, error: str) -> None:
        self._fail(self._current(), error)

    def ignored(self, job: Job, reason: str, logger: Logger) -> None:
        span = self._current()
        span.set_attribute(PREFIX + "job.status", status_name(IGNORED))
        span.set_attribute(PREFIX + "job.message", str(reason))

    def canceled(self, job: Job, error: str, logger: Logger) -> None:
        span = self._current()
        span.set_attribute(PREFIX + "job.status", status_name(CANCELED))
        self._fail(span, error)

    def accepted(self, job: Job, request: RequestInfo, logger: Logger) -> None:
        span = self._current()
        span.set_attribute(PREFIX + "job.id", job.id)
        span.set_attribute(PREFIX + "job.status", status_name(ACCEPTED))

    def answered(self, response: request_pb2.ScalingResponse | None) -> None:
        handling = self._pop()
        service = self._pop()
        if response is not None and service is not None:
            service.set_attribute(PREFIX + "response.status", status_name(response.status))
        if response is None and service is not None and handling is not None:
            service.set_status(Status(StatusCode.ERROR))

    # --- a job --------------------------------------------------------------------------------

    def running(self, job: Job, logger: Logger) -> None:
        self._start("Job#run", SpanKind.INTERNAL, {PREFIX + "job.id": job.id})

    def progress(self, job: Job, elapsed: int, logger: Logger) -> None:
        self._current().add_event("progress", {"elapsed_seconds": elapsed})

    def finished(self, job: Job, status: int, error: str | None, logger: Logger) -> None:
        span = self._current()
        span.set_attribute(PREFIX + "job.status", status_name(status))
        if error is not None:
            self._fail(span, error)
        self._pop()

    # --- a resource ---------------------------------------------------------------------------

    def resource_started(self, job: Job, resource: Computed, logger: Logger) -> None:
        self._start(
            "Resource#handle",
            SpanKind.INTERNAL,
            {
                PREFIX + "resource.type": str(resource.type),
                PREFIX + "resource.id": resource.id,
                PREFIX + "resource.name": resource.name,
                PREFIX + "resource.zone": resource.zone or "global",
                PREFIX + "resource.instruction": _enum_name(
                    handler_pb2.ResourceInstructions, resource.instruction
                ),
            },
        )

    def resource_finished(self, job: Job, resource: Computed, result: int, logger: Logger) -> None:
        span = self._current()
        span.set_attribute(
            PREFIX + "resource.result",
            _enum_name(handler_pb2.PostHandleRequest.ResourceHandleResults, result),
        )
        if resource.id:
            span.set_attribute(PREFIX + "resource.id", resource.id)
        self._pop()

    def resource_failed(self, job: Job, resource: Computed, error: str, logger: Logger) -> None:
        self._fail(self._current(), error)
        self._pop()

    # --- a handler call -----------------------------------------------------------------------

    def handler_call_started(self, job: Job, handler: str, step: Step, builtin: bool, logger: Logger) -> None:
        attributes: dict[str, Any] = {
            PREFIX + "handler.name": handler,
            PREFIX + "handler.nane": handler,  # upstream's attribute name, misspelt as it is there
            PREFIX + "handler.step": step.method,
            PREFIX + "handler.builtin": builtin,
        }
        if builtin:
            attributes[PREFIX + "handler.version"] = VERSION
        self._start(f"Handler#{step.method}", SpanKind.CLIENT, attributes)

    def handler_response(self, job: Job, response: HandleResponse, builtin: bool, logger: Logger) -> None:
        span = self._current()
        status = _enum_name(HandleResponse.Status, response.status)
        span.set_attribute(PREFIX + "handler.status", status)
        log = response.log if len(response.log) <= EVENT_LOG_LIMIT else response.log[:EVENT_LOG_LIMIT] + "…"
        span.add_event("response", {"status": status, "log": log})

    def handler_skipped(self, job: Job, handler: str, step: Step, logger: Logger) -> None:
        # A builtin without this step did nothing: no span, as upstream's adapter makes none.
        self._skipped.set(True)

    def handler_call_failed(self, job: Job, handler: str, step: Step, error: str, logger: Logger) -> None:
        self._fail(self._current(), error)

    def handler_call_ended(self, job: Job, handler: str, step: Step, seconds: float, logger: Logger) -> None:
        skipped = self._skipped.get()
        self._skipped.set(False)
        self._pop(end=not skipped)
