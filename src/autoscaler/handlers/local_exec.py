"""local-exec: run the user's executable at the chosen step(s) of a scaling job.

For a request whose step is one of `--handler-type`: render it as upstream's JSON (J), run the
executable with J on stdin and as argv[1], and report its stdout to the Core in one DONE
message (or line by line as RUNNING with `--stream-output`). A failing executable fails the
RPC with upstream's message. Requests for other steps are answered with OK and nothing else.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

import grpc
from google.protobuf.message import Message

from .. import script, telemetry
from ..golang import json as gojson
from ..golang.duration import go_duration
from ..log import LEVELS, Logger, Whole, go_quote
from ..proto import handler_pb2 as pb
from .contract import Handler, HandleRequest, HandlerError, PostHandleRequest, Reporter, Step

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

DEFAULT_KILL_GRACE = 5.0
MAX_ENV_VALUE = 32 * 1024
# What a failing script printed last goes to the Core, up to this much: errors come at the end,
# and the Core logs the message whole (the handler's own log keeps all that was captured).
FAILURE_TAIL_BYTES = 4096


@dataclass(frozen=True)
class LocalExecConfig:
    executable_path: str  # as the user gave it: argv[0] and the error texts use it
    program: str  # the path that is executed (see script.resolve_executable)
    handler_types: frozenset[Step]
    timeout: float | None = None
    stream_output: bool = False
    max_concurrency: int | None = None
    capture_limit: int = script.DEFAULT_CAPTURE_LIMIT
    kill_grace: float = DEFAULT_KILL_GRACE


class LocalExecMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        from prometheus_client import Counter, Gauge, Histogram

        self.executions = Counter(
            "sacloud_autoscaler_local_exec_executions",
            "Executions of the local-exec executable, by step and outcome",
            ["step", "outcome"],
            registry=registry,
        )
        self.duration = Histogram(
            "sacloud_autoscaler_local_exec_execution_duration_seconds",
            "Wall time of local-exec executions, by step",
            ["step"],
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800),
            registry=registry,
        )
        self.in_flight = Gauge(
            "sacloud_autoscaler_local_exec_executions_in_flight",
            "local-exec executions running now (waiting for a slot not included)",
            registry=registry,
        )


_RESOURCE_ZONE_FIELDS = ("zone", "region")


def script_environment(step: Step, request: Message) -> dict[str, str]:
    """AUTOSCALER_* variables describing the request, for scripts that do not parse JSON.

    Every variable is always set (empty when not applicable) so `set -u` scripts work.
    """
    env = {
        "AUTOSCALER_HANDLER_TYPE": step.value,
        "AUTOSCALER_SOURCE": getattr(request, "source", ""),
        "AUTOSCALER_RESOURCE_NAME": getattr(request, "resource_name", ""),
        "AUTOSCALER_SCALING_JOB_ID": getattr(request, "scaling_job_id", ""),
        "AUTOSCALER_SETUP_GRACE_PERIOD": str(getattr(request, "setup_grace_period", 0)),
        "AUTOSCALER_INSTRUCTION": "",
        "AUTOSCALER_RESULT": "",
        "AUTOSCALER_RESOURCE_TYPE": "",
        "AUTOSCALER_RESOURCE_ID": "",
        "AUTOSCALER_RESOURCE_NAME_IN_CLOUD": "",
        "AUTOSCALER_ZONE": "",
    }
    if isinstance(request, PostHandleRequest):
        env["AUTOSCALER_RESULT"] = _enum_name(pb.PostHandleRequest.ResourceHandleResults, request.result)
        resource = request.current if request.HasField("current") else None
    else:
        assert isinstance(request, HandleRequest)
        env["AUTOSCALER_INSTRUCTION"] = _enum_name(pb.ResourceInstructions, request.instruction)
        resource = request.desired if request.HasField("desired") else None
    which = resource.WhichOneof("resource") if resource is not None else None
    if resource is not None and which is not None:
        inner = getattr(resource, which)
        env["AUTOSCALER_RESOURCE_TYPE"] = gojson.go_field_name(which)
        env["AUTOSCALER_RESOURCE_ID"] = inner.id
        env["AUTOSCALER_RESOURCE_NAME_IN_CLOUD"] = getattr(inner, "name", "")
        for name in _RESOURCE_ZONE_FIELDS:
            if getattr(inner, name, ""):
                env["AUTOSCALER_ZONE"] = getattr(inner, name)
                break
    # Linux refuses to start a program with any one variable of 128 KiB or more; such a value
    # (only a pathological source or name could be one) is left empty rather than fail the run.
    return {k: v if len(v.encode()) < MAX_ENV_VALUE else "" for k, v in env.items()}


def _enum_name(enum: object, number: int) -> str:
    try:
        return str(enum.Name(number))  # type: ignore[attr-defined]
    except ValueError:
        return str(number)


class LocalExecHandler(Handler):
    name = "local-exec"

    def __init__(
        self, options: LocalExecConfig, logger: Logger, metrics: LocalExecMetrics | None = None
    ) -> None:
        self.options = options
        self.logger = logger
        self.metrics = metrics
        self._slots = asyncio.Semaphore(options.max_concurrency) if options.max_concurrency else None
        self._quoted_path = go_quote(options.executable_path)
        self._runner = script.ScriptRunner()

    async def pre_handle(self, request: HandleRequest, reporter: Reporter) -> None:
        await self._dispatch(Step.PRE_HANDLE, request, reporter)

    async def handle(self, request: HandleRequest, reporter: Reporter) -> None:
        await self._dispatch(Step.HANDLE, request, reporter)

    async def post_handle(self, request: PostHandleRequest, reporter: Reporter) -> None:
        await self._dispatch(Step.POST_HANDLE, request, reporter)

    async def close(self) -> None:
        killed = await self._runner.close(self.options.kill_grace)
        if killed:
            self.logger.warn("killed executions still running at shutdown", count=killed)

    async def _dispatch(self, step: Step, request: Message, reporter: Reporter) -> None:
        if step not in self.options.handler_types:
            self.logger.info(f"{step.method}() received request but ignored")
            return
        payload = gojson.render(request)
        if self.logger.enabled(LEVELS["debug"]):
            self.logger.debug("handle() received request", status="RECEIVED", request=Whole(payload.decode()))
        if self._slots is None:
            await self._execute(step, request, payload, reporter)
            return
        if self._slots.locked():
            self.logger.debug(
                "waiting for a free execution slot", max_concurrency=self.options.max_concurrency
            )
        async with self._slots:
            await self._execute(step, request, payload, reporter)

    def _failure(self, cause: str) -> str:
        return f"command {self._quoted_path} returned non zero status: {cause}"

    async def _execute(self, step: Step, request: Message, payload: bytes, reporter: Reporter) -> None:
        # With tracing on: one span per execution, whose context the script gets as TRACEPARENT.
        attributes = {
            "sacloud.autoscaler.handler.step": step.method,
            "process.executable.path": self.options.executable_path,
        }
        with telemetry.span("LocalExec#execute", attributes) as span:
            await self._run(step, request, payload, reporter, span)

    async def _run(
        self, step: Step, request: Message, payload: bytes, reporter: Reporter, span: telemetry.SpanNote
    ) -> None:
        opts = self.options
        spec = script.RunSpec(
            program=opts.program,
            argv0=opts.executable_path,
            payload=payload,
            env=script_environment(step, request) | telemetry.script_environment(),
            timeout=opts.timeout,
            capture_limit=opts.capture_limit,
            kill_grace=opts.kill_grace,
        )
        on_line = None
        if opts.stream_output:

            async def on_line(line: bytes) -> None:
                text = _to_text(line).rstrip("\r\n")
                if text:
                    await reporter.running(text)

        outcome = "failure"
        in_flight = self.metrics.in_flight.track_inprogress() if self.metrics else contextlib.nullcontext()
        try:
            with in_flight:
                try:
                    result = await self._runner.run(spec, on_line)
                except script.SpawnError as exc:
                    message = self._failure(exc.cause)
                    if exc.hint:
                        self.logger.error(message, hint=exc.hint)
                    else:
                        self.logger.error(message)
                    raise HandlerError(message) from None
                except asyncio.CancelledError:
                    outcome = "cancelled"
                    self.logger.warn(
                        "execution cancelled (the caller went away or the handler is stopping); "
                        "its process group was killed"
                    )
                    raise
            self._record_duration(step, result.duration)
            _note_result(span, result, len(payload))
            try:
                outcome = self._report_outcome(result, len(payload))
            except HandlerError:
                if result.output and not opts.stream_output:
                    # Upstream drops a failing script's stdout. Sent as one RUNNING message
                    # before the error, the Core logs it with the handler's name, so what
                    # went wrong (Terraform's error, say) is in the Core's log too.
                    await reporter.running(failure_tail(result.output, result.total_bytes))
                raise
            if outcome == "success":
                output = _to_text(result.output)
                await reporter.done("" if opts.stream_output else output)
        finally:
            if self.metrics is not None:
                self.metrics.executions.labels(step.value, outcome).inc()

    def _report_outcome(self, result: script.RunResult, payload_bytes: int) -> str:
        opts = self.options
        if result.argument_dropped:
            self.logger.warn(
                "request too large for a command-line argument; passed on stdin only",
                bytes=payload_bytes,
            )
        if result.dropped_bytes:
            self.logger.warn(
                "output exceeded the capture limit; kept its beginning and end",
                total_bytes=result.total_bytes,
                dropped_bytes=result.dropped_bytes,
            )
        output = result.output.decode("utf-8", "surrogateescape")
        if result.timed_out:
            message = (
                f"command {self._quoted_path} did not finish within the --timeout of "
                f"{go_duration(opts.timeout or 0)} and was killed"
            )
            self._log_failure(message, output)
            raise HandlerError(message, grpc.StatusCode.DEADLINE_EXCEEDED)
        if result.returncode != 0:
            message = self._failure(result.cause)
            self._log_failure(message, output)
            raise HandlerError(message)
        self.logger.info("execute()", status="DONE", output=Whole(output))
        return "success"

    def _log_failure(self, message: str, output: str) -> None:
        # Upstream drops a failing script's stdout; it is often the only clue, so keep it.
        if output:
            self.logger.error(message, output=Whole(output))
        else:
            self.logger.error(message)

    def _record_duration(self, step: Step, seconds: float) -> None:
        if self.metrics is not None:
            self.metrics.duration.labels(step.value).observe(seconds)


def _note_result(span: telemetry.SpanNote, result: script.RunResult, payload_bytes: int) -> None:
    span.set("process.exit.code", result.returncode)
    span.set("sacloud.autoscaler.local_exec.duration_seconds", result.duration)
    span.set("sacloud.autoscaler.local_exec.request_bytes", payload_bytes)
    span.set("sacloud.autoscaler.local_exec.output_bytes", result.total_bytes)
    span.set("sacloud.autoscaler.local_exec.dropped_bytes", result.dropped_bytes)
    span.set("sacloud.autoscaler.local_exec.timed_out", result.timed_out)


def failure_tail(output: bytes, total: int, limit: int = FAILURE_TAIL_BYTES) -> str:
    """The end of a failing script's stdout, at most `limit` bytes from a line start when one is
    near (never inside a UTF-8 character), after a line saying how much came before."""
    if len(output) <= limit:
        return _to_text(output)  # (with the capture's own marker if --max-output-bytes cut it)
    tail = output[-limit:]
    newline = tail.find(b"\n")
    if 0 <= newline < min(len(tail) - 1, limit // 4):
        tail = tail[newline + 1 :]
    while tail and tail[0] & 0xC0 == 0x80:  # a UTF-8 continuation byte
        tail = tail[1:]
    return f"[the last {len(tail)} of {total} bytes of output]\n" + _to_text(tail)


def _to_text(data: bytes) -> str:
    """stdout as a proto3 string: invalid UTF-8 becomes U+FFFD instead of failing the send."""
    return data.decode("utf-8", "replace")
