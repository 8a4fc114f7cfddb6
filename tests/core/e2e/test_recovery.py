"""Crash-safe jobs: the Core is killed (SIGKILL) at each step boundary of a job, restarted, and
its start-up recovery must leave the cloud safe — read back through the API — record the job
as JOB_FAILED with what it did, and send the PostHandle of what it changed to the handlers.

Real processes throughout: the fake cloud's store (with `SAKURACLOUD_FAKE_DELAY`, so power
changes and disk copies take a moment), a recording local-exec handler, the Core. The Core is
killed at an exact boundary by `AUTOSCALER_FAULT_EXIT_AFTER=<action>.<intent|outcome>` (it
SIGKILLs itself once that journal record is durable). Kill points of one scenario are chained
on one stack: the Core restarted to recover one kill point is already armed for the next.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from autoscaler.proto import request_pb2

from .harness import RECORDING_SCRIPT, Proc, Stack, autoscaler_cmd, requests_seen, wait_until

DELAY = "0.3"  # seconds per fake power change / disk copy
CREATED, UPDATED, DELETED = 1, 2, 3  # PostHandleRequest.result

WEB_UNDER_ELB = """
servers:
  - name: web
    zone: is1a
    plan: {core: 1, memory: 1}
    power: up
    disks: [{os_type: ubuntu, size: 20}]
    nics: [{upstream: shared}]
elbs:
  - name: web-elb
    servers:
      - {server: web, port: 80}
      - {ip_address: 192.0.2.200, port: 80}
"""

# Default plans (2/4, 4/8, ...): every Up that changes the plan moves one further.
VERTICAL = """
resources:
  - type: Server
    name: web
    selector: {names: [web], zones: [is1a]}
    parent: {type: ELB, selector: web-elb}
handlers:
  - name: script
    endpoint: unix:handler.sock
autoscaler:
  cooldown: 1
"""

GROUP = """
resources:
  - type: ServerGroup
    name: app
    server_name_prefix: app
    zone: is1a
    max_size: 4
    parent: {type: ELB, selector: {names: [web-elb]}}
    template:
      plan: {core: 1, memory: 1}
      disks: [{os_type: ubuntu, size: 20}]
      network_interfaces:
        - upstream: shared
          expose: {ports: [80, 8080], server_group_name: app}
handlers:
  - name: script
    endpoint: unix:handler.sock
autoscaler:
  cooldown: 1
"""

TWO_MEMBERS = """
servers:
  - {name: web, zone: is1a, plan: {core: 1, memory: 1}, power: up, nics: [{upstream: shared}]}
  - name: app-001
    zone: is1a
    plan: {core: 1, memory: 1}
    power: up
    disks: [{os_type: ubuntu, size: 20}]
    nics: [{upstream: shared}]
  - name: app-002
    zone: is1a
    plan: {core: 1, memory: 1}
    power: up
    disks: [{os_type: ubuntu, size: 20}]
    nics: [{upstream: shared}]
elbs:
  - name: web-elb
    servers:
      - {server: app-001, port: 80, server_group: app}
      - {server: app-001, port: 8080, server_group: app}
      - {server: app-002, port: 80, server_group: app}
      - {server: app-002, port: 8080, server_group: app}
