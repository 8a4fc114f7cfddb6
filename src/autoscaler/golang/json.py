"""Render protobuf messages as Go's `encoding/json` renders upstream's generated structs.

This is the exact byte string a local-exec script receives, so it follows Go, not protojson:
snake_case keys in .proto declaration order, every ordinary field `omitempty`, enums as numbers,
a oneof as the key `Resource` holding `{"<GoName>": {...}}` (or `null`), HTML-safe escaping
(`<`, `>`, `&`, U+2028, U+2029 as `\\u....`), compact, no trailing newline.

`parse` goes the other way (for `autoscaler handlers call`), accepting what `render` writes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from typing import Any

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from . import jsondepth

_HTML_UNSAFE = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)
ONEOF_KEY = "Resource"
_MESSAGE = FieldDescriptor.TYPE_MESSAGE
_ENUM = FieldDescriptor.TYPE_ENUM


def go_field_name(proto_name: str) -> str:
    """The Go identifier protoc-gen-go gives a field: `load_balancer` -> `LoadBalancer`."""
    return "".join(part[:1].upper() + part[1:] for part in proto_name.split("_"))


# A plan per message type: ("field", field) or ("oneof", name, members) entries, in the order
# Go lays out the struct (a oneof sits where its first member is declared).
_Entry = tuple[Any, ...]


@cache
def _plan(descriptor: Descriptor) -> tuple[_Entry, ...]:
    entries: list[_Entry] = []
    seen_oneofs: set[str] = set()
    for field in descriptor.fields:
        oneof = field.containing_oneof
        if oneof is not None:
            if oneof.name not in seen_oneofs:
                seen_oneofs.add(oneof.name)
                members = {f.name: (go_field_name(f.name), f) for f in oneof.fields}
                entries.append(("oneof", oneof.name, members))
            continue
        entries.append(("field", field))
    return tuple(entries)


def _is_repeated(field: FieldDescriptor) -> bool:
    return bool(field.is_repeated)


def to_go_value(message: Message) -> dict[str, Any]:
    """The JSON object (as Python values, in key order) that Go would produce."""
    out: dict[str, Any] = {}
    for entry in _plan(message.DESCRIPTOR):
        if entry[0] == "oneof":
            _, name, members = entry
            which = message.WhichOneof(name)
            if which is None:
                out[ONEOF_KEY] = None
            else:
                go_name, _field = members[which]
                out[ONEOF_KEY] = {go_name: to_go_value(getattr(message, which))}
            continue
        field: FieldDescriptor = entry[1]
        value = getattr(message, field.name)
        if _is_repeated(field):
            if not value:
                continue
            if field.type == _MESSAGE:
                out[field.name] = [to_go_value(v) for v in value]
            else:
                out[field.name] = list(value)
        elif field.type == _MESSAGE:
            if message.HasField(field.name):
                out[field.name] = to_go_value(value)
        elif value:
            out[field.name] = value
    return out


def render(message: Message) -> bytes:
    """The exact bytes upstream's local-exec writes to a script's stdin (and argv[1])."""
    text = json.dumps(to_go_value(message), ensure_ascii=False, separators=(",", ":"))
    return text.translate(_HTML_UNSAFE).encode("utf-8")


# --- the reverse, for tools -----------------------------------------------------------------


class GoJSONError(ValueError):
    """A JSON document that does not describe the expected message."""


def _enum_value(field: FieldDescriptor, raw: Any, where: str) -> int:
    if isinstance(raw, bool):
        raise GoJSONError(f"{where}: expected a number or a name, got {json.dumps(raw)}")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str):
        enum = field.enum_type
        assert enum is not None
        by_name = enum.values_by_name.get(raw.upper().replace("-", "_"))
        if by_name is not None:
            return int(by_name.number)
        names = ", ".join(v.name for v in enum.values)
        raise GoJSONError(f"{where}: unknown value {raw!r} (one of {names})")
    raise GoJSONError(f"{where}: expected a number or a name, got {json.dumps(raw)}")


_SCALARS: dict[int, Callable[[Any], bool]] = {
    FieldDescriptor.TYPE_STRING: lambda v: isinstance(v, str),
    FieldDescriptor.TYPE_BOOL: lambda v: isinstance(v, bool),
    FieldDescriptor.TYPE_UINT32: lambda v: isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 2**32,
}


def _scalar(field: FieldDescriptor, raw: Any, where: str) -> Any:
    if field.type == _ENUM:
        return _enum_value(field, raw, where)
    ok = _SCALARS.get(field.type, lambda v: True)
    if not ok(raw):
        kind = {9: "a string", 8: "true or false", 13: "an unsigned 32-bit integer"}.get(
            field.type, "a value"
        )
        raise GoJSONError(f"{where}: expected {kind}, got {json.dumps(raw)}")
    return raw


def fill(message: Message, data: Any, where: str = "$") -> None:
    """Set `message` from a Go-style JSON object (unknown keys are errors naming their path)."""
    if not isinstance(data, dict):
        raise GoJSONError(f"{where}: expected an object, got {json.dumps(data)}")
    plan = _plan(message.DESCRIPTOR)
    fields = {e[1].name: e[1] for e in plan if e[0] == "field"}
    oneofs = [e for e in plan if e[0] == "oneof"]
    for key, raw in data.items():
        path = f"{where}.{key}"
        if key == ONEOF_KEY and oneofs:
            _fill_oneof(message, oneofs[0], raw, path)
            continue
        field = fields.get(key)
        if field is None:
            known = ", ".join([*fields, *([ONEOF_KEY] if oneofs else [])])
            raise GoJSONError(f"{path}: unknown key (known keys: {known})")
        if raw is None:
            continue
        if _is_repeated(field):
            if not isinstance(raw, list):
                raise GoJSONError(f"{path}: expected an array, got {json.dumps(raw)}")
            target = getattr(message, field.name)
            for i, item in enumerate(raw):
                if field.type == _MESSAGE:
                    fill(target.add(), item, f"{path}[{i}]")
                else:
                    target.append(_scalar(field, item, f"{path}[{i}]"))
        elif field.type == _MESSAGE:
            sub = getattr(message, field.name)
            sub.SetInParent()
            fill(sub, raw, path)
        else:
            setattr(message, field.name, _scalar(field, raw, path))


def _fill_oneof(message: Message, entry: _Entry, raw: Any, where: str) -> None:
    if raw is None:
        return
    _, _name, members = entry
    by_go = {go: proto for proto, (go, _f) in members.items()}
    if not isinstance(raw, dict) or len(raw) != 1:
        choices = ", ".join(by_go)
        raise GoJSONError(f"{where}: expected an object with exactly one of {choices}")
    ((go_name, inner),) = raw.items()
    proto = by_go.get(go_name)
    if proto is None:
        raise GoJSONError(f"{where}.{go_name}: unknown resource type (one of {', '.join(by_go)})")
    sub = getattr(message, proto)
    sub.SetInParent()
    if inner is not None:
        fill(sub, inner, f"{where}.{go_name}")


def parse(message_type: type[Message], document: str | bytes) -> Message:
    try:
        data = jsondepth.loads(document)
    except ValueError as exc:  # JSONDecodeError or DepthError, both positioned
        raise GoJSONError(f"invalid JSON: {exc}") from None
    message = message_type()
    fill(message, data)
    return message
