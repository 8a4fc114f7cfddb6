"""What `autoscaler fake-cloud list` shows: per type, the API find that lists it and its columns.

    rows = list_rows(cloud, "servers", ["is1a"])   # the API's own wire views, zone added
    print(render_table("servers", rows))           # ZONE, ID, then the type's columns

Rows come through the fake's own request handling (the same finds and views a client gets),
so the listing never disagrees with the API.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from . import FakeCloud

Row = dict[str, Any]
# A column: its header and the cell of one wire view.
Column = tuple[str, Callable[[Row], Any]]


class Listing(NamedTuple):
    """How one type is listed: the API path (with a find query after `?`), the list key of the
    answer, whether the type is global (listed once, zone `global`), and its columns."""

    path: str
    key: str
    global_: bool
    columns: list[Column]


def _join(items: Any) -> str:
    return ",".join(str(i) for i in items or [])


def _nic_addresses(server: Row) -> str:
    out = []
    for nic in server.get("Interfaces") or []:
        address = nic.get("IPAddress") or nic.get("UserIPAddress")
        if address:
            out.append(address)
    return ",".join(out)


def _plan(server: Row) -> str:
    plan = server.get("ServerPlan") or {}
    text = f"{plan.get('CPU', 0)}core/{int(plan.get('MemoryMB', 0)) // 1024}GB"
    if plan.get("GPU"):
        text += f"/{plan['GPU']}gpu"
    if plan.get("Commitment") == "dedicatedcpu":
        text += "/dedicated"
    return text


def _elb_servers(item: Row) -> str:
    servers = ((item.get("Settings") or {}).get("ProxyLB") or {}).get("Servers") or []
    return ",".join(
        f"{s.get('IPAddress')}:{s.get('Port')}{'' if s.get('Enabled') else '(off)'}" for s in servers
    )


def _gslb_servers(item: Row) -> str:
    servers = ((item.get("Settings") or {}).get("GSLB") or {}).get("Servers") or []
    return ",".join(
        f"{s.get('IPAddress')}{'' if str(s.get('Enabled')).lower() == 'true' else '(off)'}" for s in servers
    )


def _dns_records(item: Row) -> str:
    records = ((item.get("Settings") or {}).get("DNS") or {}).get("ResourceRecordSets") or []
    return ",".join(f"{r.get('Name')} {r.get('Type')} {r.get('RData')}" for r in records)


def _lb_vips(item: Row) -> str:
    parts = []
    for vip in (item.get("Settings") or {}).get("LoadBalancer") or []:
        servers = "+".join(s.get("IPAddress", "") for s in vip.get("Servers") or [])
        parts.append(f"{vip.get('VirtualIPAddress')}:{vip.get('Port')}[{servers}]")
    return ",".join(parts)


def _subnet(item: Row) -> str:
    subnets = item.get("Subnets") or ((item.get("Switch") or {}).get("Subnets")) or []
    if subnets:
        return f"{subnets[0].get('NetworkAddress')}/{subnets[0].get('NetworkMaskLen')}"
    user = item.get("UserSubnet") or {}
    return f"gw {user['DefaultRoute']}/{user.get('NetworkMaskLen')}" if user.get("DefaultRoute") else ""


TYPES: dict[str, Listing] = {
    "servers": Listing(
        "server",
        "Servers",
        False,
        [
            ("NAME", lambda r: r.get("Name")),
            ("PLAN", _plan),
            ("STATUS", lambda r: (r.get("Instance") or {}).get("Status", "")),
            ("ADDRESSES", _nic_addresses),
            ("DISKS", lambda r: len(r.get("Disks") or [])),
            ("TAGS", lambda r: _join(r.get("Tags"))),
            ("MODIFIED", lambda r: r.get("ModifiedAt", "")),
        ],
    ),
    "disks": Listing(
        "disk",
        "Disks",
        False,
        [
            ("NAME", lambda r: r.get("Name")),
            ("SIZE", lambda r: f"{int(r.get('SizeMB', 0)) // 1024}GB"),
            ("PLAN", lambda r: (r.get("Plan") or {}).get("Name", "")),
            ("AVAILABILITY", lambda r: r.get("Availability")),
            ("SERVER", lambda r: (r.get("Server") or {}).get("ID", "")),
        ],
    ),
    "switches": Listing(
        "switch",
        "Switches",
        False,
        [
            ("NAME", lambda r: r.get("Name")),
            ("NICS", lambda r: r.get("ServerCount", 0)),
            ("SUBNET", _subnet),
            ("TAGS", lambda r: _join(r.get("Tags"))),
        ],
    ),
    "routers": Listing(
        "internet",
        "Internet",
        False,
        [
            ("NAME", lambda r: r.get("Name")),
            ("BANDWIDTH", lambda r: f"{r.get('BandWidthMbps')}Mbps"),
            ("SUBNET", _subnet),
            ("TAGS", lambda r: _join(r.get("Tags"))),
            ("CREATED", lambda r: r.get("CreatedAt", "")),
        ],
    ),
    "elbs": Listing(
        "commonserviceitem?" + json.dumps({"Filter": {"Provider.Class": "proxylb"}}),
        "CommonServiceItems",
        True,
        [
            ("NAME", lambda r: r.get("Name")),
            ("CLASS", lambda r: r.get("ServiceClass")),
            (
                "VIP",
                lambda r: (
                    (r.get("Status") or {}).get("VirtualIPAddress") or (r.get("Status") or {}).get("FQDN")
                ),
            ),
            ("SERVERS", _elb_servers),
            ("MODIFIED", lambda r: r.get("ModifiedAt", "")),
        ],
    ),
    "gslbs": Listing(
        "commonserviceitem?" + json.dumps({"Filter": {"Provider.Class": "gslb"}}),
        "CommonServiceItems",
        True,
        [
            ("NAME", lambda r: r.get("Name")),
            ("FQDN", lambda r: (r.get("Status") or {}).get("FQDN")),
            ("SERVERS", _gslb_servers),
        ],
    ),
    "dns": Listing(
        "commonserviceitem?" + json.dumps({"Filter": {"Provider.Class": "dns"}}),
        "CommonServiceItems",
        True,
        [("DNS ZONE", lambda r: r.get("Name")), ("RECORDS", _dns_records)],
    ),
    "load-balancers": Listing(
        "appliance?" + json.dumps({"Filter": {"Class": "loadbalancer"}}),
        "Appliances",
        False,
        [
            ("NAME", lambda r: r.get("Name")),
            ("STATUS", lambda r: (r.get("Instance") or {}).get("Status", "")),
            ("VIPS", _lb_vips),
        ],
    ),
    "archives": Listing(
        "archive",
        "Archives",
        False,
        [
            ("NAME", lambda r: r.get("Name")),
            ("SCOPE", lambda r: r.get("Scope")),
            ("TAGS", lambda r: _join(r.get("Tags"))),
        ],
    ),
    "server-plans": Listing(
        "product/server",
        "ServerPlans",
        False,
        [
            ("NAME", lambda r: r.get("Name")),
            ("CPU", lambda r: r.get("CPU")),
            ("MEMORY", lambda r: f"{int(r.get('MemoryMB', 0)) // 1024}GB"),
            ("GPU", lambda r: r.get("GPU")),
            ("GENERATION", lambda r: r.get("Generation")),
            ("COMMITMENT", lambda r: r.get("Commitment")),
        ],
    ),
    "router-plans": Listing(
        "product/internet",
        "InternetPlans",
        False,
        [("NAME", lambda r: r.get("Name")), ("BANDWIDTH", lambda r: r.get("BandWidthMbps"))],
    ),
    "packet-filters": Listing("packetfilter", "PacketFilters", False, [("NAME", lambda r: r.get("Name"))]),
    "cdroms": Listing("cdrom", "CDROMs", False, [("NAME", lambda r: r.get("Name"))]),
    "icons": Listing("icon", "Icons", True, [("NAME", lambda r: r.get("Name"))]),
    "notes": Listing(
        "note",
        "Notes",
        True,
        [("NAME", lambda r: r.get("Name")), ("CLASS", lambda r: r.get("Class"))],
    ),
    "zones": Listing(
        "zone",
        "Zones",
        True,
        [("NAME", lambda r: r.get("Name")), ("DESCRIPTION", lambda r: r.get("Description"))],
    ),
}
# What `list` shows without a TYPE: everything a user or the autoscaler creates.
DEFAULT_TYPES = ("servers", "disks", "switches", "routers", "elbs", "gslbs", "dns", "load-balancers")


def list_rows(cloud: FakeCloud, kind: str, zones: Sequence[str]) -> list[Row]:
    """Wire views of one type, through the fake's own API handling (same finds, same views)."""
    listing = TYPES[kind]
    op, _, query = listing.path.partition("?")
    rows: list[Row] = []
    for zone in ["is1a"] if listing.global_ else zones:
        reply = cloud.app.dispatch("GET", f"/{zone}/api/cloud/1.1/{op}", query.encode(), b"")
        for item in reply.body.get(listing.key) or []:
            if not listing.global_:
                item = {"ZoneName": zone, **item}
            rows.append(item)
    return rows


def render_table(kind: str, rows: list[Row]) -> str:
    """The rows as aligned text columns (ZONE, ID, then the type's own), no trailing blanks."""
    columns: list[Column] = [("ZONE", lambda r: r.get("ZoneName", "global")), ("ID", lambda r: r.get("ID"))]
    columns += TYPES[kind].columns
    cells = [[h for h, _ in columns]] + [
        ["" if (v := f(r)) is None else str(v) for _, f in columns] for r in rows
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(columns))]
    return "\n".join(
        "   ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells
    )
