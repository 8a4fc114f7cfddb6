"""`type: ServerGroup` — horizontal scaling: a group of servers created from a template."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, ClassVar

from ...cloud.client import CloudClient
from ...cloud.conditions import FindCondition
from ...cloud.errors import message_of
from ...cloud.lookup import find_archive_by_os_type
from ...cloud.models import Server
from ...cloud.ops.base import FindResult
from ...cloud.plans import find_server_plan
from ...golang.fmt import sprintf
from ...proto import handler_pb2 as pb
from ..config.decode import GoBool, StrictModel
from ..config.problems import Invalid, Problem, classify, invalid, prefix_all, system
from ..config.rules import Rules, each, minimum, required, skip_empty, unique, zone_rule
from ..request import RequestInfo, RequestType
from .base import DefinitionBase
from .computed import CREATE, DELETE, NOOP
from .health import member_healthy
from .instance import InstanceResource, expose_info
from .parent import ParentDef, ParentResource, find_parent
from .payloads import id_text
from .plans import Plan, PlanError, ServerGroupPlan, desired_plan
from .selector import ResourceSelector
from .server import changed_at
from .template import DiskTemplate, Template

DEFAULT_NAME_FORMAT = "%s-%03d"


class AutoHealing(StrictModel):
    enabled: GoBool = False


class ServerGroupDef(DefinitionBase):
    TYPE: ClassVar[str] = "ServerGroup"

    server_name_prefix: str = ""
    server_name_format: str = ""
    zone: str = ""
    zones: list[str] | None = None
    min_size: int = 0
    max_size: int = 0
    auto_healing: AutoHealing | None = None
    plans: list[ServerGroupPlan] | None = None
    template: Template | None = None
    shutdown_force: GoBool = False
    parent: ParentDef | None = None
    # Beyond upstream: how many members one job creates or deletes at once (1 = upstream's order).
    parallelism: int = 1

    def own_rules(self, rules: Rules, zones: tuple[str, ...]) -> None:
        zone_ok = zone_rule(zones)
        rules.field(
            "zone",
            None if self.zone or self.zones is not None else "required_without=Zones",
            skip_empty(self.zone, zone_ok),
        )
        zones_given = rules.field(
            "zones", None if self.zones is not None or self.zone else "required_without=Zone"
        )
        if zones_given and self.zones is not None and rules.field("zones", unique(self.zones)):
            each("zones", self.zones, rules, required, zone_ok)
        rules.field(
            "min_size",
            minimum(self.min_size, 0),
            None if self.min_size <= self.max_size else "ltefield=MaxSize",
        )
        rules.field(
            "max_size",
            minimum(self.max_size, 0),
            None if self.max_size >= self.min_size else "gtecsfield=MinSize",
        )
        rules.field("parallelism", minimum(self.parallelism, 1))
        if rules.field("template", None if self.template is not None else "required"):
            assert self.template is not None
            self.template.struct_rules(rules)
        if self.parent is not None:
            self.parent.rules(rules)

    @property
    def parallelism_limit(self) -> int:
        return self.parallelism

    @property
    def name_prefix(self) -> str:
        return self.server_name_prefix or self.name

    @property
    def zone_list(self) -> list[str]:
        """The group's zones; `zone: x` is the same as `zones: [x]`."""
        return [self.zone] if self.zone else list(self.zones or ())

    def server_name(self, index: int) -> str:
        return sprintf(self.server_name_format or DEFAULT_NAME_FORMAT, (self.name_prefix, index + 1))

    def zone_for(self, position: int) -> str:
        zones = self.zone_list
        return zones[position % len(zones)]

    def plan_list(self) -> list[Plan[int]]:
        """Every size from min to max, named after the first `plans` entry of that size."""
        out = []
        for size in range(self.min_size, self.max_size + 1):
            name = next((p.name for p in self.plans or () if p.size == size), "")
            out.append(Plan(name, (size,), size))
        return out

    def local_checks(self) -> tuple[list[str], list[str]]:
        """(errors, warnings) of the definition checks that need no cloud."""
        errors: list[str] = []
        warnings: list[str] = []
        if not self.name_prefix:
            errors.append("name or server_name_prefix: required")
        if self.name and not self.server_name_prefix:
            warnings.append("required: server_name_prefix")
        if self.zone and self.zones is not None and len(self.zones) > 0:
            errors.append("only one of zone and zones can be specified")
        if len(self.zone_list) > 1 and self.parent is not None and self.parent.type == "LoadBalancer":
            errors.append("multiple zones cannot be specified when the parent is a LoadBalancer")
        for plan in self.plans or ():
            if not self.min_size <= plan.size <= self.max_size:
                errors.append(f"plan: plan.size must be between min_size and max_size: size:{plan.size}")
        return errors, warnings

    def size_by_highest_index(self, names: list[str]) -> int:
        """How many members Keep maintains: up to the highest numbered member present."""
        if self.max_size <= 0 or not names:
            return 0
        if len(names) >= self.max_size:
            return self.max_size
        present = set(names)
        for count in range(self.max_size, 0, -1):
            if self.server_name(count - 1) in present:
                return count
        return 0

    def index_of(self, name: str) -> int:
        return next((i for i in range(self.max_size) if self.server_name(i) == name), 0)

    def next_name(self, names: list[str]) -> tuple[str, int]:
        """The first free number among the current members (gaps first)."""
        present = set(names)
        for i in range(len(names)):
            if self.server_name(i) not in present:
                return self.server_name(i), i
        return self.server_name(len(names)), len(names)

    # --- cloud side --------------------------------------------------------------------------

    async def members(self, client: CloudClient) -> list[tuple[str, Server]]:
        """Servers whose name starts with the prefix, in every zone, sorted by name."""
        condition = ResourceSelector(names=[self.name_prefix]).condition()
        found: list[tuple[str, Server]] = []
        for zone in self.zone_list:
            try:
                servers = await client.servers.find(zone, condition)
            except Exception as exc:
                raise RuntimeError(f"computing status failed: {message_of(exc)}") from None
            found += [(zone, s) for s in servers if s.name.startswith(self.name_prefix)]
        return sorted(found, key=lambda zs: zs[1].name.encode())

    async def check(self, client: CloudClient, warn: Callable[[str], None]) -> list[Problem]:
        errors, warnings = self.local_checks()
        problems = [invalid(e) for e in errors]
        assert self.template is not None
        template_problems, template_warnings = await check_template(self, client)
        problems += template_problems
        for text in (*warnings, *template_warnings):
            warn(text)
        if self.parent is not None:
            try:
                await find_parent(client, self.parent, self.zone)
            except Exception as exc:
                problems.append(classify(exc).prefixed(self.parent.prefix))
        return prefix_all(problems, self.prefix)

    async def resources(self, client: CloudClient, request: RequestInfo) -> list[InstanceResource]:
        members = await self.members(client)
        if request.type == RequestType.KEEP:
            return await self._keep(client, members)
        size = len(members)
        if request.resource_name == self.name:
            try:
                chosen = desired_plan(request, (len(members),), self.plan_list())
            except PlanError as exc:
                raise RuntimeError(str(exc)) from None
            if chosen is not None:
                size = chosen.value
        parent = await self._parent(client)
        out: list[InstanceResource] = []
        for position, (zone, record) in enumerate(members):
            instruction = DELETE if position >= size else NOOP
            index = self.index_of(record.name)
            out.append(
                InstanceResource(client, self, record.zone.name or zone, instruction, index, parent, record)
            )
        assert self.template is not None
        icon = await lookup_id(client.icons.find, self.template.icon_id, self.template.icon)
        while len(out) < size:
            zone = self.zone_for(len(out))
            name, index = self.next_name([r.name for r in out])
            planned = await planned_instance(self, client, zone, name, index, icon)
            out.append(InstanceResource(client, self, zone, CREATE, index, parent, planned=planned))
        return out

    async def _keep(self, client: CloudClient, members: list[tuple[str, Server]]) -> list[InstanceResource]:
        if self.auto_healing is None or not self.auto_healing.enabled:
            return []
        count = self.size_by_highest_index([r.name for _, r in members])
        parent = await self._parent(client)
        assert self.template is not None
        icon = await lookup_id(client.icons.find, self.template.icon_id, self.template.icon)
        by_name = {r.name: (z, r) for z, r in members}
        out: list[InstanceResource] = []
        for i in range(count):
            name = self.server_name(i)
            if name in by_name:
                zone, record = by_name[name]
                if await member_healthy(client, record, parent, self.template.network_interfaces or []):
                    continue
                out.append(
                    InstanceResource(client, self, record.zone.name or zone, DELETE, i, parent, record)
                )
            zone = self.zone_for(i)
            planned = await planned_instance(self, client, zone, name, i, icon)
            out.append(InstanceResource(client, self, zone, CREATE, i, parent, planned=planned))
        return out

    async def _parent(self, client: CloudClient) -> ParentResource | None:
        if self.parent is None:
            return None
        return await find_parent(client, self.parent, self.zone_list[0])

    async def last_modified(self, client: CloudClient) -> datetime | None:
        return changed_at(r for _, r in await self.members(client))


