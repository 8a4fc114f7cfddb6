"""The runner's side of the watchdog (script/watchdog.py): start it once, tell it each child.

Per execution this costs two short writes to a pipe (`+<sid>` and `-<sid>`), nothing more.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pkgutil
import signal
import sys
import weakref


def _close_quietly(fd: int) -> None:
    with contextlib.suppress(OSError):
        os.close(fd)


def _reap_later(pid: int) -> None:
    """Reap the watchdog's first process (it exits as soon as it has forked the watchdog)."""
    try:
        loop = asyncio.get_running_loop()
        pidfd = os.pidfd_open(pid)
    except (RuntimeError, OSError, AttributeError):
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)  # no loop or no pidfd: the wait is a few milliseconds
        return

    def reap() -> None:
        loop.remove_reader(pidfd)
        os.close(pidfd)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)

    loop.add_reader(pidfd, reap)


class Watchdog:
    """Starts the watchdog process on first use; `watch`/`forget` a child's session."""

    def __init__(self) -> None:
        self._fd: int | None = None
        self._sessions: set[int] = set()
        self._finalizer: weakref.finalize[..., Watchdog] | None = None

    @property
    def running(self) -> bool:
        return self._fd is not None

    def _start(self) -> None:
        try:
            source = pkgutil.get_data(__package__ or "autoscaler.script", "watchdog.py")
        except OSError:
            source = None
        if source is None:
            return  # no watchdog: children are still killed on every ordinary exit path
        read_end, write_end = os.pipe()  # both close-on-exec: no script inherits the write end
        devnull = os.open(os.devnull, os.O_RDWR | os.O_CLOEXEC)
        try:
            pid = os.posix_spawn(
                sys.executable,
                [sys.executable, "-I", "-S", "-c", source.decode("utf-8")],
                dict(os.environ),
                file_actions=[
                    (os.POSIX_SPAWN_DUP2, read_end, 0),
                    (os.POSIX_SPAWN_DUP2, devnull, 1),
                    (os.POSIX_SPAWN_DUP2, devnull, 2),
                ],
                setsid=True,
                setsigdef=(signal.SIGPIPE,),
            )
        except OSError:
            os.close(write_end)
            return  # no watchdog: children are still killed on every ordinary exit path
        finally:
            os.close(read_end)
            os.close(devnull)
        _reap_later(pid)
        os.set_blocking(write_end, False)  # never stall the loop on it
        self._fd = write_end
        self._finalizer = weakref.finalize(self, _close_quietly, write_end)
        for sid in self._sessions:
            self._send(b"+%d\n" % sid)

    def _send(self, line: bytes) -> None:
        if self._fd is None:
            return
        try:
            os.write(self._fd, line)
        except BlockingIOError:
            pass  # the watchdog is not reading (stopped?): this one child goes unwatched
        except OSError:  # it died: start another, which is told every live session
            self._drop()
            self._start()

    def _drop(self) -> None:
        if self._finalizer is not None:
            self._finalizer()
        self._fd = None
        self._finalizer = None

    def watch(self, sid: int) -> None:
        self._sessions.add(sid)
        if self._fd is None:
            self._start()
        else:
            self._send(b"+%d\n" % sid)

    def forget(self, sid: int) -> None:
        self._sessions.discard(sid)
        self._send(b"-%d\n" % sid)

    def close(self) -> None:
        """Close the pipe: the watchdog kills whatever is still listed, then exits."""
        self._drop()
