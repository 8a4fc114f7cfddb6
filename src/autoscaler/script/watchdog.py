"""The watchdog of a ScriptRunner: kills its children's sessions when the runner's process dies.

A child that outlives its handler (killed by SIGKILL or the OOM killer, so no clean-up of its
own ran) would run on as an orphan, with nobody reading its output or enforcing its timeout.
Linux's parent-death signal cannot help: posix_spawn has no way to set it, and it would fire
when the spawning *thread* ends rather than the process.

So each runner starts this file once, as a small process of its own (`python -I -S -c`, standard
library only), which forks away from the runner at once (nobody has to reap it) and leads a
session of its own (a terminal's Ctrl-C or a signal to the handler's group does not reach it).
It reads lines from a pipe whose write end only the runner holds: `+<sid>` when a child started
(each child leads its own session and process group, so sid = pgid = its pid), `-<sid>` when it
ended. At EOF — the runner closed it, or the kernel did because the runner's process died, by
whatever means — it SIGKILLs every session still listed: the child's process group, then every
process still in that session (those that moved to another group). A process that started a
session of its own (`setsid`, as daemons do) is beyond reach; so it is for `--timeout`.

The runner imports `session_members` and `kill_session` from here for its timeouts too.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Iterable


def session_members(sid: int) -> list[int]:
    """The processes whose session is `sid` (read from /proc; empty where there is none)."""
    members: list[int] = []
    try:
        entries = os.listdir("/proc")
    except OSError:
        return members
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue  # gone meanwhile
        # pid (comm) state ppid pgrp session ...; comm may hold spaces and parentheses.
        fields = stat.rsplit(b")", 1)[-1].split()
        if len(fields) > 3 and fields[3] == str(sid).encode():
            members.append(int(entry))
    return members


def kill_session(sid: int, sig: int = signal.SIGKILL) -> None:
    """Signal the process group `sid`, then every process still in session `sid`."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(sid, sig)
    for pid in session_members(sid):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, sig)


def watch(lines: Iterable[bytes]) -> set[int]:
    """The sessions still listed when `lines` ends."""
    sessions: set[int] = set()
    for line in lines:
        text = line.strip()
        if text[:1] == b"+" and text[1:].isdigit():
            sessions.add(int(text[1:]))
        elif text[:1] == b"-" and text[1:].isdigit():
            sessions.discard(int(text[1:]))
    return sessions


def main() -> None:
    if os.fork() > 0:
        os._exit(0)  # the runner reaps this first process at once; the watchdog lives on
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)  # only EOF ends the watch
    for sid in watch(sys.stdin.buffer):
        kill_session(sid)


if __name__ == "__main__":
    main()
