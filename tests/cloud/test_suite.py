"""The client against the fake cloud — once in-process, once over real HTTP (`fake-cloud serve`).

Every test runs twice (the `api` fixture); power changes and disk copies take SUITE_DELAY, so
the wait helpers really poll.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest

from autoscaler.cloud import (
    CloudError,
    DiskCreate,
    DiskEdit,
    FindCondition,
    NoResultsError,
    PlanChange,
    ServerCreate,
    ServerUpdate,
    by_id,
    by_names,
    by_tags,
    exact_match,
    lookup,
    plans,
    power,
)
from autoscaler.cloud.models import DNSRecord, GSLBServer, LBServer, ProxyLBServer

from .conftest import Api

Z = "is1a"

NETWORK = """
switches:
  - {name: sw1, zone: is1a, user_subnet: {default_route: 192.168.0.1, network_mask_len: 24}}
packet_filters:
  - {name: pf1, zone: is1a}
servers:
  - name: app-001
    plan: {core: 1, memory: 1}
    power: up
    nics: [{upstream: shared}, {upstream: sw1, user_ip_address: 192.168.0.11}]
  - name: app-002
    plan: {core: 1, memory: 1}
    power: down
    nics: [{upstream: shared}, {upstream: sw1, user_ip_address: 192.168.0.12}]
elbs:
  - name: elb1
    plan: 100
    servers:
      - {server: app-001, port: 80, server_group: g}
      - {server: app-002, port: 80, server_group: g}
gslbs:
  - name: gslb1
    servers: [{server: app-001, weight: 1}]
dns:
  - zone: example.com
    records: [{name: www, server: app-001}]
load_balancers:
  - name: lb1
    switch: sw1
    addresses: [192.168.0.4]
    default_route: 192.168.0.1
    vips:
      - virtual_ip_address: 192.168.0.100
        port: 80
        servers:
          - {ip_address: 192.168.0.11, port: 80, health_check: {protocol: http, path: /, status: 200}}
routers:
  - {name: rt1, band_width_mbps: 100}
