"""`autoscaler fake-cloud seed FILE.yaml`: resources described in YAML, created in one go.

Every section is optional; names refer to resources of the same file (or already in the
store). See docs/fake-cloud.md for the full format; in short:

    seeded_ago:      24h   (how long ago the resources were made: CreatedAt, ModifiedAt and
                            StatusChangedAt lie this far back, so no cooldown holds the first
                            request; a Go duration or seconds, default 24h)
    switches:        [{name, zone, tags, description, user_subnet: {default_route, network_mask_len}}]
    routers:         [{name, zone, band_width_mbps, network_mask_len, tags, description}]
    packet_filters:  [{name, zone}]
    icons:           [{name, tags}]
    archives:        [{name, zone, tags, size}]
    servers:         [{name, zone, plan: {core, memory, gpu, cpu_model, dedicated_cpu, generation},
                       tags, description, power: up|down, interface_driver,
                       disks: [{os_type | archive, size, plan: ssd|hdd, name}],
                       nics: [{upstream: shared|<switch name or ID>, user_ip_address, packet_filter}]}]
    elbs:            [{name, plan, region, vip, tags, bind_ports, health_check, servers, rules, ...}]
    gslbs:           [{name, tags, delay_loop, weighted, health_check, servers, sorry_server}]
    dns:             [{zone, tags, records: [{name, type, rdata | server, ttl}]}]
    load_balancers:  [{name, zone, switch, addresses, network_mask_len, default_route, vrid,
                       vips: [{virtual_ip_address, port, delay_loop, sorry_server, servers}]}]

ELB/GSLB/LB real servers and DNS records may name a seeded server (`server: web-001`) instead of
an address: its first NIC's address is used.

The whole file is validated first (unknown keys, wrong types: `file:line:col: key: message`),
then created in ONE store transaction: an error anywhere (an unknown plan, a missing switch)
names the item's key and line, and nothing of the file is kept.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

from ...golang.duration import parse_duration
from ...yamlconf import ConfigError, Document, load_file, parse_text, validate
from . import FakeCloud, pool
from .body import Body
from .clock import now
from .context import Ctx, Request
from .errors import ApiError
from .ops_network import create_router, create_switch, update_interface
from .ops_servers import boot, create_server
from .ops_services import create_item, new_load_balancer
from .ops_storage import create_disk
from .query import Find
from .store import GLOBAL, Tx

Record = dict[str, Any]
DEFAULT_ZONE = "is1a"
# Well past any cooldown (upstream's default is 600 s), yet plainly "recent" to a reader.
DEFAULT_SEEDED_AGO = 24 * 60 * 60.0
MAX_SEEDED_AGO = 87600 * 60 * 60.0  # keeps every date a date


class SeedError(ValueError):
    """A seed file that cannot be applied; names the file, line and key."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _seconds_ago(value: Any) -> float:
    """A Go duration (`24h`, `90m`, `0s`) or a number of seconds; finite and not negative."""
    shape = "a duration such as 24h, 90m or 0s, or a number of seconds"
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise PydanticCustomError("seeded_ago", f"must be {shape}")
    if isinstance(value, str):
        try:
            seconds = parse_duration(value)
        except ValueError as exc:
            raise PydanticCustomError("seeded_ago", f"must be {shape}: {exc}") from None
    else:
        seconds = float(value)
    if seconds < 0:
        raise PydanticCustomError("seeded_ago", f"must not be negative, got {value}")
    if not math.isfinite(seconds) or seconds > MAX_SEEDED_AGO:
        raise PydanticCustomError("seeded_ago", f"must be at most 87600h (10 years), got {value}")
    return seconds


SecondsAgo = Annotated[float, BeforeValidator(_seconds_ago)]


class UserSubnet(Strict):
    default_route: str = ""
    network_mask_len: int = 0


class SwitchSeed(Strict):
    name: str
    zone: str = DEFAULT_ZONE
    description: str = ""
    tags: list[str] = Field(default_factory=list)
    user_subnet: UserSubnet | None = None


