"""Field rules and the local checks of definitions: upstream's messages, in its order."""

from __future__ import annotations

import pytest

from autoscaler.core.config.load import load_text
from autoscaler.core.config.model import Definition
from autoscaler.core.config.problems import Problem
from autoscaler.core.config.rules import DEFAULT_ZONES
from autoscaler.core.config.validate import check_definitions, handlers_config_problems
from autoscaler.core.resources.server_group import ServerGroupDef


async def no_cloud_checks(definition: Definition) -> list[Problem]:
    return []


async def problems(text: str) -> list[str]:
    config = load_text(text)
    return [p.text for p in await check_definitions(config.definitions, DEFAULT_ZONES, no_cloud_checks)]


async def test_server_selector_required() -> None:
    assert await problems("resources:\n  - type: Server\n") == ["resource=Server selector: required"]


async def test_empty_selector_and_zones() -> None:
    text = "resources:\n  - type: Server\n    selector: {zones: [is1a, xx1a]}\n"
    assert await problems(text) == [
        "resource=Server id: required_without_all=Tags Names",
        "resource=Server tags: required_without_all=ID Names",
        "resource=Server names: required_without_all=ID Tags",
        f"resource=Server zones[1]: oneof={' '.join(DEFAULT_ZONES)}",
    ]


async def test_missing_zones_and_grace_bounds() -> None:
    text = "resources:\n  - type: Router\n    setup_grace_period: 601\n    selector: {names: [a]}\n"
    assert await problems(text) == [
        "resource=Router setup_grace_period: max=600",
        "resource=Router zones: required",
    ]


async def test_elb_prefix_and_parent_rules() -> None:
    text = (
        "resources:\n  - type: ELB\n    name: a\n  - type: Server\n    name: b\n"
        "    selector: {names: [x], zones: [is1a]}\n    parent: {type: Router}\n"
    )
    assert await problems(text) == [
        "resource=EnhancedLoadBalancer selector: required",
        "resource=Server type: oneof=DNS EnhancedLoadBalancer ELB GSLB LoadBalancer",
        "resource=Server selector: required",
    ]


async def test_server_group_rules() -> None:
    text = (
        "resources:\n  - type: ServerGroup\n    min_size: 2\n    max_size: 1\n    zones: [is1a, '', is1a]\n"
    )
    assert await problems(text) == [
        "resource=ServerGroup zones: unique",
        "resource=ServerGroup min_size: ltefield=MaxSize",
        "resource=ServerGroup max_size: gtecsfield=MinSize",
        "resource=ServerGroup template: required",
    ]
    text = "resources:\n  - type: ServerGroup\n    zones: [is1a, '']\n    template: {plan: {}}\n"
    assert await problems(text) == ["resource=ServerGroup zones[1]: required"]
    text = "resources:\n  - type: ServerGroup\n    template:\n      tags: [a, a]\n      interface_driver: foobar\n"
    assert await problems(text) == [
        "resource=ServerGroup zone: required_without=Zones",
        "resource=ServerGroup zones: required_without=Zone",
        "resource=ServerGroup tags: unique",
        "resource=ServerGroup interface_driver: oneof=virtio e1000",
        "resource=ServerGroup plan: required",
    ]


async def test_names_required_and_unique() -> None:
    text = (
        "resources:\n  - {type: Server, selector: {names: [a], zones: [is1a]}}\n"
        "  - {type: Server, name: d, selector: {names: [a], zones: [is1a]}}\n"
        "  - {type: Server, name: d, selector: {names: [a], zones: [is1a]}}\n"
    )
    assert await problems(text) == [
        "name is required if the configuration has more than one resource",
        "resource name d is duplicated",
    ]


async def test_single_unnamed_definition_is_fine() -> None:
    assert await problems("resources:\n  - {type: Server, selector: {names: [a], zones: [is1a]}}\n") == []


def group(text: str) -> ServerGroupDef:
    definition = load_text("resources:\n  - type: ServerGroup\n" + text).definitions[0]
    assert isinstance(definition, ServerGroupDef)
    return definition


def test_server_group_local_checks() -> None:
    assert group("    zone: is1a\n").local_checks()[0] == ["name or server_name_prefix: required"]
    errors, warnings = group("    name: web\n    zone: is1a\n    zones: [is1b]\n").local_checks()
    assert errors == ["only one of zone and zones can be specified"] and warnings == [
        "required: server_name_prefix"
    ]
    errors, _ = group(
        "    name: web\n    zones: [is1a, is1b]\n    parent: {type: LoadBalancer, selector: lb}\n"
        "    min_size: 1\n    max_size: 2\n    plans: [{size: 3}]\n"
    ).local_checks()
    assert errors == [
        "multiple zones cannot be specified when the parent is a LoadBalancer",
        "plan: plan.size must be between min_size and max_size: size:3",
    ]


