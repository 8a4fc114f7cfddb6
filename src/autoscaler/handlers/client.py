"""Calling a handler's step over gRPC, as the Core does (and `autoscaler handlers call`)."""

from __future__ import annotations

from collections.abc import AsyncGenerator

from .. import telemetry
from ..proto import handler_pb2_grpc
from ..wire.dial import channel
from .contract import HandleRequest, HandleResponse, PostHandleRequest, Step


async def call_step(
    address: str, step: Step, request: HandleRequest | PostHandleRequest, timeout: float | None = None
) -> AsyncGenerator[HandleResponse, None]:
    """The handler's responses to `step`, on a fresh connection (a restarted handler is picked
    up by the next call, as upstream's Core does). Raises grpc.aio.AioRpcError when the call fails;
    leaving the loop early cancels the call. With tracing on, the call carries the current trace
    context in its metadata (a Go handler ignores it)."""
    async with channel(address, interceptors=telemetry.grpc_client_interceptors()) as chan:
        stub = handler_pb2_grpc.HandleServiceStub(chan)
        stream = getattr(stub, step.method)(request, timeout=timeout)
        try:
            async for response in stream:
                yield response
        finally:
            stream.cancel()
