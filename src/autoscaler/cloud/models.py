"""Typed views of the API's resources (cloud-api.md §4).

Every model is a `WireModel`: attributes are snake_case, parsing accepts the wire JSON
(`Server.from_wire({"ID": 1, "ServerPlan": {"CPU": 2}})`), and keys the model does not name are
kept, so settings read from the API can be sent back unchanged. Only what the autoscaler reads
is typed; nested settings it only copies (ELB rules, certificates, …) stay wire dicts.

Derived values live in properties: `Server.memory_gb`, `Server.dedicated_cpu`,
`InterfaceInfo.upstream_type`, `ProxyLB.plan`, `ProxyLB.region`, ….
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, ClassVar

from pydantic import AliasPath, Field, field_validator

from .encoding import ID, StrFlag, StrNum, Tags, WireModel

# --- small shared parts ----------------------------------------------------------------------


class Ref(WireModel):
    """A nested reference (`Icon`, `PrivateHost`, `Plan`, …); `{}` parses as ID 0."""

    id: ID = 0
    name: str = ""


class ZoneInfo(WireModel):
    id: ID = 0
    name: str = ""
    description: str = ""


class HostInfo(WireModel):
    name: str = ""
    info_url: str = ""


class InstanceInfo(WireModel):
    status: str = ""
    before_status: str = ""
    status_changed_at: datetime | None = None
    host: HostInfo | None = None
    cdrom: Ref | None = None


class Subnet(WireModel):
    id: ID = 0
    default_route: str = ""
    network_address: str = ""
    network_mask_len: int = 0
    next_hop: str = ""
    static_route: str = ""


class UserSubnet(WireModel):
    default_route: str = ""
    network_mask_len: int = 0


class SwitchInfo(WireModel):
    """The switch a NIC is plugged into, as embedded in a server's NIC."""

    id: ID = 0
    name: str = ""
    scope: str = ""
    subnet: Subnet | None = None
    user_subnet: UserSubnet | None = None


class InterfaceInfo(WireModel):
    """A NIC as embedded in a server or appliance; `index` is its slot (nulls count)."""

    id: ID = 0
    mac_address: str = ""
    ip_address: str = ""
    user_ip_address: str = ""
    host_name: str = ""
    switch: SwitchInfo | None = None
    packet_filter: Ref | None = None
    index: int = Field(default=0, exclude=True)

    @property
    def upstream_type(self) -> str:
        """`none`, `switch`, `shared` or `router`, derived from the switch as the API client does."""
        sw = self.switch
        if sw is None:
            return "none"
        if sw.subnet is None:
            return "switch"
        return "shared" if sw.scope == "shared" else "router"


def _interfaces(value: Any) -> Any:
    """Drop null NIC slots, remembering each NIC's position."""
    if not isinstance(value, list):
        return value
    out = []
    for i, item in enumerate(value):
        if item is None:
            continue
        if isinstance(item, dict):
            item = {**item, "index": i}
        out.append(item)
    return out


class Resource(WireModel):
    """Fields most resources share."""

    # Wire key under `Settings` for models whose `settings` attribute is unwrapped from it.
    SETTINGS_KEY: ClassVar[str] = ""

    id: ID = 0
    name: str = ""
    description: str = ""
    tags: Tags = Field(default_factory=list)
    icon: Ref | None = None
    created_at: datetime | None = None
    modified_at: datetime | None = None

    @property
    def icon_id(self) -> int:
        return self.icon.id if self.icon else 0

    def to_wire(self) -> dict[str, Any]:
        data = super().to_wire()
        if self.SETTINGS_KEY and "Settings" in data:
            data["Settings"] = {self.SETTINGS_KEY: data["Settings"]}
        return data


# --- servers ---------------------------------------------------------------------------------


class ServerPlan(WireModel):
    id: ID = 0
    name: str = ""
    cpu: int = 0
    memory_mb: int = 0
    gpu: int = 0
    gpu_model: str = ""
    cpu_model: str = ""
    commitment: str = ""
    generation: int = 0
    confidential_vm: bool = False
    availability: str = ""

    @property
    def memory_gb(self) -> int:
        return self.memory_mb // 1024

    @property
    def dedicated_cpu(self) -> bool:
        return self.commitment == "dedicatedcpu"


class ServerDisk(WireModel):
    """A disk as embedded in a server."""

    id: ID = 0
    name: str = ""
    availability: str = ""
    connection: str = ""
    connection_order: int = 0
    size_mb: int = 0
    plan: Ref | None = None
    storage: dict[str, Any] | None = None


