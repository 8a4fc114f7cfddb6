"""The custom-handler health check against a real local-exec handler process."""

from __future__ import annotations

import asyncio
import socket as sock
import subprocess
import sys
import time
from pathlib import Path

from autoscaler.core.handler_health import ping_all


def start_handler(tmp_path: Path, socket: Path) -> subprocess.Popen[bytes]:
    script = tmp_path / "handler.sh"
    script.write_text("#!/bin/sh\ncat >/dev/null\n")
    script.chmod(0o755)
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "autoscaler",
            "handlers",
            "local-exec",
            "--addr",
            f"unix:{socket}",
            "--executable-path",
            str(script),
            "--handler-type",
            "post-handle",
        ],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def test_missing_socket_names_handler_endpoint_and_hint(tmp_path: Path) -> None:
    endpoint = f"unix:{tmp_path / 'none.sock'}"
    errors: list[int] = []
    (problem,) = await ping_all([("notify", endpoint)], 0, lambda: errors.append(1))
    assert problem.startswith('handler "notify" returns error: rpc error: code = Unavailable desc = ')
    assert f"(endpoint: {endpoint})" in problem
    assert "start the handler before the Core, or give --handlers-wait" in problem
    assert errors == [1]


async def test_stale_socket_file_is_named_with_its_own_hint(tmp_path: Path) -> None:
    path = tmp_path / "stale.sock"
    left = sock.socket(sock.AF_UNIX, sock.SOCK_STREAM)
    left.bind(str(path))
    left.close()  # the file stays, as after a handler killed with SIGKILL
    (problem,) = await ping_all([("notify", f"unix:{path}")], 0, lambda: None)
    assert problem.endswith(
        f"(nothing listens on the socket {path}: the handler that made it is gone; "
        "start it again, it replaces the stale file)"
    )
    (plain,) = await ping_all([("notify", f"unix:{tmp_path}")], 0, lambda: None)
    assert plain.endswith(f"({tmp_path} is not a socket)")


async def test_serving_handler_passes_and_wait_covers_a_late_start(tmp_path: Path) -> None:
    socket = tmp_path / "h.sock"
    proc: subprocess.Popen[bytes] | None = None

    async def late_start() -> None:
        nonlocal proc
        await asyncio.sleep(0.3)
        proc = start_handler(tmp_path, socket)

    try:
        starter = asyncio.create_task(late_start())
        started = time.monotonic()
        problems = await ping_all([("late", f"unix:{socket}")], 20.0, lambda: None)
        await starter
        assert problems == []
        assert time.monotonic() - started >= 0.3
        assert await ping_all([("late", f"unix:{socket}")], 0, lambda: None) == []
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(10)
