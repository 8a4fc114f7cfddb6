"""Run a user's executable the way local-exec (and the webhook input) must.

- No shell. argv = [path as given, payload], stdin = payload then EOF (a child that never reads
  stdin is fine). When the payload is too large for one argument (Linux caps one at 128 KiB),
  it goes on stdin only.
- The child gets its own session and process group, so a timeout, a cancelled call or a
  shutdown can kill the script *and everything it started*: SIGTERM, then SIGKILL after a grace.
- stdout is read to EOF (a background grandchild holding it open delays completion, as upstream
  does) while only a bounded amount is kept: the head and the tail, with a marker saying how many
  bytes were dropped between them. Lines can be handed to a callback as they arrive.
- stderr is not read (upstream discards it); it goes to /dev/null.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import signal
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from .child import Child
from .golang.errors import go_errno_text, go_exit_cause

MAX_ARG_BYTES = 128 * 1024  # Linux MAX_ARG_STRLEN, including the terminating NUL
READ_CHUNK = 64 * 1024
DEFAULT_CAPTURE_LIMIT = 1024 * 1024
MAX_LINE = 64 * 1024  # a streamed "line" longer than this is sent in pieces


class SpawnError(Exception):
    """The executable could not be started; `cause` is Go's `fork/exec <path>: <reason>`."""

    def __init__(self, cause: str, errno_: int | None = None) -> None:
        super().__init__(cause)
        self.cause = cause
        self.errno = errno_


class ExecutableError(ValueError):
    """An `--executable-path` that cannot be run; the text says why and what to do."""


def resolve_executable(value: str) -> str:
    """The absolute program path for an `--executable-path` value, checked at start-up.

    The value is a path relative to the working directory unless absolute; a bare name such as
    `handler.sh` means the file here (upstream validated it here, then searched $PATH, so its
    own example failed). The file must be executable now, not only at the first scaling.
    The handler never changes directory, so a relative result stays valid.
    """
    if not os.path.exists(value):
        raise ExecutableError(f"{value}: no such file or directory")
    if os.path.isdir(value):
        raise ExecutableError(f"{value}: is a directory")
    if not os.access(value, os.X_OK):
        raise ExecutableError(f"{value}: the file is not executable (run: chmod +x {value})")
    # exec with a slash so nothing searches $PATH; scripts then see $0 as the user wrote it.
    return value if "/" in value else f"./{value}"


@dataclass(frozen=True)
class RunSpec:
    program: str  # what to execute (from resolve_executable)
    argv0: str  # what the child sees as argv[0] (the value the user gave)
    payload: bytes
    pass_argument: bool = True
    env: Mapping[str, str] | None = None  # added to (not replacing) the inherited environment
    timeout: float | None = None
    capture_limit: int = DEFAULT_CAPTURE_LIMIT
    kill_grace: float = 2.0


@dataclass
class RunResult:
    returncode: int  # negative: killed by that signal
    output: bytes
    total_bytes: int
    dropped_bytes: int
    duration: float
    timed_out: bool = False
    argument_dropped: bool = False
    core_dumped: bool = False

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out

    @property
    def cause(self) -> str:
        return go_exit_cause(self.returncode, self.core_dumped)


@dataclass
class BoundedCapture:
    """Keeps the first and last bytes of a stream within `limit`, counting what it drops."""

    limit: int
    head: bytearray = field(default_factory=bytearray)
    tail: bytearray = field(default_factory=bytearray)
    total: int = 0

    def add(self, chunk: bytes) -> None:
        self.total += len(chunk)
        room = self.limit // 2 - len(self.head)
        if room > 0:
            self.head += chunk[:room]
            chunk = chunk[room:]
        if not chunk:
            return
        self.tail += chunk
        keep = self.limit - len(self.head)
        # Trim only when well over, so trimming stays amortised O(1) per byte.
        if len(self.tail) > 2 * keep + READ_CHUNK:
            del self.tail[: len(self.tail) - keep]

    @property
    def dropped(self) -> int:
        kept = len(self.head) + min(len(self.tail), self.limit - len(self.head))
        return self.total - kept

    def value(self) -> bytes:
        keep = self.limit - len(self.head)
        tail = self.tail[len(self.tail) - keep :] if len(self.tail) > keep else self.tail
        dropped = self.dropped
        if not dropped:
            return bytes(self.head + tail)
        marker = f"\n[... {dropped} bytes of output dropped ...]\n".encode()
        return bytes(self.head) + marker + bytes(tail)


