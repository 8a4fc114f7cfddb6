"""Undecodable requests answered as grpc-go answers them: INTERNAL, `grpc: error unmarshalling
request: ...`.

grpcio calls a method's request deserializer itself and reports its exception as
`UNKNOWN: Unexpected <class '...DecodeError'>`. Here every method handler registered on a server
gets no deserializer (grpcio then passes the raw bytes) and a behaviour that decodes first and
aborts with grpc-go's status when that fails. One place covers every service of the Core and
the handlers (their own, health, reflection), whatever registers it.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

import grpc

UNMARSHAL_ERROR = "grpc: error unmarshalling request: "

Deserializer = Callable[[bytes], Any]


def unmarshal_text(exc: Exception) -> str:
    """grpc-go's status message for a request protobuf could not decode."""
    # Go's protobuf words the two ways a message fails to decode; Python's says which one it was.
    if "UTF-8" in str(exc):
        return UNMARSHAL_ERROR + "proto: string field contains invalid UTF-8"
    return UNMARSHAL_ERROR + "proto: cannot parse invalid wire-format data"


async def _decode(deserializer: Deserializer, raw: bytes, context: grpc.aio.ServicerContext) -> Any:
    try:
        return deserializer(raw)
    except Exception as exc:
        await context.abort(grpc.StatusCode.INTERNAL, unmarshal_text(exc))
        raise AssertionError("unreachable") from None


def _decoded_stream(
    deserializer: Deserializer, raw_requests: AsyncIterator[bytes], context: grpc.aio.ServicerContext
) -> AsyncIterator[Any]:
    async def requests() -> AsyncIterator[Any]:
        async for raw in raw_requests:
            yield await _decode(deserializer, raw, context)

    return requests()


def _wrap_behaviour(behaviour: Callable[..., Any], deserializer: Deserializer, streaming: bool) -> Any:
    if streaming:
        if inspect.isasyncgenfunction(behaviour):

            async def stream_gen(raw: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
                async for item in behaviour(_decoded_stream(deserializer, raw, context), context):
                    yield item

            return stream_gen

        async def stream_call(raw: Any, context: grpc.aio.ServicerContext) -> Any:
            return await behaviour(_decoded_stream(deserializer, raw, context), context)

        return stream_call
    if inspect.isasyncgenfunction(behaviour):

        async def unary_gen(raw: bytes, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
            request = await _decode(deserializer, raw, context)
            async for item in behaviour(request, context):
                yield item

        return unary_gen

    async def unary_call(raw: bytes, context: grpc.aio.ServicerContext) -> Any:
        return await behaviour(await _decode(deserializer, raw, context), context)

    return unary_call


_FACTORIES = {
    (False, False): ("unary_unary", grpc.unary_unary_rpc_method_handler),
    (False, True): ("unary_stream", grpc.unary_stream_rpc_method_handler),
    (True, False): ("stream_unary", grpc.stream_unary_rpc_method_handler),
    (True, True): ("stream_stream", grpc.stream_stream_rpc_method_handler),
}


def decoding_handler(handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
    """`handler` with its request decoding moved into the behaviour (INTERNAL on failure)."""
    deserializer = handler.request_deserializer
    if deserializer is None:
        return handler
    kind, factory = _FACTORIES[(bool(handler.request_streaming), bool(handler.response_streaming))]
    behaviour = _wrap_behaviour(getattr(handler, kind), deserializer, bool(handler.request_streaming))
    return factory(behaviour, request_deserializer=None, response_serializer=handler.response_serializer)


class _DecodingGenericHandler(grpc.GenericRpcHandler):  # type: ignore[misc]
    def __init__(self, inner: grpc.GenericRpcHandler) -> None:
        self._inner = inner
        self._wrapped: dict[str, grpc.RpcMethodHandler] = {}  # only methods that exist

    def service(self, handler_call_details: grpc.HandlerCallDetails) -> grpc.RpcMethodHandler | None:
        method = str(handler_call_details.method)
        wrapped = self._wrapped.get(method)
        if wrapped is None:
            found = self._inner.service(handler_call_details)
            if found is None:
                return None
            wrapped = self._wrapped[method] = decoding_handler(found)
        return wrapped


def decode_errors_as_internal(server: grpc.aio.Server) -> None:
    """Make every handler later registered on `server` decode its requests as above."""
    add_generic = server.add_generic_rpc_handlers
    add_registered = server.add_registered_method_handlers

    def generic(handlers: Sequence[grpc.GenericRpcHandler]) -> None:
        add_generic([_DecodingGenericHandler(h) for h in handlers])

    def registered(service: str, handlers: dict[str, grpc.RpcMethodHandler]) -> None:
        add_registered(service, {name: decoding_handler(h) for name, h in handlers.items()})

    # The server is grpcio's own class; its two registration methods are replaced on this
    # instance only, so every service added later, ours or a library's, goes through them.
    setattr(server, "add_generic_rpc_handlers", generic)  # noqa: B010
    setattr(server, "add_registered_method_handlers", registered)  # noqa: B010
