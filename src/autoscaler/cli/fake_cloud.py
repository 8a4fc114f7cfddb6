"""`autoscaler fake-cloud ...`: seed, inspect, serve and reset the embedded fake SAKURA Cloud.

The store is `--store`, else `SAKURACLOUD_FAKE_STORE_PATH`, else the per-user default — the
same file the Core uses in fake mode (`SAKURACLOUD_FAKE_MODE=1`), so what `seed` creates the
Core sees, and what the Core changes `list` shows.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from .cobra import Command, CommandError, Flag, Group
from .flags import global_options

Row = dict[str, Any]

# type → (API path, list key, global?, columns); a column is (header, value of a wire view).
Column = tuple[str, Callable[[Row], Any]]


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


TYPES: dict[str, tuple[str, str, bool, list[Column]]] = {
    "servers": (
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
    "disks": (
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
    "switches": (
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
    "routers": (
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
    "elbs": (
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
    "gslbs": (
        "commonserviceitem?" + json.dumps({"Filter": {"Provider.Class": "gslb"}}),
        "CommonServiceItems",
        True,
        [
            ("NAME", lambda r: r.get("Name")),
            ("FQDN", lambda r: (r.get("Status") or {}).get("FQDN")),
            ("SERVERS", _gslb_servers),
        ],
    ),
    "dns": (
        "commonserviceitem?" + json.dumps({"Filter": {"Provider.Class": "dns"}}),
        "CommonServiceItems",
        True,
        [("DNS ZONE", lambda r: r.get("Name")), ("RECORDS", _dns_records)],
    ),
    "load-balancers": (
        "appliance?" + json.dumps({"Filter": {"Class": "loadbalancer"}}),
        "Appliances",
        False,
        [
            ("NAME", lambda r: r.get("Name")),
            ("STATUS", lambda r: (r.get("Instance") or {}).get("Status", "")),
            ("VIPS", _lb_vips),
        ],
    ),
    "archives": (
        "archive",
        "Archives",
        False,
        [
            ("NAME", lambda r: r.get("Name")),
            ("SCOPE", lambda r: r.get("Scope")),
            ("TAGS", lambda r: _join(r.get("Tags"))),
        ],
    ),
    "server-plans": (
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
    "router-plans": (
        "product/internet",
        "InternetPlans",
        False,
        [("NAME", lambda r: r.get("Name")), ("BANDWIDTH", lambda r: r.get("BandWidthMbps"))],
    ),
    "packet-filters": ("packetfilter", "PacketFilters", False, [("NAME", lambda r: r.get("Name"))]),
    "cdroms": ("cdrom", "CDROMs", False, [("NAME", lambda r: r.get("Name"))]),
    "icons": ("icon", "Icons", True, [("NAME", lambda r: r.get("Name"))]),
    "notes": (
        "note",
        "Notes",
        True,
        [("NAME", lambda r: r.get("Name")), ("CLASS", lambda r: r.get("Class"))],
    ),
    "zones": (
        "zone",
        "Zones",
        True,
        [("NAME", lambda r: r.get("Name")), ("DESCRIPTION", lambda r: r.get("Description"))],
    ),
}
# What `list` shows without a TYPE: everything a user or the autoscaler creates.
DEFAULT_TYPES = ("servers", "disks", "switches", "routers", "elbs", "gslbs", "dns", "load-balancers")

STORE_FLAG_USAGE = "the fake cloud's store (default: $SAKURACLOUD_FAKE_STORE_PATH or a per-user file)"


def _store_path(flag: str) -> Path:
    from ..cloud.config import fake_store_path, options_from_env

    if flag:
        return Path(os.path.expanduser(flag))
    return fake_store_path(options_from_env())


def _open(flag: str, delay: float = 0.0) -> Any:
    from ..cloud.fake import FakeCloud, StoreError

    try:
        return FakeCloud(_store_path(flag), delay=delay)
    except StoreError as exc:
        raise CommandError(str(exc)) from None


def _rows(cloud: Any, kind: str, zones: list[str]) -> list[Row]:
    """Wire views of one type, through the fake's own API handling (same finds, same views)."""
    path, key, global_, _ = TYPES[kind]
    op, _, query = path.partition("?")
    rows: list[Row] = []
    for zone in ["is1a"] if global_ else zones:
        reply = cloud.app.dispatch("GET", f"/{zone}/api/cloud/1.1/{op}", query.encode(), b"")
        for item in reply.body.get(key) or []:
            if not global_:
                item = {"ZoneName": zone, **item}
            rows.append(item)
    return rows


