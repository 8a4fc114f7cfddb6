"""The builtin parent handlers keep an ELB's real servers in step with the servers scaled under it."""

from __future__ import annotations

import time

from .harness import RECORDING_SCRIPT, Stack, done

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

VERTICAL_UNDER_ELB = """
resources:
  - type: Server
    name: web
    selector: {names: [web], zones: [is1a]}
    parent: {type: ELB, selector: web-elb}
    plans:
      - {core: 1, memory: 1}
      - {core: 2, memory: 4}
handlers:
  - name: script
    endpoint: unix:handler.sock
autoscaler:
  cooldown: 1
"""

GROUP_UNDER_ELB = """
resources:
  - type: ServerGroup
    name: app
    server_name_prefix: app
    zone: is1a
    max_size: 2
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


def test_a_server_is_detached_from_its_elb_while_its_plan_changes(stack: Stack) -> None:
    stack.seed(WEB_UNDER_ELB)
    ip = stack.servers()["web"].interfaces[0].ip_address
    assert stack.elb_servers("web-elb") == [(ip, 80, True), ("192.0.2.200", 80, True)]
    stack.handler(stack.script("script.sh", RECORDING_SCRIPT))
    core = stack.core(VERTICAL_UNDER_ELB)
    stack.past_cooldown(1)

    assert done(stack.request("Up", "web"))

    assert stack.elb_servers("web-elb") == [(ip, 80, True), ("192.0.2.200", 80, True)]
    log = core.log()
    detached = log.index(
        f'step=PreHandle handler=elb-servers-handler status=DONE log="updated: {{Enabled:false, IPAddress:{ip}}}"'
    )
    changed = log.index('handler=server-vertical-scaler status=RUNNING log="plan changed')
    attached = log.index(
        f'step=PostHandle handler=elb-servers-handler status=DONE log="updated: {{Enabled:true, IPAddress:{ip}}}"'
    )
    assert detached < changed < attached


def test_group_members_are_added_to_and_removed_from_their_elb(stack: Stack) -> None:
    stack.seed(WEB_UNDER_ELB)
    stack.handler(stack.script("script.sh", RECORDING_SCRIPT))
    core = stack.core(GROUP_UNDER_ELB)
    before = stack.elb_servers("web-elb")

    assert done(stack.request("Up", "app"))

    ip = stack.servers()["app-001"].interfaces[0].ip_address
    assert stack.elb_servers("web-elb") == [*before, (ip, 80, True), (ip, 8080, True)]
    assert f'log="added: Server{{IP: {ip}, Port:8080}}"' in core.log()

    time.sleep(1.1)  # the cooldown
    assert done(stack.request("Down", "app"))

    assert stack.elb_servers("web-elb") == before
    assert (
        f'step=PreHandle handler=elb-servers-handler status=RUNNING log="deleted: Server{{IP: {ip}, Port:80}}"'
        in core.log()
    )
