"""Decoding the Core's configuration: the schema, coercions, strictness and positions."""

from __future__ import annotations

from pathlib import Path

import pytest

from autoscaler.core.config.load import load_config, load_text
from autoscaler.core.config.problems import DecodeError
from autoscaler.core.resources.elb import ELBDef
from autoscaler.core.resources.router import RouterDef
from autoscaler.core.resources.server import ServerDef
from autoscaler.core.resources.server_group import ServerGroupDef
from autoscaler.core.resources.template import SharedSegment

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("upstream_*.yaml")), ids=lambda p: p.stem)
def test_upstream_examples_load(path: Path) -> None:
    config = load_config(str(path))
    assert config.definitions


def test_minimum_yaml() -> None:
    config = load_config(str(FIXTURES / "upstream_minimum.yaml"), strict=True)
    (definition,) = config.definitions
    assert isinstance(definition, ELBDef)
    assert definition.type == "EnhancedLoadBalancer"
    assert definition.selector is not None and definition.selector.names == ["example"]
    cooldown = config.autoscaler.cooldowns
    assert (cooldown.up, cooldown.down, cooldown.keep) == (5, 5, 5)
    assert (config.sakuracloud.token, config.sakuracloud.secret) == ("", "")
    assert config.strict


def test_example_yaml_every_type() -> None:
    config = load_config(str(FIXTURES / "upstream_example.yaml"))
    server, group, elb, elb_server, gslb_server, router = config.definitions
    assert isinstance(server, ServerDef) and server.selector is not None
    assert server.selector.id == 123456789012 and server.selector.zones == ["is1a"]
    assert [(p.core, p.memory) for p in server.plans or ()] == [(1, 1), (2, 4), (4, 8)]
    assert server.shutdown_force and server.grace == 60
    assert isinstance(group, ServerGroupDef) and group.template is not None
    assert group.zone_list == ["is1a", "is1b"] and (group.min_size, group.max_size) == (5, 20)
    assert group.auto_healing is not None and group.auto_healing.enabled
    nic = (group.template.network_interfaces or [])[0]
    assert nic.upstream is not None and nic.upstream.names == ["autoscaler-test02"] and not nic.shared
    assert nic.expose is not None and nic.expose.ports == [80, 443]
    disk = (group.template.disks or [])[0]
    assert disk.source_archive is not None and disk.source_archive.names == ["my-app-archive"]
    edit = group.template.edit_parameter
    assert edit is not None and edit.startup_scripts is not None
    assert edit.startup_scripts[0] == "/path/to/your/script.sh"  # no such file: kept as text
    assert isinstance(elb, ELBDef) and [p.cps for p in elb.plans or ()] == [100, 500, 1000]
    assert isinstance(elb_server, ServerDef) and elb_server.parent is not None
    assert elb_server.parent.type == "EnhancedLoadBalancer"
    # The short form is a name, without the trailing newline upstream keeps.
    assert elb_server.parent.selector is not None and elb_server.parent.selector.names == ["example"]
    assert isinstance(gslb_server, ServerDef) and gslb_server.parent is not None
    assert gslb_server.parent.type == "GSLB"
    assert isinstance(router, RouterDef) and [p.band_width for p in router.plans or ()] == [100, 250, 500]
    assert config.autoscaler.shutdown_grace == 600


def test_e2e_parent_with_ignored_name_and_shared_nic() -> None:
    config = load_config(str(FIXTURES / "upstream_e2e_horizontal_scaling.yaml"))
    (group,) = config.definitions
    assert isinstance(group, ServerGroupDef) and group.parent is not None and group.template is not None
    assert group.parent.type == "EnhancedLoadBalancer"
    nic = (group.template.network_interfaces or [])[0]
    assert isinstance(nic.upstream, SharedSegment) and nic.shared
    assert [p.name for p in group.plans or ()] == ["smallest", "medium", "largest"]


def error(text: str, strict: bool = False) -> str:
    with pytest.raises(DecodeError) as info:
        load_text(text, "conf.yaml", strict)
    return str(info.value)


def test_unknown_key_names_key_and_line() -> None:
    text = "resources: []\nautoscaler:\n  exporter_config:\n    enabled: true\n    foo: 1\n"
    assert error(text) == 'conf.yaml:5:5: autoscaler.exporter_config.foo: unknown field "foo"'


def test_unknown_key_inside_a_resource() -> None:
    text = (
        "resources:\n  - type: Server\n    selector:\n      names: [a]\n      zones: [is1a]\n    plan: []\n"
    )
    assert error(text) == 'conf.yaml:6:5: resources[0].plan: unknown field "plan"'


