"""A grpc.aio server on an upstream-style address, with health, reflection and a clean exit.

Shared by every long-running gRPC command (handlers and the Core):
- binds `unix:` paths (replacing a stale socket file nobody answers on, refusing a live one),
  abstract sockets and TCP, with Go-worded errors;
- registers `grpc.health.v1.Health` (Check always SERVING, as upstream) and server reflection
  (both the v1alpha and v1 service names, as grpc-go registers both);
- `run_until_signal` is the one lifecycle of every long-running command (the Core, the
  handlers, the inputs): start, wait for SIGTERM/SIGINT, drain within a grace period; a second
  signal forces the stop; each server removes its socket file on the way out.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import signal
import socket
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from grpc_reflection.v1alpha import reflection_pb2 as _refl_pb2
from grpc_reflection.v1alpha._async import ReflectionServicer

from ..log import Logger
from .address import Address, AddressError, host_port, parse, resolve_tcp
from .decoding import decode_errors_as_internal

# grpc-go's defaults, which upstream's servers use: 4 MiB in, unlimited out.
MAX_RECEIVE = 4 * 1024 * 1024
SERVER_OPTIONS: tuple[tuple[str, int], ...] = (
    ("grpc.so_reuseport", 0),  # two servers on one port must be an error, not a silent split
    ("grpc.max_receive_message_length", MAX_RECEIVE),
    ("grpc.max_send_message_length", -1),
)

REFLECTION_V1 = "grpc.reflection.v1.ServerReflection"
# Owner and group may connect (upstream: whatever the umask leaves, 0777 at umask 000).
SOCKET_MODE = 0o660
MAX_UNIX_PATH = 107  # sun_path is 108 bytes on Linux, including the terminating NUL


class HealthServicer(health_pb2_grpc.HealthServicer):  # type: ignore[misc]
    """Check answers SERVING for every service name, as upstream's handlers and Core do."""

    async def Check(
        self, request: health_pb2.HealthCheckRequest, context: grpc.aio.ServicerContext
    ) -> health_pb2.HealthCheckResponse:
        return health_pb2.HealthCheckResponse(status=health_pb2.HealthCheckResponse.SERVING)

    async def Watch(self, request: health_pb2.HealthCheckRequest, context: grpc.aio.ServicerContext) -> None:
        await context.abort(grpc.StatusCode.UNIMPLEMENTED, "unimplemented")

    async def List(
        self, request: health_pb2.HealthListRequest, context: grpc.aio.ServicerContext
    ) -> health_pb2.HealthListResponse:
        await context.abort(grpc.StatusCode.UNIMPLEMENTED, "method List not implemented")
        raise AssertionError("unreachable")


def add_standard_services(server: grpc.aio.Server, service_names: Iterable[str]) -> None:
    """Health and reflection, listing `service_names` plus themselves."""
    health_pb2_grpc.add_HealthServicer_to_server(HealthServicer(), server)
    names = (
        *service_names,
        health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
        reflection.SERVICE_NAME,
        REFLECTION_V1,
    )
    servicer = ReflectionServicer(names)
    _refl_pb2_grpc_add(servicer, server, reflection.SERVICE_NAME)
    # v1 has the same messages on the wire as v1alpha, so one servicer answers both names.
    _refl_pb2_grpc_add(servicer, server, REFLECTION_V1)


def _refl_pb2_grpc_add(servicer: ReflectionServicer, server: grpc.aio.Server, service: str) -> None:
    handler = grpc.stream_stream_rpc_method_handler(
        servicer.ServerReflectionInfo,
        request_deserializer=_refl_pb2.ServerReflectionRequest.FromString,
        response_serializer=_refl_pb2.ServerReflectionResponse.SerializeToString,
    )
    server.add_generic_rpc_handlers(
        (grpc.method_handlers_generic_handler(service, {"ServerReflectionInfo": handler}),)
    )


# --- binding ---------------------------------------------------------------------------------