Find = Callable[[FindCondition], Awaitable[FindResult[Any]]]


async def lookup_id(find: Find, given_id: str, selector: ResourceSelector | None) -> str:
    """An `*_id` key as written, else the first resource the selector finds, else ""."""
    if given_id:
        return given_id if given_id.isdigit() else ""
    if selector is None:
        return ""
    first = (await find(selector.condition())).first()
    return id_text(first.id) if first is not None else ""


def in_zone(find: Callable[[str, FindCondition], Awaitable[FindResult[Any]]], zone: str) -> Find:
    """A zoned find as a find of one zone."""
    return lambda condition: find(zone, condition)


async def disk_source(client: CloudClient, disk: DiskTemplate, zone: str) -> tuple[str, str]:
    """(source archive ID, source disk ID) of a template disk in `zone`."""
    if disk.os_type:
        try:
            archive = await find_archive_by_os_type(client, zone, disk.os_type)
        except Exception as exc:
            raise Invalid(message_of(exc)) from None
        return id_text(archive.id), ""
    for find, selector, label, plural in (
        (client.archives.find, disk.source_archive, "source archive", "archives"),
        (client.disks.find, disk.source_disk, "source disk", "disks"),
    ):
        if selector is None:
            continue
        found = (await find(zone, selector.condition())).items
        if not found:
            raise Invalid(f"{label} not found with: {{zone: {zone}, {selector}}}")
        if len(found) > 1:
            shown = [r.model_dump(by_alias=True, mode="json", exclude_unset=True) for r in found]
            raise Invalid(f"multiple {label} found with: {{zone: {zone}, {selector}}}, {plural}: {shown}")
        source = id_text(found[0].id)
        return (source, "") if plural == "archives" else ("", source)
    return "", ""


