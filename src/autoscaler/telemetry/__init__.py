"""OpenTelemetry for every command, as upstream sets it up, loaded only when configured.

Tracing and OTLP metrics are on when `OTEL_EXPORTER_OTLP_ENDPOINT` is non-empty and
`OTEL_SDK_DISABLED` is not `true`. Otherwise this package is all there is: no `opentelemetry`
module is imported, nothing connects anywhere, and every helper below is a no-op that costs a
function call. The CLI calls `setup()` before a command runs and `shutdown()` after it.

What the rest of the program uses:
- `span(name, attributes)`: a span around a block (local-exec executions, cloud API requests);
- `command_span(name)`: a command's outermost span, parented from `TRACEPARENT`/`TRACESTATE`
  (or upstream's lower-case `traceparent`/`tracestate`) in the environment;
- `grpc_client_interceptors()` / `grpc_server_interceptors()`: the official gRPC
  instrumentation, which carries the trace context in gRPC metadata (W3C `traceparent`);
- `asgi(app)`: the official ASGI instrumentation for the webhook inputs;
- `script_environment()`: `TRACEPARENT`/`TRACESTATE` of the current span, for a child process;
- `export_registry(registry)`: the process's Prometheus metrics, also sent over OTLP.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .names import DISABLED_VARIABLE, ENDPOINT_VARIABLE, TelemetryError

__all__ = [
    "DISABLED_VARIABLE",
    "ENDPOINT_VARIABLE",
    "EXTRA",
    "NO_SPAN",
    "Attributes",
    "SpanNote",
    "TelemetryError",
    "active",
    "asgi",
    "command_span",
    "configured",
    "export_registry",
    "grpc_client_interceptors",
    "grpc_server_interceptors",
    "script_environment",
    "setup",
    "shutdown",
    "span",
]

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

    from .sdk import Session

Attributes = Mapping[str, str | int | float | bool]

# What an operator installs to get the SDK (the error names it when it is missing).
EXTRA = "sacloud-autoscaler[otel]"


def configured(environ: Mapping[str, str] | None = None) -> bool:
    """Whether the environment asks for OpenTelemetry."""
    env = os.environ if environ is None else environ
    return bool(env.get(ENDPOINT_VARIABLE, "")) and env.get(DISABLED_VARIABLE, "").strip().lower() != "true"


_session: Session | None = None


def setup(environ: Mapping[str, str] | None = None) -> bool:
    """Start the SDK when the environment asks for it; True when it did. Raises TelemetryError."""
    global _session
    if _session is not None or not configured(environ):
        return _session is not None
    try:
        from .sdk import start
    except ImportError as exc:
        raise TelemetryError(
            f"{ENDPOINT_VARIABLE} is set but the OpenTelemetry SDK is not installed "
            f"({exc.name or exc}): install {EXTRA!r}, or unset {ENDPOINT_VARIABLE}"
        ) from None
    _session = start()
    return True


def shutdown() -> None:
    """Send what is buffered (spans, a last metrics export) and stop the SDK."""
    global _session
    session, _session = _session, None
    if session is not None:
        session.shutdown()


def active() -> bool:
    return _session is not None


class SpanNote:
    """What `span()` yields: attributes and an error status for the span. This base, yielded
    when tracing is off, does nothing."""

    __slots__ = ()

    def set(self, key: str, value: str | int | float | bool) -> None:
        pass

    def fail(self, description: str) -> None:
        pass


NO_SPAN = SpanNote()


class _RecordingNote(SpanNote):
    """Notes on a span being recorded."""

    __slots__ = ("_span",)

    def __init__(self, span: Any) -> None:
        self._span = span

    def set(self, key: str, value: str | int | float | bool) -> None:
        self._span.set_attribute(key, value)

    def fail(self, description: str) -> None:
        from opentelemetry.trace import Status, StatusCode

        self._span.set_status(Status(StatusCode.ERROR, description))


@contextlib.contextmanager
def span(name: str, attributes: Attributes | None = None, kind: str = "internal") -> Iterator[SpanNote]:
    """A span around the block, child of the current one (`kind`: internal, client, server)."""
    if _session is None:
        yield NO_SPAN
        return
    from .spans import start_span

    with start_span(name, attributes, kind) as current:
        yield _RecordingNote(current)


@contextlib.contextmanager
def command_span(name: str, attributes: Attributes | None = None, kind: str = "client") -> Iterator[None]:
    """A command's outermost span (client kind, as upstream's), parented from the trace context
    in the environment."""
    if _session is None:
        yield
        return
    from .spans import start_command_span

    with start_command_span(name, attributes, kind):
        yield


def grpc_client_interceptors() -> Sequence[Any]:
    if _session is None:
        return ()
    return _session.grpc_client_interceptors


def grpc_server_interceptors() -> Sequence[Any]:
    if _session is None:
        return ()
    return _session.grpc_server_interceptors


def asgi(app: Any, secrets: Sequence[str] = ()) -> Any:
    """`app` wrapped in the ASGI instrumentation; `secrets` never reach a span (the inputs' token)."""
    if _session is None:
        return app
    from .instrument import wrap_asgi

    return wrap_asgi(app, secrets)


def script_environment() -> dict[str, str]:
    """`TRACEPARENT` (and `TRACESTATE`, `BAGGAGE` when there are any) of the current span, for
    the environment of a child process; empty when tracing is off or no span is recording."""
    if _session is None:
        return {}
    from .spans import environment_carrier

    return environment_carrier()


def export_registry(registry: CollectorRegistry) -> None:
    """Send the samples of `registry` over OTLP too, under their Prometheus names."""
    if _session is not None:
        _session.export_registry(registry)