"""


@dataclass
class Recovering:
    """One stack with a journal, a recording handler, and the Core restarted at will."""

    stack: Stack
    config: str
    starts: int = 0

    @property
    def journal(self) -> Path:
        return self.stack.dir / "journal.sqlite3"

    def core(self, fault: str = "", wait: bool = True, **env: str) -> Proc:
        self.starts += 1
        extra = {"SAKURACLOUD_FAKE_DELAY": DELAY, **env}
        if fault:
            extra["AUTOSCALER_FAULT_EXIT_AFTER"] = fault
        return self.stack.core(
            self.config, "--journal", str(self.journal), env=extra, wait=wait, name=f"core-{self.starts}"
        )

    def send(self, method: str, resource: str) -> None:
        """An asynchronous request, sent again while the cooldown refuses it."""
        deadline = time.monotonic() + 30
        while True:
            reply = self.stack.request(method, resource, sync=False)
            if reply.status == request_pb2.JOB_ACCEPTED and not reply.message:
                return
            assert reply.message == "job is in an unacceptable state", reply
            assert time.monotonic() < deadline, "the cooldown never ended"
            time.sleep(0.2)

    def killed(self, core: Proc) -> None:
        assert core.wait(60) == -signal.SIGKILL, core.log()

    def jobs(self) -> list[dict[str, Any]]:
        with sqlite3.connect(self.journal) as db:
            db.row_factory = sqlite3.Row
            return [dict(r) for r in db.execute("SELECT * FROM jobs ORDER BY accepted_at")]

    def post_handles(self) -> list[dict[str, Any]]:
        return [r for r in requests_seen(self.stack.dir / "requests.jsonl") if "result" in r]


@pytest.fixture
def recovering(stack: Stack) -> Iterator[Recovering]:
    yield Recovering(stack, "")


def _elb(stack: Stack) -> list[tuple[str, int, bool]]:
    return stack.elb_servers("web-elb")


def _job_recovered(job: dict[str, Any]) -> None:
    assert job["status"] == "JOB_FAILED", job
    assert job["error"].startswith("interrupted: the Core stopped while the job was running; recovery: "), job
    assert job["recovery"] == "done"


def test_a_vertical_scale_up_behind_an_elb_is_recovered_at_every_step(recovering: Recovering) -> None:
    stack = recovering.stack
    recovering.config = VERTICAL
    stack.seed(WEB_UNDER_ELB)
    ip = stack.servers()["web"].interfaces[0].ip_address
    stack.handler(stack.script("script.sh", RECORDING_SCRIPT))
    # (kill point, the plan once recovered: a plan change recorded as made is kept)
    points = [
        ("detach.outcome", (1, 1)),
        ("shutdown.outcome", (1, 1)),
        ("change_plan.outcome", (2, 4)),
        ("boot.outcome", (4, 8)),
    ]
    core = recovering.core(points[0][0])
    stack.past_cooldown(1)
    for i, (point, plan) in enumerate(points):
        recovering.send("Up", "web")
        recovering.killed(core)
        assert _elb(stack)[0] == (ip, 80, False), point  # the Core died with web detached
        seen = len(recovering.post_handles())
        core = recovering.core(points[i + 1][0] if i + 1 < len(points) else "")

        web = stack.servers()["web"]
        assert (web.instance_status, web.cpu, web.memory_gb) == ("up", *plan), point
        assert _elb(stack) == [(ip, 80, True), ("192.0.2.200", 80, True)], point
        job = recovering.jobs()[-1]
        _job_recovered(job)
        assert f'msg="job recovered" job={job["run_id"]} resource=web status=JOB_FAILED' in core.log()
        (post,) = recovering.post_handles()[seen:]
        assert post["result"] == UPDATED
        assert post["current"]["Resource"]["Server"]["id"] == str(web.id)
    assert core.stop() == 0


def test_a_server_group_scale_out_is_finished_or_undone_at_every_step(recovering: Recovering) -> None:
    stack = recovering.stack
    recovering.config = GROUP
    stack.seed(WEB_UNDER_ELB)
    before = _elb(stack)
    stack.handler(stack.script("script.sh", RECORDING_SCRIPT))
    # (kill point, the members afterwards, the PostHandle result): a member whose disks were
    # not all created is deleted; one with every disk is booted and added to the ELB.
    points = [
        ("create_server.outcome", [], DELETED),
        ("create_disk.outcome", ["app-001"], CREATED),
        ("boot.intent", ["app-001", "app-002"], CREATED),
        ("add.intent", ["app-001", "app-002", "app-003"], CREATED),
    ]
    core = recovering.core(points[0][0])
    for i, (point, members, result) in enumerate(points):
        recovering.send("Up", "app")
        recovering.killed(core)
        seen = len(recovering.post_handles())
        core = recovering.core(points[i + 1][0] if i + 1 < len(points) else "")

        servers = {n: s for n, s in stack.servers().items() if n.startswith("app")}
        assert sorted(servers) == members, point
        assert all(s.instance_status == "up" and s.disk_ids for s in servers.values()), point
        expected = list(before)
        for name in members:
            member_ip = servers[name].interfaces[0].ip_address
            expected += [(member_ip, 80, True), (member_ip, 8080, True)]
        assert _elb(stack) == expected, point
        _job_recovered(recovering.jobs()[-1])
        (post,) = recovering.post_handles()[seen:]
        assert post["result"] == result, point
    assert core.stop() == 0


def test_a_scale_in_is_finished_at_every_step(recovering: Recovering) -> None:
    stack = recovering.stack
    recovering.config = GROUP
    stack.seed(TWO_MEMBERS)
    stack.handler(stack.script("script.sh", RECORDING_SCRIPT))
    # The member had been taken off the ELB (or also shut down): its deletion is finished.
    points = [("remove.outcome", ["app-001"]), ("shutdown.outcome", [])]
    core = recovering.core(points[0][0])
    stack.past_cooldown(1)
    for i, (point, members) in enumerate(points):
        recovering.send("Down", "app")
        recovering.killed(core)
        seen = len(recovering.post_handles())
        core = recovering.core(points[i + 1][0] if i + 1 < len(points) else "")

        servers = {n: s for n, s in stack.servers().items() if n.startswith("app")}
        assert sorted(servers) == members, point
        assert all(s.instance_status == "up" for s in servers.values()), point
        ips = {s.interfaces[0].ip_address for s in servers.values()}
        assert {ip for ip, _, _ in _elb(stack)} == ips, point
        _job_recovered(recovering.jobs()[-1])
        (post,) = recovering.post_handles()[seen:]
        assert post["result"] == DELETED, point

    disks = stack.cloud(lambda client: client.disks.find("is1a"))
    assert [d.name for d in disks if d.name.startswith("app")] == []  # deleted with their servers
    assert core.stop() == 0


def test_a_crash_during_recovery_is_recovered_at_the_next_start(recovering: Recovering) -> None:
    stack = recovering.stack
    recovering.config = VERTICAL
    stack.seed(WEB_UNDER_ELB)
    stack.handler(stack.script("script.sh", RECORDING_SCRIPT))
    core = recovering.core("shutdown.outcome")
    stack.past_cooldown(1)
    recovering.send("Up", "web")
    recovering.killed(core)

    # Killed again, by recovery's own boot intent, before it could start listening.
    core = recovering.core("recovery:boot.intent", wait=False)
    recovering.killed(core)
    assert "recovering an interrupted job" in core.log() and "msg=started" not in core.log()
    assert stack.servers()["web"].instance_status == "down"
    assert recovering.jobs()[-1]["status"] == "JOB_RUNNING"

    core = recovering.core()
    web = stack.servers()["web"]
    assert (web.instance_status, web.cpu, web.memory_gb) == ("up", 1, 1)
    assert _elb(stack)[0][2] is True
    _job_recovered(recovering.jobs()[-1])
    assert [p["result"] for p in recovering.post_handles()] == [UPDATED]
    assert core.stop() == 0


def test_shutdown_past_its_grace_recovers_the_running_job(recovering: Recovering) -> None:
    stack = recovering.stack
    recovering.config = VERTICAL + "  shutdown_grace_period: 1\n"
    stack.seed(WEB_UNDER_ELB)
    stack.handler(stack.script("script.sh", RECORDING_SCRIPT))
    core = recovering.core(SAKURACLOUD_FAKE_DELAY_SHUTDOWN="3s")
    stack.past_cooldown(1)
    recovering.send("Up", "web")
    wait_until(lambda: stack.servers()["web"].instance_status == "cleaning", 30, "the shutdown")
    core.signal(signal.SIGTERM)

    assert core.wait(60) == 1  # upstream's exit status when the grace runs out
    assert "Error: failed to stop core instance: context deadline exceeded" in core.log()
    assert stack.servers()["web"].instance_status == "up"
    assert _elb(stack)[0][2] is True
    job = recovering.jobs()[-1]
    assert job["status"] == "JOB_FAILED" and job["error"].startswith(
        "interrupted: shutdown_grace_period expired while the job was running; recovery: booted web"
    )
    assert [p["result"] for p in recovering.post_handles()] == [UPDATED]


def _serve(stack: Stack, port: int = 0) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        autoscaler_cmd("fake-cloud", "serve", "--addr", f"127.0.0.1:{port}", "--store", str(stack.store)),
        env={**stack.env, "SAKURACLOUD_FAKE_DELAY": DELAY, "SAKURACLOUD_FAKE_DELAY_SHUTDOWN": "2s"},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert "SAKURACLOUD_API_ROOT_URL=" in line, line
    return proc, line.strip().split("SAKURACLOUD_API_ROOT_URL=", 1)[1]


def test_recovery_waits_out_an_api_outage_longer_than_the_retries(recovering: Recovering) -> None:
    stack = recovering.stack
    recovering.config = VERTICAL
    stack.seed(WEB_UNDER_ELB)
    fake, root = _serve(stack)
    served = [fake]
    try:
        stack.handler(stack.script("script.sh", RECORDING_SCRIPT))
        core = recovering.core(
            SAKURACLOUD_API_ROOT_URL=root,  # the served fake, over HTTP
            SAKURACLOUD_ACCESS_TOKEN="token",
            SAKURACLOUD_ACCESS_TOKEN_SECRET="secret",
            SAKURACLOUD_RETRY_MAX="1",
        )
        stack.past_cooldown(1)
        recovering.send("Up", "web")
        wait_until(lambda: stack.servers()["web"].instance_status == "cleaning", 30, "the shutdown")
        fake.kill()  # the API goes away mid-job, longer than the client's retries
        fake.wait()
        core.wait_log("recovery: the cloud API is unavailable, retrying", 60)
        assert stack.servers()["web"].instance_status == "down"
        fake, _ = _serve(stack, int(root.rsplit(":", 1)[1]))
        served.append(fake)

        core.wait_log("status=JOB_FAILED", 60)
        assert stack.servers()["web"].instance_status == "up"
        assert _elb(stack)[0][2] is True
        job = recovering.jobs()[-1]
        assert job["status"] == "JOB_FAILED" and job["recovery"] == "done"
        assert "(interrupted); recovery: booted web" in job["error"], job
        assert [p["result"] for p in recovering.post_handles()] == [UPDATED]
        assert core.stop() == 0
    finally:
        for proc in served:
            proc.kill()
            proc.wait()


def test_a_job_failing_after_its_cloud_work_keeps_upstreams_error(recovering: Recovering) -> None:
    """Recovery looks, finds the scale-out complete, and neither repairs nor resends anything."""
    stack = recovering.stack
    recovering.config = GROUP.replace("    parent: {type: ELB, selector: {names: [web-elb]}}\n", "")
    stack.seed(WEB_UNDER_ELB)
    stack.handler(stack.script("script.sh", RECORDING_SCRIPT + "exit 4\n"))
    core = recovering.core()

    reply = stack.request("Up", "app")

    assert reply.status == request_pb2.JOB_FAILED
    assert stack.servers()["app-001"].instance_status == "up"
    job = recovering.jobs()[-1]
    assert job["status"] == "JOB_FAILED" and job["error"].endswith("returned non zero status: exit status 4")
    assert "interrupted" not in job["error"] and "recovery action" not in core.log()
    assert [p["result"] for p in recovering.post_handles()] == [CREATED]  # not sent again
    assert core.stop() == 0
