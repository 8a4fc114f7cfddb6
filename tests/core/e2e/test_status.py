"""`autoscaler status`, dry-run, refusal reasons and progress, against real processes: the fake
cloud, a recording local-exec handler and the Core."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import grpc

from autoscaler.proto import request_pb2, request_pb2_grpc

from .harness import JOB, RECORDING_SCRIPT, Stack, autoscaler_cmd, done, requests_seen, wait_until

GRPCURL = shutil.which("grpcurl") or str(Path(sys.executable).parent / "grpcurl")

SEED = """
servers:
  - name: web
    zone: is1a
    plan: {core: 1, memory: 1}
    power: up
    disks: [{os_type: ubuntu, size: 20}]
    nics: [{upstream: shared}]
elbs:
  - name: web-elb
    plan: 100
routers:
  - {name: web-rt, band_width_mbps: 100}
"""

CONFIG = """
resources:
  - type: Server
    name: web
    selector: {names: [web], zones: [is1a]}
    plans:
      - {name: small, core: 1, memory: 1}
      - {name: medium, core: 2, memory: 4}
  - type: ServerGroup
    name: app
    server_name_prefix: app
    zone: is1a
    max_size: 3
    parallelism: 2
    template:
      plan: {core: 1, memory: 1}
      disks: [{os_type: ubuntu, size: 20}]
      network_interfaces: [{upstream: shared}]
  - type: ELB
    name: elb
    selector: {names: [web-elb]}
  - type: Router
    name: router
    selector: {names: [web-rt], zones: [is1a]}
    plans: [{band_width: 100}, {band_width: 250}]
handlers:
  - name: script
    endpoint: unix:handler.sock
  - name: gone
    endpoint: unix:gone.sock
autoscaler:
  cooldown: {up: 600, down: 600, keep: 600}
