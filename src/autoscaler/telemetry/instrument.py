"""The official instrumentations, as this program uses them.

- gRPC (grpc.aio): client interceptors inject the current trace context into each call's
  metadata (`traceparent`, `tracestate`); the server interceptor continues it, so the inputs,
  the Core and the handlers share one trace. Health checks and reflection are left out: the Core
  pings its handlers at start-up and monitoring may poll them.
- ASGI: the webhook inputs continue a trace from the incoming request's `traceparent` header.
  `/healthz` is left out; the inputs' token is blanked from every attribute.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import AsyncIterator, Sequence
from typing import Any

import grpc
from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from opentelemetry.instrumentation.grpc import aio_client_interceptors, aio_server_interceptor
from opentelemetry.instrumentation.grpc.filters import any_of, health_check, negate, service_prefix
from opentelemetry.trace import Span

from ..log import secret_pattern

REDACTED = "[redacted]"


def _traced_rpcs() -> Any:
    return negate(any_of(health_check(), service_prefix("grpc.reflection.")))


def grpc_client_interceptors() -> list[Any]:
    return list(aio_client_interceptors(filter_=_traced_rpcs()))  # type: ignore[no-untyped-call]


class _StreamsAsGenerators(grpc.aio.ServerInterceptor):  # type: ignore[misc]
    """Server-streaming methods that write with `context.write()` (the handlers') seen as async
    generators, the only kind the gRPC instrumentation can wrap; their writes still go out."""

    async def intercept_service(self, continuation: Any, details: Any) -> Any:
        handler = await continuation(details)
        if handler is None or not handler.response_streaming:
            return handler
        streaming_requests = bool(handler.request_streaming)
        behaviour = handler.stream_stream if streaming_requests else handler.unary_stream
        if inspect.isasyncgenfunction(behaviour):
            return handler

        async def generator(request: Any, context: Any) -> AsyncIterator[Any]:
            await behaviour(request, context)
            return
            yield  # pragma: no cover - makes this an async generator that yields nothing

        factory = (
            grpc.stream_stream_rpc_method_handler
            if streaming_requests
            else grpc.unary_stream_rpc_method_handler
        )
        return factory(
            generator,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )


def grpc_server_interceptors() -> list[Any]:
    # The instrumentation first (outermost), the adapter between it and the services.
    return [aio_server_interceptor(filter_=_traced_rpcs()), _StreamsAsGenerators()]  # type: ignore[no-untyped-call]


def wrap_asgi(app: Any, secrets: Sequence[str] = ()) -> Any:
    patterns = [secret_pattern(s) for s in secrets if s]

    def blank_secrets(span: Span, scope: dict[str, Any]) -> None:
        attributes = getattr(span, "attributes", None)
        if not patterns or not span.is_recording() or not attributes:
            return
        for key, value in list(attributes.items()):
            if isinstance(value, str):
                clean = _redact(value, patterns)
                if clean != value:
                    span.set_attribute(key, clean)

    return OpenTelemetryMiddleware(
        app,
        excluded_urls="/healthz",
        server_request_hook=blank_secrets,
        exclude_spans=["receive", "send"],  # one span per webhook, not one per ASGI message
    )


def _redact(text: str, patterns: Sequence[re.Pattern[str]]) -> str:
    for pattern in patterns:
        text = pattern.sub(REDACTED, text)
    return text