class Server(Resource):
    availability: str = ""
    host_name: str = ""
    interface_driver: str = ""
    server_plan: ServerPlan = Field(default_factory=ServerPlan)
    zone: ZoneInfo = Field(default_factory=ZoneInfo)
    instance: InstanceInfo = Field(default_factory=InstanceInfo)
    disks: list[ServerDisk] = Field(default_factory=list)
    interfaces: list[InterfaceInfo] = Field(default_factory=list)
    private_host: Ref | None = None

    _nics = field_validator("interfaces", mode="before")(_interfaces)

    @field_validator("disks", "interfaces", "server_plan", "zone", "instance", mode="before")
    @classmethod
    def _null_is_empty(cls, value: Any, info: Any) -> Any:
        if value is None:
            return [] if info.field_name in ("disks", "interfaces") else {}
        return value

    @property
    def instance_status(self) -> str:
        return self.instance.status

    @property
    def is_up(self) -> bool:
        return self.instance.status.lower() == "up"

    @property
    def is_down(self) -> bool:
        return self.instance.status.lower() == "down"

    @property
    def cpu(self) -> int:
        return self.server_plan.cpu

    @property
    def memory_gb(self) -> int:
        return self.server_plan.memory_gb

    @property
    def gpu(self) -> int:
        return self.server_plan.gpu

    @property
    def cpu_model(self) -> str:
        return self.server_plan.cpu_model

    @property
    def commitment(self) -> str:
        return self.server_plan.commitment or "standard"

    @property
    def dedicated_cpu(self) -> bool:
        return self.server_plan.commitment == "dedicatedcpu"

    @property
    def private_host_id(self) -> int:
        return self.private_host.id if self.private_host else 0

    @property
    def disk_ids(self) -> list[int]:
        return [d.id for d in self.disks]


# --- disks, archives and other small resources ----------------------------------------------


class DiskPlanRef(WireModel):
    id: ID = 0
    name: str = ""
    storage_class: str = ""


class SourceRef(WireModel):
    id: ID = 0
    availability: str = ""


class Disk(Resource):
    availability: str = ""
    size_mb: int = 0
    migrated_mb: int = 0
    connection: str = ""
    connection_order: int = 0
    plan: DiskPlanRef | None = None
    source_disk: SourceRef | None = None
    source_archive: SourceRef | None = None
    server: Ref | None = None
    storage: dict[str, Any] | None = None

    @property
    def server_id(self) -> int:
        return self.server.id if self.server else 0


class Archive(Resource):
    availability: str = ""
    scope: str = ""
    size_mb: int = 0
    plan: Ref | None = None


class CDROM(Resource):
    availability: str = ""
    scope: str = ""


class PrivateHost(Resource):
    host_name: str = ""


class Icon(Resource):
    scope: str = ""
    url: str = ""


class PacketFilter(Resource):
    expression: list[dict[str, Any]] | None = None


class Note(Resource):
    class_: str = ""
    content: str = ""
    scope: str = ""
    availability: str = ""


class Switch(Resource):
    scope: str = ""
    server_count: int = 0
    user_subnet: UserSubnet | None = None
    subnets: list[Subnet] = Field(default_factory=list)
    internet: Ref | None = None

    @field_validator("subnets", mode="before")
    @classmethod
    def _no_null(cls, value: Any) -> Any:
        return [] if value is None else value


class Interface(WireModel):
    """An Interface resource (Interface.Update's response)."""

    id: ID = 0
    mac_address: str = ""
    ip_address: str = ""
    user_ip_address: str = ""
    host_name: str = ""
    switch: SwitchInfo | None = None
    packet_filter: Ref | None = None
    server: Ref | None = None


class InternetPlan(WireModel):
    id: ID = 0
    name: str = ""
    band_width_mbps: int = 0
    availability: str = ""


class RouterSwitch(WireModel):
    id: ID = 0
    name: str = ""
    subnets: list[Subnet] = Field(default_factory=list)
    ipv6_nets: list[dict[str, Any]] | None = None


class Internet(Resource):
    """A router (`Internet` on the wire). It has no ModifiedAt; Core uses CreatedAt."""

    scope: str = ""
    service_class: str = ""
    band_width_mbps: int = 0
    network_mask_len: int = 0
    switch: RouterSwitch | None = None


class Account(WireModel):
    id: ID = 0
    name: str = ""
    code: str = ""
    class_: str = ""


class Member(WireModel):
    code: str = ""
    class_: str = ""


class AuthStatus(WireModel):
    account: Account = Field(default_factory=Account)
    member: Member = Field(default_factory=Member)
    auth_class: str = ""
    auth_method: str = ""
    external_permission: str = ""
    is_api_key: bool = False
    operation_penalty: str = ""
    permission: str = ""


