"""A child process in its own session, driven from the asyncio loop with as little as possible.

Spawning goes through `os.posix_spawn` (glibc uses vfork semantics: no copy of the parent's
memory, however large) with the session created in the child (`setsid`), stdin and stdout as
pipes, stderr to /dev/null. The loop watches the pipes and, on Linux, a pidfd for the exit, so
no thread per child and no asyncio transport machinery sit on the hot path.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import signal
from collections.abc import Mapping, Sequence

READ_CHUNK = 64 * 1024
# Python ignores SIGPIPE (and SIGXFSZ); a child must start with the defaults, as from a shell.
_DEFAULT_SIGNALS = tuple(s for s in (signal.SIGPIPE, getattr(signal, "SIGXFSZ", None)) if s is not None)


def _above_stdio(fd: int) -> int:
    """Move `fd` to 3 or above, so dup2 onto 0/1/2 in the child never hits itself."""
    if fd > 2:
        return fd
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 3)
    os.close(fd)
    return moved


def _pipe() -> tuple[int, int]:
    r, w = os.pipe()  # both close-on-exec (PEP 446)
    return _above_stdio(r), _above_stdio(w)


class Child:
    """One running child. Not thread-safe; use from the loop that spawned it."""

    def __init__(self, pid: int, stdin: int, stdout: int) -> None:
        self.pid = pid
        self._stdin: int | None = stdin
        self._stdout: int | None = stdout
        self.returncode: int | None = None
        self.core_dumped = False
        self._exited: asyncio.Future[int] | None = None
        os.set_blocking(stdin, False)
        os.set_blocking(stdout, False)

    @classmethod
    def spawn(cls, program: str, argv: Sequence[str | bytes], env: Mapping[str, str]) -> Child:
        """Start `program`; raises OSError (with the exec errno) if it cannot run."""
        in_r, in_w = _pipe()
        out_r, out_w = _pipe()
        devnull = _above_stdio(os.open(os.devnull, os.O_WRONLY | os.O_CLOEXEC))
        try:
            pid = os.posix_spawn(
                program,
                list(argv),
                env,
                file_actions=[
                    (os.POSIX_SPAWN_DUP2, in_r, 0),
                    (os.POSIX_SPAWN_DUP2, out_w, 1),
                    (os.POSIX_SPAWN_DUP2, devnull, 2),
                ],
                setsid=True,
                setsigmask=(),
                setsigdef=_DEFAULT_SIGNALS,
            )
        except BaseException:
            os.close(in_w)
            os.close(out_r)
            raise
        finally:
            os.close(in_r)
            os.close(out_w)
            os.close(devnull)
        return cls(pid, in_w, out_r)

    # --- I/O ----------------------------------------------------------------------------------

    async def _ready(self, fd: int, writable: bool) -> None:
        loop = asyncio.get_running_loop()
        ready: asyncio.Future[None] = loop.create_future()

        def wake() -> None:
            if not ready.done():
                ready.set_result(None)

        if writable:
            loop.add_writer(fd, wake)
        else:
            loop.add_reader(fd, wake)
        try:
            await ready
        finally:
            if writable:
                loop.remove_writer(fd)
            else:
                loop.remove_reader(fd)

    async def read(self) -> bytes:
        """The next chunk of stdout; b"" at EOF."""
        fd = self._stdout
        if fd is None:
            return b""
        while True:
            try:
                return os.read(fd, READ_CHUNK)
            except BlockingIOError:
                await self._ready(fd, writable=False)

    def feed_now(self, data: bytes) -> bytes:
        """Write what the pipe takes at once; returns the rest (stdin is closed when all went)."""
        fd = self._stdin
        if fd is None:
            return b""
        try:
            written = os.write(fd, data) if data else 0
        except BlockingIOError:
            written = 0
        except (BrokenPipeError, ConnectionResetError):
            written = len(data)
        if written == len(data):
            self.close_stdin()
            return b""
        return data[written:]

    async def feed(self, data: bytes) -> None:
        """Write all of `data` to stdin and close it; a child that stops reading is fine."""
        fd = self._stdin
        if fd is None:
            return
        view = memoryview(data)
        try:
            while view:
                try:
                    view = view[os.write(fd, view) :]
                except BlockingIOError:
                    await self._ready(fd, writable=True)
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            self.close_stdin()

    def close_stdin(self) -> None:
        if self._stdin is not None:
            os.close(self._stdin)
            self._stdin = None

    def close_stdout(self) -> None:
        if self._stdout is not None:
            os.close(self._stdout)
            self._stdout = None

    # --- exit ---------------------------------------------------------------------------------

    def _reap(self) -> int:
        _, status = os.waitpid(self.pid, 0)
        self.core_dumped = os.WIFSIGNALED(status) and os.WCOREDUMP(status)
        self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def _start_waiting(self) -> asyncio.Future[int]:
        loop = asyncio.get_running_loop()
        exited: asyncio.Future[int] = loop.create_future()

        def reap_into(future: asyncio.Future[int]) -> None:
            if not future.done():
                future.set_result(self._reap())

        def reap_done(future: asyncio.Future[int], done: asyncio.Future[int]) -> None:
            if not future.done():
                future.set_result(done.result())

        if hasattr(os, "pidfd_open"):
            pidfd = os.pidfd_open(self.pid)

            def on_exit() -> None:
                loop.remove_reader(pidfd)
                os.close(pidfd)
                reap_into(exited)

            loop.add_reader(pidfd, on_exit)
        else:  # no pidfd: a worker thread blocks in waitpid instead
            waiting = loop.run_in_executor(None, self._reap)
            waiting.add_done_callback(lambda f: reap_done(exited, f))
        return exited

    async def wait(self) -> int:
        """The exit status in subprocess's convention (negative: killed by that signal)."""
        if self.returncode is not None:
            return self.returncode
        if self._exited is None:
            self._exited = self._start_waiting()
        return await asyncio.shield(self._exited)

    def signal_group(self, sig: int) -> None:
        """Signal the child's whole process group (it leads its own session)."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, sig)

    def close(self) -> None:
        self.close_stdin()
        self.close_stdout()
