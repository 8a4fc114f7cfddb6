"""Keep with `auto_healing`: members that are not up (or that their ELB reports down) are replaced."""

from __future__ import annotations

from .harness import JOB, RECORDING_SCRIPT, Stack, done, requests_seen


def _member(name: str, power: str) -> str:
    return f"""
  - name: {name}
    zone: is1a
    plan: {{core: 1, memory: 1}}
    power: {power}
    disks: [{{os_type: ubuntu, size: 20}}]
    nics: [{{upstream: shared}}]"""


def _config(parent: str = "", expose: str = "") -> str:
    return f"""
resources:
  - type: ServerGroup
    name: app
    server_name_prefix: app
    zone: is1a
    max_size: 3
    auto_healing: {{enabled: true}}
{parent}
    template:
      plan: {{core: 1, memory: 1}}
      disks: [{{os_type: ubuntu, size: 20}}]
      network_interfaces: [{{upstream: shared{expose}}}]
handlers:
  - name: script
    endpoint: unix:handler.sock
autoscaler:
  cooldown: 1
"""


def test_keep_replaces_a_member_that_is_down(stack: Stack) -> None:
    stack.seed("servers:" + _member("app-001", "up") + _member("app-002", "down") + _member("app-003", "up"))
    before = stack.servers()
    stack.handler(stack.script("script.sh", RECORDING_SCRIPT))
    stack.core(_config())
    stack.past_cooldown(1)

    assert done(stack.request("Keep", "app"))

    after = stack.servers()
    assert after["app-002"].id != before["app-002"].id and after["app-002"].is_up
    assert after["app-001"].id == before["app-001"].id and after["app-003"].id == before["app-003"].id
    deleted, created = requests_seen(stack.dir / "requests.jsonl")
    assert (deleted["result"], created["result"]) == (3, 1)
    assert deleted["current"]["Resource"]["ServerGroupInstance"]["id"] == str(before["app-002"].id)
    assert created["current"]["Resource"]["ServerGroupInstance"]["id"] == str(after["app-002"].id)


def test_keep_asks_the_parent_elb(stack: Stack) -> None:
    members = _member("app-001", "up") + _member("app-002", "up")
    stack.seed(
        "servers:" + members + "\nelbs:\n  - name: app-elb\n    servers: [{server: app-001, port: 80}]\n"
        "  - name: empty-elb\n"
    )
    expose = ", expose: {ports: [80]}"
    config = _config("    parent: {type: ELB, selector: {names: [app-elb]}}", expose)
    # An ELB that reports no servers at all counts every member as unhealthy.
    _healthy_then_all_replaced(stack, config, config.replace("app-elb", "empty-elb"))


def _healthy_then_all_replaced(stack: Stack, config: str, empty_parent: str) -> None:
    """Keep changes nothing while the parent reports both members up; under a parent that
    reports nothing, both are replaced (keeping their addresses)."""
    before = stack.servers()
    stack.handler(stack.script("script.sh", RECORDING_SCRIPT))
    core = stack.core(config)
    stack.past_cooldown(1)

    healthy = stack.request("Keep", "app")

    assert (healthy.status, healthy.message) == (JOB.JOB_DONE_NOOP, "")
    assert stack.servers() == before
    core.signal(15)
    assert core.wait() == 0

    stack.core(empty_parent)
    assert done(stack.request("Keep", "app"))
    after = stack.servers()
    for name in ("app-001", "app-002"):
        assert after[name].id != before[name].id and after[name].is_up
        assert after[name].interfaces[0].user_ip_address == before[name].interfaces[0].user_ip_address


LB_SEED = """
switches:
  - {name: private, user_subnet: {default_route: 192.168.10.1, network_mask_len: 24}}
servers:
  - {name: app-001, plan: {core: 1, memory: 1}, power: up, nics: [{upstream: private, user_ip_address: 192.168.10.21}]}
  - {name: app-002, plan: {core: 1, memory: 1}, power: up, nics: [{upstream: private, user_ip_address: 192.168.10.22}]}
load_balancers:
  - name: app-lb
    switch: private
    addresses: [192.168.10.4]
    network_mask_len: 24
    default_route: 192.168.10.1
    vips:
      - virtual_ip_address: 192.168.10.100
        port: 80
        servers:
          - {ip_address: 192.168.10.21, port: 80, health_check: {protocol: http, path: /, status: 200}}
          - {ip_address: 192.168.10.22, port: 80, health_check: {protocol: http, path: /, status: 200}}
  - {name: empty-lb, switch: private, addresses: [192.168.10.5], network_mask_len: 24, default_route: 192.168.10.1}
"""
LB_NIC = (
    ", assign_cidr_block: 192.168.10.20/24, default_route: 192.168.10.1, "
    "expose: {ports: [80], vips: [192.168.10.100], health_check: {protocol: http, path: /, status_code: 200}}"
)


def test_keep_asks_the_parent_load_balancer(stack: Stack) -> None:
    stack.seed(LB_SEED)
    config = _config("    parent: {type: LoadBalancer, selector: app-lb}", LB_NIC).replace(
        "upstream: shared", "upstream: {names: [private]}"
    )
    # A load balancer without VIPs reports nothing.
    _healthy_then_all_replaced(stack, config, config.replace("selector: app-lb", "selector: empty-lb"))
