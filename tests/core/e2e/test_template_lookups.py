"""A ServerGroup template that names other resources (switch, packet filter, icon, CD-ROM,
archive, disk) by selector: the Core looks each one up and the horizontal scaler wires the new
server to them; cloud-config goes along with the boot."""

from __future__ import annotations

from typing import Any

from autoscaler.cloud import CloudClient

from .harness import RECORDING_SCRIPT, Stack, done, requests_seen

SEED = """
switches:
  - {name: app-sw, user_subnet: {default_route: 192.168.20.1, network_mask_len: 24}}
packet_filters:
  - {name: app-pf}
icons:
  - {name: app-icon}
archives:
  - {name: app-archive}
servers:
  - name: base
    plan: {core: 1, memory: 1}
    disks: [{name: base-disk, os_type: ubuntu, size: 20}]
"""

CONFIG = """
resources:
  - type: ServerGroup
    name: app
    zone: is1a
    min_size: 0
    max_size: 2
    template:
      tags: [app]
      description: an app server
      icon: app-icon
      cdrom: {names: [Ubuntu]}
      private_host: {names: [no-such-host]}
      interface_driver: e1000
      plan: {core: 2, memory: 4}
      disks:
        - {source_archive: {names: [app-archive]}, plan: ssd, size: 20, icon: {names: [app-icon]}}
        - {source_disk: base-disk, plan: hdd, size: 40}
        - {size: 20, connection: ide}
      network_interfaces:
        - upstream: {names: [app-sw]}
          packet_filter: app-pf
          assign_cidr_block: 192.168.20.16/28
          assign_netmask_len: 24
          default_route: 192.168.20.1
      cloud_config: |
        #cloud-config
        hostname: app
handlers:
  - name: script
    endpoint: unix:handler.sock
autoscaler:
  cooldown: 1
"""


async def _lookups(client: CloudClient) -> dict[str, Any]:
    switch = (await client.switches.find("is1a"))[0]
    return {
        "switch": switch.id,
        "pf": (await client.packet_filters.find("is1a"))[0].id,
        "icon": (await client.icons.find())[0].id,
        "cdrom": next(c.id for c in await client.cdroms.find("is1a") if c.name.startswith("Ubuntu")),
        "archive": next(a.id for a in await client.archives.find("is1a") if a.name == "app-archive"),
        "base_disk": next(d.id for d in await client.disks.find("is1a") if d.name == "base-disk"),
    }


def test_a_template_wires_the_new_server_to_what_it_names(stack: Stack) -> None:
    stack.seed(SEED)
    ids = stack.cloud(_lookups)
    stack.handler(stack.script("script.sh", RECORDING_SCRIPT))
    stack.core(CONFIG)

    assert done(stack.request("Up", "app"))

    server = stack.servers()["app-001"]
    assert server.is_up and (server.cpu, server.memory_gb) == (2, 4)
    assert (server.tags, server.description, server.interface_driver) == (["app"], "an app server", "e1000")
    assert server.icon_id == ids["icon"] and server.instance.cdrom is not None
    assert server.instance.cdrom.id == ids["cdrom"]
    (nic,) = server.interfaces
    assert nic.switch is not None and nic.switch.id == ids["switch"]
    assert nic.packet_filter is not None and nic.packet_filter.id == ids["pf"]
    assert nic.user_ip_address == "192.168.20.17"
    assert [d.name for d in server.disks] == ["app-001-disk001", "app-001-disk002", "app-001-disk003"]
    assert stack.private_record("Server", "is1a", server.id)["_user_data"] == "#cloud-config\nhostname: app\n"

    async def disks(client: CloudClient) -> list[Any]:
        return [await client.disks.read("is1a", d.id) for d in server.disks]

    first, second, third = stack.cloud(disks)
    assert first.source_archive is not None and first.source_archive.id == ids["archive"]
    assert (first.plan.id if first.plan else 0, first.icon_id) == (4, ids["icon"])
    assert second.source_disk is not None and second.source_disk.id == ids["base_disk"]
    assert (third.source_archive, third.source_disk, third.connection) == (None, None, "ide")

    (created,) = requests_seen(stack.dir / "requests.jsonl")
    instance = created["current"]["Resource"]["ServerGroupInstance"]
    assert instance["network_interfaces"][0]["upstream"] == str(ids["switch"])
    assert instance["network_interfaces"][0]["packet_filter_id"] == str(ids["pf"])
    assert instance["network_interfaces"][0]["assigned_network"] == {
        "ip_address": "192.168.20.17",
        "netmask": 24,
        "gateway": "192.168.20.1",
    }
    assert instance["cd_rom_id"] == str(ids["cdrom"]) and instance["icon_id"] == str(ids["icon"])
