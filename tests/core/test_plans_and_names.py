"""Plan selection, Go name formats, group naming and the PostHandle result."""

from __future__ import annotations

import pytest

from autoscaler.core.config.load import load_text
from autoscaler.core.request import RequestInfo, RequestType
from autoscaler.core.resources.computed import (
    CREATE,
    DELETE,
    NOOP,
    UPDATE,
    Computed,
    ResourceType,
    Result,
    handle_result,
)
from autoscaler.core.resources.plans import Plan, PlanError, desired_plan, within_range
from autoscaler.core.resources.server_group import ServerGroupDef
from autoscaler.golang.fmt import sprintf


def plans(*sizes: int, names: dict[int, str] | None = None) -> list[Plan[int]]:
    return [Plan((names or {}).get(s, ""), (s,), s) for s in sizes]


def req(kind: RequestType, desired: str = "") -> RequestInfo:
    return RequestInfo(kind, "src", "name", desired)


@pytest.mark.parametrize(
    ("kind", "current", "sizes", "expected"),
    [
        (RequestType.UP, 1, (2, 1), 2),
        (RequestType.UP, 2, (2, 1), None),
        (RequestType.UP, 2, (1, 3, 4), 3),
        (RequestType.DOWN, 2, (2, 1), 1),
        (RequestType.DOWN, 1, (1, 2), None),
        (RequestType.DOWN, 3, (1, 2, 4, 5), 2),
        (RequestType.KEEP, 1, (1, 2), None),
        (RequestType.UP, 1, (1,), 1),
        (RequestType.DOWN, 1, (1,), 1),
        (RequestType.UP, 2, (1,), None),
    ],
)
def test_next_plan(kind: RequestType, current: int, sizes: tuple[int, ...], expected: int | None) -> None:
    chosen = desired_plan(req(kind), (current,), plans(*sizes))
    assert (chosen.value if chosen else None) == expected


def test_named_plans() -> None:
    named = plans(1, 2, 3, 5, names={1: "small", 3: "big"})
    chosen = desired_plan(req(RequestType.UP, "big"), (1,), named)
    assert chosen is not None and chosen.value == 3
    with pytest.raises(PlanError, match='desired plan "big" is smaller than current plan'):
        desired_plan(req(RequestType.UP, "big"), (5,), named)
    chosen = desired_plan(req(RequestType.DOWN, "small"), (3,), named)
    assert chosen is not None and chosen.value == 1
    with pytest.raises(PlanError, match='desired plan "big" is larger than current plan'):
        desired_plan(req(RequestType.DOWN, "big"), (2,), named)
    assert desired_plan(req(RequestType.KEEP, "big"), (1,), named) is None
    with pytest.raises(
        PlanError, match=r'desired plan "nope" not found: request: &core.requestInfo\{requestType:1'
    ):
        desired_plan(req(RequestType.UP, "nope"), (1,), named)
    default = desired_plan(req(RequestType.UP, "default"), (1,), named)
    assert default is not None and default.value == 2


def test_within_range() -> None:
    assert not within_range([], (1,))
    assert within_range(plans(1), (1,)) and not within_range(plans(1), (2,))
    assert within_range(plans(1, 2), (2,)) and not within_range(plans(1, 2), (3,))


@pytest.mark.parametrize(
    ("fmt", "args", "expected"),
    [
        ("%s-%03d", ("web", 1), "web-001"),
        ("%s%d", ("web", 12), "web12"),
        ("%s", ("web", 1), "web%!(EXTRA int=1)"),
        ("%d", ("web", 1), "%!d(string=web)%!(EXTRA int=1)"),
        ("%s-%s", ("web", 1), "web-%!s(int=1)"),
        ("%s-%d-%d", ("web", 1), "web-1-%!d(MISSING)"),
        ("%s-%3d|%-3d|", ("w", 1), "w-  1|%!d(MISSING)|"),
        ("100%%-%s", ("w", 1), "100%-w%!(EXTRA int=1)"),
        ("%z", ("w", 1), "%!z(string=w)%!(EXTRA int=1)"),
        ("%s-%d%", ("w", 1), "w-1%!(NOVERB)"),
    ],
)
def test_go_sprintf(fmt: str, args: tuple[str, int], expected: str) -> None:
    assert sprintf(fmt, args) == expected