class RouterSeed(Strict):
    name: str
    zone: str = DEFAULT_ZONE
    description: str = ""
    tags: list[str] = Field(default_factory=list)
    band_width_mbps: int = 100
    network_mask_len: int = 28


class NamedSeed(Strict):
    name: str
    zone: str = DEFAULT_ZONE
    tags: list[str] = Field(default_factory=list)


class IconSeed(Strict):
    name: str
    tags: list[str] = Field(default_factory=list)


class ArchiveSeed(Strict):
    name: str
    zone: str = DEFAULT_ZONE
    tags: list[str] = Field(default_factory=list)
    size: int = 20  # GB


class PlanSeed(Strict):
    core: int = 1
    memory: int = 1  # GB
    gpu: int = 0
    cpu_model: str = ""
    dedicated_cpu: bool = False
    generation: int = 0


class DiskSeed(Strict):
    name: str = ""
    os_type: str = ""
    archive: str | int = ""
    size: int = 20  # GB
    plan: Literal["ssd", "hdd"] = "ssd"
    connection: Literal["virtio", "ide"] = "virtio"


class NicSeed(Strict):
    upstream: str | int = "shared"
    user_ip_address: str = ""
    packet_filter: str | int = ""


class ServerSeed(Strict):
    name: str
    zone: str = DEFAULT_ZONE
    description: str = ""
    tags: list[str] = Field(default_factory=list)
    plan: PlanSeed = Field(default_factory=PlanSeed)
    interface_driver: Literal["virtio", "e1000"] = "virtio"
    power: Literal["up", "down"] = "down"
    disks: list[DiskSeed] = Field(default_factory=list)
    nics: list[NicSeed] = Field(default_factory=list)


class Target(Strict):
    """A real server given by address, or by a seeded server's name (its first NIC's address)."""

    ip_address: str = ""
    server: str = ""
    zone: str = DEFAULT_ZONE


class ElbServerSeed(Target):
    port: int = 80
    server_group: str = ""
    enabled: bool = True


class ElbSeed(Strict):
    name: str
    description: str = ""
    tags: list[str] = Field(default_factory=list)
    plan: int = 100
    region: Literal["is1", "tk1", "anycast"] = "is1"
    vip: str = ""
    bind_ports: list[dict[str, Any]] = Field(default_factory=lambda: [{"ProxyMode": "http", "Port": 80}])
    health_check: dict[str, Any] = Field(
        default_factory=lambda: {"Protocol": "http", "Path": "/", "DelayLoop": 10}
    )
    servers: list[ElbServerSeed] = Field(default_factory=list)
    rules: list[dict[str, Any]] = Field(default_factory=list)
    sticky_session: bool = False
    gzip: bool = False
    inactive_sec: int = 10


class GslbServerSeed(Target):
    enabled: bool = True
    weight: int = 0


class GslbSeed(Strict):
    name: str
    description: str = ""
    tags: list[str] = Field(default_factory=list)
    delay_loop: int = 10
    weighted: bool = True
    health_check: dict[str, Any] = Field(
        default_factory=lambda: {"Protocol": "http", "Path": "/", "Status": "200"}
    )
    servers: list[GslbServerSeed] = Field(default_factory=list)
    sorry_server: str = ""


class RecordSeed(Strict):
    name: str
    type: str = "A"
    rdata: str = ""
    server: str = ""
    server_zone: str = DEFAULT_ZONE
    ttl: int = 300


class DnsSeed(Strict):
    zone: str
    description: str = ""
    tags: list[str] = Field(default_factory=list)
    records: list[RecordSeed] = Field(default_factory=list)


class LbHealthSeed(Strict):
    protocol: Literal["http", "https", "ping", "tcp"] = "http"
    path: str = ""
    status: int = 0


class LbServerSeed(Target):
    port: int = 80
    enabled: bool = True
    health_check: LbHealthSeed = Field(default_factory=LbHealthSeed)


