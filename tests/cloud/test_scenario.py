"""The builtin handlers' sequences (builtin-handlers-and-cloud.md §2–§3), step by step at API level.

Each scenario issues the calls the handler makes, in its order, against the fake (in-process
and over HTTP), with transitions that take time so every wait polls.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from autoscaler.cloud import (
    SHARED,
    CloudError,
    DiskCreate,
    DiskEdit,
    PlanChange,
    ServerCreate,
    by_names,
    disk_plan_id,
    lookup,
    plans,
    power,
)
from autoscaler.cloud.fake.store import Store
from autoscaler.cloud.models import DNSRecord, GSLBServer, LBHealthCheck, LBServer, ProxyLBServer

from .conftest import Api

Z = "is1a"

SYSTEM = """
switches:
  - {name: web-sw, zone: is1a, user_subnet: {default_route: 192.168.10.1, network_mask_len: 24}}
packet_filters:
  - {name: web-pf, zone: is1a}
servers:
  - name: web-001
    plan: {core: 1, memory: 2}
    power: up
    disks: [{os_type: ubuntu, size: 20}]
    nics: [{upstream: web-sw, user_ip_address: 192.168.10.11}]
elbs:
  - name: web-elb
    servers: [{ip_address: 192.168.10.11, port: 80, server_group: web}]
gslbs:
  - name: web-gslb
    servers: [{ip_address: 192.168.10.11, weight: 1}]
dns:
  - zone: example.com
    records: [{name: www, rdata: 192.168.10.11}]
load_balancers:
  - name: web-lb
    switch: web-sw
    addresses: [192.168.10.4]
    default_route: 192.168.10.1
    vips:
      - virtual_ip_address: 192.168.10.100
        port: 80
        servers: [{ip_address: 192.168.10.11, port: 80, health_check: {protocol: http, path: /, status: 200}}]
routers:
  - {name: web-rt, band_width_mbps: 100}
