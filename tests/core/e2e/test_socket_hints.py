"""Sockets a person can debug: the Core's errors about a custom handler's endpoint, with real
processes started in different folders, as a newcomer starts them."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from pathlib import Path

from .harness import JOB, Proc, Stack, autoscaler_cmd, wait_until
from .test_scaling import SERVER_SEED, VERTICAL_CONFIG


def config_for(endpoint: str) -> str:
    """The vertical-scaling configuration with its one custom handler, `local-exec`, at `endpoint`."""
    return VERTICAL_CONFIG.replace(
        "name: script\n    endpoint: unix:handler.sock", f'name: local-exec\n    endpoint: "{endpoint}"'
    )


def start_in(stack: Stack, folder: Path, name: str, *args: str) -> Proc:
    """A process of the stack, started in `folder` (relative paths resolve there)."""
    folder.mkdir(exist_ok=True)
    proc = Proc(name, autoscaler_cmd(*args), folder, stack.env).start()
    stack.procs.append(proc)
    return proc


def local_exec_in(stack: Stack, folder: Path) -> Proc:
    """The seed's handler command line (default, relative socket), started in `folder`."""
    script = stack.script("handler.sh", "#!/bin/sh\ncat\n")
    proc = start_in(
        stack, folder, "handler", "handlers", "local-exec", "--executable-path", str(script),
        "--handler-type", "post-handle",
    )  # fmt: skip
    proc.wait_log("msg=started")
    return proc


def core_in(stack: Stack, folder: Path, endpoint: str, *extra: str) -> Proc:
    config = folder / "autoscaler.yaml"
    folder.mkdir(exist_ok=True)
    config.write_text(config_for(endpoint))
    return start_in(
        stack, folder, "core", "start", "--addr", f"unix:{stack.core_socket}", "--config", str(config), *extra
    )


def test_handler_started_in_another_folder(stack: Stack) -> None:
    stack.seed(SERVER_SEED)
    handler_dir, core_dir = stack.dir / "scripts", stack.dir / "core"
    handler = local_exec_in(stack, handler_dir)
    # The handler's start-up line shows where its socket really is.
    assert f"address={handler_dir}/autoscaler-handlers-local-exec.sock" in handler.log()

    core = core_in(stack, core_dir, "unix:autoscaler-handlers-local-exec.sock")
    assert core.wait() == 1
    log = core.log()
    # The configured relative path shows only as the absolute path it was resolved to.
    assert "unix:autoscaler-handlers-local-exec.sock" not in log
    assert f"(endpoint: unix:{core_dir}/autoscaler-handlers-local-exec.sock)" in log
    assert (
        f"(the socket {core_dir}/autoscaler-handlers-local-exec.sock does not exist: start the handler "
        "before the Core, or give --handlers-wait; the relative path was resolved in this process's "
        f"folder {core_dir}: if the handler runs in another folder, give both the same absolute path)"
    ) in log
    assert "Traceback" not in log


def test_endpoint_without_unix_scheme_names_the_socket(stack: Stack) -> None:
    stack.seed(SERVER_SEED)
    folder = stack.dir / "here"
    local_exec_in(stack, folder)
    core = core_in(stack, folder, "autoscaler-handlers-local-exec.sock")
    assert core.wait() == 1
    assert f"(did you mean unix:{folder}/autoscaler-handlers-local-exec.sock?)" in core.log()


