"""What keeps an HTTP server answering under slow or too many clients.

uvicorn bounds neither the time a client takes to send its request headers nor its body (its
keep-alive timeout starts only after a first response), and its `limit_concurrency` answers 503
only once a request's headers have arrived — which a slow client never finishes. So the
connection protocol is uvicorn's h11 one with a deadline per phase, watched from h11's state:

- request headers must arrive within `header_timeout` of the connection (or of the first byte
  of the next request on a kept-alive connection), the body within `body_timeout` after them;
  a connection that misses its deadline is closed (one rate-limited WARN says how many were);
- at most `max_connections` are open (never more than the file-descriptor limit leaves room
  for): a new connection past the cap first displaces the one that has waited longest for its
  request headers (a slow or idle client); when none is waiting, the newcomer is answered 503;
- `accept()` failing for lack of descriptors (EMFILE) is one rate-limited WARN, not asyncio's
  traceback per attempt (asyncio reports it through the loop's exception handler and retries
  the listening socket a second later by itself). It still happens under a burst: asyncio
  accepts a batch of connections before any of them reaches the cap's bookkeeping.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import resource
import time
from collections import OrderedDict
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from ..log import Logger
from .http_limits import HttpLimits

# Descriptors kept free for everything else the process opens (gRPC channels, scripts' pipes).
FD_HEADROOM = 64
WARN_INTERVAL = 60.0
_ACCEPT_FAILED = "socket.accept() out of system resource"


class RateLimitedWarning:
    """One WARN line now, then at most one per `interval`, each counting the events it stands for."""

    def __init__(self, logger: Logger | None, msg: str, interval: float = WARN_INTERVAL) -> None:
        self.logger = logger
        self.msg = msg
        self.interval = interval
        self.count = 0
        self._next = 0.0

    def __call__(self, **attrs: Any) -> None:
        self.count += 1
        now = time.monotonic()
        if self.logger is None or now < self._next:
            return
        self.logger.warn(self.msg, count=self.count, **attrs)
        self.count = 0
        self._next = now + self.interval


def connection_cap(wanted: int) -> int:
    """`wanted`, lowered so that the open connections leave FD_HEADROOM descriptors free."""
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return wanted
    try:
        in_use = len(os.listdir("/proc/self/fd"))
    except OSError:
        in_use = 32
    return max(1, min(wanted, soft - in_use - FD_HEADROOM))


class ConnectionGuard:
    """The connections of one server: how many are open, which wait for their headers."""

    def __init__(self, limits: HttpLimits, logger: Logger | None) -> None:
        self.limits = limits
        self.cap = connection_cap(limits.max_connections)
        self.open: set[GuardedH11Protocol] = set()
        self.waiting: OrderedDict[GuardedH11Protocol, None] = OrderedDict()  # oldest first
        self._slow = RateLimitedWarning(logger, "closed slow HTTP connections")
        self._full = RateLimitedWarning(logger, "HTTP connection limit reached")

    def admit(self, conn: GuardedH11Protocol) -> bool:
        """Count `conn` in; False when it must be answered 503 (the cap is full of busy ones)."""
        if len(self.open) >= self.cap:
            victim = next(iter(self.waiting), None)
            if victim is None:
                self._full(limit=self.cap, action="answered 503")
                self.open.add(conn)
                return False
            self._full(limit=self.cap, action="closed the longest-waiting idle or slow connection")
            victim.drop()
        self.open.add(conn)
        return True

    def release(self, conn: GuardedH11Protocol) -> None:
        self.open.discard(conn)
        self.waiting.pop(conn, None)

    def start_waiting(self, conn: GuardedH11Protocol) -> None:
        self.waiting[conn] = None
        self.waiting.move_to_end(conn)

    def stop_waiting(self, conn: GuardedH11Protocol) -> None:
        self.waiting.pop(conn, None)

    def timed_out(self, phase: str) -> None:
        limit = self.limits.header_timeout if phase == "headers" else self.limits.body_timeout
        self._slow(reason=f"request {phase} not received within {limit:g}s")


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with the guard's deadlines and cap (see the module's docstring)."""

    guard: ConnectionGuard  # set on the subclass made for each server

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._phase: str | None = None
        self._deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if not self.guard.admit(self):
            # uvicorn's own 503 path, taken for every request of this connection.
            self.limit_concurrency = 0
        self._expect("headers")

    def connection_lost(self, exc: Exception | None) -> None:
        self._clear()
        self.guard.release(self)
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        idle = self._phase is None and self.conn.their_state is h11.IDLE
        super().data_received(data)
        if idle and self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            # The first bytes of the next request on a kept-alive connection, but not all of its
            # head: from now on it has `header_timeout`. (A whole head in one read, the common
            # case, costs no timer at all.)
            self._expect("headers")
            return
        self._follow()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._follow()

    def drop(self) -> None:
        """Close this connection to make room (it was waiting for its request headers)."""
        self.guard.stop_waiting(self)
        self._clear()
        if not self.transport.is_closing():
            self.transport.close()

    def _follow(self) -> None:
        """Move the deadline along with h11's view of the client's side."""
        state = self.conn.their_state
        if state is h11.IDLE:
            if self._phase is None and self.conn.our_state is h11.IDLE:
                self.guard.start_waiting(self)  # kept alive and idle: the first to make room
            return
        # The client has sent a request's head: no longer waiting for one.
        if self._phase == "headers":
            self._clear()
        self.guard.stop_waiting(self)
        if state is h11.SEND_BODY:
            if self._phase != "body":
                self._expect("body")
        elif self._phase == "body":
            self._clear()

    def _expect(self, phase: str) -> None:
        self._clear()
        limits = self.guard.limits
        timeout = limits.header_timeout if phase == "headers" else limits.body_timeout
        self._phase = phase
        if timeout > 0:  # 0: no deadline for this phase
            self._deadline = self.loop.call_later(timeout, self._expired)
        if phase == "headers":
            self.guard.start_waiting(self)

    def _clear(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None
        self._phase = None

    def _expired(self) -> None:
        phase = self._phase or "headers"
        self._deadline = None
        self._phase = None
        self.guard.stop_waiting(self)
        if not self.transport.is_closing():
            self.guard.timed_out(phase)
            self.transport.close()  # the app, if it was reading the body, sees a disconnect


def protocol_for(guard: ConnectionGuard) -> type[GuardedH11Protocol]:
    """A protocol class bound to one server's guard (uvicorn instantiates it per connection)."""
    return type("GuardedH11Protocol", (GuardedH11Protocol,), {"guard": guard})


class _DropConcurrencyWarning(logging.Filter):
    """uvicorn's per-request "Exceeded concurrency limit." line; the guard says it once instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != "Exceeded concurrency limit."


def quiet_uvicorn_duplicates() -> None:
    target = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _DropConcurrencyWarning) for f in target.filters):
        target.addFilter(_DropConcurrencyWarning())


def handle_accept_errors(loop: asyncio.AbstractEventLoop, logger: Logger | None) -> None:
    """Report `accept()` failing for lack of resources as one rate-limited WARN (once per loop)."""
    if getattr(loop, "_autoscaler_accept_guard", False):
        return
    previous = loop.get_exception_handler()
    warning = RateLimitedWarning(logger, "cannot accept HTTP connections; retrying every second")

    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if context.get("message") == _ACCEPT_FAILED:
            warning(error=str(context.get("exception", "")))
            return
        callback = getattr(context.get("handle"), "_callback", None)
        if getattr(callback, "__name__", "") == "_start_serving":
            # asyncio's retry of a listening socket that paused on EMFILE, firing after the server
            # closed it: nothing is left to serve, so nothing to report.
            return
        if previous is not None:
            previous(loop, context)
        else:
            loop.default_exception_handler(context)

    loop.set_exception_handler(handler)
    with contextlib.suppress(AttributeError):
        loop._autoscaler_accept_guard = True  # type: ignore[attr-defined]