def _probe_unix(target: str | bytes) -> bool:
    """True if something accepts connections on this unix socket address."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(1.0)
        try:
            sock.connect(target)
        except OSError:
            return False
        return True


def prepare_unix_path(path: str, logger: Logger | None = None) -> None:
    """Make `path` bindable: remove a stale socket, refuse a live one or a non-socket file."""
    where = f"listen unix {os.path.abspath(path)}: bind"
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        parent = os.path.dirname(path) or "."
        if not os.path.isdir(parent):
            raise AddressError(f"{where}: no such file or directory") from None
        return
    if not stat.S_ISSOCK(st.st_mode):
        raise AddressError(f"{where}: address already in use (the path exists and is not a socket)")
    if _probe_unix(path):
        raise AddressError(f"{where}: address already in use (another process is already listening on it)")
    os.unlink(path)
    if logger is not None:
        logger.warn("removed stale socket file", path=os.path.abspath(path))


@dataclass
class Listener:
    """What a bound server listens on, and how to tidy up after it."""

    address: Address
    shown: str
    _inode: tuple[int, int] | None = field(default=None, repr=False)

    def cleanup(self) -> None:
        """Remove our socket file (only if it is still ours)."""
        if self._inode is None:
            return
        path = self.address.endpoint
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            return
        if (st.st_dev, st.st_ino) == self._inode:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)


def bind(
    server: grpc.aio.Server, raw: str, logger: Logger | None = None, socket_mode: int = SOCKET_MODE
) -> Listener:
    """Bind `server` to an upstream-style address (a unix socket file gets `socket_mode`).

    Errors read as upstream's: `ParseTarget failed: ...` for an address that does not parse,
    `net.Listen failed: listen <net> <addr>: <reason>` for one that cannot be bound.
    """
    address = parse(raw)
    try:
        return _bind(server, address, raw, logger, socket_mode)
    except AddressError as exc:
        raise AddressError(f"net.Listen failed: {exc}") from None


def _check_unix_length(address: Address) -> None:
    """Refuse a path that does not fit a sockaddr_un before grpc logs its own error line."""
    size = len(os.fsencode(address.endpoint))
    if size > MAX_UNIX_PATH:
        raise AddressError(
            f"listen unix {address.display()}: bind: invalid argument (the socket path is {size} "
            f"bytes; a unix socket address holds at most {MAX_UNIX_PATH})"
        )


def _add_unix_port(server: grpc.aio.Server, address: Address, mode: int) -> None:
    """Create the socket file with exactly `mode`: the umask is set for the bind itself, so the
    file is never wider than asked, not even for a moment (whatever umask the process has)."""
    if address.abstract:
        server.add_insecure_port(address.grpc_target())
        return
    previous = os.umask(0o777 & ~mode)
    try:
        server.add_insecure_port(address.grpc_target())
    finally:
        os.umask(previous)
    if stat.S_IMODE(os.lstat(address.endpoint).st_mode) != mode:
        os.chmod(address.endpoint, mode)


def _bind(
    server: grpc.aio.Server, address: Address, raw: str, logger: Logger | None, socket_mode: int
) -> Listener:
    if address.network == "unix":
        if not address.endpoint:
            raise AddressError(f"listen unix {raw}: the socket path is empty")
        _check_unix_length(address)
        if address.abstract:
            if _probe_unix(b"\0" + address.endpoint.encode()):
                raise AddressError(
                    f"listen unix @{address.endpoint}: bind: address already in use "
                    "(another process is already listening on it)"
                )
        else:
            prepare_unix_path(address.endpoint, logger)
        try:
            _add_unix_port(server, address, socket_mode)
        except RuntimeError:
            raise AddressError(f"listen unix {address.display()}: bind: failed to listen") from None
        inode = None
        if not address.abstract:
            st = os.lstat(address.endpoint)
            inode = (st.st_dev, st.st_ino)
        return Listener(address, address.display(), inode)
    ip, port = resolve_tcp(address.endpoint)
    _probe_tcp_free(ip, port)
    try:
        chosen = server.add_insecure_port(host_port(ip, port))
    except RuntimeError:
        raise AddressError(f"listen tcp {host_port(ip, port)}: bind: address already in use") from None
    return Listener(address, host_port(ip, chosen))


def _probe_tcp_free(ip: str, port: int) -> None:
    """Fail with Go's text when the port is taken (grpc's own bind error says nothing useful)."""
    if port == 0:
        return
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((ip, port))
        except OSError as exc:
            reason = "address already in use" if exc.errno == errno.EADDRINUSE else (exc.strerror or str(exc))
            raise AddressError(f"listen tcp {host_port(ip, port)}: bind: {reason.lower()}") from None


def new_server(interceptors: Iterable[grpc.aio.ServerInterceptor] = ()) -> grpc.aio.Server:
    """A grpc.aio server whose every service answers an undecodable request as grpc-go does."""
    server = grpc.aio.server(interceptors=list(interceptors), options=SERVER_OPTIONS)
    decode_errors_as_internal(server)
    return server


# --- lifecycle -------------------------------------------------------------------------------


class StopSignals:
    """SIGTERM/SIGINT handling for a long-running command, installed before it starts serving.

    The first signal asks for a graceful stop (`wait()` returns); any later one calls the
    `on_force` callbacks so a drain in progress can stop waiting. Used as a context manager so
    the handlers are in place before the `started` line is logged.
    """

    SIGNALS = (signal.SIGTERM, signal.SIGINT)

    def __init__(self, linger: bool = True) -> None:
        # linger: after the stop, ignore further signals while the process finishes exiting,
        # so a late second SIGTERM cannot turn a clean shutdown into "killed by signal".
        self._linger = linger
        self._loop = asyncio.get_running_loop()
        self._first: asyncio.Future[str] = self._loop.create_future()
        self._force: list[Callable[[], None]] = []

    def __enter__(self) -> StopSignals:
        for sig in self.SIGNALS:
            self._loop.add_signal_handler(sig, self._on_signal, sig)
        return self

    def __exit__(self, *exc: object) -> None:
        for sig in self.SIGNALS:
            self._loop.remove_signal_handler(sig)
            if self._linger and self._first.done():
                signal.signal(sig, signal.SIG_IGN)

    def _on_signal(self, sig: signal.Signals) -> None:
        if not self._first.done():
            self._first.set_result(sig.name)
            return
        for callback in self._force:
            callback()

    async def wait(self) -> str:
        """The name of the first signal, once it arrives."""
        return await asyncio.shield(self._first)

    def on_force(self, callback: Callable[[], None]) -> None:
        self._force.append(callback)


class Service(Protocol):
    """A long-running server as `run_until_signal` drives it."""

    async def start(self) -> str:
        """Bind and serve; log `started`; return the address shown. Clean up before raising."""
        ...

    async def shutdown(self, grace: float) -> None:
        """Stop accepting, let work in flight finish within `grace`, release everything."""
        ...

    def force(self) -> None:
        """A further signal arrived during the shutdown: stop waiting."""
        ...


async def run_until_signal(service: Service, grace: float) -> None:
    """Serve until SIGTERM/SIGINT, then shut down within `grace`; every later signal forces.

    The signal handlers are in place before `start()` logs `started`, so a signal that follows
    the log line is always a graceful stop. Raises what `start()` or `shutdown()` raise.
    """
    with StopSignals() as signals:
        await service.start()
        try:
            await signals.wait()
        finally:
            signals.on_force(service.force)
            await service.shutdown(grace)


class GrpcDrain:
    """Stops a gRPC server within a grace period; `force()` during the wait ends it at once."""

    def __init__(self, server: grpc.aio.Server) -> None:
        self._server = server
        self._draining = False
        self._forced: list[asyncio.Future[None]] = []

    async def __call__(self, grace: float) -> None:
        self._draining = True
        try:
            await self._server.stop(grace)
        finally:
            for task in self._forced:
                await task

    def force(self) -> None:
        if self._draining:
            self._forced.append(asyncio.ensure_future(self._server.stop(0)))