"""


def cli(stack: Stack, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        autoscaler_cmd(*args), env=stack.env, cwd=stack.dir, capture_output=True, text=True, timeout=timeout
    )


def start(stack: Stack) -> Any:
    stack.seed(SEED)
    stack.handler(stack.script("script.sh", RECORDING_SCRIPT))
    stack.gone = stack.handler(stack.script("gone.sh", "#!/bin/sh\n"), socket="gone.sock")  # type: ignore[attr-defined]
    return stack.core(CONFIG)


def status(stack: Stack) -> dict[str, Any]:
    done_ = cli(stack, "status", "--dest", f"unix:{stack.core_socket}", "--output", "json")
    assert done_.returncode == 0, done_.stderr
    data: dict[str, Any] = json.loads(done_.stdout)
    return data


def by_name(data: dict[str, Any]) -> dict[str, Any]:
    return {r["name"]: r for r in data["resources"]}


def direct(stack: Stack, *args: str) -> subprocess.CompletedProcess[str]:
    return cli(stack, "inputs", "direct", *args, "--dest", f"unix:{stack.core_socket}")


def test_status_shows_each_type_cooldowns_jobs_and_handlers(stack: Stack) -> None:
    start(stack)
    before = by_name(status(stack))
    assert {n: r["type"] for n, r in before.items()} == {
        "web": "Server",
        "app": "ServerGroup",
        "elb": "EnhancedLoadBalancer",
        "router": "Router",
    }
    (web,) = before["web"]["matched"]
    assert (web["name"], web["zone"], web["plan"]["core"], web["plan"]["name"]) == ("web", "is1a", 1, "small")
    assert before["app"]["group"] == {"current": 0, "min": 0, "max": 3}
    assert before["elb"]["matched"][0]["plan"]["cps"] == 100
    assert before["router"]["matched"][0]["plan"]["band_width"] == 100
    # Seeded a day ago: nothing cools down yet, no job ran.
    assert all(r["cooldown_remaining"] == {"up": 0, "down": 0, "keep": 0} for r in before.values())
    assert all(r["jobs"] == [] and r["job_status"] == "JOB_DONE" for r in before.values())

    assert done(stack.request("Up", "web"))

    stack.gone.stop()  # type: ignore[attr-defined]  # the Core started with it; now it is down
    after = by_name(status(stack))
    left = after["web"]["cooldown_remaining"]
    assert 590 <= left["up"] <= 600 and 590 <= left["down"] <= 600
    (job,) = after["web"]["jobs"]
    assert (job["request"], job["status"], job["error"]) == ("Up", "JOB_DONE", "")
    assert job["started_at"] <= job["finished_at"]
    assert after["web"]["matched"][0]["plan"]["name"] == "medium"
    handlers = {h["name"]: h for h in status(stack)["handlers"]}
    assert handlers["script"]["serving"] is True
    assert handlers["gone"]["serving"] is False and "gone.sock" in handlers["gone"]["error"]

    text = cli(stack, "status", "--dest", f"unix:{stack.core_socket}")
    assert text.returncode == 0
    lines = text.stdout.splitlines()
    assert lines[0].split() == [
        "RESOURCE",
        "TYPE",
        "MATCHED",
        "JOB",
        "COOLDOWN",
        "UP/DOWN/KEEP",
        "LAST",
        "JOB",
    ]
    web_line = next(line for line in lines if line.startswith("web "))
    assert "web (is1a, 2core/4GB (medium))" in web_line and "Up JOB_DONE" in web_line
    assert "/9m" in web_line or "/10m0s" in web_line  # counting down from 10m
    assert any(line.startswith("gone ") and "NOT SERVING" in line for line in lines)


def test_dry_run_changes_nothing_and_matches_the_real_job(stack: Stack) -> None:
    start(stack)
    before = stack.servers()

    plan = direct(
        stack, "up", "--resource-name", "app", "--desired-state-name", "", "--dry-run", "--output", "json"
    )
    assert plan.returncode == 0, plan.stderr
    data = json.loads(plan.stdout)
    assert data["would_accept"] is True and data["reason"] == ""
    assert [(a["instruction"], a["name"], a["zone"]) for a in data["actions"]] == [
        ("CREATE", "app-001", "is1a")
    ]
    assert (data["group_before"]["current"], data["group_after"]["current"], data["parallelism"]) == (0, 1, 2)
    vertical = json.loads(
        direct(stack, "up", "--resource-name", "web", "--dry-run", "--output", "json").stdout
    )
    (update,) = vertical["actions"]
    assert (update["instruction"], update["plan_before"]["name"], update["plan_after"]["name"]) == (
        "UPDATE",
        "small",
        "medium",
    )
    text = direct(stack, "up", "--resource-name", "web", "--dry-run")
    assert text.stdout.splitlines()[:2] == [
        "Up web (Server): would be accepted",
        f"  UPDATE Server web is1a (id {before['web'].id}): 1core/1GB (small) -> 2core/4GB (medium)",
    ]
    # Nothing happened: same cloud, no handler called, and a real Up is accepted at once.
    assert {n: (s.id, s.cpu) for n, s in stack.servers().items()} == {
        n: (s.id, s.cpu) for n, s in before.items()
    }
    assert requests_seen(stack.dir / "requests.jsonl") == []
    assert done(stack.request("Up", "app"))
    assert sorted(stack.servers()) == ["app-001", "web"]  # what the dry-run said
    assert done(stack.request("Up", "web"))
    assert stack.servers()["web"].cpu == 2
    # Inside the cooldown, the dry-run says it would be refused, and why.
    refused = json.loads(
        direct(stack, "up", "--resource-name", "web", "--dry-run", "--output", "json").stdout
    )
    assert (refused["would_accept"], refused["reason"]) == (False, "cooldown")
    assert 590 <= int(refused["cooldown_remaining"]) <= 600


def test_refusal_reasons_for_cooldown_and_running(stack: Stack) -> None:
    core = start(stack)
    assert done(stack.request("Up", "web"))

    again = direct(stack, "up", "--resource-name", "web")
    # Upstream's stdout line and exit code; the reason on stderr.
    assert again.stdout == "status: JOB_DONE, job-id: web, message: job is in an unacceptable state\n"
    assert again.returncode == 130
    assert again.stderr.startswith("reason: cooldown, remaining: ")
    assert "reason=cooldown remaining=" in core.log()

    # A slow script keeps the app job running while a second request arrives.
    stack.script("script.sh", "#!/bin/sh\ncat >/dev/null\nsleep 3\n")
    first = subprocess.Popen(
        autoscaler_cmd(
            "inputs",
            "direct",
            "up",
            "--resource-name",
            "app",
            "--sync",
            "--dest",
            f"unix:{stack.core_socket}",
        ),
        env=stack.env,
        cwd=stack.dir,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        wait_until(lambda: "resource=app status=JOB_RUNNING" in core.log(), 30, "the app job running")
        busy = direct(stack, "up", "--resource-name", "app")
        assert busy.returncode == 130 and busy.stderr == "reason: running\n"
        assert "resource=app status=JOB_IGNORED reason=running" in core.log()
    finally:
        first.communicate(timeout=60)


def test_progress_watch_and_fail_on_error(stack: Stack) -> None:
    start(stack)
    watcher = subprocess.Popen(
        autoscaler_cmd("status", "--watch", "--dest", f"unix:{stack.core_socket}"),
        env=stack.env,
        cwd=stack.dir,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        time.sleep(1.0)  # the watch is in place (events before it are not promised)
        sync = direct(stack, "up", "--resource-name", "web", "--sync", "--progress")
        assert sync.returncode == 0 and sync.stdout == "status: JOB_DONE, job-id: web\n"
        progress = sync.stderr.splitlines()
        assert " ACCEPTED web Up " in progress[0] and progress[-1].endswith("FINISHED web Up JOB_DONE")
        assert any("Handle server-vertical-scaler RUNNING plan changed" in line for line in progress)
        assert any("PostHandle script DONE script saw:" in line for line in progress)

        stack.script("script.sh", "#!/bin/sh\ncat >/dev/null\necho broken\nexit 4\n")
        failed = direct(stack, "up", "--resource-name", "app", "--sync", "--fail-on-error")
        assert failed.stdout == "status: JOB_FAILED, job-id: app\n"
        assert failed.returncode == 1
        assert "Error: job failed: rpc error: code = Unknown desc = command" in failed.stderr
        assert "exit status 4" in failed.stderr
        # Without the flag: upstream's exit status 0 for a failed sync job.
        assert direct(stack, "keep", "--resource-name", "app", "--sync").returncode in (0, 129)
    finally:
        watcher.send_signal(signal.SIGINT)
        out, err = watcher.communicate(timeout=30)
    assert watcher.returncode == 0 and "Traceback" not in err
    assert any(line.endswith("FINISHED web Up JOB_DONE") for line in out.splitlines())
    assert any(
        line.endswith(
            'FINISHED app Up JOB_FAILED error: rpc error: code = Unknown desc = command "'
            + str(stack.dir / "script.sh")
            + '" returned non zero status: exit status 4'
        )
        for line in out.splitlines()
    )


def test_an_upstream_client_gets_upstream_responses(stack: Stack) -> None:
    start(stack)
    assert done(stack.request("Up", "web"))
    # A plain gRPC client (as the Go inputs): the refused answer's message is upstream's, and
    # the reason rides only in trailing metadata it does not read.
    with grpc.insecure_channel(f"unix:{stack.core_socket}") as chan:
        stub = request_pb2_grpc.ScalingServiceStub(chan)
        reply, call = stub.Up.with_call(
            request_pb2.ScalingRequest(source="go", resource_name="web"), timeout=30
        )
    assert (
        reply.SerializeToString()
        == request_pb2.ScalingResponse(
            scaling_job_id="web", status=JOB.JOB_DONE, message="job is in an unacceptable state"
        ).SerializeToString()
    )
    assert dict(call.trailing_metadata())["autoscaler-reason"] == "cooldown"
    listed = subprocess.run(
        [GRPCURL, "-plaintext", "-unix", str(stack.core_socket), "list"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "autoscaler.ScalingService" in listed.stdout.split()
    assert "autoscaler.status.v1.StatusService" in listed.stdout.split()
