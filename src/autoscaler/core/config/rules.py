"""Struct rules: upstream's declarative field checks and their `<key>: <rule>` messages.

Each check returns the rule text when it fails (`required`, `oneof=a b`, `max=600`, ...) or
None. `Rules` keeps the first failure per field, in the order fields are checked, which is the
schema order upstream reports them in.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from typing import Any

DEFAULT_ZONES = ("tk1a", "tk1b", "is1a", "is1b", "is1c", "tk1v")


class Rules:
    def __init__(self) -> None:
        self.messages: list[str] = []

    def field(self, key: str, *checks: str | None) -> bool:
        """Record the first failing check of `key`; True if all passed."""
        for rule in checks:
            if rule is not None:
                self.messages.append(f"{key}: {rule}")
                return False
        return True

    def extend(self, messages: Sequence[str]) -> None:
        self.messages.extend(messages)


def present(value: Any) -> bool:
    """validator's `required`: a non-zero scalar or a non-null list/mapping."""
    if value is None:
        return False
    if isinstance(value, list | dict | tuple):
        return True
    return bool(value)


def required(value: Any) -> str | None:
    return None if present(value) else "required"


def oneof(value: str, options: Sequence[str]) -> str | None:
    return None if value in options else "oneof=" + " ".join(options)


def minimum(value: Any, bound: int) -> str | None:
    size = len(value) if isinstance(value, str | list) else value
    return None if size >= bound else f"min={bound}"


def maximum(value: Any, bound: int) -> str | None:
    size = len(value) if isinstance(value, str | list) else value
    return None if size <= bound else f"max={bound}"


def unique(values: Sequence[Any] | None) -> str | None:
    if values is None:
        return None
    return None if len(set(values)) == len(values) else "unique"


def ipv4(value: str) -> str | None:
    try:
        ipaddress.IPv4Address(value)
    except ValueError:
        return "ipv4"
    return None


def cidrv4(value: str) -> str | None:
    return None if parse_cidr(value) is not None else "cidrv4"


def parse_cidr(value: str) -> tuple[ipaddress.IPv4Address, ipaddress.IPv4Network] | None:
    """Go's net.ParseCIDR for IPv4: the address as written and its network."""
    if "/" not in value:
        return None
    address, _, bits = value.partition("/")
    if not bits.isdigit() or int(bits) > 32:
        return None
    try:
        ip = ipaddress.IPv4Address(address)
    except ValueError:
        return None
    return ip, ipaddress.IPv4Network(f"{address}/{bits}", strict=False)


def zone_rule(zones: Sequence[str]) -> Any:
    def rule(value: str) -> str | None:
        return oneof(value, zones)

    return rule


def skip_empty(value: Any, *checks: Any) -> str | None:
    """validator's `omitempty`: no further checks for a zero value."""
    if not present(value) or (isinstance(value, list | str) and not value):
        return None
    for check in checks:
        result = check(value)
        if result is not None:
            return str(result)
    return None


def each(key: str, values: Sequence[Any] | None, rules: Rules, *checks: Any) -> None:
    """validator's `dive`: check every element, reported as `key[i]`."""
    for i, value in enumerate(values or ()):
        for check in checks:
            result = check(value)
            if result is not None:
                rules.field(f"{key}[{i}]", result)
                break
