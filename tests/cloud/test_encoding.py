"""Wire value conventions, find conditions and model parsing (cloud-api.md §2, §4)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autoscaler.cloud import (
    FindCondition,
    by_id,
    by_selector,
    by_tags,
    exact_match,
    partial_match,
    scalar,
    tags_and,
)
from autoscaler.cloud.conditions import escape
from autoscaler.cloud.encoding import number_text, parse_flag, parse_number, to_id, wire_name
from autoscaler.cloud.models import LoadBalancer, ProxyLB, Server, proxylb_plan


def test_wire_names() -> None:
    assert wire_name("user_ip_address") == "UserIPAddress"
    assert wire_name("memory_mb") == "MemoryMB"
    assert wire_name("band_width_mbps") == "BandWidthMbps"
    assert wire_name("confidential_vm") == "ConfidentialVM"
    assert wire_name("class_") == "Class"
    assert wire_name("proxy_lb") == "ProxyLB"


def test_ids_flags_and_numbers() -> None:
    assert to_id("113400000001") == to_id(113400000001) == 113400000001
    assert to_id("") == to_id(None) == 0
    with pytest.raises(ValueError):
        to_id("abc")
    assert [parse_flag(v) for v in ("True", "on", "1", 1, True, "false", "", None, "yes")] == [
        True,
        True,
        True,
        True,
        True,
        False,
        False,
        False,
        False,
    ]
    assert parse_number("80") == 80 and parse_number("") == 0 and parse_number(443) == 443
    assert number_text(0) == "" and number_text(80) == "80"


def test_escape_keeps_the_path_segment_set() -> None:
    assert escape("a b/c,d%e$f&g+h:i=j@k~l") == "a%20b%2Fc%2Cd%25e$f&g+h:i=j@k~l"


@given(st.text())
def test_escape_is_reversible(text: str) -> None:
    from urllib.parse import unquote

    assert unquote(escape(text)) == text


def test_condition_wire_text() -> None:
    assert FindCondition().query() == '{"Count":0,"From":0}'
    cond = FindCondition(
        count=10,
        from_=5,
        sort=["-Generation"],
        filter={
            "Tags.Name": tags_and("a b", "c"),
            "Name": partial_match("web", "prod"),
            "ID": exact_match("1", "2"),
        },
    )
    assert cond.query() == (
        '{"Count":10,"From":5,"Sort":["-Generation"],'
        '"Filter":{"ID":["1","2"],"Name":"web%20prod","Tags.Name":[["a b","c"]]}}'
    )
    assert scalar(2).wire == ["2"] and scalar("dedicatedcpu", raw=True).wire == ["dedicatedcpu"]
    assert scalar("a b").wire == ["a%20b"] and scalar(False).wire == ["0"]
    assert by_id(7).to_wire()["Filter"] == {"ID": ["7"]}
    assert by_tags("@previous-id=1").to_wire()["Filter"] == {"Tags.Name": [["@previous-id=1"]]}
    assert cond.with_filter("Name", "x").to_wire()["Filter"]["Name"] == "x"


def test_selector_condition() -> None:
    """A resource selector (cloud-api.md §2.4): each given part is one filter entry, ANDed."""
    assert by_selector().query() == '{"Count":0,"From":0}'
    assert by_selector(113400000001).query() == '{"Count":0,"From":0,"Filter":{"ID":["113400000001"]}}'
    assert by_selector("7", names=["web", "a b"], tags=["t1", "t 2"]).query() == (
        '{"Count":0,"From":0,"Filter":{"ID":["7"],"Name":"web%20a%20b","Tags.Name":[["t1","t 2"]]}}'
    )
    assert by_selector(0, names=[], tags=["x"]).to_wire()["Filter"] == {"Tags.Name": [["x"]]}


def test_server_model() -> None:
    server = Server.from_wire(
        {
            "ID": "1",
            "Tags": ["b", "a"],
            "ServerPlan": {"CPU": 4, "MemoryMB": 8192, "Commitment": "dedicatedcpu"},
            "Instance": {"Status": "UP"},
            "Interfaces": [
                None,
                {"ID": 2, "Switch": None},
                {"ID": 3, "Switch": {"Scope": "user", "Subnet": {"NetworkAddress": "10.0.0.0"}}},
            ],
            "Disks": None,
            "Icon": {},
            "Unknown": {"kept": True},
        }
    )
    assert server.id == 1 and server.tags == ["a", "b"]
    assert server.memory_gb == 8 and server.dedicated_cpu and server.is_up
    assert [(n.index, n.upstream_type) for n in server.interfaces] == [(1, "none"), (2, "router")]
    assert server.disks == [] and server.icon_id == 0
    assert server.to_wire()["Unknown"] == {"kept": True}


def test_proxylb_plan_and_settings_round_trip() -> None:
    assert proxylb_plan("cloud/proxylb/plain/100") == 100
    assert proxylb_plan("cloud\\/proxylb\\/anycast\\/5000") == 5000
    assert proxylb_plan("cloud/other/1") == 0
    elb = ProxyLB.from_wire({"Settings": {"ProxyLB": {"Servers": None, "Rules": [{"Host": "h"}]}}})
    assert elb.servers == [] and elb.settings.rules == [{"Host": "h"}]
    assert elb.to_wire()["Settings"]["ProxyLB"]["Rules"] == [{"Host": "h"}]


def test_load_balancer_string_numbers() -> None:
    lb = LoadBalancer.from_wire(
        {
            "Settings": {
                "LoadBalancer": [
                    {"Port": "443", "DelayLoop": "", "Servers": [{"Enabled": "false", "Port": "8443"}]}
                ]
            }
        }
    )
    vip = lb.settings[0]
    assert (vip.port, vip.delay_loop, vip.servers[0].enabled, vip.servers[0].port) == (443, 0, False, 8443)
    assert lb.to_wire()["Settings"]["LoadBalancer"][0]["Servers"][0]["Enabled"] == "False"
