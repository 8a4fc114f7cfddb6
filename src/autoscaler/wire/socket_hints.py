"""What to tell a person whose gRPC call did not reach the process it meant to.

A relative `unix:` path is resolved in each process's own working directory: a handler started
in its script's folder and a Core started elsewhere miss each other although both use the
default. So messages show socket paths absolute and say what is wrong with the file: missing
(and in which folder a relative path was looked for), left behind by a process that is gone,
not a socket, or a path written without `unix:` (which gRPC takes for a host name).

The addresses a process listens on or dials stay as configured; only the texts change.
"""

from __future__ import annotations

import os
import re
import socket
import stat
from dataclasses import dataclass

from .address import AddressError, parse


@dataclass(frozen=True)
class Peer:
    """Who should be listening on the socket, and what to do when its file does not exist."""

    name: str  # "handler", "Core"
    start: str  # advice for a missing socket file
    absolute: str  # advice when a relative path may have been resolved in the wrong folder


def shown(endpoint: str) -> str:
    """`endpoint` as messages show it: a relative unix socket path made absolute
    (`unix:/srv/x.sock`); anything else as written."""
    try:
        address = parse(endpoint)
    except AddressError:
        return endpoint
    if address.is_unix_file and not os.path.isabs(address.endpoint):
        return f"unix:{os.path.abspath(address.endpoint)}"
    return endpoint


def with_absolute_paths(text: str, endpoint: str) -> str:
    """`text` (gRPC's error, which repeats the target as dialled) with a relative unix target
    shown absolute."""
    try:
        address = parse(endpoint)
    except AddressError:
        return text
    if not address.is_unix_file or os.path.isabs(address.endpoint):
        return text
    written = re.escape(address.grpc_target())
    return re.sub(rf"{written}(?=[\s:,;)\]]|$)", lambda _: shown(endpoint), text)


def socket_hint(endpoint: str, peer: Peer) -> str:
    """` (…what is wrong…)` for an endpoint that could not be reached, or "" when nothing
    about its socket file explains it (a TCP address, an abstract socket, a live socket)."""
    try:
        address = parse(endpoint) if endpoint else None
    except AddressError:
        return ""
    if address is None:
        return ""
    if address.network == "tcp":
        return _scheme_hint(address.endpoint)
    if not address.is_unix_file:
        return ""
    path = os.path.abspath(address.endpoint)
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        relative = (
            ""
            if os.path.isabs(address.endpoint)
            else (
                f"; the relative path was resolved in this process's folder {os.getcwd()}: "
                f"if the {peer.name} runs in another folder, {peer.absolute}"
            )
        )
        return f" (the socket {path} does not exist: {peer.start}{relative})"
    except OSError:
        return ""
    if not stat.S_ISSOCK(mode):
        return f" ({path} is not a socket)"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        try:
            probe.connect(path)
        except ConnectionRefusedError:
            # A file left by a process that did not exit cleanly (e.g. killed with SIGKILL).
            return (
                f" (nothing listens on the socket {path}: the {peer.name} that made it is gone; "
                "start it again, it replaces the stale file)"
            )
        except OSError:
            return ""
    return ""


def unreachable(text: str, endpoint: str, peer: Peer) -> str:
    """gRPC's error `text` for a call to `endpoint` that did not connect, with the socket's
    absolute path and what is wrong with it."""
    return with_absolute_paths(text, endpoint) + socket_hint(endpoint, peer)


def _scheme_hint(endpoint: str) -> str:
    """`endpoint: handler.sock` is a host name to gRPC; name the unix socket if one is there."""
    if ":" in endpoint.rsplit("]", 1)[-1]:
        return ""  # host:port
    path = os.path.abspath(endpoint)
    try:
        is_socket = stat.S_ISSOCK(os.stat(path).st_mode)
    except OSError:
        is_socket = False
    if is_socket:
        return f" (did you mean unix:{path}?)"
    if endpoint.endswith(".sock") or "/" in endpoint:
        return f" (an endpoint without a scheme is host:port; for a unix socket write unix:{path})"
    return ""
