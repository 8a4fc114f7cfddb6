"""Strict YAML configuration loading with line numbers in every error.

Upstream decodes configuration strictly (unknown keys and duplicate keys are errors, reported
with `[line:column]`). Here a file is composed with PyYAML, duplicate keys are rejected, and the
plain data is validated by a pydantic model with `extra="forbid"`; each pydantic error is
mapped back to the line and column of the offending key, so a message reads
`autoscaler.yaml:12:5: resources[0].plans[1].core: Input should be a valid integer`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

PathKey = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)


class ConfigError(ValueError):
    """A configuration problem; `str()` names the file, line and key."""


@dataclass(frozen=True)
class Mark:
    line: int  # 1-based
    column: int  # 1-based


@dataclass
class Document:
    """Plain data of a YAML document and where each key/value sits in the file."""

    source: str
    data: Any
    marks: dict[PathKey, Mark]  # where each key (or list item) starts
    value_marks: dict[PathKey, Mark] = field(default_factory=dict)  # where each value starts

    def where(self, path: PathKey, at_value: bool = False) -> str:
        """`file:line:col` of the deepest known prefix of `path` (its key, or its value)."""
        for cut in range(len(path), -1, -1):
            prefix = tuple(path[:cut])
            mark = (
                self.value_marks.get(prefix) if at_value and cut == len(path) else None
            ) or self.marks.get(prefix)
            if mark is not None:
                return f"{self.source}:{mark.line}:{mark.column}"
        return self.source


def _mark(node: yaml.Node) -> Mark:
    return Mark(node.start_mark.line + 1, node.start_mark.column + 1)


class Yaml12Loader(yaml.SafeLoader):
    """PyYAML with the YAML 1.2 core schema's plain scalars, as upstream's YAML library reads.

    YAML 1.1 (PyYAML's default) would turn `yes`/`no`/`on`/`off` into booleans, `0777` into
    an octal number and `1:30` into a sexagesimal 90; a configuration must mean the same here
    as it does upstream, so those stay strings.
    """


Yaml12Loader.yaml_implicit_resolvers = {}
for _tag, _pattern, _first in (
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
    ("tag:yaml.org,2002:int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", list("-+0123456789")),
    (
        "tag:yaml.org,2002:float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        list("-+.0123456789"),
    ),
):
    Yaml12Loader.add_implicit_resolver(_tag, re.compile(_pattern), _first)


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    text = str(loader.construct_scalar(node))
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text, 10)  # a leading zero is decimal in YAML 1.2


Yaml12Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)


def _at(source: str, node: yaml.Node) -> str:
    mark = _mark(node)
    return f"{source}:{mark.line}:{mark.column}"


def _construct(
    node: yaml.Node, path: PathKey, marks: dict[PathKey, Mark], source: str, values: dict[PathKey, Mark]
) -> Any:
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        seen: dict[Any, Mark] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise ConfigError(f"{_at(source, key_node)}: merge keys (<<) are not supported")
            key = _construct(key_node, path, {}, source, {})
            if isinstance(key, list | dict):
                raise ConfigError(f"{_at(source, key_node)}: a mapping key must be a scalar")
            km = _mark(key_node)
            if key in seen:
                first = seen[key]
                raise ConfigError(
                    f'{source}:{km.line}:{km.column}: mapping key "{key}" already defined at '
                    f"[{first.line}:{first.column}]"
                )
            seen[key] = km
            child = (*path, key if isinstance(key, str | int) else str(key))
            marks[child] = km
            values[child] = _mark(value_node)
            out[key] = _construct(value_node, child, marks, source, values)
        return out
    if isinstance(node, yaml.SequenceNode):
        items = []
        for i, item in enumerate(node.value):
            marks[(*path, i)] = _mark(item)
            items.append(_construct(item, (*path, i), marks, source, values))
        return items
    # Scalars are typed by the tag the composer resolved (int, bool, null, timestamp, str...).
    constructor = Yaml12Loader("")
    try:
        return constructor.construct_object(node)
    finally:
        constructor.dispose()


def parse_text(text: str, source: str) -> Document:
    """Parse one YAML document (empty text gives `None` data)."""
    try:
        node = yaml.compose(text, Loader=Yaml12Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        raise ConfigError(f"{where}: invalid YAML: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: invalid YAML: {exc}") from None
    marks: dict[PathKey, Mark] = {}
    values: dict[PathKey, Mark] = {}
    data = None if node is None else _construct(node, (), marks, source, values)
    if node is not None:
        marks[()] = _mark(node)
    return Document(source, data, marks, values)


def load_file(path: str | Path) -> Document:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"open {path}: {(exc.strerror or str(exc)).lower()}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text: {exc.reason} at byte {exc.start}") from None
    return parse_text(text, str(path))


def format_path(path: Sequence[str | int]) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _error_messages(doc: Document, exc: ValidationError, prefix: PathKey) -> list[str]:
    messages = []
    for err in exc.errors(include_url=False):
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        full = (*prefix, *loc)
        message = err["msg"]
        at_value = True
        if err["type"] == "extra_forbidden":
            message = f'unknown field "{loc[-1]}"' if loc else "unknown field"
            at_value = False
        elif err["type"] == "missing":
            message = "required"
        messages.append(f"{doc.where(full, at_value)}: {format_path(full) or '(document)'}: {message}")
    return messages


def validate(model: type[M], doc: Document, data: Any = None, prefix: PathKey = ()) -> M:
    """Validate `data` (default: the whole document) against a pydantic model, with locations."""
    value = doc.data if data is None and not prefix else data
    try:
        return model.model_validate({} if value is None else value)
    except ValidationError as exc:
        raise ConfigError("\n".join(_error_messages(doc, exc, prefix))) from None
