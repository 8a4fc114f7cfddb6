"""The Core end to end: fake cloud, a local-exec handler, the Core, requests over its socket."""

from __future__ import annotations

import time
from typing import Any

from .harness import JOB, RECORDING_SCRIPT, Stack, done, requests_seen

SERVER_SEED = """
servers:
  - name: web
    zone: is1a
    plan: {core: 1, memory: 1}
    power: up
    disks: [{os_type: ubuntu, size: 20}]
    nics: [{upstream: shared}]
"""

VERTICAL_CONFIG = """
resources:
  - type: Server
    name: web
    selector: {names: [web], zones: [is1a]}
    plans:
      - {core: 1, memory: 1}
      - {core: 2, memory: 4}
      - {core: 4, memory: 8}
handlers:
  - name: script
    endpoint: unix:handler.sock
autoscaler:
  cooldown: 1
"""

GROUP_CONFIG = """
resources:
  - type: ServerGroup
    name: group
    server_name_prefix: group
    zone: is1a
    min_size: 0
    max_size: 2
    template:
      plan: {core: 1, memory: 1}
      disks: [{os_type: ubuntu, size: 20}]
      network_interfaces: [{upstream: shared}]
      edit_parameter:
        startup_scripts:
          - |
            #!/bin/sh
            hostnamectl set-hostname {{ .Name }}
handlers:
  - name: script
    endpoint: unix:handler.sock
autoscaler:
  cooldown: {up: 600, down: 1}
"""


def _current(request: dict[str, Any], kind: str) -> dict[str, Any]:
    resource: dict[str, Any] = request["current"]["Resource"][kind]
    return resource


def test_vertical_up_changes_the_plan_and_tells_the_script(stack: Stack) -> None:
    stack.seed(SERVER_SEED)
    old = stack.servers()["web"]
    stack.handler(stack.script("script.sh", RECORDING_SCRIPT))
    core = stack.core(VERTICAL_CONFIG)
    stack.past_cooldown(1)

    response = stack.request("Up", "web")

    assert response.scaling_job_id == "web" and done(response)
    new = stack.servers()["web"]
    assert (new.cpu, new.memory_gb, new.is_up) == (2, 4, True)
    assert new.id != old.id  # a plan change gives the server a new ID
    (seen,) = requests_seen(stack.dir / "requests.jsonl")
    assert seen["result"] == 2  # UPDATED
    server = _current(seen, "Server")
    assert (server["id"], server["core"], server["memory"]) == (str(new.id), 2, 4)
    log = core.log()
    assert "request=Up source=default resource=web status=JOB_DONE" in log
    assert "step=PostHandle handler=script status=DONE" in log
    assert 'log="script saw: {' in log  # the script's output is in the Core's log
    assert f"plan changed: {{ServerIDFrom:{old.id}, ServerIDTo:{new.id}}}" in log


def test_second_up_inside_the_cooldown_is_ignored(stack: Stack) -> None:
    stack.handler(stack.script("script.sh", RECORDING_SCRIPT))
    core = stack.core(GROUP_CONFIG)  # cooldown up: 600
    assert done(stack.request("Up", "group"))  # an empty group has no last change

    again = stack.request("Up", "group")

    assert (again.scaling_job_id, again.status, again.message) == (
        "group",
        JOB.JOB_DONE,
        "job is in an unacceptable state",
    )
    assert "group-002" not in stack.servers()
    assert len(requests_seen(stack.dir / "requests.jsonl")) == 1
    assert (
        'msg="job is in an unacceptable state" request=Up source=default resource=group status=JOB_IGNORED'
        in core.log()
    )


def test_server_group_up_creates_and_down_deletes(stack: Stack) -> None:
    stack.handler(stack.script("script.sh", RECORDING_SCRIPT))
    core = stack.core(GROUP_CONFIG)

    assert done(stack.request("Up", "group"))

    created = stack.servers()["group-001"]
    assert created.is_up and (created.cpu, created.memory_gb) == (1, 1)
    (up,) = requests_seen(stack.dir / "requests.jsonl")
    assert up["result"] == 1  # CREATED
    instance = _current(up, "ServerGroupInstance")
    assert (instance["id"], instance["name"]) == (str(created.id), "group-001")

    time.sleep(1.1)  # the Down cooldown (1 s) counts from the group's last change
    assert done(stack.request("Down", "group"))

    assert "group-001" not in stack.servers()
    _, down = requests_seen(stack.dir / "requests.jsonl")
    assert down["result"] == 3  # DELETED
    assert _current(down, "ServerGroupInstance")["id"] == str(created.id)
    log = core.log()
    assert f'log="deleted: {{Zone:is1a, ID:{created.id}, Name:group-001,' in log
    assert "request=Down source=default resource=group status=JOB_DONE" in log


def test_failing_script_fails_the_job_and_the_core_keeps_serving(stack: Stack) -> None:
    stack.seed(SERVER_SEED)
    script = stack.script("script.sh", "#!/bin/sh\ncat >/dev/null\necho 'no luck' >&2\nexit 3\n")
    stack.handler(script)
    core = stack.core(VERTICAL_CONFIG)
    stack.past_cooldown(1)

    failed = stack.request("Up", "web")

    assert (failed.status, failed.message) == (JOB.JOB_FAILED, "")
    core.wait_log("request=Up source=default resource=web status=JOB_FAILED error=")
    # A failed job starts no cooldown: once the script is fixed the next Up goes through.
    stack.script("script.sh", RECORDING_SCRIPT)
    assert done(stack.request("Up", "web"))
    assert stack.servers()["web"].cpu == 4
    assert core.proc is not None and core.proc.poll() is None


def test_the_first_up_after_seeding_passes_the_default_cooldown(stack: Stack) -> None:
    stack.seed(SERVER_SEED)  # seeded resources were last changed a day ago
    stack.handler(stack.script("script.sh", RECORDING_SCRIPT))
    config = VERTICAL_CONFIG.replace("autoscaler:\n  cooldown: 1\n", "")  # upstream's 600 s default
    stack.core(config)

    assert done(stack.request("Up", "web"))
    again = stack.request("Up", "web")  # the Up itself changed the server: now it cools down
    assert again.message == "job is in an unacceptable state"