async def check_template(group: ServerGroupDef, client: CloudClient) -> tuple[list[Problem], list[str]]:
    template = group.template
    assert template is not None and template.plan is not None
    errors, warnings = template.local_checks()
    problems = [invalid(e) for e in errors]
    plan = template.plan
    for zone in group.zone_list:
        try:
            await find_server_plan(
                client,
                zone,
                core=plan.core,
                memory_gb=plan.memory,
                gpu=plan.gpu,
                cpu_model=plan.cpu_model,
                dedicated_cpu=plan.dedicated_cpu,
            )
        except Exception as exc:
            problems.append(invalid(f"plan {{{plan}}} not found: {message_of(exc)}"))
        for disk in template.disks or ():
            struct = disk.struct_rules()
            if struct:
                problems += [invalid(m) for m in struct]
                continue
            disk_errors, disk_warnings = disk.local_checks()
            problems += [invalid(e) for e in disk_errors]
            warnings += disk_warnings
            try:
                await disk_source(client, disk, zone)
            except Exception as exc:
                problems.append(classify(exc))
    if template.edit_parameter is not None and template.cloud_config:
        problems.append(system("only one of edit_parameter and cloud_config can be specified"))
    elif template.edit_parameter is not None:
        problem = template.edit_parameter.check()
        if problem:
            problems.append(invalid(problem))
        problems += [invalid(p) for p in startup_script_problems(group)]
    elif template.cloud_config:
        problem = cloud_config_problem(template.cloud_config)
        if problem:
            problems.append(invalid(problem))
    for i, nic in enumerate(template.network_interfaces or ()):
        nic_errors, nic_warnings = nic.checks(group.parent, group.max_size, i)
        problems += [invalid(e) for e in nic_errors]
        warnings += nic_warnings
    return problems, warnings


def startup_script_problems(group: ServerGroupDef) -> list[str]:
    """Startup scripts that will not parse as Go templates (upstream finds out only when it
    creates a server, after the server exists)."""
    from ...golang.template import Template, TemplateError

    assert group.template is not None and group.template.edit_parameter is not None
    out = []
    for i, script in enumerate(group.template.edit_parameter.startup_scripts or ()):
        try:
            Template.parse(group.server_name(0), script)
        except TemplateError as exc:
            out.append(f"edit_parameter.startup_scripts[{i}]: {exc}")
    return out


