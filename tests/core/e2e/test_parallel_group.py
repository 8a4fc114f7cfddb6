"""ServerGroup `parallelism`: members of one job created and deleted several at a time, against
the fake cloud served over HTTP with delays, so the overlap is real."""

from __future__ import annotations

import sys
import time
from typing import Any

from .harness import JOB, Stack, requests_seen

SEED = """
elbs:
  - name: app-elb
servers:
  - name: app-001
    zone: is1a
    plan: {core: 1, memory: 1}
    power: up
    disks: [{os_type: ubuntu, size: 20}]
    nics: [{upstream: shared}]
"""

CONFIG = """
resources:
  - type: ServerGroup
    name: app
    server_name_prefix: app
    zone: is1a
    min_size: 1
    max_size: 5
    parallelism: {parallelism}
    setup_grace_period: 1
    parent: {{type: ELB, selector: {{names: [app-elb]}}}}
    plans:
      - {{name: one, size: 1}}
      - {{name: three, size: 3}}
      - {{name: five, size: 5}}
    template:
      plan: {{core: 1, memory: 1}}
      disks: [{{os_type: ubuntu, size: 20}}]
      network_interfaces:
        - upstream: shared
          expose: {{ports: [80], server_group_name: app}}
handlers:
  - name: recorder
    endpoint: unix:handler.sock
autoscaler:
  cooldown: 1
"""

# Records every request with its step; fails the PreHandle of the members named in FAIL_FOR.
RECORDER = f"""#!{sys.executable}
import json, os, sys
request = json.loads(sys.stdin.read())
step = os.environ["AUTOSCALER_HANDLER_TYPE"]
with open("requests.jsonl", "a") as f:
    f.write(json.dumps({{"step": step, **request}}) + "\\n")
resource = (request.get("desired") or request.get("current") or {{}}).get("Resource", {{}})
name = resource.get("ServerGroupInstance", {{}}).get("name", "")
if step == "pre-handle" and name in os.environ.get("FAIL_FOR").split(","):
    print(f"refusing {{name}}")
    sys.exit(3)
print(f"{{step}} {{name}}")
"""


def member(request: dict[str, Any]) -> str:
    resource = request["desired"] if "desired" in request else request["current"]
    return str(resource["Resource"]["ServerGroupInstance"]["name"])


def start(stack: Stack, parallelism: int, fail_for: str = "") -> Any:
    stack.serve_cloud(disk_copy=0.6, boot=0.4, shutdown=0.2)
    stack.seed(SEED)
    script = stack.script("recorder.py", RECORDER.replace('os.environ.get("FAIL_FOR")', repr(fail_for)))
    stack.handler(script, handler_type="pre-handle,post-handle")
    core = stack.core(CONFIG.format(parallelism=parallelism))
    stack.past_cooldown(1.1)
    return core


def request(stack: Stack, method: str, desired: str) -> Any:
    return stack.request(method, "app", desired=desired)


def test_four_at_once_out_then_in(stack: Stack) -> None:
    core = start(stack, parallelism=4)

    up = request(stack, "Up", "five")

    assert (up.status, up.message) == (JOB.JOB_DONE, "")
    servers = stack.servers()
    new = [f"app-00{i}" for i in range(2, 6)]
    assert all(servers[name].is_up for name in ["app-001", *new])
    ips = {servers[name].interfaces[0].ip_address for name in new}
    assert len(ips) == 4
    assert {ip for ip, _, enabled in stack.elb_servers("app-elb") if enabled} >= ips
    seen = requests_seen(stack.dir / "requests.jsonl")
    created = sorted(member(r) for r in seen if r["step"] == "post-handle" and r.get("result") == 1)
    assert created == new
    # The four ran together: every new member was being created before the first one was done.
    log = core.log()
    first_done = min(log.index(f"name={name} step=PostHandle") for name in new)
    assert all(
        log.index(f"name={name} step=Handle handler=server-horizontal-scaler") < first_done for name in new
    )

    time.sleep(1.1)  # the Down cooldown counts from the group's last change
    down = request(stack, "Down", "one")

    assert (down.status, down.message) == (JOB.JOB_DONE, "")
    assert sorted(stack.servers()) == ["app-001"]
    assert not {ip for ip, _, _ in stack.elb_servers("app-elb")} & ips
    seen = requests_seen(stack.dir / "requests.jsonl")
    deleted = sorted(member(r) for r in seen if r["step"] == "post-handle" and r.get("result") == 3)
    assert deleted == new


def test_failing_members_fail_the_job_and_stop_new_starts(stack: Stack) -> None:
    core = start(stack, parallelism=3, fail_for="app-003,app-004")

    up = request(stack, "Up", "five")

    assert up.status == JOB.JOB_FAILED
    servers = stack.servers()
    # app-002 started beside app-003 and app-004 (three slots; the unchanged app-001 takes none)
    # and was finished; app-005 never started.
    assert sorted(servers) == ["app-001", "app-002"]
    assert servers["app-002"].is_up
    ip = servers["app-002"].interfaces[0].ip_address
    assert (ip, 80, True) in stack.elb_servers("app-elb")
    failed = [line for line in core.log().splitlines() if "status=JOB_FAILED" in line]
    assert len(failed) == 1 and "request=Up source=default resource=app" in failed[0]
    # Both failures are reported, in member order.
    assert 'error="2 errors occurred:\\n\\t* rpc error: code = Unknown desc = command ' in failed[0]
    assert failed[0].count('recorder.py\\" returned non zero status: exit status 3') == 2


def test_parallelism_one_keeps_upstream_order(stack: Stack) -> None:
    start(stack, parallelism=1)

    up = request(stack, "Up", "three")

    assert (up.status, up.message) == (JOB.JOB_DONE, "")
    steps = [(r["step"], member(r)) for r in requests_seen(stack.dir / "requests.jsonl")]
    # One member after another, each through PreHandle and PostHandle before the next begins.
    assert steps == [
        ("pre-handle", "app-001"),
        ("post-handle", "app-001"),
        ("pre-handle", "app-002"),
        ("post-handle", "app-002"),
        ("pre-handle", "app-003"),
        ("post-handle", "app-003"),
    ]