@pytest.mark.parametrize(
    ("nic", "max_size", "expected"),
    [
        ("{upstream: shared}", 1, []),
        (
            "{upstream: shared, assign_cidr_block: 192.0.2.0/24}",
            1,
            ["upstream=shared but network settings are specified"],
        ),
        (
            "{upstream: {names: [s]}, assign_cidr_block: 192.168.0.11/24, assign_netmask_len: 24, default_route: 192.168.0.1}",
            1,
            [],
        ),
        (
            "{upstream: {names: [s]}, assign_cidr_block: 192.0.2.16/28, assign_netmask_len: 24, default_route: 192.0.2.1}",
            1,
            [],
        ),
        ("{upstream: {names: [s]}, assign_cidr_block: 192.0.2.0/111}", 1, ["assign_cidr_block: cidrv4"]),
        ("{upstream: {names: [s]}, assign_cidr_block: 192.0.2.0/30}", 5, ["assign_cidr_block is too small"]),
        (
            "{upstream: {names: [s]}, assign_cidr_block: 192.0.2.0/24, assign_netmask_len: 24, default_route: 10.0.0.1}",
            1,
            [
                "default_route and assigned_address must be in the same network: assign_cidr_block:192.0.2.0/24, "
                "assign_netmask_len:24, default_route:10.0.0.1"
            ],
        ),
        (
            "{upstream: {names: [s]}, packet_filter_id: '1', packet_filter: pf}",
            1,
            ["only one of packet_filter and packet_filter_id can be specified"],
        ),
        ("{upstream: {names: [s]}, default_route: 10.0.0.1}", 1, ["invalid cidr block"]),
    ],
)
def test_nic_checks(nic: str, max_size: int, expected: list[str]) -> None:
    g = group(f"    zone: is1a\n    template:\n      plan: {{core: 1}}\n      network_interfaces: [{nic}]\n")
    assert g.template is not None and g.template.network_interfaces is not None
    assert g.template.network_interfaces[0].checks(None, max_size, 0)[0] == expected


def test_expose_checks_by_parent() -> None:
    g = group(
        "    zone: is1a\n    parent: {type: ELB, selector: e}\n    template:\n      plan: {core: 1}\n"
        "      network_interfaces:\n        - upstream: shared\n          expose: {weight: 1, vips: [10.0.0.1], "
        "health_check: {protocol: ping, path: /x, status_code: 200}}\n"
    )
    assert g.template is not None and g.template.network_interfaces is not None
    assert g.template.network_interfaces[0].checks(g.parent, 1, 0)[0] == [
        "ports: required when parent is EnhancedLoadBalancer",
        "weight: can't specify if parent resource type is EnhancedLoadBalancer",
        "vips: can't specify if parent resource type is EnhancedLoadBalancer",
        "health_check: can't specify if parent resource type is EnhancedLoadBalancer",
        "path: can not be specified if protocol is not http or https",
        "status_code: can not be specified if protocol is not http or https",
    ]


def test_edit_parameter_and_template_conflicts() -> None:
    g = group(
        "    zone: is1a\n    template:\n      plan: {core: 1}\n      icon_id: '1'\n      icon: x\n"
        "      edit_parameter: {disabled: true, password: p}\n"
    )
    assert g.template is not None and g.template.edit_parameter is not None
    assert g.template.local_checks() == (
        ["only one of icon and icon_id can be specified"],
        ["icon_id is deprecated. use icon instead"],
    )
    assert g.template.edit_parameter.check() == "disabled=true but a value is specified"


def test_handlers_config_unknown_names() -> None:
    config = load_text(
        "resources: []\nautoscaler:\n  handlers_config:\n    handlers: {foo: {}, elb-vertical-scaler: {}}\n"
    )
    assert [p.text for p in handlers_config_problems(config)] == ["invalid key: foo"]


@pytest.mark.parametrize("value", ["0", "-2"])
async def test_parallelism_below_one_is_refused(value: str) -> None:
    text = f"resources:\n  - type: ServerGroup\n    zone: is1a\n    parallelism: {value}\n    template: {{plan: {{}}}}\n"
    assert await problems(text) == ["resource=ServerGroup parallelism: min=1"]


async def test_parallelism_defaults_to_one_and_only_a_group_has_it() -> None:
    group = load_text("resources:\n  - type: ServerGroup\n    zone: is1a\n").definitions[0]
    assert isinstance(group, ServerGroupDef) and (group.parallelism, group.parallelism_limit) == (1, 1)
    four = load_text("resources:\n  - type: ServerGroup\n    zone: is1a\n    parallelism: 4\n").definitions[0]
    assert four.parallelism_limit == 4
    server = load_text("resources:\n  - type: Server\n    selector: {names: [a]}\n").definitions[0]
    assert server.parallelism_limit == 1
