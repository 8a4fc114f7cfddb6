"""The ServerGroup `template`: what each new server of the group is built from.

Holds the schema of the template and its parts (plan, disks, edit parameter, NICs and their
`expose` metadata) and the checks that need no cloud lookup.
"""

from __future__ import annotations

import ipaddress
from typing import Annotated, Any

from pydantic import WrapValidator
from pydantic_core.core_schema import ValidatorFunctionWrapHandler

from ...golang.fmt import sprintf
from ..config.decode import GoBool, StrictModel
from ..config.rules import (
    Rules,
    cidrv4,
    each,
    ipv4,
    maximum,
    minimum,
    oneof,
    parse_cidr,
    required,
    skip_empty,
    unique,
)
from .parent import ParentDef
from .selector import IdOrNameOrSelector, NameOrSelector, ResourceSelector

GROUP_TAGS = ("@group=a", "@group=b", "@group=c", "@group=d")


class SharedSegment(ResourceSelector):
    """`upstream: shared`: the shared segment rather than a switch found by a selector."""


SHARED = SharedSegment()


def _upstream(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    if value == "shared":
        return SHARED
    if isinstance(value, str | int | float | bool):
        shown = "string" if isinstance(value, str) else "scalar"
        raise ValueError(f"{shown} was used where mapping is expected")
    return handler(value)


Upstream = Annotated[ResourceSelector, WrapValidator(_upstream)]


def _tag_rules(rules: Rules, tags: list[str] | None) -> None:
    if rules.field("tags", unique(tags), maximum(tags or [], 10)):
        each("tags", tags, rules, lambda t: maximum(t, 32))


class InstancePlan(StrictModel):
    core: int = 0
    memory: int = 0
    gpu: int = 0
    cpu_model: str = ""
    dedicated_cpu: GoBool = False

    def __str__(self) -> str:
        return (
            f"Core:{self.core}, Memory:{self.memory}, DedicatedCPU:{str(self.dedicated_cpu).lower()}, "
            f"GPU:{self.gpu}, CPUModel:{self.cpu_model}"
        )

    @property
    def commitment(self) -> str:
        return "dedicatedcpu" if self.dedicated_cpu else "standard"


class DiskTemplate(StrictModel):
    name_prefix: str = ""
    name_format: str = ""
    tags: list[str] | None = None
    description: str = ""
    icon_id: str = ""
    icon: IdOrNameOrSelector | None = None
    source_archive: NameOrSelector | None = None
    source_disk: NameOrSelector | None = None
    os_type: str = ""
    plan: str = ""
    connection: str = ""
    size: int = 0

    def struct_rules(self) -> list[str]:
        rules = Rules()
        _tag_rules(rules, self.tags)
        rules.field("description", maximum(self.description, 512))
        for selector in (self.icon, self.source_archive, self.source_disk):
            if selector is not None:
                selector.rules(rules)
        rules.field("plan", skip_empty(self.plan, lambda v: oneof(v, ("ssd", "hdd"))))
        rules.field("connection", skip_empty(self.connection, lambda v: oneof(v, ("virtio", "ide"))))
        return rules.messages

    def local_checks(self) -> tuple[list[str], list[str]]:
        """(errors, warnings) of the checks that need no cloud."""
        errors = [s.conflict() for s in (self.source_archive, self.source_disk) if s is not None]
        if self.name_prefix and self.name_format:
            errors.append("only one of name_prefix and name_format can be specified")
        if self.icon_id and self.icon is not None:
            errors.append("only one of icon and icon_id can be specified")
        warnings = ["icon_id is deprecated. use icon instead"] if self.icon_id else []
        return [e for e in errors if e], warnings

    def disk_name(self, server_name: str, index: int) -> str:
        # A non-empty name_prefix switches the format; its value is unused (upstream behaviour,
        # kept so disks get the names a Go Core would give them).
        fmt = "%s-%d" if self.name_prefix else (self.name_format or "%s-disk%03d")
        return sprintf(fmt, (server_name, index + 1))


class EditParameter(StrictModel):
    disabled: GoBool = False
    host_name_prefix: str = ""
    host_name_format: str = ""
    password: str = ""
    disable_pw_auth: GoBool = False
    enable_dhcp: GoBool = False
    change_partition_uuid: GoBool = False
    startup_scripts: list[str] | None = None  # each a text or a file path
    ssh_keys: list[str] | None = None  # each a text or a file path

    def check(self) -> str | None:
        has_value = bool(self.host_name_prefix or self.password or self.startup_scripts or self.ssh_keys)
        if self.disabled and has_value:
            return "disabled=true but a value is specified"
        if self.host_name_prefix and self.host_name_format:
            return "only one of host_name_prefix and host_name_format can be specified"
        return None

    def host_name(self, server_name: str, index: int) -> str:
        if not self.host_name_format and not self.host_name_prefix:
            return server_name
        fmt = "%s-%03d" if self.host_name_prefix or not self.host_name_format else self.host_name_format
        return sprintf(fmt, (server_name, index + 1))


class HealthCheck(StrictModel):
    protocol: str = ""
    path: str = ""
    status_code: int = 0

    def checks(self) -> list[str]:
        rules = Rules()
        protocols = ("http", "https", "ping", "tcp")
        if not rules.field("protocol", required(self.protocol), oneof(self.protocol, protocols)):
            return rules.messages
        out = []
        if self.protocol in ("http", "https"):
            if not self.path:
                out.append("path: required if protocol is http or https")
            if self.status_code == 0:
                out.append("status_code: required if protocol is http or https")
        else:
            if self.path:
                out.append("path: can not be specified if protocol is not http or https")
            if self.status_code > 0:
                out.append("status_code: can not be specified if protocol is not http or https")
        return out


class Expose(StrictModel):
    ports: list[int] | None = None
    server_group_name: str = ""
    weight: int = 0
    vips: list[str] | None = None
    health_check: HealthCheck | None = None
    record_name: str = ""
    record_ttl: int = 0

    def struct_rules(self, rules: Rules) -> None:
        if rules.field("ports", unique(self.ports)):
            each("ports", self.ports, rules, lambda p: minimum(p, 1), lambda p: maximum(p, 65535))
        each("vips", self.vips, rules, ipv4)
        if self.health_check is not None:
            rules.field(
                "protocol",
                required(self.health_check.protocol),
                oneof(self.health_check.protocol, ("http", "https", "ping", "tcp")),
            )
        rules.field(
            "record_ttl", skip_empty(self.record_ttl, lambda v: minimum(v, 10), lambda v: maximum(v, 3600000))
        )

    def checks(self, parent: ParentDef | None, nic_index: int) -> list[str]:
        rules = Rules()
        self.struct_rules(rules)
        if rules.messages:
            return rules.messages
        out = []
        if nic_index > 0:
            for key, written in (
                ("server_group_name", bool(self.server_group_name)),
                ("weight", self.weight > 0),
                ("record_name", bool(self.record_name)),
                ("record_ttl", self.record_ttl > 0),
            ):
                if written:
                    out.append(f"{key}: can only be specified for the first NIC")
        if parent is not None:
            given = {
                "ports": bool(self.ports),
                "server_group_name": bool(self.server_group_name),
                "weight": self.weight > 0,
                "vips": bool(self.vips),
                "health_check": self.health_check is not None,
                "record_name": bool(self.record_name),
                "record_ttl": self.record_ttl > 0,
            }
            # (required keys, forbidden keys) per parent type, in upstream's order of checks.
            table: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
                "EnhancedLoadBalancer": (
                    ("ports",),
                    ("weight", "vips", "health_check", "record_name", "record_ttl"),
                ),
                "GSLB": ((), ("server_group_name", "vips", "health_check", "record_name", "record_ttl")),
                "LoadBalancer": (
                    ("ports", "health_check"),
                    ("server_group_name", "weight", "record_name", "record_ttl"),
                ),
                "DNS": ((), ("server_group_name", "weight", "vips", "health_check")),
            }
            needed, forbidden = table.get(parent.type, ((), ()))
            for key in needed:
                if not given[key]:
                    out.append(f"{key}: required when parent is {parent.type}")
            for key in forbidden:
                if given[key]:
                    out.append(f"{key}: can't specify if parent resource type is {parent.type}")
        if self.health_check is not None:
            out.extend(self.health_check.checks())
        return out


