"""The JSON a local-exec script receives: Go encoding/json of upstream's generated structs."""

from __future__ import annotations

import json
from typing import Any

import pytest
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message
from hypothesis import given, settings
from hypothesis import strategies as st

from autoscaler.golang import json as gojson
from autoscaler.proto import handler_pb2 as pb


def example_a() -> pb.HandleRequest:
    req = pb.HandleRequest(
        source="default",
        resource_name="web-server",
        scaling_job_id="web-server",
        instruction=pb.UPDATE,
        setup_grace_period=60,
    )
    server = req.desired.server
    elb = server.parent.elb
    elb.id, elb.region, elb.plan = "113600000001", "is1", 100
    elb.virtual_ip_address, elb.name = "203.0.113.10", "example-elb"
    elb.fqdn = "site-113600000001.proxylb1.sakura.ne.jp"
    server.id, server.zone, server.core, server.memory = "113600000002", "is1a", 4, 8
    server.dedicated_cpu, server.gpu, server.cpu_model = False, 0, "uncategorized"
    server.assigned_network.add(ip_address="192.0.2.11", netmask=24, gateway="192.0.2.1", index=0)
    server.name, server.shutdown_force = "web<1>&co", True
    return req


EXAMPLE_A = (
    '{"source":"default","resource_name":"web-server","scaling_job_id":"web-server","instruction":2,'
    '"desired":{"Resource":{"Server":{"parent":{"Resource":{"Elb":{"id":"113600000001","region":"is1",'
    '"plan":100,"virtual_ip_address":"203.0.113.10","fqdn":"site-113600000001.proxylb1.sakura.ne.jp",'
    '"name":"example-elb"}}},"id":"113600000002","zone":"is1a","core":4,"memory":8,'
    '"cpu_model":"uncategorized","assigned_network":[{"ip_address":"192.0.2.11","netmask":24,'
    '"gateway":"192.0.2.1"}],"name":"web\\u003c1\\u003e\\u0026co","shutdown_force":true}}},'
    '"setup_grace_period":60}'
)


def example_b() -> pb.PostHandleRequest:
    req = pb.PostHandleRequest(
        source="grafana",
        resource_name="server-group",
        scaling_job_id="server-group",
        result=pb.PostHandleRequest.CREATED,
    )
    sgi = req.current.server_group_instance
    sgi.id, sgi.zone, sgi.core, sgi.memory = "113600000101", "tk1b", 2, 4
    sgi.dedicated_cpu, sgi.cpu_model = True, "uncategorized"
    sgi.disks.add(
        id="113600000102",
        zone="tk1b",
        source_archive_id="113600000200",
        plan="ssd",
        connection="virtio",
        size=20,
        name="sg-001-disk001",
        tags=["autoscaler"],
    )
    ep = sgi.edit_parameter
    ep.host_name, ep.password = "sg-001", "p@ss"
    ep.disable_password_auth, ep.change_partition_uuid = True, True
    ep.ssh_keys.append("ssh-ed25519 AAAAC3Nza user@example")
    ep.startup_scripts.append("#!/bin/sh\necho ok > ok.txt\n")
    nic = sgi.network_interfaces.add(upstream="shared")
    nic.assigned_network.ip_address, nic.assigned_network.netmask = "198.51.100.21", 24
    nic.assigned_network.gateway = "198.51.100.1"
    nic.expose_info.ports.extend([80, 443])
    nic.expose_info.server_group_name = "web"
    nic.expose_info.health_check.protocol = "http"
    nic.expose_info.health_check.path = "/healthz"
    nic.expose_info.health_check.status_code = 200
    nic.expose_info.record_name, nic.expose_info.ttl = "www", 60
    nic2 = sgi.network_interfaces.add(upstream="113600000300", user_ip_address="192.168.0.11")
    nic2.assigned_network.ip_address, nic2.assigned_network.netmask = "192.168.0.11", 24
    nic2.assigned_network.gateway, nic2.assigned_network.index = "192.168.0.1", 1
    sgi.interface_driver, sgi.name = "virtio", "sg-001"
    sgi.tags.extend(["autoscaler", "@group=a"])
    sgi.description = "created by autoscaler"
    return req


EXAMPLE_B = (
    '{"source":"grafana","resource_name":"server-group","scaling_job_id":"server-group","result":1,'
    '"current":{"Resource":{"ServerGroupInstance":{"id":"113600000101","zone":"tk1b","core":2,"memory":4,'
    '"dedicated_cpu":true,"cpu_model":"uncategorized","disks":[{"id":"113600000102","zone":"tk1b",'
    '"source_archive_id":"113600000200","plan":"ssd","connection":"virtio","size":20,'
    '"name":"sg-001-disk001","tags":["autoscaler"]}],"edit_parameter":{"host_name":"sg-001",'
    '"password":"p@ss","disable_password_auth":true,"change_partition_uuid":true,'
    '"ssh_keys":["ssh-ed25519 AAAAC3Nza user@example"],'
    '"startup_scripts":["#!/bin/sh\\necho ok \\u003e ok.txt\\n"]},"network_interfaces":[{"upstream":"shared",'
    '"assigned_network":{"ip_address":"198.51.100.21","netmask":24,"gateway":"198.51.100.1"},'
    '"expose_info":{"ports":[80,443],"server_group_name":"web","health_check":{"protocol":"http",'
    '"path":"/healthz","status_code":200},"record_name":"www","ttl":60}},{"upstream":"113600000300",'
    '"user_ip_address":"192.168.0.11","assigned_network":{"ip_address":"192.168.0.11","netmask":24,'
    '"gateway":"192.168.0.1","index":1}}],"interface_driver":"virtio","name":"sg-001",'
    '"tags":["autoscaler","@group=a"],"description":"created by autoscaler"}}}}'
)


