"""Strict YAML loading: YAML 1.2 scalars, duplicate keys, locations in errors."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ConfigDict

from autoscaler.yamlconf import ConfigError, parse_text, validate


def test_plain_scalars_follow_yaml_1_2() -> None:
    doc = parse_text(
        "a: yes\nb: on\nc: true\nd: 0777\ne: 1:30\nf: 0x1f\ng: 1.5\nh: ~\ni: -3\nj: 2026-01-01\n", "x.yaml"
    )
    assert doc.data == {
        "a": "yes",
        "b": "on",
        "c": True,
        "d": 777,
        "e": "1:30",
        "f": 31,
        "g": 1.5,
        "h": None,
        "i": -3,
        "j": "2026-01-01",
    }


def test_duplicate_keys_and_syntax_errors_name_the_place() -> None:
    with pytest.raises(ConfigError, match=r'^x\.yaml:3:3: mapping key "b" already defined at \[2:3\]$'):
        parse_text("a:\n  b: 1\n  b: 2\n", "x.yaml")
    with pytest.raises(ConfigError, match=r"^x\.yaml:2:1: invalid YAML"):
        parse_text("a: [1,\n", "x.yaml")


class Inner(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    port: int = 0


class Outer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    items: list[Inner] = []


def test_validation_errors_point_at_keys_or_values() -> None:
    doc = parse_text("items:\n  - port: 1\n  - port: x\n    typo: 2\n", "c.yaml")
    with pytest.raises(ConfigError) as err:
        validate(Outer, doc)
    assert str(err.value).splitlines() == [
        "c.yaml:3:11: items[1].port: Input should be a valid integer",
        'c.yaml:4:5: items[1].typo: unknown field "typo"',
    ]


# --- bounds: alias expansion and nesting (a hostile or broken file never exhausts the process) --

LAUGHS = "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9) if prev else ', '.join(['lol'] * 9)}]\n"
    for prev, name in zip(["", *"abcdefgh"], "abcdefghi", strict=True)
)


def test_billion_laughs_is_refused_at_the_alias_that_blows_up() -> None:
    assert len(LAUGHS) < 500  # ten levels of nine aliases: 9**9 strings once expanded
    with pytest.raises(ConfigError) as err:
        parse_text(LAUGHS, "laughs.yaml")
    # `f` (line 6) is the first key whose expansion passes the bound: 9 + 81 + ... + 9**5 uses.
    assert str(err.value) == (
        "laughs.yaml:6:8: alias *e: more than 10000 alias uses once aliases are expanded "
        "(limits: 100000 nodes, 10000 alias uses; a YAML alias bomb?)"
    )


def test_aliases_within_the_bounds_still_expand() -> None:
    doc = parse_text("plan: &p {core: 2, memory: 4}\na: *p\nb: [*p, *p]\n", "x.yaml")
    assert doc.data["a"] == doc.data["b"][1] == {"core": 2, "memory": 4}
    assert doc.where(("b", 1, "core")) == "x.yaml:3:9"  # inside an expansion: the alias


def test_a_recursive_alias_is_an_error_not_a_recursion() -> None:
    with pytest.raises(ConfigError, match=r"^r\.yaml:1:12: alias \*x refers to a node that contains it$"):
        parse_text("a: &x [1, [*x]]\n", "r.yaml")


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("a: " + "[" * 400 + "]" * 400 + "\n", "1:103"),  # flow style, deeper than the stack
        ("a:\n" + "".join("  " * i + "-\n" for i in range(1, 400)), "101:201"),  # block style
    ],
)
def test_deep_nesting_is_a_positioned_error(text: str, where: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_text(text, "deep.yaml")
    assert str(err.value) == f"deep.yaml:{where}: nesting deeper than 100 levels"


def test_nesting_up_to_the_bound_loads() -> None:
    doc = parse_text("a: " + "[" * 99 + "]" * 99 + "\n", "x.yaml")
    assert doc.data is not None
