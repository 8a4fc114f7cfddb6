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