def cloud_config_problem(text: str) -> str | None:
    import yaml

    from ...yamlconf import ConfigError, parse_text

    try:
        doc = parse_text(text, "cloud-config")
    except ConfigError as exc:
        return f"invalid cloud-config: {exc}"
    except yaml.YAMLError as exc:
        return f"invalid cloud-config: {exc}"
    if doc.data is not None and not isinstance(doc.data, dict):
        return "invalid cloud-config: the content must be a mapping"
    return None


async def planned_instance(
    group: ServerGroupDef, client: CloudClient, zone: str, name: str, index: int, icon_id: str
) -> pb.ServerGroupInstance:
    template = group.template
    assert template is not None and template.plan is not None
    plan = template.plan
    nics = []
    for i, nic in enumerate(template.network_interfaces or ()):
        upstream = "shared"
        if not nic.shared and nic.upstream is not None:
            found = (await client.switches.find(zone, nic.upstream.condition())).items
            if not found:
                raise RuntimeError(
                    f"network interface: upstream not found with: {{zone:{zone}, {nic.upstream}}}"
                )
            if len(found) > 1:
                raise RuntimeError(
                    f"network interface: multiple upstreams found with: {{zone:{zone}, {nic.upstream}}}"
                )
            upstream = id_text(found[0].id)
        info = pb.ServerGroupInstance.NIC(
            upstream=upstream,
            packet_filter_id=await lookup_id(
                in_zone(client.packet_filters.find, zone), nic.packet_filter_id, nic.packet_filter
            ),
        )
        if nic.expose is not None:
            info.expose_info.CopyFrom(expose_info(nic))
        if upstream != "shared":
            ip, mask = nic.address_for(index)
            info.user_ip_address = ip
            info.assigned_network.CopyFrom(
                pb.NetworkInfo(ip_address=ip, netmask=mask % 2**32, gateway=nic.default_route, index=i)
            )
        nics.append(info)
    disks = []
    for k, disk in enumerate(template.disks or ()):
        archive, source_disk = await disk_source(client, disk, zone)
        disks.append(
            pb.ServerGroupInstance.Disk(
                zone=zone,
                source_archive_id=archive,
                source_disk_id=source_disk,
                plan=disk.plan,
                connection=disk.connection,
                size=disk.size,
                name=disk.disk_name(name, k),
                tags=list(disk.tags or []),
                description=disk.description,
                icon_id=await lookup_id(client.icons.find, disk.icon_id, disk.icon),
            )
        )
    instance = pb.ServerGroupInstance(
        zone=zone,
        core=plan.core,
        memory=plan.memory,
        dedicated_cpu=plan.dedicated_cpu,
        gpu=plan.gpu,
        cpu_model=plan.cpu_model,
        private_host_id=await lookup_id(
            in_zone(client.private_hosts.find, zone), template.private_host_id, template.private_host
        ),
        disks=disks,
        cloud_config=template.cloud_config,
        network_interfaces=nics,
        cd_rom_id=await lookup_id(in_zone(client.cdroms.find, zone), template.cdrom_id, template.cdrom),
        interface_driver=template.interface_driver,
        name=name,
        tags=template.tags_for(index, len(group.zone_list)),
        description=template.description,
        icon_id=icon_id,
        shutdown_force=group.shutdown_force,
    )
    edit = template.edit_parameter
    if edit is not None and not edit.disabled:
        first = nics[0].assigned_network if nics and nics[0].HasField("assigned_network") else None
        instance.edit_parameter.CopyFrom(
            pb.ServerGroupInstance.EditParameter(
                host_name=edit.host_name(name, index),
                password=edit.password,
                disable_password_auth=edit.disable_pw_auth,
                enable_dhcp=edit.enable_dhcp,
                change_partition_uuid=edit.change_partition_uuid,
                ip_address=first.ip_address if first is not None else "",
                network_mask_len=first.netmask if first is not None else 0,
                default_route=first.gateway if first is not None else "",
                ssh_keys=list(edit.ssh_keys or []),
                startup_scripts=list(edit.startup_scripts or []),
            )
        )
    return instance
