"""Spans and trace context, once the SDK is set up (imported only then)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping

from opentelemetry import context, propagate, trace
from opentelemetry.trace import Span, SpanKind

from ..version import VERSION
from .names import TRACER_NAME

Attributes = Mapping[str, str | int | float | bool]
KINDS = {"internal": SpanKind.INTERNAL, "client": SpanKind.CLIENT, "server": SpanKind.SERVER}


def tracer() -> trace.Tracer:
    return trace.get_tracer(TRACER_NAME, VERSION)


@contextlib.contextmanager
def start_span(name: str, attributes: Attributes | None = None, kind: str = "internal") -> Iterator[Span]:
    with tracer().start_as_current_span(name, kind=KINDS[kind], attributes=attributes) as span:
        yield span


def environment_context() -> context.Context:
    """The trace context a parent process left in the environment.

    Upstream reads the lower-case `traceparent`/`tracestate`; the OpenTelemetry convention for
    environment carriers is upper case (what our local-exec gives its scripts). Either works,
    the upper-case pair first.
    """
    carrier: dict[str, str] = {}
    for key in ("traceparent", "tracestate", "baggage"):
        value = os.environ.get(key.upper()) or os.environ.get(key)
        if value:
            carrier[key] = value
    return propagate.extract(carrier)


@contextlib.contextmanager
def start_command_span(
    name: str, attributes: Attributes | None = None, kind: str = "client"
) -> Iterator[Span]:
    token = context.attach(environment_context())
    try:
        with start_span(name, attributes, kind) as span:
            yield span
    finally:
        context.detach(token)


def environment_carrier() -> dict[str, str]:
    """The current trace context as environment variables (`TRACEPARENT`, `TRACESTATE`, ...)."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return {key.upper(): value for key, value in carrier.items() if value}
