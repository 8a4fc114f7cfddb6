"""Sockets a person can debug: the Core's errors about a custom handler's endpoint, with real
processes started in different folders, as a newcomer starts them."""

from __future__ import annotations

import signal
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
    assert "(handler: local-exec, endpoint: unix:autoscaler-handlers-local-exec.sock)" in failed
    assert f"(nothing listens on the socket {sock}: the handler that made it is gone;" in failed

    core.signal(signal.SIGTERM)
    assert core.wait() == 0