class VipSeed(Strict):
    virtual_ip_address: str
    port: int = 80
    delay_loop: int = 10
    sorry_server: str = ""
    description: str = ""
    servers: list[LbServerSeed] = Field(default_factory=list)


class LoadBalancerSeed(Strict):
    name: str
    zone: str = DEFAULT_ZONE
    description: str = ""
    tags: list[str] = Field(default_factory=list)
    switch: str | int
    addresses: list[str]
    network_mask_len: int = 24
    default_route: str = ""
    vrid: int = 1
    vips: list[VipSeed] = Field(default_factory=list)


class SeedFile(Strict):
    seeded_ago: SecondsAgo = DEFAULT_SEEDED_AGO
    switches: list[SwitchSeed] = Field(default_factory=list)
    routers: list[RouterSeed] = Field(default_factory=list)
    packet_filters: list[NamedSeed] = Field(default_factory=list)
    icons: list[IconSeed] = Field(default_factory=list)
    archives: list[ArchiveSeed] = Field(default_factory=list)
    servers: list[ServerSeed] = Field(default_factory=list)
    elbs: list[ElbSeed] = Field(default_factory=list)
    gslbs: list[GslbSeed] = Field(default_factory=list)
    dns: list[DnsSeed] = Field(default_factory=list)
    load_balancers: list[LoadBalancerSeed] = Field(default_factory=list)


# --- applying ------------------------------------------------------------------------------------