# --- ELB (ProxyLB) -------------------------------------------------------------------------------


class Provider(WireModel):
    class_: str = ""


class ProxyLBServer(WireModel):
    """A real server of an ELB; `Enabled` is a JSON boolean and `Port` an integer here."""

    ip_address: str = ""
    port: int = 0
    server_group: str = ""
    enabled: bool = False


class ProxyLBSettings(WireModel):
    """`Settings.ProxyLB`; only the real servers are typed, the rest is copied as is."""

    health_check: dict[str, Any] = Field(default_factory=dict)
    sorry_server: dict[str, Any] = Field(default_factory=dict)
    bind_ports: list[dict[str, Any]] | None = None
    servers: list[ProxyLBServer] = Field(default_factory=list)
    rules: list[dict[str, Any]] | None = None
    lets_encrypt: dict[str, Any] | None = None
    sticky_session: dict[str, Any] = Field(default_factory=dict)
    timeout: dict[str, Any] = Field(default_factory=dict)
    gzip: dict[str, Any] = Field(default_factory=dict)
    backend_http_keep_alive: dict[str, Any] | None = None
    monitoring_suite_log: dict[str, Any] | None = None
    proxy_protocol: dict[str, Any] = Field(default_factory=dict)
    syslog: dict[str, Any] = Field(default_factory=dict)

    @field_validator(
        "health_check",
        "sorry_server",
        "sticky_session",
        "timeout",
        "gzip",
        "proxy_protocol",
        "syslog",
        mode="before",
    )
    @classmethod
    def _null_object(cls, value: Any) -> Any:
        return {} if value is None else value

    @field_validator("servers", mode="before")
    @classmethod
    def _null_list(cls, value: Any) -> Any:
        return [] if value is None else value


class ProxyLBStatus(WireModel):
    use_vip_failover: bool = False
    region: str = ""
    proxy_networks: list[str] = Field(default_factory=list)
    fqdn: str = ""
    virtual_ip_address: str = ""


_ELB_CLASS = re.compile(r"^cloud(?:/|\\/)proxylb(?:/|\\/)(?:plain|anycast)(?:/|\\/)(\d+)$")


def proxylb_plan(service_class: str) -> int:
    """The CPS plan in `cloud/proxylb/plain/<cps>` or `…/anycast/<cps>`; 0 when unparsable."""
    match = _ELB_CLASS.match(service_class)
    return int(match.group(1)) if match else 0


class ProxyLB(Resource):
    SETTINGS_KEY: ClassVar[str] = "ProxyLB"
    availability: str = ""
    provider: Provider = Field(default_factory=Provider)
    service_class: str = ""
    settings: ProxyLBSettings = Field(
        default_factory=ProxyLBSettings, validation_alias=AliasPath("Settings", "ProxyLB")
    )
    settings_hash: str = ""
    status: ProxyLBStatus = Field(default_factory=ProxyLBStatus)

    @property
    def plan(self) -> int:
        return proxylb_plan(self.service_class)

    @property
    def region(self) -> str:
        return self.status.region

    @property
    def servers(self) -> list[ProxyLBServer]:
        return self.settings.servers


class ProxyLBHealthServer(WireModel):
    active_conn: int = 0
    status: str = ""
    ip_address: str = ""
    port: StrNum = 0
    cps: float = 0

    @property
    def is_up(self) -> bool:
        return self.status.lower() == "up"


class ProxyLBHealth(WireModel):
    active_conn: int = 0
    cps: float = 0
    current_vip: str = ""
    servers: list[ProxyLBHealthServer] = Field(default_factory=list)

    @field_validator("servers", mode="before")
    @classmethod
    def _null_list(cls, value: Any) -> Any:
        return [] if value is None else value


# --- GSLB ------------------------------------------------------------------------------------


class GSLBServer(WireModel):
    ip_address: str = ""
    enabled: StrFlag = False
    weight: StrNum = 0


class GSLBSettings(WireModel):
    delay_loop: int = 0
    health_check: dict[str, Any] = Field(default_factory=dict)
    weighted: StrFlag = False
    servers: list[GSLBServer] = Field(default_factory=list)
    sorry_server: str = ""
    monitoring_suite_log: dict[str, Any] | None = None

    @field_validator("servers", mode="before")
    @classmethod
    def _null_list(cls, value: Any) -> Any:
        return [] if value is None else value

    @field_validator("health_check", mode="before")
    @classmethod
    def _null_object(cls, value: Any) -> Any:
        return {} if value is None else value