def test_job_time_errors_name_the_handler_endpoint_and_what_is_wrong(stack: Stack) -> None:
    stack.seed(SERVER_SEED)
    folder = stack.dir / "here"
    handler = local_exec_in(stack, folder)
    core = core_in(stack, folder, "unix:autoscaler-handlers-local-exec.sock")
    core.wait_log("msg=started")
    sock = folder / "autoscaler-handlers-local-exec.sock"

    # Killed with SIGKILL: its socket file stays, nobody listens on it.
    handler.kill()
    assert sock.is_socket()
    stack.past_cooldown(1)
    reply = stack.request("up", "web")
    assert reply.status == JOB.JOB_FAILED  # the builtin scaled; the PostHandle could not be sent
    wait_until(lambda: "status=JOB_FAILED" in core.log(), what="the job's end in the Core's log")
    failed = next(line for line in core.log().splitlines() if "status=JOB_FAILED" in line)
    assert "code = Unavailable" in failed
    assert f"(handler: local-exec, endpoint: unix:{sock})" in failed
    assert f"(nothing listens on the socket {sock}: the handler that made it is gone;" in failed

    # Its socket file gone as well: the job says so, and where the relative path was looked for.
    sock.unlink()
    time.sleep(1.1)  # the 1 s cooldown, counted from the first job's change to the server
    assert stack.request("up", "web").status == JOB.JOB_FAILED
    wait_until(lambda: core.log().count("status=JOB_FAILED") == 2, what="the second job's end")
    failed = [line for line in core.log().splitlines() if "status=JOB_FAILED" in line][1]
    assert (
        f"(handler: local-exec, endpoint: unix:{sock}) (the socket {sock} does not exist: start the "
        f"handler; the next call reaches it; the relative path was resolved in this process's folder "
        f"{folder}: if the handler runs in another folder, give both the same absolute path)"
    ) in failed
    assert "unix:autoscaler-handlers-local-exec.sock" not in core.log()

    core.signal(signal.SIGTERM)
    assert core.wait() == 0


def run_in(stack: Stack, folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    folder.mkdir(exist_ok=True)
    return subprocess.run(
        autoscaler_cmd(*args), cwd=folder, env=stack.env, capture_output=True, text=True, timeout=60
    )


def stale_socket(path: Path) -> None:
    """A socket file nobody listens on, as a process killed with SIGKILL leaves it."""
    left = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    left.bind(str(path))
    left.close()


def test_handlers_call_and_inputs_show_absolute_paths_and_what_is_wrong(stack: Stack) -> None:
    folder = stack.dir / "elsewhere"
    folder.mkdir()
    stale_socket(folder / "stale.sock")

    missing = run_in(stack, folder, "handlers", "call", "--step", "handle")
    assert missing.returncode == 1
    sock = folder / "autoscaler-handlers-local-exec.sock"
    assert f"unix:{sock}: connect failed" in missing.stderr
    assert missing.stderr.endswith(
        f"(the socket {sock} does not exist: start the handler first; the relative path was resolved "
        f"in this process's folder {folder}: if the handler runs in another folder, give its absolute "
        "path: --endpoint unix:/path/to/its.sock)\n"
    )
    stale = run_in(stack, folder, "handlers", "call", "--step", "handle", "--endpoint", "unix:stale.sock")
    assert stale.stderr.endswith(
        f"(nothing listens on the socket {folder}/stale.sock: the handler that made it is gone; "
        "start it again, it replaces the stale file)\n"
    )

    # An input whose Core is not where --dest says: the same for the Core.
    up = ["inputs", "direct", "up", "--resource-name", "web", "--dest"]
    no_core = run_in(stack, folder, *up, "unix:autoscaler.sock")
    assert no_core.returncode == 1
    assert no_core.stderr.endswith(
        f"(the socket {folder}/autoscaler.sock does not exist: start the Core first (autoscaler start); "
        f"the relative path was resolved in this process's folder {folder}: if the Core runs in another "
        "folder, give its absolute path: --dest unix:/path/to/its.sock)\n"
    )
    stale_core = run_in(stack, folder, *up, "unix:stale.sock")
    assert stale_core.stderr.endswith(
        f"(nothing listens on the socket {folder}/stale.sock: the Core that made it is gone; "
        "start it again, it replaces the stale file)\n"
    )
    status = run_in(stack, folder, "status", "--dest", "unix:autoscaler.sock")
    assert status.returncode == 1
    assert f"unix:{folder}/autoscaler.sock: connect failed" in status.stderr
    assert f"(the socket {folder}/autoscaler.sock does not exist: start the Core first" in status.stderr
    no_scheme = run_in(stack, folder, *up, "stale.sock")
    assert no_scheme.stderr.endswith(f"(did you mean unix:{folder}/stale.sock?)\n")
    for done in (missing, stale, no_core, stale_core, status, no_scheme):
        assert "Traceback" not in done.stderr
        assert "unix:autoscaler" not in done.stderr.replace(f"unix:{folder}/autoscaler", "")