def test_worked_example_a_server_update_with_elb_parent() -> None:
    assert gojson.render(example_a()) == EXAMPLE_A.encode()


def test_worked_example_b_server_group_instance_created() -> None:
    assert gojson.render(example_b()) == EXAMPLE_B.encode()


def _router_noop() -> pb.HandleRequest:
    req = pb.HandleRequest(scaling_job_id="router", instruction=pb.NOOP)
    req.desired.router.SetInParent()
    return req


def _desired_without_member() -> pb.HandleRequest:
    req = pb.HandleRequest()
    req.desired.SetInParent()
    return req


def _empty_nested() -> pb.PostHandleRequest:
    req = pb.PostHandleRequest()
    sgi = req.current.server_group_instance
    sgi.edit_parameter.SetInParent()
    sgi.network_interfaces.add()
    nic = sgi.network_interfaces.add()
    nic.assigned_network.SetInParent()
    nic.expose_info.SetInParent()
    return req


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (pb.HandleRequest(), "{}"),
        (_router_noop(), '{"scaling_job_id":"router","instruction":4,"desired":{"Resource":{"Router":{}}}}'),
        (pb.PostHandleRequest(source="default"), '{"source":"default"}'),
        (_desired_without_member(), '{"desired":{"Resource":null}}'),
        (pb.HandleRequest(instruction=99), '{"instruction":99}'),  # type: ignore[arg-type]
        (
            _empty_nested(),
            '{"current":{"Resource":{"ServerGroupInstance":{"edit_parameter":{},'
            '"network_interfaces":[{},{"assigned_network":{},"expose_info":{}}]}}}}',
        ),
    ],
    ids=["empty", "router-noop", "source-only", "resource-null", "unknown-enum", "empty-nested"],
)
def test_worked_example_c_mostly_empty(message: Message, expected: str) -> None:
    assert gojson.render(message) == expected.encode()


ONE_LINERS = [
    '{"desired":{"Resource":{"Elb":{"parent":{"Resource":{"Gslb":{"id":"9","fqdn":"g.example","servers":'
    '[{"ip_address":"192.0.2.1","enabled":true,"weight":1},{"ip_address":"192.0.2.2"}],"name":"g"}}},"id":"1"}}}}',
    '{"desired":{"Resource":{"Gslb":{"id":"2"}}}}',
    '{"desired":{"Resource":{"Dns":{"id":"3","zone":"example.com","dns_servers":["ns1.example","ns2.example"]}}}}',
    '{"desired":{"Resource":{"Router":{"id":"4","zone":"is1a","band_width":250,"name":"r"}}}}',
    '{"desired":{"Resource":{"LoadBalancer":{"id":"5","zone":"is1a","virtual_ip_addresses":[{"ip_address":'
    '"192.0.2.100","port":80,"servers":[{"ip_address":"192.0.2.11","enabled":true},{"ip_address":"192.0.2.12"}]}],'
    '"name":"lb"}}}}',
    '{"desired":{"Resource":{"Server":{"parent":{"Resource":{"Dns":{"id":"7"}}},"id":"6"}}}}',
    '{"desired":{"Resource":{"Server":{"parent":{"Resource":{"LoadBalancer":{"id":"8"}}},"id":"6"}}}}',
]


@pytest.mark.parametrize("line", ONE_LINERS)
def test_other_oneof_members_round_trip_byte_for_byte(line: str) -> None:
    message = gojson.parse(pb.HandleRequest, line)
    assert gojson.render(message) == line.encode()


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ('"', '\\"'),
        ("\\", "\\\\"),
        ("\b", "\\b"),
        ("\f", "\\f"),
        ("\n", "\\n"),
        ("\r", "\\r"),
        ("\t", "\\t"),
        ("\x00", "\\u0000"),
        ("\x01", "\\u0001"),
        ("\x1f", "\\u001f"),
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
        ("\x7f", "\x7f"),
        ("/", "/"),
        ("é", "é"),
        ("日本語", "日本語"),
        ("😀", "😀"),
    ],
)
def test_escaping_rules(text: str, escaped: str) -> None:
    assert gojson.render(pb.HandleRequest(source=text)) == f'{{"source":"{escaped}"}}'.encode()