class GSLBStatus(WireModel):
    fqdn: str = ""


class GSLB(Resource):
    SETTINGS_KEY: ClassVar[str] = "GSLB"
    availability: str = ""
    provider: Provider = Field(default_factory=Provider)
    service_class: str = ""
    settings: GSLBSettings = Field(
        default_factory=GSLBSettings, validation_alias=AliasPath("Settings", "GSLB")
    )
    settings_hash: str = ""
    status: GSLBStatus = Field(default_factory=GSLBStatus)

    @property
    def servers(self) -> list[GSLBServer]:
        return self.settings.servers


# --- DNS -------------------------------------------------------------------------------------


class DNSRecord(WireModel):
    name: str = ""
    type: str = ""
    rdata: str = ""
    ttl: int = 0


class DNSSettings(WireModel):
    resource_record_sets: list[DNSRecord] = Field(default_factory=list)
    monitoring_suite_log: dict[str, Any] | None = None

    @field_validator("resource_record_sets", mode="before")
    @classmethod
    def _null_list(cls, value: Any) -> Any:
        return [] if value is None else value


class DNSStatus(WireModel):
    zone: str = ""
    ns: list[str] = Field(default_factory=list)


class DNS(Resource):
    SETTINGS_KEY: ClassVar[str] = "DNS"
    availability: str = ""
    provider: Provider = Field(default_factory=Provider)
    service_class: str = ""
    settings: DNSSettings = Field(default_factory=DNSSettings, validation_alias=AliasPath("Settings", "DNS"))
    settings_hash: str = ""
    status: DNSStatus = Field(default_factory=DNSStatus)

    @property
    def records(self) -> list[DNSRecord]:
        return self.settings.resource_record_sets


# --- LoadBalancer appliance ------------------------------------------------------------------


class LBHealthCheck(WireModel):
    protocol: str = ""
    host: str = ""
    path: str = ""
    status: StrNum = 0  # the expected response code
    port: StrNum = 0
    retry: StrNum = 0
    connect_timeout: StrNum = 0


class LBServer(WireModel):
    ip_address: str = ""
    port: StrNum = 0
    enabled: StrFlag = False
    health_check: LBHealthCheck | None = None


class LBVirtualIP(WireModel):
    virtual_ip_address: str = ""
    port: StrNum = 0
    delay_loop: StrNum = 0
    sorry_server: str = ""
    description: str = ""
    servers: list[LBServer] = Field(default_factory=list)

    @field_validator("servers", mode="before")
    @classmethod
    def _null_list(cls, value: Any) -> Any:
        return [] if value is None else value


class LBNetwork(WireModel):
    default_route: str = ""
    network_mask_len: int = 0


class LBRemark(WireModel):
    network: LBNetwork = Field(default_factory=LBNetwork)
    switch: Ref | None = None
    vrrp: dict[str, Any] | None = None
    servers: list[dict[str, Any]] = Field(default_factory=list)
    zone: Ref | None = None
    plan: Ref | None = None


class LoadBalancer(Resource):
    SETTINGS_KEY: ClassVar[str] = "LoadBalancer"
    availability: str = ""
    class_: str = ""
    instance: InstanceInfo = Field(default_factory=InstanceInfo)
    remark: LBRemark = Field(default_factory=LBRemark)
    settings: list[LBVirtualIP] = Field(
        default_factory=list, validation_alias=AliasPath("Settings", "LoadBalancer")
    )
    settings_hash: str = ""
    interfaces: list[InterfaceInfo] = Field(default_factory=list)

    _nics = field_validator("interfaces", mode="before")(_interfaces)

    @field_validator("settings", "interfaces", mode="before")
    @classmethod
    def _null_list(cls, value: Any) -> Any:
        return [] if value is None else value

    @property
    def virtual_ip_addresses(self) -> list[LBVirtualIP]:
        return self.settings

    @property
    def network_mask_len(self) -> int:
        return self.remark.network.network_mask_len


class LBServerStatus(WireModel):
    active_conn: StrNum = 0
    status: str = ""
    ip_address: str = ""
    port: StrNum = 0
    cps: StrNum = 0

    @property
    def is_up(self) -> bool:
        return self.status.lower() == "up"


class LBStatus(WireModel):
    virtual_ip_address: str = ""
    port: StrNum = 0
    cps: StrNum = 0
    servers: list[LBServerStatus] = Field(default_factory=list)

    @field_validator("servers", mode="before")
    @classmethod
    def _null_list(cls, value: Any) -> Any:
        return [] if value is None else value
