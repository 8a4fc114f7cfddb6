"""Run a user's executable the way local-exec (and the webhook input) must.

- No shell. argv = [path as given, payload], stdin = payload then EOF (a child that never reads
  stdin is fine). When the payload is too large for one argument (Linux caps one at 128 KiB),
  it goes on stdin only.
- The child gets its own session and process group, so a timeout, a cancelled call or a
  shutdown can kill the script *and everything it started*: SIGTERM, then SIGKILL after a grace,
  to its process group and to every process still in its session (found in /proc). Only a
  process that starts a session of its own (`setsid`, a daemon) escapes.
- A watchdog process (script/watchdog.py), started once per runner, kills the sessions of the
  children still running if the runner's process dies without cleaning up (SIGKILL, OOM).
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
from collections.abc import Mapping
from dataclasses import dataclass

from ..golang.errors import go_errno_text, go_exit_cause
from .capture import BoundedCapture, LineCallback, LineSplitter
from .child import Child
from .orphans import Watchdog
from .watchdog import kill_session

MAX_ARG_BYTES = 128 * 1024  # Linux MAX_ARG_STRLEN, including the terminating NUL
DEFAULT_CAPTURE_LIMIT = 1024 * 1024


class SpawnError(Exception):
    """The executable could not be started; `cause` is Go's `fork/exec <path>: <reason>`."""

    def __init__(self, cause: str, errno_: int | None = None) -> None:
        super().__init__(cause)
        self.cause = cause
        self.errno = errno_

    @property
    def hint(self) -> str:
        """What to do, for a log line (Go's text, which callers send on, says nothing more)."""
        if self.errno == errno.ENOEXEC:
            return "a script needs a first line such as #!/bin/sh"
        return ""


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


async def _terminate(child: Child, grace: float) -> None:
    """SIGTERM the whole session, then SIGKILL it if the leader is not gone within `grace`."""
    kill_session(child.pid, signal.SIGTERM)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(child.wait(), grace)
    # Kill the rest too: the leader may have exited leaving children behind, in its group or in
    # other groups of its session.
    kill_session(child.pid, signal.SIGKILL)
    await child.wait()


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


class ScriptRunner:
    """Runs executables and owns the children it started, so that closing one handler (or
    input) kills what it left running, and nothing of another's."""

    def __init__(self, watchdog: bool = True) -> None:
        self._live: set[Child] = set()
        self._watchdog = Watchdog() if watchdog else None

    @property
    def live_count(self) -> int:
        return len(self._live)

    async def terminate_all(self, grace: float = 2.0) -> int:
        """Kill the process group of every child still running; returns how many there were."""
        children = list(self._live)
        await asyncio.gather(*(_terminate(c, grace) for c in children), return_exceptions=True)
        return len(children)

    async def close(self, grace: float = 2.0) -> int:
        """`terminate_all`, then stop the watchdog; returns how many children were killed."""
        killed = await self.terminate_all(grace)
        if self._watchdog is not None:
            self._watchdog.close()
        return killed

    async def run(self, spec: RunSpec, on_line: LineCallback | None = None) -> RunResult:
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
        self._live.add(child)
        if self._watchdog is not None:
            self._watchdog.watch(child.pid)
        capture = BoundedCapture(spec.capture_limit)
        splitter = LineSplitter(on_line) if on_line is not None else None
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
            self._live.discard(child)
            if child.returncode is None:
                child.signal_group(signal.SIGKILL)
                await asyncio.shield(child.wait())
            if self._watchdog is not None:
                self._watchdog.forget(child.pid)
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
