"""Python data seen as Go values: field access by Go name, truth, printing, Go type names.

Protobuf messages look as their generated Go structs do: a field `network_interfaces` is
`.NetworkInterfaces`, an unset message field is a nil pointer (false in `{{if}}`, an error to
look into), a oneof is an interface holding a wrapper (`.Resource.Elb`), and every field has
its nil-safe getter (`.GetName`). Mappings are Go maps with string keys; lists are slices.
"""

from __future__ import annotations

import decimal
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from functools import cache
from typing import Any

from google.protobuf import text_format
from google.protobuf.descriptor import Descriptor, FieldDescriptor, OneofDescriptor
from google.protobuf.message import Message


class FieldError(Exception):
    """Go's text for a failed field evaluation (without the template position)."""


class _NoValue:
    """What a missing map key evaluates to; printed as Go prints an invalid value."""

    def __repr__(self) -> str:
        return "<no value>"


NO_VALUE = _NoValue()


@dataclass(frozen=True)
class NilPointer:
    """A nil pointer (or nil interface) of a known Go type."""

    type_name: str
    interface: bool = False
    descriptor: Descriptor | None = dataclass_field(default=None, compare=False)


@dataclass(frozen=True)
class OneofValue:
    """A oneof's wrapper (`*handler.Parent_Elb`) with its one field (`Elb`)."""

    message: Message
    field: Any  # the FieldDescriptor of the member that is set


class GoSlice(list[Any]):
    """A repeated field: a list that knows its Go element type."""

    def __init__(self, items: list[Any], elem_type: str) -> None:
        super().__init__(items)
        self.elem_type = elem_type


class GoInt(int):
    """An integer field: a number that knows its Go type (`uint32`), for `%T` and `%!s(...)`."""

    type_name: str

    def __new__(cls, value: int, type_name: str) -> GoInt:
        obj = super().__new__(cls, value)
        obj.type_name = type_name
        return obj


class GoEnum(int):
    """A protobuf enum value: a number that prints as its name (Go's String method)."""

    enum_name: str
    type_name: str

    def __new__(cls, value: int, enum_name: str, type_name: str) -> GoEnum:
        obj = super().__new__(cls, value)
        obj.enum_name = enum_name
        obj.type_name = type_name
        return obj


# --- Go names of protobuf things -------------------------------------------------------------


def go_camel(name: str) -> str:
    """protoc-gen-go's name for a proto field (`cd_rom_id` → `CdRomId`)."""
    out: list[str] = []
    i = 0
    while i < len(name):
        c = name[i]
        following = name[i + 1] if i + 1 < len(name) else ""
        if c == "_" and i == 0:
            out.append("X")
        elif c == "_" and following.islower():
            pass
        elif c.isdigit():
            out.append(c)
        else:
            out.append(c.upper() if c.islower() else c)
            while i + 1 < len(name) and name[i + 1].islower():
                i += 1
                out.append(name[i])
        i += 1
    return "".join(out)


def _package(descriptor: Any) -> str:
    go_package = str(descriptor.file.GetOptions().go_package)
    if ";" in go_package:
        return go_package.rsplit(";", 1)[1]
    if go_package:
        return go_package.rstrip("/").rsplit("/", 1)[-1]
    return str(descriptor.file.package).rsplit(".", 1)[-1] or "main"


def struct_name(descriptor: Any) -> str:
    """`handler.ServerGroupInstance_NIC` for `autoscaler.ServerGroupInstance.NIC`."""
    package = descriptor.file.package
    local = descriptor.full_name[len(package) + 1 :] if package else descriptor.full_name
    return f"{_package(descriptor)}.{local.replace('.', '_')}"


def message_type(descriptor: Any) -> str:
    return "*" + struct_name(descriptor)


def _oneof_interface(oneof: OneofDescriptor) -> str:
    owner = oneof.containing_type
    return f"{_package(owner)}.is{struct_name(owner).split('.', 1)[1]}_{go_camel(oneof.name)}"


_SCALARS = {
    FieldDescriptor.TYPE_STRING: "string",
    FieldDescriptor.TYPE_BOOL: "bool",
    FieldDescriptor.TYPE_BYTES: "[]uint8",
    FieldDescriptor.TYPE_DOUBLE: "float64",
    FieldDescriptor.TYPE_FLOAT: "float32",
    FieldDescriptor.TYPE_INT32: "int32",
    FieldDescriptor.TYPE_SINT32: "int32",
    FieldDescriptor.TYPE_SFIXED32: "int32",
    FieldDescriptor.TYPE_INT64: "int64",
    FieldDescriptor.TYPE_SINT64: "int64",
    FieldDescriptor.TYPE_SFIXED64: "int64",
    FieldDescriptor.TYPE_UINT32: "uint32",
    FieldDescriptor.TYPE_FIXED32: "uint32",
    FieldDescriptor.TYPE_UINT64: "uint64",
    FieldDescriptor.TYPE_FIXED64: "uint64",
}