def test_unknown_key_in_nested_template() -> None:
    text = (
        "resources:\n  - type: ServerGroup\n    zone: is1a\n    template:\n      plan: {core: 1}\n"
        "      network_interfaces:\n        - upstream: shared\n          expose: {portz: [80]}\n"
    )
    assert "resources[0].template.network_interfaces[0].expose.portz: unknown field" in error(text)


def test_custom_handler_disabled_key_is_rejected() -> None:
    text = "resources: []\nhandlers:\n  - name: a\n    endpoint: unix:a.sock\n    disabled: true\n"
    assert error(text) == 'conf.yaml:5:5: handlers[0].disabled: unknown field "disabled"'


def test_duplicate_key() -> None:
    assert 'mapping key "resources" already defined at [1:1]' in error("resources: []\nresources: []\n")


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ("- 1", "invalid value: resource: 1"),
        ("- {name: x, zone: is1a}", "'type' field required: map[name:x zone:is1a]"),
        ("- {type: 1}", "'type' is not string: map[type:1]"),
        ("- {type: Server, resources: []}", "pre-v0.5 format"),
        (
            "- {type: GSLB}",
            "unexpected type: GSLB (valid: Server, ServerGroup, EnhancedLoadBalancer, ELB, Router)",
        ),
        (
            "- {type: server}",
            "unexpected type: server (did you mean Server? valid: Server, ServerGroup, EnhancedLoadBalancer, ELB, Router)",
        ),
    ],
)
def test_resource_list_errors(item: str, message: str) -> None:
    assert message in error(f"resources:\n  {item}\n")


def test_resources_not_a_list() -> None:
    assert "resources: mapping was used where sequence is expected" in error("resources: {a: 1}\n")


def test_scalar_template_is_rejected() -> None:
    text = "resources:\n  - type: ServerGroup\n    zone: is1a\n    template: foo\n"
    assert "resources[0].template: string was used where mapping is expected" in error(text)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("3", 3), ('"3"', 3), ("3.0", 3)],
)
def test_integer_coercions(value: str, expected: int) -> None:
    config = load_text(f"resources:\n  - type: ServerGroup\n    zone: is1a\n    min_size: {value}\n")
    group = config.definitions[0]
    assert isinstance(group, ServerGroupDef) and group.min_size == expected


def test_number_for_string_field_and_bad_boolean() -> None:
    config = load_text("resources:\n  - type: ServerGroup\n    zone: 1\n")
    group = config.definitions[0]
    assert isinstance(group, ServerGroupDef) and group.zone == "1"
    assert "resources[0].shutdown_force: cannot unmarshal string" in error(
        'resources:\n  - type: ServerGroup\n    shutdown_force: "true"\n'
    )


def test_empty_list_is_present_and_null_is_absent() -> None:
    group = load_text("resources:\n  - type: ServerGroup\n    zones: []\n    zone:\n").definitions[0]
    assert isinstance(group, ServerGroupDef) and group.zones == [] and group.zone == ""


def test_empty_file_is_empty_config() -> None:
    config = load_text("")
    assert config.resources is None and config.custom_handlers == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("5", (5, 5, 5)),
        ('"30"', (30, 30, 30)),
        ("{up: 1, down: 2}", (1, 2, 0)),
        ("{up: 1, foo: 9}", (1, 0, 0)),
    ],
)
def test_cooldown_forms(value: str, expected: tuple[int, int, int]) -> None:
    cooldown = load_text(f"resources: []\nautoscaler:\n  cooldown: {value}\n").autoscaler.cooldowns
    assert (cooldown.up, cooldown.down, cooldown.keep) == expected


def test_cooldown_zero_means_default_and_bad_value() -> None:
    cooldown = load_text("resources: []\nautoscaler:\n  cooldown: 0\n").autoscaler.cooldowns
    assert cooldown.seconds("Up") == 600 and cooldown.seconds("Keep") == 600
    assert "autoscaler.cooldown" in error("resources: []\nautoscaler:\n  cooldown: a\n")


def test_autoscaler_section() -> None:
    config = load_text(
        "resources: []\nautoscaler:\n  shutdown_grace_period: 5\n  exporter_config: {enabled: true}\n"
        "  handlers_config:\n    handlers:\n      elb-vertical-scaler: {disabled: true}\n      no-such: {}\n"
    )
    auto = config.autoscaler
    assert auto.shutdown_grace == 5 and auto.exporter_enabled and auto.exporter_address == ":8081"
    assert "elb-vertical-scaler" not in auto.enabled_builtins()
    assert auto.handlers_config is not None and "no-such" in (auto.handlers_config.handlers or {})


