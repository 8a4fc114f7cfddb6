"""A failing script's output reaches the Core's log: real fake cloud, real Core, real local-exec."""

from __future__ import annotations

import json
import re

from .harness import JOB, Stack, wait_until
from .test_scaling import SERVER_SEED, VERTICAL_CONFIG

# 200 lines of progress, then the error that matters, then a non-zero exit (stderr is not read).
FAILING = """#!/bin/sh
cat >/dev/null
i=1
while [ $i -le 200 ]; do echo "progress line $i of the apply"; i=$((i+1)); done
echo "Error: No configuration files"
echo "this goes nowhere" >&2
exit 3
"""


def test_a_failing_scripts_last_output_is_in_the_core_log_before_the_jobs_error(stack: Stack) -> None:
    stack.seed(SERVER_SEED)
    handler = stack.handler(stack.script("script.sh", FAILING))
    core = stack.core(VERTICAL_CONFIG)
    stack.past_cooldown(1)

    assert stack.request("Up", "web").status == JOB.JOB_FAILED
    wait_until(lambda: "status=JOB_FAILED" in core.log(), what="the job's end in the Core's log")

    lines = core.log().splitlines()
    running = next(i for i, line in enumerate(lines) if "handler=script status=RUNNING" in line)
    failed = next(i for i, line in enumerate(lines) if "status=JOB_FAILED" in line)
    assert running < failed
    line = lines[running]
    assert "step=PostHandle handler=script" in line
    found = re.search(r' log=("(?:[^"\\]|\\.)*")', line)
    assert found is not None
    sent: str = json.loads(found.group(1))
    printed = "".join(f"progress line {i} of the apply\n" for i in range(1, 201))
    printed += "Error: No configuration files\n"
    # The end of it, from a line start, at most 4 KiB, after a line saying how much there was.
    header, _, tail = sent.partition("\n")
    assert header == f"[the last {len(tail)} of {len(printed)} bytes of output]"
    assert len(tail) <= 4096 and printed.endswith(tail) and tail.startswith("progress line ")
    assert "progress line 1 of" not in sent
    assert "this goes nowhere" not in core.log()
    assert 'error="rpc error: code = Unknown desc = command \\"' in lines[failed]
    assert 'returned non zero status: exit status 3"' in lines[failed]

    # The handler's own log keeps all of it.
    assert "progress line 1 of the apply\\n" in handler.log()
