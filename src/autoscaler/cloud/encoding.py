"""Value conventions of the SAKURA Cloud API wire format (cloud-api.md §4.0).

The API speaks CamelCase JSON with a few peculiar encodings; this module turns them into plain
Python values and back:

- resource IDs are JSON numbers (thanks to `X-Sakura-Bigint-As-Int`) but may arrive as strings;
  `0` or a missing ID means "none";
- "string flags" are `"True"` / `"False"` on the wire and read case-insensitively;
- "string numbers" are decimal strings, with `0` written as `""`;
- tag lists are kept sorted.

`WireModel` is the base of every response model: snake_case attributes whose aliases are the
wire names (`memory_mb` ↔ `MemoryMB`), unknown keys kept (so a read-modify-write sends back what
it did not understand).
"""

from __future__ import annotations

from typing import Annotated, Any, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer

# Word → wire spelling for the acronyms the API capitalises fully.
_ACRONYMS = {
    "id": "ID",
    "ip": "IP",
    "ipv6": "IPv6",
    "mac": "MAC",
    "mb": "MB",
    "cpu": "CPU",
    "gpu": "GPU",
    "cdrom": "CDROM",
    "dns": "DNS",
    "gslb": "GSLB",
    "url": "URL",
    "vip": "VIP",
    "fqdn": "FQDN",
    "ns": "NS",
    "ttl": "TTL",
    "vrid": "VRID",
    "cps": "CPS",
    "lb": "LB",
    "vm": "VM",
    "rdata": "RData",
    "pw": "PW",
    "uuid": "UUID",
    "dhcp": "DHCP",
    "ssh": "SSH",
    "kms": "KMS",
    "api": "API",
    "vrrp": "VRRP",
}


def wire_name(attr: str) -> str:
    """`user_ip_address` → `UserIPAddress`; a trailing `_` (as in `class_`) is dropped."""
    words = attr.rstrip("_").split("_")
    return "".join(_ACRONYMS.get(w, w[:1].upper() + w[1:]) for w in words)


def to_id(value: Any) -> int:
    """A resource ID from a JSON number or string; empty/None → 0."""
    if value is None or value == "":
        return 0
    if isinstance(value, bool):
        raise ValueError("an ID cannot be a boolean")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise ValueError(f"invalid resource ID {value!r}")


def parse_flag(value: Any) -> bool:
    """A "string flag": `true`, `on`, `1` (quoted or not, any case) are true, the rest false."""
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    return str(value).strip().lower() in ("true", "on", "1")


def flag_text(value: bool) -> str:
    return "True" if value else "False"


def parse_number(value: Any) -> int:
    """A "string number": a number or a numeric string; `""`/None → 0."""
    if value is None or value == "":
        return 0
    if isinstance(value, bool):
        raise ValueError("a number cannot be a boolean")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    text = str(value).strip()
    try:
        return int(text)
    except ValueError:
        return int(float(text))


def number_text(value: int) -> str:
    """A "string number" for the wire: 0 is written as the empty string."""
    return str(value) if value else ""


def sorted_tags(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError("tags must be a list of strings")
    return sorted(str(v) for v in value)


ID = Annotated[int, BeforeValidator(to_id)]
Tags = Annotated[list[str], BeforeValidator(sorted_tags)]
StrFlag = Annotated[bool, BeforeValidator(parse_flag), PlainSerializer(flag_text, return_type=str)]
StrNum = Annotated[int, BeforeValidator(parse_number), PlainSerializer(number_text, return_type=str)]


class WireModel(BaseModel):
    """A resource (or part of one) as the API returns it."""

    model_config = ConfigDict(
        alias_generator=wire_name,
        populate_by_name=True,
        extra="allow",
        validate_assignment=False,
    )

    @classmethod
    def from_wire(cls, data: Any) -> Self:
        """Parse the wire JSON object (a dict); `None` gives the default instance."""
        return cls.model_validate(data if data is not None else {})

    def to_wire(self) -> dict[str, Any]:
        """The wire JSON object (wire names; unknown keys as they came)."""
        return self.model_dump(by_alias=True, mode="json")


def ref(id_: int) -> dict[str, Any]:
    """A nested reference: `{"ID": n}`, or `{}` for none (the API's convention)."""
    return {"ID": id_} if id_ else {}
