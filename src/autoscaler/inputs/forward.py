"""Send a ScalingRequest to the Core's ScalingService.

The Core address is resolved for every request (`--dest`, else the first socket candidate that
exists), so a Core started after the input is found, as upstream finds it. Unlike upstream, the
connection is kept per address and reused: a new channel per request costs about half a
millisecond. A channel whose last connection attempt failed is replaced before use, so a Core
that comes back is reached at once rather than after gRPC's reconnect back-off; for that the
channel must not share gRPC's process-wide subchannel, which would carry the back-off over.
"""

from __future__ import annotations

from collections.abc import Callable

import grpc

from .. import telemetry
from ..golang.errors import go_status_text
from ..proto import request_pb2, request_pb2_grpc
from ..wire.address import AddressError
from ..wire.dial import channel, default_core_address
from ..wire.socket_hints import Peer, unreachable
from .request import ScalingRequest

_METHODS = {"up": "Up", "down": "Down", "keep": "Keep"}
_STALE = (grpc.ChannelConnectivity.TRANSIENT_FAILURE, grpc.ChannelConnectivity.SHUTDOWN)


def status_name(status: int) -> str:
    """The enum name Go prints (`JOB_DONE`); a value the contract does not know, as a number."""
    try:
        return request_pb2.ScalingJobStatus.Name(status)  # type: ignore[arg-type]
    except ValueError:
        return str(status)


# What an input says about a Core it cannot reach.
CORE = Peer(
    "Core", "start the Core first (autoscaler start)", "give its absolute path: --dest unix:/path/to/its.sock"
)


def rpc_error_text(exc: grpc.aio.AioRpcError, address: str) -> str:
    """Go's text of a failed call to the Core at `address`, with what is wrong with its socket."""
    text = go_status_text(exc.code(), exc.details())
    if exc.code() == grpc.StatusCode.UNAVAILABLE:
        text = unreachable(text, address, CORE)
    return text


class ForwardError(Exception):
    """The request did not reach the Core or the Core refused it; `str()` is Go's wording."""

    def __init__(self, text: str, rpc_failed: bool) -> None:
        super().__init__(text)
        self.rpc_failed = rpc_failed  # counted as a gRPC error (not when no address was found)


class CoreClient:
    def __init__(self, dest: str = "", on_rpc_error: Callable[[], None] | None = None) -> None:
        self.dest = dest
        self._on_rpc_error = on_rpc_error or (lambda: None)
        self._stubs: dict[str, tuple[grpc.aio.Channel, request_pb2_grpc.ScalingServiceStub]] = {}

    async def _stub(self, address: str) -> request_pb2_grpc.ScalingServiceStub:
        cached = self._stubs.get(address)
        if cached is not None and cached[0].get_state() not in _STALE:
            return cached[1]
        ch = channel(address, own_connection=True, interceptors=telemetry.grpc_client_interceptors())
        stub = request_pb2_grpc.ScalingServiceStub(ch)
        self._stubs[address] = (ch, stub)
        if cached is not None:
            await cached[0].close()  # it has no connection, so nothing waits here
        return stub

    async def send(
        self, request: ScalingRequest, trailers: list[tuple[str, str]] | None = None
    ) -> request_pb2.ScalingResponse:
        """The Core's answer; `trailers`, when given, receives the answer's trailing metadata."""
        try:
            address = default_core_address(self.dest)
            stub = await self._stub(address)
        except (FileNotFoundError, AddressError) as exc:
            raise ForwardError(str(exc), rpc_failed=False) from None
        call = getattr(stub, _METHODS[request.request_type])
        message = request_pb2.ScalingRequest(
            source=request.source,
            resource_name=request.resource_name,
            desired_state_name=request.desired_state_name,
            sync=request.sync,
        )
        try:
            pending = call(message)
            response: request_pb2.ScalingResponse = await pending
            if trailers is not None:
                trailers.extend((str(k), str(v)) for k, v in (await pending.trailing_metadata() or ()))
        except grpc.aio.AioRpcError as exc:
            self._on_rpc_error()
            raise ForwardError(rpc_error_text(exc, address), rpc_failed=True) from None
        return response

    async def close(self) -> None:
        stubs, self._stubs = self._stubs, {}
        for ch, _ in stubs.values():
            await ch.close()