def _table(kind: str, rows: list[Row]) -> str:
    columns: list[Column] = [("ZONE", lambda r: r.get("ZoneName", "global")), ("ID", lambda r: r.get("ID"))]
    columns += TYPES[kind][3]
    cells = [[h for h, _ in columns]] + [
        ["" if (v := f(r)) is None else str(v) for _, f in columns] for r in rows
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(columns))]
    return "\n".join(
        "   ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells
    )


def _run_list(**kw: Any) -> None:
    global_options(click.get_current_context())
    (kind,) = kw["args"] or ("",)
    output = kw["output"]
    if output not in ("table", "json"):
        raise CommandError(f'--output: must be "table" or "json", got "{output}"')
    if kind and kind not in TYPES:
        raise CommandError(f'unknown type "{kind}"; types: {", ".join(TYPES)}')
    from ..cloud.fake import StoreError

    cloud = _open(kw["store"])
    try:
        zones = sorted(cloud.app.zones())
        if kw["zone"]:
            if kw["zone"] not in zones:
                raise CommandError(
                    f'--zone: "{kw["zone"]}" is not a zone of the fake cloud ({", ".join(zones)})'
                )
            zones = [kw["zone"]]
        kinds = [kind] if kind else list(DEFAULT_TYPES)
        data = {k: _rows(cloud, k, zones) for k in kinds}
    except StoreError as exc:
        raise CommandError(str(exc)) from None
    finally:
        cloud.close()
    if output == "json":
        click.echo(json.dumps(data[kind] if kind else data, ensure_ascii=False, indent=2))
        return
    blocks = []
    for k in kinds:
        if kind or data[k]:
            blocks.append((f"{k}:\n" if not kind else "") + _table(k, data[k]))
    click.echo(
        "\n\n".join(blocks) if blocks else "no resources (seed some with `autoscaler fake-cloud seed FILE`)"
    )


def _run_seed(**kw: Any) -> None:
    global_options(click.get_current_context())
    (path,) = kw["args"] or ("",)
    if not path:
        raise CommandError("requires the seed file: autoscaler fake-cloud seed FILE.yaml")
    from ..cloud.fake import StoreError
    from ..cloud.fake.seedfile import SeedError, apply_seed, load_seed

    try:
        doc, seed = load_seed(path)
    except SeedError as exc:
        raise CommandError(str(exc)) from None
    cloud = _open(kw["store"])
    try:
        created = apply_seed(cloud, doc, seed)
    except (SeedError, StoreError) as exc:
        raise CommandError(str(exc)) from None
    finally:
        cloud.close()
    summary = ", ".join(f"{n} {k}" for k, n in created.items()) or "nothing"
    click.echo(f"seeded {path} into {_store_path(kw['store'])}: {summary}")


def _run_reset(**kw: Any) -> None:
    global_options(click.get_current_context())
    from ..cloud.fake import StoreError

    path = _store_path(kw["store"])
    try:
        cloud = _open(kw["store"])
    except CommandError as exc:
        if not kw["force"] or not path.is_file():
            raise CommandError(f"{exc.text}\n(--force moves the file aside and starts a new store)") from None
        aside = path.with_name(f"{path.name}.broken-{time.strftime('%Y%m%d%H%M%S')}")
        path.rename(aside)
        for suffix in ("-wal", "-shm"):
            extra = path.with_name(path.name + suffix)
            if extra.exists():
                extra.rename(aside.with_name(aside.name + suffix))
        click.echo(f"moved the unusable store to {aside}")
        cloud = _open(kw["store"])
    try:
        cloud.reset()
    except StoreError as exc:
        raise CommandError(str(exc)) from None
    finally:
        cloud.close()
    click.echo(f"reset {path}: every resource removed, catalogue seeded")


