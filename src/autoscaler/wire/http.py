"""Serve an ASGI app with uvicorn inside the caller's event loop.

uvicorn's own `run()` installs signal handlers and re-raises the signal on exit (status 143);
our commands own their signals and exit 0 after draining, so the server here never touches
signals and is stopped with `stop()`. Imported only by processes that serve HTTP.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Iterator
from typing import Any

import uvicorn

from ..log import Logger
from .address import host_port, resolve_tcp
from .http_guard import (
    ConnectionGuard,
    handle_accept_errors,
    protocol_for,
    quiet_uvicorn_duplicates,
)
from .http_limits import HttpLimits


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: our commands own SIGTERM/SIGINT and drain."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def bind_tcp(address: str, backlog: int = 128) -> socket.socket:
    """A listening socket for a Go-style `host:port` (`:port` = all interfaces, port 0 = any)."""
    ip, port = resolve_tcp(address)
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY on sockets that say so (else
    # small responses wait ~40 ms for delayed ACKs).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if family == socket.AF_INET6 and ip == "::":
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    try:
        sock.bind((ip, port))
    except OSError as exc:
        sock.close()
        reason = (exc.strerror or str(exc)).lower()
        raise OSError(f"listen tcp {host_port(ip, port)}: bind: {reason}") from None
    sock.listen(backlog)
    sock.setblocking(False)
    return sock


class AsgiServer:
    """One uvicorn server on one bound socket; `start()` returns at once, `stop()` drains.

    Every server is bounded by `limits` (http_guard.py): header and body deadlines, a cap on
    open connections; `logger` gets its rate-limited warnings."""

    def __init__(
        self,
        app: Any,
        sock: socket.socket,
        limits: HttpLimits | None = None,
        logger: Logger | None = None,
        **config: Any,
    ) -> None:
        config.setdefault("log_level", "warning")
        config.setdefault("access_log", False)
        config.setdefault("lifespan", "off")
        config.setdefault("interface", "asgi3")  # detection mistakes bound methods for ASGI2 apps
        self.guard = ConnectionGuard(limits or HttpLimits(), logger)
        config["http"] = protocol_for(self.guard)
        self.sock = sock
        self.logger = logger
        self.server = _Server(uvicorn.Config(app, **config))
        self._task: asyncio.Task[None] | None = None

    @property
    def address(self) -> str:
        ip, port = self.sock.getsockname()[:2]
        return host_port(ip, port)

    async def start(self) -> None:
        handle_accept_errors(asyncio.get_running_loop(), self.logger)
        quiet_uvicorn_duplicates()
        self._task = asyncio.create_task(self.server.serve(sockets=[self.sock]))
        while not self.server.started and not self._task.done():  # noqa: ASYNC110 - uvicorn has no event
            await asyncio.sleep(0.005)
        if self._task.done():
            self._task.result()

    async def stop(self) -> None:
        self.server.should_exit = True
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self.sock.close()