def test_escaping_sample_from_the_spec() -> None:
    source = 'a<b>&c\u2028\u2029\b\f\n\r\t\x00\x1f\x7f"\\ é/'
    expected = (
        b'{"source":"a\\u003cb\\u003e\\u0026c\\u2028\\u2029\\b\\f\\n\\r\\t\\u0000\\u001f'
        + b"\x7f"
        + '\\"\\\\ é/"}'.encode()
    )
    assert gojson.render(pb.HandleRequest(source=source)) == expected


def test_uint32_max_and_negative_enum_numbers() -> None:
    req = pb.HandleRequest(setup_grace_period=2**32 - 1, instruction=-1)  # type: ignore[arg-type]
    assert gojson.render(req) == b'{"instruction":-1,"setup_grace_period":4294967295}'


# --- properties over random requests ---------------------------------------------------------

_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=12)


def _messages(descriptor: Descriptor, depth: int) -> st.SearchStrategy[dict[str, Any]]:
    fields: dict[str, st.SearchStrategy[Any]] = {}
    for field in descriptor.fields:
        if field.containing_oneof is not None:
            continue
        fields[field.name] = _field_values(field, depth)
    oneofs = list(descriptor.oneofs)

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, strategy in fields.items():
            if draw(st.booleans()):
                out[name] = draw(strategy)
        for oneof in oneofs:
            if depth > 0 and draw(st.booleans()):
                member = draw(st.sampled_from(list(oneof.fields)))
                assert member.message_type is not None
                out[member.name] = draw(_messages(member.message_type, depth - 1))
        return out

    return build()


def _field_values(field: FieldDescriptor, depth: int) -> st.SearchStrategy[Any]:
    if field.type == FieldDescriptor.TYPE_MESSAGE:
        if depth <= 0:
            single: st.SearchStrategy[Any] = st.just({})
        else:
            assert field.message_type is not None
            single = _messages(field.message_type, depth - 1)
    elif field.type == FieldDescriptor.TYPE_STRING:
        single = _text
    elif field.type == FieldDescriptor.TYPE_BOOL:
        single = st.booleans()
    elif field.type == FieldDescriptor.TYPE_ENUM:
        single = st.integers(min_value=-5, max_value=20)
    else:
        single = st.integers(min_value=0, max_value=2**32 - 1)
    return st.lists(single, max_size=3) if field.is_repeated else single


def _build(message: Message, values: dict[str, Any]) -> Message:
    for name, value in values.items():
        field = message.DESCRIPTOR.fields_by_name[name]
        if field.type == FieldDescriptor.TYPE_MESSAGE:
            if field.is_repeated:
                for item in value:
                    _build(getattr(message, name).add(), item)
            else:
                sub = getattr(message, name)
                sub.SetInParent()
                _build(sub, value)
        elif field.is_repeated:
            getattr(message, name).extend(value)
        else:
            setattr(message, name, value)
    return message


HTML_SAFE = {
    ord("<"): "\\u003c",
    ord(">"): "\\u003e",
    ord("&"): "\\u0026",
    0x2028: "\\u2028",
    0x2029: "\\u2029",
}

requests = st.one_of(
    _messages(pb.HandleRequest.DESCRIPTOR, 4).map(lambda v: _build(pb.HandleRequest(), v)),
    _messages(pb.PostHandleRequest.DESCRIPTOR, 4).map(lambda v: _build(pb.PostHandleRequest(), v)),
)


def _keys_in_declaration_order(value: Any, message: Message) -> None:
    order = [f.name for f in message.DESCRIPTOR.fields if f.containing_oneof is None]
    if message.DESCRIPTOR.oneofs:
        assert list(value) == ["Resource"]
        return
    positions = [order.index(k) for k in value]
    assert positions == sorted(positions)


@settings(max_examples=300, deadline=None)
@given(requests)
def test_render_properties(message: Message) -> None:
    data = gojson.render(message)
    text = data.decode("utf-8")
    # Compact, one line, HTML-safe, no raw control characters, no trailing newline.
    assert not any(c in text for c in "<>&\u2028\u2029\n\r\t")
    assert not any(ord(c) < 0x20 for c in text)
    assert not text.endswith("\n")
    decoded = json.loads(text)
    assert json.dumps(decoded, ensure_ascii=False, separators=(",", ":")).translate(HTML_SAFE) == text
    _keys_in_declaration_order(decoded, message)
    # The rendering carries every set field: parsing it back gives the same message.
    assert gojson.parse(type(message), data) == message


def test_parse_names_the_bad_key() -> None:
    with pytest.raises(gojson.GoJSONError, match=r"^\$\.desired\.Resource\.Server\.cores: unknown key"):
        gojson.parse(pb.HandleRequest, '{"desired":{"Resource":{"Server":{"cores":2}}}}')
    with pytest.raises(gojson.GoJSONError, match=r"^\$\.instruction: unknown value 'GROW'"):
        gojson.parse(pb.HandleRequest, '{"instruction":"GROW"}')
    with pytest.raises(
        gojson.GoJSONError, match=r"^\$\.setup_grace_period: expected an unsigned 32-bit integer"
    ):
        gojson.parse(pb.HandleRequest, '{"setup_grace_period":-1}')
