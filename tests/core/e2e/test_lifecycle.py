"""The Core's start-up against its handlers, and shutdown while a job runs."""

from __future__ import annotations

import signal
import threading
import time

from .harness import JOB, RECORDING_SCRIPT, Stack, done, wait_until
from .test_scaling import SERVER_SEED, VERTICAL_CONFIG


def test_core_started_before_its_handler_fails_clearly(stack: Stack) -> None:
    stack.seed(SERVER_SEED)
    core = stack.core(VERTICAL_CONFIG, wait=False)

    assert core.wait(30) == 1
    log = core.log()
    assert (
        'Error: 1 error occurred:\n\t* handler "script" returns error: rpc error: code = Unavailable' in log
    )
    assert (
        f"(endpoint: unix:{stack.dir}/handler.sock) (the socket {stack.dir}/handler.sock does not exist"
        in log
    )
    assert "start the handler before the Core, or give --handlers-wait;" in log
    assert not stack.core_socket.exists()


def test_handlers_wait_lets_the_handler_start_after_the_core(stack: Stack) -> None:
    stack.seed(SERVER_SEED)
    core = stack.core(VERTICAL_CONFIG, "--handlers-wait", "30s", wait=False)
    time.sleep(0.5)
    assert core.proc is not None and core.proc.poll() is None  # still waiting for the handler
    assert "msg=started" not in core.log()
    # It says so, once, naming what it waits for.
    core.wait_log('msg="waiting for custom handlers to answer" handlers=script wait=30s')
    assert core.log().count("waiting for custom handlers") == 1

    stack.handler(stack.script("script.sh", RECORDING_SCRIPT))

    core.wait_log("msg=started")
    stack.past_cooldown(1)
    assert done(stack.request("Up", "web"))


def test_handlers_wait_that_runs_out_says_how_long_it_waited(stack: Stack) -> None:
    stack.seed(SERVER_SEED)
    core = stack.core(VERTICAL_CONFIG, "--handlers-wait", "300ms", wait=False)
    assert core.wait(30) == 1
    log = core.log()
    assert (
        f"(the socket {stack.dir}/handler.sock does not exist: start the handler before the Core (waited 300ms);"
        in log
    )
    assert "or give --handlers-wait" not in log


def test_sigterm_during_a_running_job_lets_it_finish(stack: Stack) -> None:
    stack.seed(SERVER_SEED)
    slow = "#!/bin/sh\ncat >/dev/null\ntouch started\nsleep 1.5\necho finished\n"
    stack.handler(stack.script("script.sh", slow))
    core = stack.core(VERTICAL_CONFIG)
    stack.past_cooldown(1)
    answers: list[int] = []
    caller = threading.Thread(target=lambda: answers.append(stack.request("Up", "web").status))
    caller.start()
    try:
        wait_until(lambda: (stack.dir / "started").exists(), what="the script to start")

        core.signal(signal.SIGTERM)
        # Until the signal lands the job is just busy; then new requests are refused.
        wait_until(
            lambda: stack.request("Down", "web").message == "core is shutting down",
            what="the Core to refuse requests",
        )

        assert core.wait(30) == 0
    finally:
        caller.join(30)
    assert answers == [JOB.JOB_DONE]
    log = core.log()
    assert log.index("status=JOB_DONE") < log.index('msg="shutting down"')
    assert 'log="finished\\n"' in log
    assert not stack.core_socket.exists()
    assert stack.servers()["web"].cpu == 2
