"""The README's copy-paste blocks, run verbatim as a newcomer pastes them.

The first screen (the seed's three steps on the fake cloud) and the Terraform example that
continues in its shell are taken from README.md between their markers and run by bash, in one
shell, with real processes, in an empty folder whose PATH holds this install's `autoscaler` —
so the README cannot drift from what the product does.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def readme_block(name: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(rf"<!-- {name}:begin -->\n```bash\n(.*?)```\n<!-- {name}:end -->", text, re.S)
    assert found is not None, f"README.md has no {name} block"
    return found.group(1)


@dataclass
class Pasted:
    folder: Path
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture(scope="module")
def pasted(tmp_path_factory: pytest.TempPathFactory) -> Pasted:
    """Both blocks pasted into one shell, one after the other, as the README says to."""
    folder = tmp_path_factory.mktemp("checkout")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SAKURACLOUD_", "AUTOSCALER_", "OTEL_"))}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '/usr/bin:/bin')}"
    env["XDG_STATE_HOME"] = str(folder / "state")  # the Core's journal, away from the user's
    script = readme_block("first-screen") + readme_block("terraform-example")
    shell = subprocess.Popen(
        ["bash"],
        cwd=folder,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = shell.communicate(script, timeout=120)
    finally:
        # Whatever a broken block left running goes with the shell's session.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(shell.pid, signal.SIGKILL)
        shell.wait()
    return Pasted(folder, shell.returncode, stdout, stderr)


def log_value(line: str, key: str) -> str:
    """A quoted logfmt value, unquoted."""
    found = re.search(rf' {key}=("(?:[^"\\]|\\.)*")', line)
    assert found is not None, f"no {key}= in {line!r}"
    value: str = json.loads(found.group(1))
    return value


def servers(store: Path) -> list[dict[str, object]]:
    listed = subprocess.run(
        [str(BIN / "autoscaler"), "fake-cloud", "list", "servers", "--store", str(store), "-o", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    result: list[dict[str, object]] = json.loads(listed.stdout)
    return result


def status(server: dict[str, object]) -> object:
    instance = server["Instance"]
    assert isinstance(instance, dict)
    return instance["Status"]


def test_first_screen_scales_web_and_the_script_output_is_in_both_logs(pasted: Pasted) -> None:
    assert pasted.returncode == 0, pasted.stderr
    folder = pasted.folder / "try-local-exec"
    lines = pasted.stdout.splitlines()
    assert lines[0] == f"seeded seed.yaml into {folder}/fake-cloud.sqlite3: 1 disks, 1 servers"
    assert lines[1] == "status: JOB_DONE, job-id: web"
    core_line, handler_line = lines[2], lines[3]
    assert "handler=local-exec status=DONE" in core_line and "step=PostHandle" in core_line
    assert "msg=execute()" in handler_line and "status=DONE" in handler_line

    # What handler.sh printed (its stdin) is the same in both logs: the PostHandleRequest.
    printed = log_value(core_line, "log")
    assert log_value(handler_line, "output") == printed
    request = json.loads(printed)
    assert (request["resource_name"], request["scaling_job_id"], request["result"]) == ("web", "web", 2)
    server = request["current"]["Resource"]["Server"]
    assert (server["name"], server["core"], server["memory"]) == ("web", 2, 4)

    # The cloud agrees: web runs with the next plan, under the new ID the request named.
    (web,) = servers(folder / "fake-cloud.sqlite3")
    plan = web["ServerPlan"]
    assert isinstance(plan, dict) and (plan["CPU"], plan["MemoryMB"]) == (2, 4096)
    assert (str(web["ID"]), status(web)) == (server["id"], "up")

    # `kill %1 %2; wait`: both drained, exited and took their sockets with them.
    assert sorted(p.name for p in folder.iterdir() if p.is_socket()) == []
    assert "shutting down" in (folder / "core.log").read_text()


def test_terraform_example_errors_reach_the_core_log(pasted: Pasted) -> None:
    assert pasted.returncode == 0, pasted.stderr
    folder = pasted.folder / "try-terraform"
    lines = pasted.stdout.splitlines()
    assert f"seeded seed.yaml into {folder}/fake-cloud.sqlite3: 1 disks, 1 servers" in lines
    after = lines[lines.index(f"seeded seed.yaml into {folder}/fake-cloud.sqlite3: 1 disks, 1 servers") + 1 :]
    assert after[0] == "status: JOB_FAILED, job-id: web"
    # The grep found Terraform's error in the Core's log, on the line of the failed handler call.
    (error_line,) = after[1:]
    assert "No configuration files" in error_line
    # ... sent by the handler as one RUNNING message of its PostHandle, before the failure.
    assert "step=PostHandle handler=local-exec status=RUNNING" in error_line

    # The plan change itself was done before the PostHandle failed: web runs with the new plan.
    (web,) = servers(folder / "fake-cloud.sqlite3")
    plan = web["ServerPlan"]
    assert isinstance(plan, dict) and (plan["CPU"], plan["MemoryMB"]) == (2, 4096)
    assert status(web) == "up"
    assert sorted(p.name for p in folder.iterdir() if p.is_socket()) == []