class NICTemplate(StrictModel):
    upstream: Upstream | None = None
    assign_cidr_block: str = ""
    assign_netmask_len: int = 0
    default_route: str = ""
    packet_filter_id: str = ""
    packet_filter: IdOrNameOrSelector | None = None
    expose: Expose | None = None

    @property
    def shared(self) -> bool:
        return isinstance(self.upstream, SharedSegment)

    def struct_rules(self) -> list[str]:
        rules = Rules()
        rules.field("upstream", None if self.upstream is not None else "required")
        rules.field("assign_cidr_block", skip_empty(self.assign_cidr_block, cidrv4))
        rules.field(
            "assign_netmask_len",
            skip_empty(self.assign_netmask_len, lambda v: minimum(v, 1), lambda v: maximum(v, 32)),
        )
        rules.field("default_route", skip_empty(self.default_route, ipv4))
        if self.packet_filter is not None:
            self.packet_filter.rules(rules)
        if self.expose is not None:
            self.expose.struct_rules(rules)
        return rules.messages

    def checks(self, parent: ParentDef | None, max_size: int, index: int) -> tuple[list[str], list[str]]:
        """(errors, warnings) for this NIC."""
        struct = self.struct_rules()
        if struct:
            return struct, []
        errors: list[str] = []
        warnings: list[str] = []
        if self.packet_filter_id and self.packet_filter is not None:
            errors.append("only one of packet_filter and packet_filter_id can be specified")
        if self.packet_filter_id:
            warnings.append("icon_id is deprecated. use icon instead")  # upstream's text, sic
        network = bool(self.assign_cidr_block) or self.assign_netmask_len > 0 or bool(self.default_route)
        if self.shared and network:
            return ["upstream=shared but network settings are specified"], warnings
        if network:
            parsed = parse_cidr(self.assign_cidr_block)
            if parsed is None:
                return ["invalid cidr block"], warnings
            _, net = parsed
            if _usable_hosts(net.prefixlen) < max_size:
                errors.append("assign_cidr_block is too small")
            mask = self.assign_netmask_len or net.prefixlen
            if self.default_route:
                assigned = ipaddress.IPv4Network(f"{net.network_address}/{mask}", strict=False)
                if ipaddress.IPv4Address(self.default_route) not in assigned:
                    errors.append(
                        "default_route and assigned_address must be in the same network: "
                        f"assign_cidr_block:{self.assign_cidr_block}, "
                        f"assign_netmask_len:{self.assign_netmask_len}, default_route:{self.default_route}"
                    )
        if self.expose is not None:
            errors.extend(self.expose.checks(parent, index))
        return errors, warnings

    def address_for(self, index: int) -> tuple[str, int]:
        """(IP, mask length) for the instance at `index`; ("", -1) when none is assigned."""
        if self.upstream is None or self.shared or not self.assign_cidr_block:
            return "", -1
        parsed = parse_cidr(self.assign_cidr_block)
        if parsed is None:
            raise ValueError(f"invalid CIDR address: {self.assign_cidr_block}")
        ip, net = parsed
        mask = self.assign_netmask_len or net.prefixlen
        candidate = ipaddress.IPv4Address((int(ip) + index + 1) % 2**32)
        if candidate not in net:
            raise ValueError(f"next ip {candidate} is not in cidr block: {self.assign_cidr_block}")
        return str(candidate), mask