class _Seeder:
    def __init__(self, tx: Tx, doc: Document, at: float) -> None:
        self.tx = tx
        self.doc = doc
        self.at = at  # every timestamp of the seeded resources; later API changes stamp "now"
        self.created: dict[str, int] = {}

    def ctx(self, zone: str) -> Ctx:
        zones = {str(z.get("Name")) for z in self.tx.all("Zone", GLOBAL)}
        if zone not in zones:
            raise ApiError(
                404, "not_found", f"zone {zone!r} is not served (zones: {', '.join(sorted(zones))})"
            )
        return Ctx(tx=self.tx, zone=zone, at=self.at)

    def count(self, kind: str) -> None:
        self.created[kind] = self.created.get(kind, 0) + 1

    def find(self, kind: str, zone: str, key: str | int) -> Record:
        """A record by ID or by exact name."""
        records = self.tx.all(kind, zone)
        if isinstance(key, int) or (isinstance(key, str) and key.isdigit()):
            hit = [r for r in records if int(r["ID"]) == int(key)]
        else:
            hit = [r for r in records if r.get("Name") == key]
        if not hit:
            raise ApiError(404, "not_found", f"no {kind} {key!r} in zone {zone or 'global'}")
        if len(hit) > 1:
            raise ApiError(
                409, "conflict", f"{len(hit)} {kind} records are named {key!r} in zone {zone or 'global'}"
            )
        return hit[0]

    def address(self, target: Target) -> str:
        if target.ip_address:
            return target.ip_address
        if not target.server:
            raise ApiError(400, "bad_request", "needs ip_address or server")
        return self.server_address(target.server, target.zone)

    def server_address(self, name: str, zone: str) -> str:
        server = self.find("Server", zone, name)
        nics = sorted(
            (n for n in self.tx.all("Interface", zone) if n.get("_server") == server["ID"]),
            key=lambda n: int(n.get("_index", 0)),
        )
        for nic in nics:
            address = nic.get("IPAddress") or nic.get("UserIPAddress")
            if address:
                return str(address)
        raise ApiError(400, "bad_request", f"server {name!r} has no NIC with an address")

    def run(self, seed: SeedFile) -> None:
        sections: list[tuple[str, list[Any], Any]] = [
            ("switches", seed.switches, self.switch),
            ("routers", seed.routers, self.router),
            ("packet_filters", seed.packet_filters, self.packet_filter),
            ("icons", seed.icons, self.icon),
            ("archives", seed.archives, self.archive),
            ("servers", seed.servers, self.server),
            ("elbs", seed.elbs, self.elb),
            ("gslbs", seed.gslbs, self.gslb),
            ("dns", seed.dns, self.dns),
            ("load_balancers", seed.load_balancers, self.load_balancer),
        ]
        for section, items, make in sections:
            for i, item in enumerate(items):
                try:
                    make(item)
                except ApiError as exc:
                    raise SeedError(
                        f"{self.doc.where((section, i))}: {section}[{i}]: {exc.message}"
                    ) from None

    # --- one function per section --------------------------------------------------------------

    def switch(self, item: SwitchSeed) -> None:
        body: Record = {"Name": item.name, "Description": item.description, "Tags": item.tags}
        if item.user_subnet is not None:
            body["UserSubnet"] = {
                "DefaultRoute": item.user_subnet.default_route,
                "NetworkMaskLen": item.user_subnet.network_mask_len,
            }
        create_switch(self.ctx(item.zone), _request({"Switch": body}))
        self.count("switches")

    def router(self, item: RouterSeed) -> None:
        body = {
            "Name": item.name,
            "Description": item.description,
            "Tags": item.tags,
            "BandWidthMbps": item.band_width_mbps,
            "NetworkMaskLen": item.network_mask_len,
        }
        create_router(self.ctx(item.zone), _request({"Internet": body}))
        self.count("routers")

    def _plain(self, kind: str, zone: str, record: Record) -> None:
        ctx = self.ctx(zone) if zone else Ctx(tx=self.tx, zone=GLOBAL, at=self.at)
        record["ID"] = pool.next_id(self.tx)
        record.setdefault("Icon", {})
        ctx.stamp_new(record)
        self.tx.put(kind, zone, record)

    def packet_filter(self, item: NamedSeed) -> None:
        self.ctx(item.zone)
        self._plain(
            "PacketFilter",
            item.zone,
            {"Name": item.name, "Description": "", "Tags": sorted(item.tags), "Expression": []},
        )
        self.count("packet_filters")

    def icon(self, item: IconSeed) -> None:
        self._plain(
            "Icon",
            GLOBAL,
            {
                "Name": item.name,
                "Tags": sorted(item.tags),
                "Scope": "user",
                "Availability": "available",
                "URL": "",
            },
        )
        self.count("icons")

    def archive(self, item: ArchiveSeed) -> None:
        self.ctx(item.zone)
        self._plain(
            "Archive",
            item.zone,
            {
                "Name": item.name,
                "Description": "",
                "Tags": sorted(item.tags),
                "Availability": "available",
                "Scope": "user",
                "SizeMB": item.size * 1024,
                "Plan": {"ID": 2, "Name": "HDDプラン"},
            },
        )
        self.count("archives")

    def server(self, item: ServerSeed) -> None:
        ctx = self.ctx(item.zone)
        switches: list[Any] = []
        for i, nic in enumerate(item.nics):
            if nic.upstream == "shared":
                switches.append({"Scope": "shared"})
            else:
                try:
                    switches.append({"ID": self.find("Switch", item.zone, nic.upstream)["ID"]})
                except ApiError as exc:
                    raise ApiError(exc.status, exc.code, f"nics[{i}].upstream: {exc.message}") from None
        plan = item.plan
        body = {
            "Name": item.name,
            "Description": item.description,
            "Tags": item.tags,
            "InterfaceDriver": item.interface_driver,
            "ServerPlan": {
                "CPU": plan.core,
                "MemoryMB": plan.memory * 1024,
                "GPU": plan.gpu,
                "CPUModel": plan.cpu_model,
                "Commitment": "dedicatedcpu" if plan.dedicated_cpu else "standard",
                "Generation": plan.generation,
            },
            "ConnectedSwitches": switches,
        }
        server = create_server(ctx, _request({"Server": body})).body["Server"]
        for nic, view in zip(item.nics, server["Interfaces"], strict=True):
            if nic.user_ip_address:
                update_interface(
                    ctx, _request({"Interface": {"UserIPAddress": nic.user_ip_address}}, id=view["ID"])
                )
            if nic.packet_filter:
                pf = self.find("PacketFilter", item.zone, nic.packet_filter)
                nic_record = self.tx.get("Interface", item.zone, int(view["ID"]))
                assert nic_record is not None
                nic_record["_packet_filter"] = pf["ID"]
                self.tx.put("Interface", item.zone, nic_record)
        for i, disk in enumerate(item.disks):
            self.disk(ctx, server, disk, i)
        if item.power == "up":
            boot(ctx, _request(None, id=server["ID"]))
        self.count("servers")

    def disk(self, ctx: Ctx, server: Record, disk: DiskSeed, index: int) -> None:
        body: Record = {
            "Name": disk.name or f"{server['Name']}-disk{index + 1:03d}",
            "Plan": {"ID": 4 if disk.plan == "ssd" else 2},
            "SizeMB": disk.size * 1024,
            "Connection": disk.connection,
            "Server": {"ID": server["ID"]},
        }
        if disk.os_type:
            from ..lookup import OS_TYPES

            known = OS_TYPES.get(disk.os_type)
            if known is None:
                raise ApiError(
                    400, "bad_request", f"disks[{index}].os_type: unknown OS type {disk.os_type!r}"
                )
            hits = [
                a
                for a in self.tx.all("Archive", ctx.zone)
                if a.get("Scope") == "shared" and set(known.tags) <= set(a.get("Tags") or [])
            ]
            if not hits:
                raise ApiError(404, "not_found", f"disks[{index}].os_type: no archive for {disk.os_type!r}")
            body["SourceArchive"] = {"ID": hits[0]["ID"]}
        elif disk.archive:
            body["SourceArchive"] = {"ID": self.find("Archive", ctx.zone, disk.archive)["ID"]}
        try:
            create_disk(ctx, _request({"Disk": body}))
        except ApiError as exc:
            raise ApiError(exc.status, exc.code, f"disks[{index}]: {exc.message}") from None
        self.count("disks")

    def elb(self, item: ElbSeed) -> None:
        servers = []
        for i, s in enumerate(item.servers):
            try:
                address = self.address(s)
            except ApiError as exc:
                raise ApiError(exc.status, exc.code, f"servers[{i}]: {exc.message}") from None
            servers.append(
                {
                    "IPAddress": address,
                    "Port": s.port,
                    "ServerGroup": s.server_group,
                    "Enabled": s.enabled,
                    "ProxySSL": False,
                }
            )
        settings = {
            "HealthCheck": item.health_check,
            "SorryServer": {},
            "BindPorts": item.bind_ports,
            "Servers": servers,
            "Rules": item.rules,
            "StickySession": {"Enabled": item.sticky_session},
            "Timeout": {"InactiveSec": item.inactive_sec},
            "Gzip": {"Enabled": item.gzip},
            "ProxyProtocol": {"Enabled": False},
            "Syslog": {"Server": "", "Port": 514},
        }
        body = {
            "Name": item.name,
            "Description": item.description,
            "Tags": item.tags,
            "Provider": {"Class": "proxylb"},
            "ServiceClass": f"cloud/proxylb/{'anycast' if item.region == 'anycast' else 'plain'}/{item.plan}",
            "Settings": {"ProxyLB": settings},
            "Status": {"Region": item.region, "UseVIPFailover": not item.vip, "VirtualIPAddress": item.vip},
        }
        create_item(self.ctx(DEFAULT_ZONE), _request({"CommonServiceItem": body}))
        self.count("elbs")

    def gslb(self, item: GslbSeed) -> None:
        servers = []
        for i, s in enumerate(item.servers):
            try:
                address = self.address(s)
            except ApiError as exc:
                raise ApiError(exc.status, exc.code, f"servers[{i}]: {exc.message}") from None
            entry = {"IPAddress": address, "Enabled": "True" if s.enabled else "False"}
            if s.weight:
                entry["Weight"] = str(s.weight)
            servers.append(entry)
        settings: Record = {
            "DelayLoop": item.delay_loop,
            "HealthCheck": item.health_check,
            "Weighted": "True" if item.weighted else "False",
            "Servers": servers,
        }
        if item.sorry_server:
            settings["SorryServer"] = item.sorry_server
        body = {
            "Name": item.name,
            "Description": item.description,
            "Tags": item.tags,
            "Provider": {"Class": "gslb"},
            "Settings": {"GSLB": settings},
        }
        create_item(self.ctx(DEFAULT_ZONE), _request({"CommonServiceItem": body}))
        self.count("gslbs")

    def dns(self, item: DnsSeed) -> None:
        records = []
        for i, r in enumerate(item.records):
            rdata = r.rdata
            if not rdata:
                if not r.server:
                    raise ApiError(400, "bad_request", f"records[{i}]: needs rdata or server")
                try:
                    rdata = self.server_address(r.server, r.server_zone)
                except ApiError as exc:
                    raise ApiError(exc.status, exc.code, f"records[{i}]: {exc.message}") from None
            records.append({"Name": r.name, "Type": r.type, "RData": rdata, "TTL": r.ttl})
        body = {
            "Name": item.zone,
            "Description": item.description,
            "Tags": item.tags,
            "Provider": {"Class": "dns"},
            "Settings": {"DNS": {"ResourceRecordSets": records}},
        }
        create_item(self.ctx(DEFAULT_ZONE), _request({"CommonServiceItem": body}))
        self.count("dns")

    def load_balancer(self, item: LoadBalancerSeed) -> None:
        from .ops_services import check_lb

        ctx = self.ctx(item.zone)
        switch = self.find("Switch", item.zone, item.switch)
        vips = []
        for i, vip in enumerate(item.vips):
            servers = []
            for j, s in enumerate(vip.servers):
                try:
                    address = self.address(s)
                except ApiError as exc:
                    raise ApiError(exc.status, exc.code, f"vips[{i}].servers[{j}]: {exc.message}") from None
                check: Record = {"Protocol": s.health_check.protocol}
                if s.health_check.path:
                    check["Path"] = s.health_check.path
                if s.health_check.status:
                    check["Status"] = str(s.health_check.status)
                servers.append(
                    {
                        "IPAddress": address,
                        "Port": str(s.port),
                        "Enabled": "True" if s.enabled else "False",
                        "HealthCheck": check,
                    }
                )
            entry: Record = {
                "VirtualIPAddress": vip.virtual_ip_address,
                "Port": str(vip.port),
                "DelayLoop": str(vip.delay_loop),
                "Description": vip.description,
                "Servers": servers,
            }
            if vip.sorry_server:
                entry["SorryServer"] = vip.sorry_server
            vips.append(entry)
        lb = new_load_balancer(
            ctx,
            item.name,
            switch_id=int(switch["ID"]),
            addresses=item.addresses,
            network_mask_len=item.network_mask_len,
            default_route=item.default_route,
            vips=check_lb(vips),
            vrid=item.vrid,
            description=item.description,
            tags=item.tags,
        )
        self.tx.put("Appliance", item.zone, lb)
        self.count("load_balancers")


def _request(body: Any, **params: Any) -> Request:
    return Request(params={k: str(v) for k, v in params.items()}, body=Body(body), find=Find())


def load_seed(path: str) -> tuple[Document, SeedFile]:
    """Parse and validate a seed file (errors name the file, line and key)."""
    try:
        doc = load_file(path)
        return doc, validate(SeedFile, doc)
    except ConfigError as exc:
        raise SeedError(str(exc)) from None


def parse_seed(text: str, source: str = "<seed>") -> tuple[Document, SeedFile]:
    try:
        doc = parse_text(text, source)
        return doc, validate(SeedFile, doc)
    except ConfigError as exc:
        raise SeedError(str(exc)) from None


def apply_seed(cloud: FakeCloud, doc: Document, seed: SeedFile) -> dict[str, int]:
    """Create everything in one transaction, dated `seed.seeded_ago` back; returns how many of
    each section were created."""
    with cloud.store.write() as tx:
        seeder = _Seeder(tx, doc, now() - seed.seeded_ago)
        seeder.run(seed)
        return seeder.created