def _run_serve(**kw: Any) -> None:
    ctx = click.get_current_context()
    logger = global_options(ctx).logger().bind(("from", "autoscaler-fake-cloud"))
    from ..cloud.config import parse_delay
    from ..golang.duration import parse_duration
    from ..wire.http import AsgiServer, bind_tcp

    delay_text = kw["delay"]
    try:
        delay = (
            parse_duration(delay_text)
            if delay_text
            else max(parse_delay(os.environ.get("SAKURACLOUD_FAKE_DELAY", "")), 0.0)
        )
    except ValueError as exc:
        raise CommandError(f'invalid argument "{delay_text}" for "--delay" flag: {exc}') from None
    if delay < 0:
        raise CommandError("--delay: must not be negative")
    cloud = _open(kw["store"], delay)
    try:
        try:
            sock = bind_tcp(kw["addr"])
        except (OSError, ValueError) as exc:
            raise CommandError(f"--addr: {exc}") from None

        async def main() -> None:
            from ..wire.server import wait_for_signal

            server = AsgiServer(cloud.app, sock)
            await server.start()
            root = f"http://{server.address}"
            logger.info("fake cloud started", address=server.address, store=cloud.store.path, delay=delay)
            click.echo(f"serving the fake SAKURA Cloud API: SAKURACLOUD_API_ROOT_URL={root}")
            try:
                signal = await wait_for_signal()
                logger.info("shutting down", signal=signal)
            finally:
                await server.stop()

        asyncio.run(main())
    finally:
        cloud.close()


list_command = Command(
    "list",
    use="list [TYPE] [flags]...",
    short="print the fake cloud's resources",
    long="print the fake cloud's resources as a table (or JSON).\n\nTYPE is one of: "
    + ", ".join(TYPES)
    + ".\nWithout TYPE: "
    + ", ".join(DEFAULT_TYPES)
    + ".",
    args=1,
    params=[
        Flag(["--store"], default="", usage=STORE_FLAG_USAGE),
        Flag(["--zone"], default="", usage="only this zone"),
        Flag(["-o", "--output"], default="table", usage="table or json"),
    ],
    callback=_run_list,
)

seed_command = Command(
    "seed",
    use="seed FILE.yaml [flags]...",
    short="create the resources described in a YAML file",
    args=1,
    params=[Flag(["--store"], default="", usage=STORE_FLAG_USAGE)],
    callback=_run_seed,
)

reset_command = Command(
    "reset",
    use="reset [flags]...",
    short="remove every resource (the catalogue is seeded again)",
    params=[
        Flag(["--store"], default="", usage=STORE_FLAG_USAGE),
        Flag(["--force"], type_name="bool", usage="move an unusable store file aside instead of failing"),
    ],
    callback=_run_reset,
)

serve_command = Command(
    "serve",
    use="serve [flags]...",
    short="serve the fake cloud's API over HTTP",
    params=[
        Flag(["--addr"], default="127.0.0.1:8800", usage="the address to listen on"),
        Flag(["--store"], default="", usage=STORE_FLAG_USAGE),
        Flag(
            ["--delay"],
            type_name="duration",
            default="",
            show_default_as="",
            usage="how long power changes and disk copies take (default: $SAKURACLOUD_FAKE_DELAY or 0)",
        ),
    ],
    callback=_run_serve,
)

fake_cloud = Group(
    "fake-cloud",
    short="A local fake SAKURA Cloud: seed, list, serve, reset",
    long="A local fake SAKURA Cloud API over a SQLite store.\n\n"
    "The Core and the handlers use it in-process when SAKURACLOUD_FAKE_MODE is set; `serve` makes it "
    "reachable over HTTP (SAKURACLOUD_API_ROOT_URL) for any client.",
)
for _cmd in (list_command, seed_command, reset_command, serve_command):
    fake_cloud.add_command(_cmd)
