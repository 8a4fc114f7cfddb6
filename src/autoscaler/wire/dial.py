"""Dial upstream-style addresses: gRPC channels for the Core, inputs and tools."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import grpc

from .address import parse

CORE_SOCKET_CANDIDATES = (
    "unix:autoscaler.sock",
    "unix:/var/run/autoscaler.sock",
    "unix:/var/run/autoscaler/autoscaler.sock",
)
# grpc-go's client default; handler responses larger than this fail, as with a Go Core.
MAX_RECEIVE = 4 * 1024 * 1024


def target(address: str) -> str:
    """The grpc target for an address string as users write it (`unix:x.sock`, `host:port`)."""
    return parse(address).grpc_target()


def channel(address: str, own_connection: bool = False, interceptors: Sequence[Any] = ()) -> grpc.aio.Channel:
    """An insecure (h2c) channel; connecting is lazy, as with grpc-go's Dial.

    `own_connection`: do not share gRPC's process-wide subchannel, so a replaced channel does not
    inherit the reconnect back-off of a connection that failed. `interceptors`: grpc.aio client
    interceptors (the tracing ones, when tracing is on).
    """
    options: tuple[tuple[str, int], ...] = (
        ("grpc.max_receive_message_length", MAX_RECEIVE),
        ("grpc.enable_http_proxy", 0),
    )
    if own_connection:
        options += (("grpc.use_local_subchannel_pool", 1),)
    return grpc.aio.insecure_channel(
        target(address), options=options, interceptors=list(interceptors) or None
    )


def default_core_address(dest: str = "") -> str:
    """`dest` if given, else the first Core socket candidate whose file exists."""
    if dest:
        return dest
    for candidate in CORE_SOCKET_CANDIDATES:
        if os.path.exists(parse(candidate).endpoint):
            return candidate
    first = os.path.abspath(parse(CORE_SOCKET_CANDIDATES[0]).endpoint)
    raise FileNotFoundError(
        "default socket file not found in ["
        + ", ".join(CORE_SOCKET_CANDIDATES)
        + f"] (is the Core running? `autoscaler start` listens on autoscaler.sock in its own folder; "
        f"here that would be {first}: start it here, or give --dest unix:/path/to/its.sock)"
    )
