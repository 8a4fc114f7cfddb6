"""Strict decoding of configuration values, with the file position in every error.

The plain data comes from `autoscaler.yamlconf` (which rejects duplicate keys); pydantic
models with `extra="forbid"` reject unknown keys. Scalars are coerced the way upstream's YAML
decoder does it: a numeric string or `3.0` fills an integer, a number fills a string, and only
real booleans fill a boolean. A null value means "not given".
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Strict, ValidationError, model_validator

from ...yamlconf import Document, PathKey, format_path
from .problems import DecodeError

M = TypeVar("M", bound=BaseModel)

GoBool = Annotated[bool, Strict()]


class StrictModel(BaseModel):
    """A configuration mapping: unknown keys are errors, null values are absent."""

    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True, validate_default=False)

    @model_validator(mode="before")
    @classmethod
    def _drop_nulls(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if v is not None}
        return data

    def given(self, field: str) -> bool:
        """Whether the key was written in the file (with a non-null value)."""
        return field in self.model_fields_set


class LenientModel(StrictModel):
    """A mapping whose unknown keys upstream silently ignores (`parent`, `cooldown`)."""

    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True)


def kind(value: Any) -> str:
    """What a YAML value is, in go-yaml's words."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "uint64" if value >= 0 else "int64"
    if isinstance(value, float):
        return "float64"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "sequence"
    if isinstance(value, dict):
        return "mapping"
    if value is None:
        return "null"
    return type(value).__name__


def _message(err: Any) -> str:
    typ = err["type"]
    loc = err["loc"]
    value = err.get("input")
    if typ == "extra_forbidden":
        return f'unknown field "{loc[-1]}"' if loc else "unknown field"
    if typ in ("dict_type", "model_type", "model_attributes_type"):
        return f"{kind(value)} was used where mapping is expected"
    if typ in ("list_type", "tuple_type"):
        return f"{kind(value)} was used where sequence is expected"
    if typ.startswith("int_"):
        return f"cannot unmarshal {kind(value)} {_show(value)} into an integer"
    if typ.startswith("bool_"):
        return f"cannot unmarshal {kind(value)} {_show(value)} into a boolean (use true or false)"
    if typ.startswith("string_"):
        return f"cannot unmarshal {kind(value)} into a string"
    if typ == "value_error":
        return str(err["ctx"]["error"]) if "ctx" in err else err["msg"]
    if typ == "missing":
        return "required"
    return str(err["msg"])


def _show(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else f'"{value}"'
    return text if len(text) <= 40 else text[:37] + "..."


def decode(model: type[M], doc: Document, data: Any, path: PathKey) -> M:
    """Validate `data` (found at `path` in `doc`) into `model`; errors carry file:line:col."""
    try:
        return model.model_validate({} if data is None else data)
    except ValidationError as exc:
        lines = []
        for err in exc.errors(include_url=False):
            loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
            full = (*path, *loc)
            at_value = err["type"] != "extra_forbidden"
            where = doc.where(full, at_value)
            lines.append(f"{where}: {format_path(full) or '(document)'}: {_message(err)}")
        raise DecodeError("\n".join(lines)) from None


def fail_at(doc: Document, path: PathKey, message: str, at_value: bool = True) -> DecodeError:
    return DecodeError(f"{doc.where(path, at_value)}: {format_path(path) or '(document)'}: {message}")


def go_value(value: Any) -> str:
    """A decoded YAML value as Go's `%v` prints it (maps with sorted keys)."""
    if isinstance(value, dict):
        items = sorted(value.items(), key=lambda kv: str(kv[0]))
        return "map[" + " ".join(f"{go_value(k)}:{go_value(v)}" for k, v in items) + "]"
    if isinstance(value, list):
        return "[" + " ".join(go_value(v) for v in value) + "]"
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