def _field_type(fd: FieldDescriptor) -> str:
    if fd.message_type is not None:
        return message_type(fd.message_type)
    if fd.enum_type is not None:
        return f"{_package(fd.enum_type)}.{fd.enum_type.name}"
    return _SCALARS.get(fd.type, "interface {}")


@dataclass(frozen=True)
class _Members:
    fields: dict[str, FieldDescriptor | OneofDescriptor]
    getters: dict[str, FieldDescriptor | OneofDescriptor]


@cache
def _members(descriptor: Descriptor) -> _Members:
    fields: dict[str, FieldDescriptor | OneofDescriptor] = {}
    getters: dict[str, FieldDescriptor | OneofDescriptor] = {}
    for fd in descriptor.fields:
        getters["Get" + go_camel(fd.name)] = fd
        oneof = fd.containing_oneof
        if oneof is not None and not oneof.name.startswith("_"):
            fields[go_camel(oneof.name)] = oneof
            getters["Get" + go_camel(oneof.name)] = oneof
        else:
            fields[go_camel(fd.name)] = fd
    return _Members(fields, getters)


def _zero(fd: FieldDescriptor) -> Any:
    if fd.is_repeated:
        return GoSlice([], _field_type(fd))
    if fd.message_type is not None:
        return NilPointer(message_type(fd.message_type), descriptor=fd.message_type)
    if fd.enum_type is not None:
        return _enum(fd, 0)
    if fd.cpp_type in (fd.CPPTYPE_STRING, fd.CPPTYPE_BOOL, fd.CPPTYPE_DOUBLE, fd.CPPTYPE_FLOAT):
        return fd.default_value
    return GoInt(0, _SCALARS.get(fd.type, "int"))


def _enum(fd: FieldDescriptor, number: int) -> GoEnum:
    assert fd.enum_type is not None
    value = fd.enum_type.values_by_number.get(number)
    return GoEnum(number, value.name if value is not None else str(number), _field_type(fd))


def _field_value(message: Message, fd: FieldDescriptor) -> Any:
    value = getattr(message, fd.name)
    if fd.is_repeated:
        if fd.message_type is not None and fd.message_type.GetOptions().map_entry:
            return dict(value)
        if fd.enum_type is not None:
            return GoSlice([_enum(fd, v) for v in value], _field_type(fd))
        return GoSlice(list(value), _field_type(fd))
    if fd.message_type is not None:
        return (
            value
            if message.HasField(fd.name)
            else NilPointer(message_type(fd.message_type), descriptor=fd.message_type)
        )
    if fd.enum_type is not None:
        return _enum(fd, value)
    if isinstance(value, int) and not isinstance(value, bool):
        return GoInt(value, _SCALARS.get(fd.type, "int"))
    return value


def _member_value(message: Message, member: FieldDescriptor | OneofDescriptor) -> Any:
    if isinstance(member, OneofDescriptor):
        chosen = message.WhichOneof(member.name)
        if chosen is None:
            return NilPointer(_oneof_interface(member), interface=True)
        return OneofValue(message, message.DESCRIPTOR.fields_by_name[chosen])
    return _field_value(message, member)


# --- evaluation ------------------------------------------------------------------------------


def go_type(value: Any) -> str:
    """The Go type name of a value, as error messages and `%T` show it."""
    if value is None or value is NO_VALUE:
        return "<nil>"
    if isinstance(value, NilPointer):
        return value.type_name
    if isinstance(value, GoEnum | GoInt):
        return value.type_name
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float64"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bytes):
        return "[]uint8"
    if isinstance(value, Message):
        return message_type(value.DESCRIPTOR)
    if isinstance(value, OneofValue):
        return f"*{struct_name(value.message.DESCRIPTOR)}_{go_camel(value.field.name)}"
    if isinstance(value, GoSlice):
        return "[]" + value.elem_type
    if isinstance(value, list | tuple):
        return "[]interface {}"
    if isinstance(value, Mapping):
        return "map[string]interface {}"
    return type(value).__name__


