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
from typing import Any, TypeVar, cast

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


# --- bounds ------------------------------------------------------------------------------------
# PyYAML composes an alias as a second reference to the anchored node, so a few hundred bytes
# of nested aliases ("billion laughs") describe a tree of billions of nodes, and composing
# recurses a few Python frames per level. The limits are far beyond any real configuration.
MAX_DEPTH = 100  # nesting levels of collections
MAX_NODES = 100_000  # nodes of the document once every alias is expanded
MAX_ALIAS_USES = 10_000  # aliases expanded, counting those inside expanded aliases


class _LimitExceeded(yaml.MarkedYAMLError):
    """A bound of the loader was reached while composing."""


class AliasNode(yaml.Node):
    """Where an alias was written, and the anchored node it stands for."""

    id = "alias"

    def __init__(self, target: yaml.Node, anchor: str, mark: Any) -> None:
        super().__init__(target.tag, target.value, mark, mark)
        self.target = target
        self.anchor = anchor


def _compose_node(loader: Any, parent: yaml.Node | None, index: Any) -> Any:
    """PyYAML's compose_node, keeping aliases visible (AliasNode) and bounding the depth."""
    event = loader.peek_event()
    if isinstance(event, yaml.AliasEvent):
        target = yaml.SafeLoader.compose_node(loader, parent, index)
        return AliasNode(cast(yaml.Node, target), str(event.anchor), event.start_mark)
    if not isinstance(event, yaml.CollectionStartEvent):
        return yaml.SafeLoader.compose_node(loader, parent, index)
    depth = getattr(loader, "_depth", 0) + 1
    if depth > MAX_DEPTH:
        raise _LimitExceeded(
            problem=f"nesting deeper than {MAX_DEPTH} levels", problem_mark=cast(Any, event.start_mark)
        )
    loader._depth = depth
    try:
        return yaml.SafeLoader.compose_node(loader, parent, index)
    finally:
        loader._depth = depth - 1


Yaml12Loader.compose_node = _compose_node  # type: ignore[method-assign,assignment]


class _Builder:
    """Plain data from composed nodes, with the marks of every key and value, within budget."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.marks: dict[PathKey, Mark] = {}
        self.values: dict[PathKey, Mark] = {}
        self.nodes = 0
        self.alias_uses = 0
        self.expanding: list[AliasNode] = []  # the aliases being expanded, outermost first
        self._scalars = Yaml12Loader("")  # only its constructors are used

    def close(self) -> None:
        self._scalars.dispose()

    def _refuse(self, what: str) -> ConfigError:
        if not self.expanding:
            return ConfigError(f"{self.source}: {what}")
        alias = self.expanding[0]  # the outermost: the one written where the document blows up
        return ConfigError(
            f"{_at(self.source, alias)}: alias *{alias.anchor}: {what} once aliases are expanded "
            f"(limits: {MAX_NODES} nodes, {MAX_ALIAS_USES} alias uses; a YAML alias bomb?)"
        )

    def build(self, node: yaml.Node, path: PathKey, record: bool = True) -> Any:
        if isinstance(node, AliasNode):
            self.alias_uses += 1
            if self.alias_uses > MAX_ALIAS_USES:
                self.expanding.append(node)
                raise self._refuse(f"more than {MAX_ALIAS_USES} alias uses")
            if any(a.target is node.target for a in self.expanding):
                raise ConfigError(
                    f"{_at(self.source, node)}: alias *{node.anchor} refers to a node that contains it"
                )
            self.expanding.append(node)
            try:
                # Inside an expansion nothing more is recorded: errors there point at the alias
                # (the deepest recorded place), and the marks stay proportional to the text.
                return self.build(node.target, path, record=False)
            finally:
                self.expanding.pop()
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise self._refuse(f"more than {MAX_NODES} nodes")
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, record)
        if isinstance(node, yaml.SequenceNode):
            items = []
            for i, item in enumerate(node.value):
                if record:
                    self.marks[(*path, i)] = _mark(item)
                items.append(self.build(item, (*path, i), record))
            return items
        # Scalars are typed by the tag the composer resolved (int, bool, null, timestamp, str...).
        return self._scalars.construct_object(node)

    def _mapping(self, node: yaml.MappingNode, path: PathKey, record: bool) -> dict[Any, Any]:
        source = self.source
        out: dict[Any, Any] = {}
        seen: dict[Any, Mark] = {}
        for key_node, value_node in node.value:
            plain_key = key_node.target if isinstance(key_node, AliasNode) else key_node
            if plain_key.tag == "tag:yaml.org,2002:merge":
                raise ConfigError(f"{_at(source, key_node)}: merge keys (<<) are not supported")
            key = self.build(key_node, path, record=False)
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
            if record:
                self.marks[child] = km
                self.values[child] = _mark(value_node)
            out[key] = self.build(value_node, child, record)
        return out


def parse_text(text: str, source: str) -> Document:
    """Parse one YAML document (empty text gives `None` data)."""
    try:
        node = yaml.compose(text, Loader=Yaml12Loader)
    except _LimitExceeded as exc:
        mark = exc.problem_mark
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        raise ConfigError(f"{where}: {exc.problem}") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        raise ConfigError(f"{where}: invalid YAML: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: invalid YAML: {exc}") from None
    builder = _Builder(source)
    try:
        data = None if node is None else builder.build(node, ())
    finally:
        builder.close()
    if node is not None:
        builder.marks[()] = _mark(node)
    return Document(source, data, builder.marks, builder.values)


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