def test_handlers_config_disabled_and_per_handler() -> None:
    off = load_text("resources: []\nautoscaler:\n  handlers_config: {disabled: true}\n").autoscaler
    assert off.enabled_builtins() == []
    text = "resources: []\nautoscaler:\n  handlers_config:\n    handlers:\n" + "".join(
        f"      {n}: {{disabled: {'false' if n in ('dns-servers-handler', 'elb-vertical-scaler') else 'true'}}}\n"
        for n in (
            "server-vertical-scaler",
            "elb-vertical-scaler",
            "dns-servers-handler",
            "router-vertical-scaler",
            "elb-servers-handler",
            "gslb-servers-handler",
            "load-balancer-servers-handler",
            "server-horizontal-scaler",
        )
    )
    assert load_text(text).autoscaler.enabled_builtins() == ["dns-servers-handler", "elb-vertical-scaler"]


def test_sakuracloud_section() -> None:
    config = load_text("resources: []\nsakuracloud:\n  token: t\n  secret: s\n  profile: p\n")
    assert (config.sakuracloud.token, config.sakuracloud.secret, config.sakuracloud.profile) == (
        "t",
        "s",
        "p",
    )


def test_selector_short_forms() -> None:
    config = load_text(
        "resources:\n  - type: ServerGroup\n    zone: is1a\n    parent: {type: LoadBalancer, selector: lb}\n"
        "    template:\n      icon: 113300000001\n      cdrom: '113300000002'\n      private_host: ph\n"
        "      network_interfaces:\n        - upstream: {names: [sw]}\n          packet_filter: {tags: [pf]}\n"
    )
    group = config.definitions[0]
    assert isinstance(group, ServerGroupDef) and group.template is not None and group.parent is not None
    assert group.parent.selector is not None and group.parent.selector.names == ["lb"]
    assert group.template.icon is not None and group.template.icon.id == 113300000001
    assert group.template.cdrom is not None and group.template.cdrom.id == 113300000002
    assert group.template.private_host is not None and group.template.private_host.names == ["ph"]
    nic = (group.template.network_interfaces or [])[0]
    assert nic.packet_filter is not None and nic.packet_filter.tags == ["pf"]


def test_parent_type_normalised_and_unknown() -> None:
    config = load_text(
        "resources:\n  - type: Server\n    parent: {type: ELB, selector: x, name: ignored}\n"
        "  - type: Server\n    parent: {type: Router, selector: x}\n"
    )
    first, second = config.definitions
    assert (
        isinstance(first, ServerDef)
        and first.parent is not None
        and first.parent.type == "EnhancedLoadBalancer"
    )
    assert isinstance(second, ServerDef) and second.parent is not None and second.parent.type == "unknown"


@pytest.mark.parametrize("value", ["foobar", "{foo: 1}"])
def test_bad_upstream(value: str) -> None:
    text = f"resources:\n  - type: ServerGroup\n    template:\n      network_interfaces:\n        - upstream: {value}\n"
    assert "resources[0].template.network_interfaces[0].upstream" in error(text)


def test_string_or_file(tmp_path: Path) -> None:
    script = tmp_path / "setup.sh"
    script.write_text("#!/bin/sh\necho hi\n")
    text = (
        "resources:\n  - type: ServerGroup\n    zone: is1a\n    template:\n      plan: {core: 1}\n"
        f"      edit_parameter:\n        startup_scripts: ['{script}', 'echo inline']\n"
        f"        ssh_keys: ['{tmp_path / 'missing.pub'}']\n"
    )
    group = load_text(text).definitions[0]
    assert isinstance(group, ServerGroupDef) and group.template is not None
    edit = group.template.edit_parameter
    assert edit is not None and edit.startup_scripts == ["#!/bin/sh\necho hi\n", "echo inline"]
    assert edit.ssh_keys == [str(tmp_path / "missing.pub")]
    strict = load_text(text, strict=True).definitions[0]
    assert isinstance(strict, ServerGroupDef) and strict.template is not None
    assert strict.template.edit_parameter is not None
    assert strict.template.edit_parameter.startup_scripts == [str(script), "echo inline"]


def test_string_or_file_user_home_is_an_error() -> None:
    text = "resources:\n  - type: ServerGroup\n    template:\n      cloud_config: ~bob/x\n"
    assert "cannot expand user-specific home dir" in error(text)


def test_missing_file() -> None:
    with pytest.raises(DecodeError, match=r"opening configuration file failed: /nonexistent\.yaml error"):
        load_config("/nonexistent.yaml")


@pytest.mark.parametrize("value", ["2.5", "many"])
def test_parallelism_must_be_an_integer(value: str) -> None:
    text = f"resources:\n  - type: ServerGroup\n    zone: is1a\n    parallelism: {value}\n"
    assert error(text).startswith("conf.yaml:4:18: resources[0].parallelism: cannot unmarshal ")


def test_parallelism_is_a_group_key_only() -> None:
    text = "resources:\n  - type: Server\n    selector: {names: [a]}\n    parallelism: 2\n"
    assert error(text) == 'conf.yaml:4:5: resources[0].parallelism: unknown field "parallelism"'