LineCallback = Callable[[bytes], Awaitable[None]]


class _LineSplitter:
    def __init__(self, on_line: LineCallback) -> None:
        self._on_line = on_line
        self._pending = bytearray()

    async def feed(self, chunk: bytes) -> None:
        self._pending += chunk
        while True:
            cut = self._pending.find(b"\n")
            if cut < 0:
                if len(self._pending) >= MAX_LINE:
                    cut = MAX_LINE - 1
                else:
                    return
            line = bytes(self._pending[: cut + 1])
            del self._pending[: cut + 1]
            await self._on_line(line)

    async def flush(self) -> None:
        if self._pending:
            line = bytes(self._pending)
            self._pending.clear()
            await self._on_line(line)


# Children that are running now, so a shutdown can kill what a drain left behind.
_live: set[Child] = set()


async def _terminate(child: Child, grace: float) -> None:
    """SIGTERM the whole group, then SIGKILL it if the leader is not gone within `grace`."""
    child.signal_group(signal.SIGTERM)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(child.wait(), grace)
    # Kill the rest of the group too: the leader may have exited leaving children behind.
    child.signal_group(signal.SIGKILL)
    await child.wait()


async def terminate_all(grace: float = 2.0) -> int:
    """Kill every running child's process group; returns how many there were."""
    children = list(_live)
    await asyncio.gather(*(_terminate(c, grace) for c in children), return_exceptions=True)
    return len(children)


def live_count() -> int:
    return len(_live)


def _spawn(spec: RunSpec, with_argument: bool) -> Child:
    env = dict(os.environ)
    if spec.env:
        env.update(spec.env)
    argv: list[str | bytes] = [spec.argv0, spec.payload] if with_argument else [spec.argv0]
    try:
        return Child.spawn(spec.program, argv, env)
    except OSError as exc:
        code = exc.errno or errno.EIO
        raise SpawnError(f"fork/exec {spec.argv0}: {go_errno_text(code)}", code) from None


async def run(spec: RunSpec, on_line: LineCallback | None = None) -> RunResult:
    """Run once; raises SpawnError if it cannot start. Cancelling kills the process group."""
    started = time.monotonic()
    with_argument = spec.pass_argument and len(spec.payload) < MAX_ARG_BYTES
    try:
        child = _spawn(spec, with_argument)
    except SpawnError as exc:
        if exc.errno != errno.E2BIG or not with_argument:
            raise
        # The argument (plus the environment) was still too big: stdin alone carries it.
        with_argument = False
        child = _spawn(spec, with_argument)
    _live.add(child)
    capture = BoundedCapture(spec.capture_limit)
    splitter = _LineSplitter(on_line) if on_line is not None else None
    timed_out = False

    async def pump() -> None:
        # Most requests fit in the pipe buffer: write them at once, no writer task needed.
        rest = child.feed_now(spec.payload)
        feeder = asyncio.ensure_future(child.feed(rest)) if rest else None
        try:
            while chunk := await child.read():
                capture.add(chunk)
                if splitter is not None:
                    await splitter.feed(chunk)
            if splitter is not None:
                await splitter.flush()
            await child.wait()
        finally:
            if feeder is not None:
                feeder.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await feeder

    try:
        if spec.timeout is None:
            await pump()  # inline: no task to create and shield on the common path
        else:
            task = asyncio.ensure_future(pump())
            try:
                await asyncio.wait_for(asyncio.shield(task), spec.timeout)
            except TimeoutError:
                timed_out = True
                await _terminate(child, spec.kill_grace)
                # Killing the group closes its ends of the pipe; a process that escaped the
                # group (setsid) could hold it forever, so stop reading after a moment.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.shield(task), 1.0)
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
    except asyncio.CancelledError:
        await asyncio.shield(_terminate(child, spec.kill_grace))
        raise
    finally:
        _live.discard(child)
        if child.returncode is None:
            child.signal_group(signal.SIGKILL)
            await asyncio.shield(child.wait())
        child.close()
    assert child.returncode is not None
    return RunResult(
        returncode=child.returncode,
        output=capture.value(),
        total_bytes=capture.total,
        dropped_bytes=capture.dropped,
        duration=time.monotonic() - started,
        timed_out=timed_out,
        argument_dropped=spec.pass_argument and not with_argument,
        core_dumped=child.core_dumped,
    )