def group(text: str = "") -> ServerGroupDef:
    definition = load_text(
        f"resources:\n  - type: ServerGroup\n    name: web\n    zone: is1a\n{text}"
    ).definitions[0]
    assert isinstance(definition, ServerGroupDef)
    return definition


def test_group_names() -> None:
    g = group("    max_size: 5\n")
    assert g.next_name([]) == ("web-001", 0)
    assert g.next_name(["web-001", "web-002"]) == ("web-003", 2)
    assert g.next_name(["web-001", "web-003"]) == ("web-002", 1)
    assert g.index_of("web-004") == 3 and g.index_of("other") == 0


@pytest.mark.parametrize(
    ("names", "max_size", "fmt", "expected"),
    [
        ([], 3, "", 0),
        (["001", "002", "003"], 3, "", 3),
        (["001", "003", "004"], 5, "", 4),
        (["005"], 5, "", 5),
        (["foo", "bar", "002"], 5, "", 2),
        (["1", "3", "6"], 6, "%s%d", 6),
        (["001"], 0, "", 0),
        (["foo", "bar"], 2, "", 2),
    ],
)
def test_size_by_highest_index(names: list[str], max_size: int, fmt: str, expected: int) -> None:
    g = group(
        f"    max_size: {max_size}\n    server_name_prefix: ''\n    server_name_format: '{fmt or '%s%03d'}'\n"
    )
    g.server_name_prefix = ""
    g.name = ""
    assert g.size_by_highest_index(names) == expected


def test_group_tags() -> None:
    g = group("    template:\n      use_group_tag: true\n      tags: [tag]\n      plan: {core: 1}\n")
    assert g.template is not None
    assert g.template.tags_for(0, 1) == ["tag", "@group=a"]
    assert g.template.tags_for(3, 1) == ["tag", "@group=d"]
    assert g.template.tags_for(4, 1) == ["tag", "@group=a"]
    assert g.template.tags_for(3, 2) == ["tag", "@group=b"]
    assert g.template.tags_for(8, 4) == ["tag", "@group=c"]
    assert g.template.tags_for(17, 2) == ["tag", "@group=a"]
    assert g.template.tags_for(-1, 1) == ["tag"]
    g.template.tags = ["@group=a"]
    assert g.template.tags_for(3, 1) == ["@group=a"]


def test_nic_addresses() -> None:
    g = group(
        "    template:\n      plan: {core: 1}\n      network_interfaces:\n"
        "        - {upstream: {names: [sw]}, assign_cidr_block: 192.168.1.16/28, assign_netmask_len: 28}\n"
        "        - {upstream: {names: [sw]}, assign_cidr_block: 192.168.0.0/24}\n        - {upstream: shared}\n"
    )
    assert g.template is not None
    first, second, shared = g.template.network_interfaces or []
    assert first.address_for(0) == ("192.168.1.17", 28)
    assert second.address_for(1) == ("192.168.0.2", 24)
    with pytest.raises(ValueError, match=r"next ip 192.168.1.1 is not in cidr block: 192.168.0.0/24"):
        second.address_for(256)
    assert shared.address_for(0) == ("", -1)


def computed(id_: str, instruction: int, gone: bool = False) -> Computed:
    return Computed(ResourceType.SERVER, id_, "n", "is1a", instruction, 0, gone=gone)


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        (computed("", CREATE), computed("1", NOOP), Result.CREATED),
        (computed("1", UPDATE), computed("1", NOOP), Result.UPDATED),
        (computed("1", DELETE), computed("", NOOP), Result.DELETED),
        (computed("1", DELETE), computed("1", NOOP, gone=True), Result.DELETED),
        (computed("1", UPDATE), computed("2", NOOP), Result.UPDATED),
        (computed("1", NOOP), computed("1", NOOP), Result.UNKNOWN),
        (computed("1", UPDATE), computed("1", UPDATE), Result.UNKNOWN),
    ],
)
def test_handle_result(before: Computed, after: Computed, expected: int) -> None:
    assert handle_result(before, after) == expected