def lookup(receiver: Any, name: str, has_args: bool) -> Any:
    """`receiver.name` as Go's template engine evaluates it (field, getter or map key)."""
    if receiver is None or receiver is NO_VALUE:
        return NO_VALUE
    if isinstance(receiver, Message | NilPointer | OneofValue):
        return _struct_field(receiver, name, has_args)
    if isinstance(receiver, Mapping):
        if has_args:
            raise FieldError(f"{name} is not a method but has arguments")
        return receiver.get(name, NO_VALUE)
    raise FieldError(f"can't evaluate field {name} in type {go_type(receiver)}")


def _struct_field(receiver: Message | NilPointer | OneofValue, name: str, has_args: bool) -> Any:
    if isinstance(receiver, NilPointer):
        if receiver.descriptor is not None and not receiver.interface:
            members = _members(receiver.descriptor)
            getter = members.getters.get(name)
            if isinstance(getter, FieldDescriptor) and not has_args:
                return _zero(getter)  # generated getters are safe on nil pointers
            if getter is None and name not in members.fields:
                raise FieldError(f"can't evaluate field {name} in type {receiver.type_name}")
        raise FieldError(f"nil pointer evaluating {receiver.type_name}.{name}")
    if isinstance(receiver, OneofValue):
        if name == go_camel(receiver.field.name):
            if has_args:
                raise FieldError(f"{name} has arguments but cannot be invoked as function")
            return _field_value(receiver.message, receiver.field)
        raise FieldError(f"can't evaluate field {name} in type {go_type(receiver)}")
    members = _members(receiver.DESCRIPTOR)
    getter = members.getters.get(name)
    if getter is not None:
        if has_args:
            raise FieldError(f"wrong number of args for {name}: want 0 got 1")
        return _member_value(receiver, getter)
    member = members.fields.get(name)
    if member is None:
        raise FieldError(f"can't evaluate field {name} in type {go_type(receiver)}")
    if has_args:
        raise FieldError(f"{name} has arguments but cannot be invoked as function")
    return _member_value(receiver, member)


def is_nil(value: Any) -> bool:
    return value is None or value is NO_VALUE or isinstance(value, NilPointer)


def truth(value: Any) -> bool:
    """Go templates' truth: false, 0, nil, and empty strings, slices and maps are false."""
    if is_nil(value):
        return False
    if isinstance(value, bool | int | float):
        return value != 0
    if isinstance(value, str | bytes | list | tuple | Mapping):
        return len(value) > 0
    return True


# --- printing --------------------------------------------------------------------------------


def go_float(value: float, verb: str = "g", precision: int | None = None) -> str:
    """Go's %v / %g (shortest representation) and %e / %f of a float64."""
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "+Inf" if value > 0 else "-Inf"
    if verb in "eE":
        text = f"{value:.{6 if precision is None else precision}e}"
        return text.upper() if verb == "E" else text
    if verb in "fF":
        return f"{value:.{6 if precision is None else precision}f}"
    if precision is not None:
        text = f"{value:.{max(precision, 1)}g}"
        return text.upper() if verb == "G" else text
    sign = "-" if str(value).startswith("-") else ""
    digits_tuple = decimal.Decimal(repr(abs(value))).normalize().as_tuple()
    digits = "".join(str(d) for d in digits_tuple.digits)
    exponent = int(digits_tuple.exponent)
    if digits == "0":
        return sign + "0"
    exp = len(digits) + exponent - 1  # decimal exponent of the first digit
    if exp < -4 or exp >= 6:  # strconv's shortest %g switches to an exponent there
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        text = f"{mantissa}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    elif exp >= len(digits) - 1:
        text = digits + "0" * (exp - len(digits) + 1)
    elif exp >= 0:
        text = digits[: exp + 1] + "." + digits[exp + 1 :]
    else:
        text = "0." + "0" * (-exp - 1) + digits
    return sign + (text.upper() if verb == "G" else text)


def sprint(value: Any) -> str:
    """fmt's %v of a value (what `{{.X}}` prints)."""
    if value is NO_VALUE:
        return "<no value>"
    if is_nil(value):
        return "<nil>"
    if isinstance(value, GoEnum):
        return value.enum_name
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return go_float(value)
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return "[" + " ".join(str(b) for b in value) + "]"
    if isinstance(value, Message):
        return text_format.MessageToString(value, as_one_line=True)
    if isinstance(value, OneofValue):
        return "&{" + sprint(_field_value(value.message, value.field)) + "}"
    if isinstance(value, list | tuple):
        return "[" + " ".join(sprint(v) for v in value) + "]"
    if isinstance(value, Mapping):
        items = sorted(value.items(), key=lambda kv: str(kv[0]))
        return "map[" + " ".join(f"{sprint(k)}:{sprint(v)}" for k, v in items) + "]"
    return str(value)