"""


def private(store: Path, kind: str, zone: str, id_: int) -> dict[str, object]:
    """A record as the fake keeps it (to see what the API does not show, e.g. cloud-init data)."""
    s = Store(store)
    try:
        with s.read() as tx:
            record = tx.get(kind, zone, id_)
    finally:
        s.close()
    assert record is not None
    return record


async def test_server_vertical_scaling(api: Api) -> None:
    """server-vertical-scaler: shut down, change plan (new ID), boot, wait until up."""
    c = api.client
    api.seed(SYSTEM)
    server = (await c.servers.find(Z, by_names("web-001")))[0]
    assert server.is_up
    down = await power.shutdown_server(c, Z, server.id, force=False)
    assert down.is_down
    new = await plans.change_server_plan(
        c, Z, server.id, PlanChange(cpu=2, memory_mb=4 * 1024, gpu=0, cpu_model="", commitment="standard")
    )
    assert new.id != server.id and (new.cpu, new.memory_gb) == (2, 4)
    assert (await power.boot_server(c, Z, new.id)).is_up
    refreshed = await lookup.read_server(c, Z, server.id)  # Core's refresh by the old ID
    assert refreshed.id == new.id and refreshed.is_up
    assert refreshed.interfaces[0].user_ip_address == "192.168.10.11"


async def test_server_horizontal_create_and_delete(api: Api) -> None:
    """server-horizontal-scaler CREATE (§3.2, §3.5) then DELETE (§3.4)."""
    c = api.client
    api.seed(SYSTEM)
    switch = (await c.switches.find(Z, by_names("web-sw")))[0]
    pf = (await c.packet_filters.find(Z, by_names("web-pf")))[0]
    cdrom = (await c.cdroms.find(Z))[0]

    # Step A: validation reads, plan search, create with NICs, NIC settings, CD-ROM.
    await c.switches.read(Z, switch.id)
    await c.packet_filters.read(Z, pf.id)
    plan = await plans.find_server_plan(c, Z, core=2, memory_gb=4)
    created = await c.servers.create(
        Z,
        ServerCreate(
            name="web-002",
            tags=["web", "@group=b"],
            interface_driver="virtio",
            cpu=plan.cpu,
            memory_mb=plan.memory_mb,
            commitment="standard",
            connected_switches=[switch.id, SHARED],
        ),
    )
    nic0 = created.interfaces[0]
    await c.interfaces.connect_to_packet_filter(Z, nic0.id, pf.id)
    await c.interfaces.update(Z, nic0.id, "192.168.10.12")
    await c.servers.insert_cdrom(Z, created.id, cdrom.id)
    server = await c.servers.read(Z, created.id)
    assert server.zone.name == Z and server.interfaces[0].user_ip_address == "192.168.10.12"
    assert server.interfaces[1].upstream_type == "shared"

    # Step B: a disk from the OS type's archive, with a disk edit carrying a startup script.
    note = await c.notes.create("note-2026-01-01T00:00:00+09:00", "#!/bin/sh\nhostname web-002\n")
    archive = await lookup.find_archive_by_os_type(c, Z, "ubuntu2404")
    disk = await c.disks.create_with_config(
        Z,
        DiskCreate(
            name="web-002-disk001",
            plan_id=disk_plan_id("ssd"),
            size_mb=20 * 1024,
            connection="virtio",
            source_archive_id=archive.id,
            server_id=server.id,
        ),
        DiskEdit(
            host_name="web-002",
            password="p@ss",
            disable_pw_auth=True,
            ssh_keys=["ssh-ed25519 AAAA test"],
            note_ids=[note.id],
            user_ip_address="192.168.10.12",
            network_mask_len=24,
            default_route="192.168.10.1",
        ),
        boot_at_available=False,
    )
    assert (await power.wait_disk_ready(c, Z, disk.id)).availability == "available"
    await c.notes.delete(note.id)
    disk = await c.disks.read(Z, disk.id)
    assert disk.server_id == server.id
    edit = private(api.store, "Disk", Z, disk.id)["_edit"]
    assert isinstance(edit, dict)
    assert edit["HostName"] == "web-002" and edit["Scripts"] == ["#!/bin/sh\nhostname web-002\n"]

    # Step C: boot with cloud-init and wait until up.
    up = await power.boot_server(c, Z, server.id, user_data="#cloud-config\npackages: [nginx]\n")
    assert up.is_up and up.host_name == "web-002"
    assert private(api.store, "Server", Z, server.id)["_user_data"] == "#cloud-config\npackages: [nginx]\n"

    # DELETE: read, shut down when up, delete with every listed disk.
    server = await c.servers.read(Z, server.id)
    if server.is_up:
        await power.shutdown_server(c, Z, server.id, force=True)
    await c.servers.delete_with_disks(Z, server.id, server.disk_ids)
    for read, id_ in ((c.servers.read, server.id), (c.disks.read, disk.id)):
        with pytest.raises(CloudError) as gone:
            await read(Z, id_)
        assert gone.value.is_not_found
    assert [s.name for s in await c.servers.find(Z, by_names("web"))] == ["web-001"]


async def test_parents_settings_updates(api: Api) -> None:
    """elb-/gslb-/load-balancer-/dns-servers-handler: add, detach/attach, remove (SettingsHash each time)."""
    c = api.client
    api.seed(SYSTEM)
    new_ip = "192.168.10.12"

    elb = (await c.elb.find(by_names("web-elb")))[0]
    elb.settings.servers.append(ProxyLBServer(ip_address=new_ip, port=80, server_group="web", enabled=True))
    elb = await c.elb.update_settings(elb.id, elb.settings, elb.settings_hash)
    for enabled in (False, True):  # PreHandle detach, PostHandle attach
        elb = await c.elb.read(elb.id)
        for s in elb.settings.servers:
            if s.ip_address == new_ip:
                s.enabled = enabled
        elb = await c.elb.update_settings(elb.id, elb.settings, elb.settings_hash)
        assert [s.enabled for s in elb.servers if s.ip_address == new_ip] == [enabled]
    elb.settings.servers = [s for s in elb.settings.servers if s.ip_address != new_ip]
    elb = await c.elb.update_settings(elb.id, elb.settings, elb.settings_hash)
    assert [s.ip_address for s in elb.servers] == ["192.168.10.11"]

    gslb = (await c.gslb.find(by_names("web-gslb")))[0]
    gslb.settings.servers.append(GSLBServer(ip_address=new_ip, enabled=True, weight=1))
    gslb = await c.gslb.update_settings(gslb.id, gslb.settings, gslb.settings_hash)
    gslb.settings.servers = [s for s in gslb.servers if s.ip_address != "192.168.10.11"]
    gslb = await c.gslb.update_settings(gslb.id, gslb.settings, gslb.settings_hash)
    assert [(s.ip_address, s.enabled, s.weight) for s in gslb.servers] == [(new_ip, True, 1)]

    dns = (await c.dns.find(by_names("example.com")))[0]
    records = [*dns.records, DNSRecord(name="www", type="A", rdata=new_ip, ttl=300)]
    dns = await c.dns.update_settings(dns.id, records, dns.settings_hash)
    dns = await c.dns.update_settings(
        dns.id, [r for r in dns.records if r.rdata != "192.168.10.11"], dns.settings_hash
    )
    assert [(r.name, r.rdata) for r in dns.records] == [("www", new_ip)]

    lb = (await c.load_balancers.find(Z, by_names("web-lb")))[0]
    vips = lb.settings
    vips[0].servers.append(
        LBServer(
            ip_address=new_ip,
            port=80,
            enabled=True,
            health_check=LBHealthCheck(protocol="http", path="/", status=200),
        )
    )
    lb = await c.load_balancers.update_settings(Z, lb.id, vips, lb.settings_hash)
    await c.load_balancers.config(Z, lb.id)
    status = await c.load_balancers.status(Z, lb.id)
    assert {s.ip_address: s.status for s in status[0].servers} == {"192.168.10.11": "UP", new_ip: "UP"}
    with pytest.raises(CloudError) as stale:
        await c.load_balancers.update_settings(Z, lb.id, vips, "outdated-hash")
    assert stale.value.status == 409


async def test_router_and_elb_vertical_scaling(api: Api) -> None:
    """router-vertical-scaler and elb-vertical-scaler: tag, change, find again by the old ID."""
    c = api.client
    api.seed(SYSTEM)
    router = (await c.internet.find(Z, by_names("web-rt")))[0]
    new_router = await plans.change_router_bandwidth(c, Z, router.id, 500)
    assert new_router.band_width_mbps == 500
    assert (await lookup.read_router(c, Z, router.id)).id == new_router.id

    elb = (await c.elb.find(by_names("web-elb")))[0]
    changed = await plans.change_elb_plan(c, elb.id, 1000)
    assert changed.plan == 1000 and changed.servers == elb.servers