"""


async def make_server(api: Api, name: str, **kw: object) -> int:
    request = ServerCreate(name=name, cpu=1, memory_mb=1024, connected_switches=["shared"], **kw)  # type: ignore[arg-type]
    return (await api.client.servers.create(Z, request)).id


async def test_auth_status(api: Api) -> None:
    status = await api.client.auth_status.read()
    assert status.permission == "create" and status.is_api_key


async def test_server_create_read_update(api: Api) -> None:
    c = api.client
    created = await c.servers.create(
        Z,
        ServerCreate(
            name="web-001",
            description="first",
            tags=["web", "b"],
            cpu=2,
            memory_mb=4096,
            connected_switches=["shared", None],
        ),
    )
    assert created.server_plan.cpu == 2 and created.memory_gb == 4 and created.server_plan.generation == 200
    assert created.instance_status == "down" and created.availability == "available"
    assert created.zone.name == Z and created.interface_driver == "virtio"
    assert [n.upstream_type for n in created.interfaces] == ["shared", "none"]
    assert created.interfaces[0].ip_address.startswith("192.0.2.")
    assert created.interfaces[0].mac_address != created.interfaces[1].mac_address
    read = await c.servers.read(Z, created.id)
    assert read.tags == ["b", "web"] and read.created_at is not None
    updated = await c.servers.update(Z, created.id, ServerUpdate.of(read, tags=["web", "renamed"]))
    assert updated.tags == ["renamed", "web"]
    assert updated.modified_at is not None and read.modified_at is not None
    assert updated.modified_at > read.modified_at  # ModifiedAt moves on every change


async def test_finds_honour_filters_sort_and_paging(api: Api) -> None:
    c = api.client
    ids = [
        await make_server(api, name, tags=tags)
        for name, tags in [
            ("web-prod-1", ["web", "prod"]),
            ("web-dev-1", ["web"]),
            ("db-prod-1", ["db", "prod"]),
        ]
    ]
    names = [s.name for s in await c.servers.find(Z, by_names("prod", "web"))]
    assert names == ["web-prod-1"]
    assert [s.name for s in await c.servers.find(Z, by_tags("prod"))] == ["web-prod-1", "db-prod-1"]
    assert [s.id for s in await c.servers.find(Z, by_id(ids[1]))] == [ids[1]]
    assert [
        s.name for s in await c.servers.find(Z, FindCondition(filter={"Name": exact_match("db-prod-1")}))
    ] == ["db-prod-1"]
    page = await c.servers.find(Z, FindCondition(count=1, from_=1, sort=["-Name"]))
    assert (page.total, page.from_, page.count, [s.name for s in page]) == (3, 1, 1, ["web-dev-1"])
    assert len(await c.servers.find("tk1a")) == 0  # zones are separate


async def test_server_plan_search(api: Api) -> None:
    plan = await plans.find_server_plan(api.client, Z, core=4, memory_gb=8)
    assert (plan.cpu, plan.memory_gb, plan.generation, plan.commitment) == (4, 8, 200, "standard")
    dedicated = await plans.find_server_plan(api.client, Z, core=32, memory_gb=120, dedicated_cpu=True)
    assert dedicated.dedicated_cpu and dedicated.cpu_model == "amd_epyc_7713p"
    with pytest.raises(NoResultsError, match="server plan not found"):
        await plans.find_server_plan(api.client, Z, core=3, memory_gb=1000)


async def test_every_os_type_finds_an_archive(api: Api) -> None:
    for os_type, known in lookup.OS_TYPES.items():
        archive = await lookup.find_archive_by_os_type(api.client, Z, os_type)
        assert archive.scope == "shared" and set(known.tags) <= set(archive.tags)
    with pytest.raises(NoResultsError, match="unsupported ostype"):
        await lookup.find_archive_by_os_type(api.client, Z, "windows")


async def test_power_transitions_and_conflicts(api: Api) -> None:
    c = api.client
    sid = await make_server(api, "pw-001")
    await c.servers.boot(Z, sid, "#cloud-config\n")
    booting = await c.servers.read(Z, sid)
    assert booting.instance_status == "down"  # still starting: takes SUITE_DELAY
    with pytest.raises(CloudError) as again:
        await c.servers.boot(Z, sid)
    assert again.value.status == 409
    up = await power.wait_server_up(c, Z, sid)
    assert up.is_up and up.instance.status_changed_at is not None
    with pytest.raises(CloudError) as running:
        await c.servers.delete(Z, sid)
    assert running.value.status == 409
    with pytest.raises(CloudError) as plan:
        await c.servers.change_plan(Z, sid, PlanChange(cpu=2, memory_mb=2048))
    assert plan.value.status == 409
    down = await power.shutdown_server(c, Z, sid, force=True)
    assert down.is_down
    with pytest.raises(CloudError) as stopped:
        await c.servers.shutdown(Z, sid)
    assert stopped.value.status == 409
    assert (await power.boot_server(c, Z, sid)).is_up


async def test_plan_change_gives_a_new_id(api: Api) -> None:
    c = api.client
    sid = await make_server(api, "vs-001", tags=["keep"])
    disk = await c.disks.create(Z, DiskCreate(name="vs-001-disk001", size_mb=20480, server_id=sid))
    before = await c.servers.read(Z, sid)
    new = await plans.change_server_plan(c, Z, sid, PlanChange(cpu=4, memory_mb=8192))
    assert new.id != sid
    assert new.tags == sorted(["keep", f"@previous-id={sid}"])
    assert (new.cpu, new.memory_gb) == (4, 8)
    assert new.disk_ids == [disk.id] and len(new.interfaces) == 1
    assert (
        new.modified_at is not None
        and before.modified_at is not None
        and new.modified_at > before.modified_at
    )
    with pytest.raises(CloudError) as gone:
        await c.servers.read(Z, sid)
    assert gone.value.is_not_found and gone.value.code == "not_found"
    assert (await lookup.read_server(c, Z, sid)).id == new.id
    assert (await c.disks.read(Z, disk.id)).server_id == new.id
    again = await plans.change_server_plan(c, Z, new.id, PlanChange(cpu=2, memory_mb=2048))
    assert [t for t in again.tags if t.startswith("@previous-id")] == [f"@previous-id={new.id}"]
    with pytest.raises(NoResultsError):
        await lookup.read_server(c, Z, 999)


async def test_disks_copy_edit_and_delete_with_server(api: Api) -> None:
    c = api.client
    api.seed(NETWORK)
    switch = (await c.switches.find(Z, by_names("sw1")))[0]
    server = await c.servers.create(
        Z, ServerCreate(name="d-001", cpu=1, memory_mb=1024, connected_switches=[switch.id])
    )
    archive = await lookup.find_archive_by_os_type(c, Z, "rockylinux")
    note = await c.notes.create("note-x", "#!/bin/sh\necho {{.Name}}\n")
    disk = await c.disks.create_with_config(
        Z,
        DiskCreate(
            name="d-001-disk001", plan_id=4, size_mb=40960, source_archive_id=archive.id, server_id=server.id
        ),
        DiskEdit(
            host_name="d-001",
            note_ids=[note.id],
            user_ip_address="192.168.0.21",
            network_mask_len=24,
            default_route="192.168.0.1",
        ),
    )
    assert disk.availability == "migrating" and disk.source_archive is not None
    ready = await power.wait_disk_ready(c, Z, disk.id)
    assert ready.availability == "available" and ready.migrated_mb == ready.size_mb == 40960
    await c.notes.delete(note.id)
    extra = await c.disks.create(
        Z, DiskCreate(name="d-001-disk002", plan_id=2, size_mb=20480, server_id=server.id)
    )
    server = await c.servers.read(Z, server.id)
    assert server.host_name == "d-001"
    assert server.interfaces[0].user_ip_address == "192.168.0.21"
    assert server.interfaces[0].switch is not None and server.interfaces[0].switch.user_subnet is not None
    assert server.disk_ids == [disk.id, extra.id]
    await c.servers.delete_with_disks(Z, server.id, [disk.id])
    with pytest.raises(CloudError):
        await c.disks.read(Z, disk.id)
    assert (await c.disks.read(Z, extra.id)).server_id == 0  # not listed: kept, disconnected
    for bad, text in [
        (DiskCreate(name="x", plan_id=4, size_mb=12345), "is not offered"),
        (DiskCreate(name="x", plan_id=3), "DiskPlan"),
        (DiskCreate(name="x", size_mb=20480, source_archive_id=1), "Archive"),
    ]:
        with pytest.raises(CloudError) as info:
            await c.disks.create(Z, bad)
        assert info.value.status == 400 and text in info.value.message


async def test_interfaces_and_cdrom(api: Api) -> None:
    c = api.client
    api.seed(NETWORK)
    server = (await c.servers.find(Z, by_names("app-002")))[0]
    nic = server.interfaces[1]
    updated = await c.interfaces.update(Z, nic.id, "192.168.0.99")
    assert updated.user_ip_address == "192.168.0.99"
    pf = (await c.packet_filters.find(Z, by_names("pf1")))[0]
    await c.interfaces.connect_to_packet_filter(Z, nic.id, pf.id)
    with pytest.raises(CloudError) as twice:
        await c.interfaces.connect_to_packet_filter(Z, nic.id, pf.id)
    assert twice.value.status == 409
    cdrom = (await c.cdroms.find(Z, by_names("Ubuntu")))[0]
    await c.servers.insert_cdrom(Z, server.id, cdrom.id)
    server = await c.servers.read(Z, server.id)
    assert server.interfaces[1].packet_filter is not None and server.interfaces[1].packet_filter.id == pf.id
    assert server.instance.cdrom is not None and server.instance.cdrom.id == cdrom.id
    with pytest.raises(CloudError) as missing:
        await c.servers.insert_cdrom(Z, server.id, 1)
    assert missing.value.status == 400
    await c.servers.eject_cdrom(Z, server.id, cdrom.id)
    assert (await c.servers.read(Z, server.id)).instance.cdrom is None


async def test_connecting_loose_interfaces(api: Api) -> None:
    c = api.client
    api.seed(NETWORK)
    switch = (await c.switches.find(Z, by_names("sw1")))[0]
    request = ServerCreate(name="loose", cpu=1, memory_mb=1024, connected_switches=[None, None])
    created = await c.servers.create(Z, request)
    first, second = created.interfaces
    assert first.switch is None and second.switch is None
    await c.interfaces.connect_to_shared_segment(Z, first.id)
    await c.interfaces.connect_to_switch(Z, second.id, switch.id)
    first, second = (await c.servers.read(Z, created.id)).interfaces
    assert first.switch is not None and first.ip_address.startswith("192.0.2.")
    assert second.switch is not None and second.switch.id == switch.id
    with pytest.raises(CloudError) as again:
        await c.interfaces.connect_to_switch(Z, first.id, switch.id)
    assert again.value.status == 409


async def test_elb_settings_hash_plan_and_health(api: Api) -> None:
    c = api.client
    api.seed(NETWORK)
    elb = (await c.elb.find(by_names("elb1")))[0]
    assert elb.plan == 100 and len(elb.servers) == 2
    health = await c.elb.health_status(elb.id)
    states = {s.ip_address: s.status for s in health.servers}
    up_ip, down_ip = (s.ip_address for s in elb.servers)
    assert states == {up_ip: "UP", down_ip: "DOWN"}  # app-002 is not running
    settings = elb.settings.model_copy(deep=True)
    settings.servers[0].enabled = False
    settings.servers.append(
        ProxyLBServer(ip_address="192.0.2.200", port=8080, server_group="g", enabled=True)
    )
    changed = await c.elb.update_settings(elb.id, settings, elb.settings_hash)
    assert changed.settings_hash != elb.settings_hash
    assert [(s.ip_address, s.enabled) for s in changed.servers] == [
        (up_ip, False),
        (down_ip, True),
        ("192.0.2.200", True),
    ]
    with pytest.raises(CloudError) as stale:
        await c.elb.update_settings(elb.id, settings, elb.settings_hash)
    assert stale.value.status == 409
    after = await plans.change_elb_plan(c, elb.id, 500)
    assert after.plan == 500 and f"@previous-id={elb.id}" in after.tags
    assert (await lookup.read_proxylb(c, elb.id)).id == after.id
    with pytest.raises(CloudError) as bad:
        await c.elb.change_plan(elb.id, 123)
    assert bad.value.status == 400


async def test_gslb_dns_and_load_balancer_settings(api: Api) -> None:
    c = api.client
    api.seed(NETWORK)
    gslb = (await c.gslb.find())[0]
    settings = gslb.settings.model_copy(deep=True)
    settings.servers.append(GSLBServer(ip_address="192.0.2.201", enabled=True, weight=2))
    gslb2 = await c.gslb.update_settings(gslb.id, settings, gslb.settings_hash)
    assert [(s.ip_address, s.weight) for s in gslb2.servers][1] == ("192.0.2.201", 2)
    emptied = await c.gslb.update_settings(
        gslb.id, settings.model_copy(update={"servers": []}), gslb2.settings_hash
    )
    assert emptied.servers == []

    dns = (await c.dns.find(by_names("example.com")))[0]
    assert dns.status.zone == "example.com" and dns.records[0].type == "A"
    records = [*dns.records, DNSRecord(name="www", type="A", rdata="192.0.2.202", ttl=60)]
    dns2 = await c.dns.update_settings(dns.id, records, dns.settings_hash)
    assert [r.rdata for r in dns2.records][1] == "192.0.2.202"
    with pytest.raises(CloudError) as bad:
        await c.dns.update_settings(
            dns.id, [DNSRecord(name="x", type="A", rdata="not-an-ip")], dns2.settings_hash
        )
    assert bad.value.status == 400 and "RData" in bad.value.message

    lb = (await c.load_balancers.find(Z, by_names("lb1")))[0]
    up = await c.load_balancers.read(Z, lb.id)
    assert up.instance.status in ("up", "down") and up.network_mask_len == 24
    vips = [v.model_copy(deep=True) for v in up.settings]
    vips[0].servers.append(LBServer(ip_address="192.168.0.12", port=80, enabled=True, health_check=None))
    with pytest.raises(CloudError) as no_check:
        await c.load_balancers.update_settings(Z, lb.id, vips, up.settings_hash)
    assert no_check.value.status == 400
    vips[0].servers[-1].health_check = vips[0].servers[0].health_check
    lb2 = await c.load_balancers.update_settings(Z, lb.id, vips, up.settings_hash)
    await c.load_balancers.config(Z, lb.id)
    assert [s.ip_address for s in lb2.settings[0].servers] == ["192.168.0.11", "192.168.0.12"]
    status = await c.load_balancers.status(Z, lb.id)
    assert {s.ip_address: s.status for s in status[0].servers} == {
        "192.168.0.11": "UP",
        "192.168.0.12": "DOWN",
    }


async def test_router_bandwidth_change(api: Api) -> None:
    c = api.client
    api.seed(NETWORK)
    router = (await c.internet.find(Z, by_names("rt1")))[0]
    assert router.band_width_mbps == 100 and router.switch is not None and router.switch.subnets
    offered = [p.band_width_mbps for p in await c.internet_plans.find(Z)]
    assert 250 in offered
    await asyncio.sleep(0.002)
    new = await plans.change_router_bandwidth(c, Z, router.id, 250)
    assert new.id != router.id and new.band_width_mbps == 250 and f"@previous-id={router.id}" in new.tags
    assert new.created_at is not None and router.created_at is not None and new.created_at > router.created_at
    assert (await lookup.read_router(c, Z, router.id)).id == new.id
    with pytest.raises(CloudError) as bad:
        await c.internet.update_bandwidth(Z, new.id, 123)
    assert bad.value.status == 400 and "123" in bad.value.message


async def test_errors_use_the_api_envelope(api: Api) -> None:
    http = api.client.caller.http
    base = api.client.caller.root
    answers = {
        "unknown endpoint": await http.get(f"{base}/is1a/api/cloud/1.1/nothing-here"),
        "wrong method": await http.patch(f"{base}/is1a/api/cloud/1.1/server"),
        "bad body": await http.post(f"{base}/is1a/api/cloud/1.1/server", content=b"{not json"),
        "missing wrapper": await http.post(f"{base}/is1a/api/cloud/1.1/server", json={"Name": "x"}),
        "bad query": await http.get(f"{base}/is1a/api/cloud/1.1/server?{{oops"),
        "unknown zone": await http.get(f"{base}/xx9z/api/cloud/1.1/server"),
    }
    anonymous = await httpx.AsyncClient(transport=http._transport).get(f"{base}/is1a/api/cloud/1.1/server")
    if api.variant == "http":
        answers["no auth"] = anonymous
    else:
        assert anonymous.status_code == 200  # fake mode never looks at credentials, as upstream
    expected = {
        "unknown endpoint": (404, "not_found", "nothing-here"),
        "wrong method": (405, "method_not_allowed", "PATCH"),
        "bad body": (400, "bad_request", "not valid JSON"),
        "missing wrapper": (400, "bad_request", "'Server'"),
        "bad query": (400, "bad_request", "query"),
        "unknown zone": (404, "not_found", "xx9z"),
        "no auth": (401, "unauthorized", "Basic"),
    }
    for name, response in answers.items():
        body = response.json()
        status, code, text = expected[name]
        assert (response.status_code, body["error_code"]) == (status, code), name
        assert text in body["error_msg"], (name, body)
        assert body["is_fatal"] is True and body["status"].startswith(str(status)) and body["serial"]
