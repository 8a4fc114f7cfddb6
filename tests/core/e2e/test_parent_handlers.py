"""The builtin parent handlers keep an ELB's real servers in step with the servers scaled under it."""

from __future__ import annotations

import time

from autoscaler.cloud import CloudClient

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


SERVICES = """
switches:
  - name: private
    zone: is1a
    user_subnet: {default_route: 192.168.10.1, network_mask_len: 24}
gslbs:
  - name: app-gslb
    health_check: {Protocol: http, Path: /, Status: "200"}
    servers: [{ip_address: 192.0.2.250, weight: 1}]
dns:
  - zone: example.com
    records: [{name: www, type: A, rdata: 192.0.2.250, ttl: 300}]
load_balancers:
  - name: app-lb
    zone: is1a
    switch: private
    addresses: [192.168.10.4]
    network_mask_len: 24
    default_route: 192.168.10.1
    vips:
      - virtual_ip_address: 192.168.10.100
        port: 80
        servers: [{ip_address: 192.168.10.50, port: 80, health_check: {protocol: http, path: /, status: 200}}]
"""


def _group(parent: str, nic: str) -> str:
    return f"""
resources:
  - type: ServerGroup
    name: app
    server_name_prefix: app
    zone: is1a
    max_size: 2
    parent: {parent}
    template:
      plan: {{core: 1, memory: 1}}
      disks: [{{os_type: ubuntu, size: 20}}]
      network_interfaces:
        - {nic}
handlers:
  - name: script
    endpoint: unix:handler.sock
autoscaler:
  cooldown: 1
"""


def _up_then_down(stack: Stack, config: str) -> tuple[str, str, dict[str, object]]:
    """Scale the group up and down: the Core's log, the member's address, the services between."""
    stack.handler(stack.script("script.sh", RECORDING_SCRIPT))
    core = stack.core(config)
    assert done(stack.request("Up", "app"))
    member = stack.servers()["app-001"].interfaces[0]
    ip = member.user_ip_address or member.ip_address
    between = stack.cloud(_services)
    time.sleep(1.1)  # the cooldown
    assert done(stack.request("Down", "app"))
    return core.log(), ip, between


async def _services(client: CloudClient) -> dict[str, object]:
    (gslb,) = await client.gslb.find()
    (dns,) = await client.dns.find()
    (lb,) = await client.load_balancers.find("is1a")
    return {
        "gslb": [(s.ip_address, s.enabled, s.weight) for s in gslb.servers],
        "dns": [(r.name, r.type, r.rdata, r.ttl) for r in dns.records],
        "lb": [
            (v.virtual_ip_address, [(s.ip_address, s.port, s.enabled) for s in v.servers])
            for v in lb.settings
        ],
    }


def test_group_members_join_and_leave_a_gslb(stack: Stack) -> None:
    stack.seed(SERVICES)
    before = stack.cloud(_services)
    log, ip, between = _up_then_down(
        stack, _group("{type: GSLB, selector: app-gslb}", "{upstream: shared, expose: {weight: 5}}")
    )
    assert between["gslb"] == [("192.0.2.250", True, 1), (ip, True, 5)]
    assert stack.cloud(_services) == before
    assert f'handler=gslb-servers-handler status=RUNNING log="deleted: Server{{IP: {ip}}}"' in log


def test_group_members_get_and_lose_a_dns_record(stack: Stack) -> None:
    stack.seed(SERVICES)
    before = stack.cloud(_services)
    nic = "{upstream: shared, expose: {record_name: app, record_ttl: 60}}"
    log, ip, between = _up_then_down(stack, _group("{type: DNS, selector: example.com}", nic))
    assert between["dns"] == [("www", "A", "192.0.2.250", 300), ("app", "A", ip, 60)]
    assert stack.cloud(_services) == before
    assert f'log="added: Record{{Name:app, IP:{ip}}}"' in log


def test_group_members_join_and_leave_a_load_balancer(stack: Stack) -> None:
    stack.seed(SERVICES)
    before = stack.cloud(_services)
    nic = (
        "{upstream: {names: [private]}, assign_cidr_block: 192.168.10.20/24, default_route: 192.168.10.1, "
        "expose: {ports: [80], vips: [192.168.10.100], health_check: {protocol: http, path: /, status_code: 200}}}"
    )
    log, ip, between = _up_then_down(stack, _group("{type: LoadBalancer, selector: app-lb}", nic))
    assert ip == "192.168.10.21"
    assert between["lb"] == [("192.168.10.100", [("192.168.10.50", 80, True), ("192.168.10.21", 80, True)])]
    assert stack.cloud(_services) == before
    assert 'log="added: Server{VIP:192.168.10.100, IP: 192.168.10.21, Port:80}"' in log


def test_servers_are_disabled_on_gslb_and_load_balancer_while_their_plan_changes(stack: Stack) -> None:
    servers = """
servers:
  - name: web-g
    zone: is1a
    plan: {core: 1, memory: 1}
    power: up
    nics: [{upstream: shared}]
  - name: web-l
    zone: is1a
    plan: {core: 1, memory: 1}
    power: up
    nics: [{upstream: shared}, {upstream: private, user_ip_address: 192.168.10.50}]
"""
    stack.seed(
        SERVICES.replace("gslbs:", servers + "gslbs:").replace(
            "ip_address: 192.0.2.250, weight", "server: web-g, weight"
        )
    )
    before = stack.cloud(_services)
    ip = stack.servers()["web-g"].interfaces[0].ip_address
    assert before["gslb"] == [(ip, True, 1)]
    config = """
resources:
  - {type: Server, name: web-g, selector: {names: [web-g], zones: [is1a]}, parent: {type: GSLB, selector: app-gslb}}
  - {type: Server, name: web-l, selector: {names: [web-l], zones: [is1a]}, parent: {type: LoadBalancer, selector: app-lb}}
handlers:
  - name: script
    endpoint: unix:handler.sock
autoscaler:
  cooldown: 1
"""
    stack.handler(stack.script("script.sh", RECORDING_SCRIPT))
    core = stack.core(config)
    stack.past_cooldown(1)

    assert done(stack.request("Up", "web-g")) and done(stack.request("Up", "web-l"))

    assert stack.cloud(_services) == before
    log = core.log()
    for handler, address in (
        ("gslb-servers-handler", ip),
        ("load-balancer-servers-handler", "192.168.10.50"),
    ):
        detached = log.index(
            f'step=PreHandle handler={handler} status=DONE log="updated: {{Enabled:false, IPAddress:{address}}}"'
        )
        attached = log.index(
            f'step=PostHandle handler={handler} status=DONE log="updated: {{Enabled:true, IPAddress:{address}}}"'
        )
        assert detached < attached
