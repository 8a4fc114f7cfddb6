"""No script outlives local-exec (issue 12, item 9): SIGKILL of the handler leaves no orphan, and
`--timeout` kills everything in the script's session, checked in /proc."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import grpc

from autoscaler.proto import handler_pb2 as pb

from .conftest import StartHandler
from .harness import running_pids_with, wait_until, write_script


def _family_script(tmp_path: Path, marker: str) -> Path:
    """A script whose children sit in its process group and in a group of their own (job
    control), all in the script's session."""
    return write_script(
        tmp_path / "family.sh",
        "#!/bin/bash\n"
        "cat >/dev/null\n"
        "set -m\n"
        f"bash -c 'exec -a {marker}-own-group sleep 300' &\n"
        "set +m\n"
        f"bash -c 'exec -a {marker}-same-group sleep 300' &\n"
        f"bash -c 'exec -a {marker}-quiet sleep 300' >/dev/null 2>&1 &\n"
        'touch "$PWD/started"\n'
        "wait\n",
    )


def _groups(pids: list[int]) -> set[int]:
    return {os.getpgid(pid) for pid in pids}


def test_sigkill_of_the_handler_leaves_no_orphan(tmp_path: Path, start_handler: StartHandler) -> None:
    marker = f"orphan-{time.monotonic_ns()}"
    _family_script(tmp_path, marker)
    handler = start_handler("--executable-path", "family.sh", "--handler-type", "handle")
    caller = threading.Thread(target=lambda: handler.call("handle", pb.HandleRequest(), timeout=60))
    caller.start()
    try:
        assert wait_until(lambda: len(running_pids_with(marker)) == 3, timeout=30)
        assert len(_groups(running_pids_with(marker))) == 2  # one escaped the script's group
        assert handler.proc is not None
        handler.proc.send_signal(signal.SIGKILL)  # no clean-up of its own runs
        handler.proc.wait(30)
        assert wait_until(lambda: not running_pids_with(marker), timeout=30), running_pids_with(marker)
    finally:
        for pid in running_pids_with(marker):
            os.kill(pid, signal.SIGKILL)
        caller.join(60)


def test_timeout_kills_the_whole_session(tmp_path: Path, start_handler: StartHandler) -> None:
    marker = f"session-{time.monotonic_ns()}"
    _family_script(tmp_path, marker)
    handler = start_handler(
        "--executable-path", "family.sh", "--handler-type", "handle", "--timeout", "2s", "--kill-grace", "1s"
    )
    try:
        outcome = handler.call("handle", pb.HandleRequest(scaling_job_id="j"))
        assert outcome.code == grpc.StatusCode.DEADLINE_EXCEEDED
        assert (tmp_path / "started").exists()
        assert wait_until(lambda: not running_pids_with(marker), timeout=30), running_pids_with(marker)
    finally:
        for pid in running_pids_with(marker):
            os.kill(pid, signal.SIGKILL)


def test_the_watchdog_goes_when_the_handler_stops(tmp_path: Path, start_handler: StartHandler) -> None:
    write_script(tmp_path / "h.sh", "#!/bin/sh\necho hi\n")
    marker = f"WATCHDOG_MARK={time.monotonic_ns()}"
    name, value = marker.split("=")
    handler = start_handler("--executable-path", "h.sh", "--handler-type", "handle", env={name: value})
    assert handler.call("handle", pb.HandleRequest()).code == grpc.StatusCode.OK

    def with_marker() -> list[int]:
        found = []
        for entry in os.listdir("/proc"):
            try:
                if entry.isdigit() and marker.encode() in Path(f"/proc/{entry}/environ").read_bytes():
                    found.append(int(entry))
            except OSError:
                continue
        return found

    assert handler.proc is not None
    assert [p for p in with_marker() if p != handler.proc.pid]  # the watchdog, started once
    assert handler.stop() == 0
    assert wait_until(lambda: not with_marker(), timeout=30)