def _usable_hosts(prefix: int) -> int:
    if prefix == 32:
        return 1
    if prefix == 31:
        return 2
    return int(2 ** (32 - prefix)) - 2


class Template(StrictModel):
    tags: list[str] | None = None
    use_group_tag: GoBool = False
    description: str = ""
    icon_id: str = ""
    icon: IdOrNameOrSelector | None = None
    cdrom_id: str = ""
    cdrom: IdOrNameOrSelector | None = None
    private_host_id: str = ""
    private_host: IdOrNameOrSelector | None = None
    interface_driver: str = ""
    plan: InstancePlan | None = None
    disks: list[DiskTemplate] | None = None
    edit_parameter: EditParameter | None = None
    cloud_config: str = ""  # a text or a file path; replaced by the content when loaded
    network_interfaces: list[NICTemplate] | None = None

    def struct_rules(self, rules: Rules) -> None:
        _tag_rules(rules, self.tags)
        rules.field("description", maximum(self.description, 512))
        for selector in (self.icon, self.cdrom, self.private_host):
            if selector is not None:
                selector.rules(rules)
        rules.field(
            "interface_driver", skip_empty(self.interface_driver, lambda v: oneof(v, ("virtio", "e1000")))
        )
        rules.field("plan", None if self.plan is not None else "required")
        rules.field("disks", maximum(self.disks or [], 4))
        rules.field("network_interfaces", maximum(self.network_interfaces or [], 10))

    def local_checks(self) -> tuple[list[str], list[str]]:
        """(errors, warnings) of the id/selector conflicts and deprecations."""
        errors: list[str] = []
        warnings: list[str] = []
        for key, old, new in (
            ("icon", self.icon_id, self.icon),
            ("cdrom", self.cdrom_id, self.cdrom),
            ("private_host", self.private_host_id, self.private_host),
        ):
            if old and new is not None:
                errors.append(f"only one of {key} and {key}_id can be specified")
            if old:
                warnings.append(f"{key}_id is deprecated. use {key} instead")
        return errors, warnings

    def tags_for(self, index: int, zone_count: int) -> list[str]:
        """The template tags, plus `@group=<a-d>` spreading servers over hosts when asked."""
        tags = list(self.tags or ())
        if not self.use_group_tag or index < 0 or zone_count <= 0:
            return tags
        if any(t.startswith("@group=") for t in tags):
            return tags
        return [*tags, GROUP_TAGS[(index // zone_count) % len(GROUP_TAGS)]]
