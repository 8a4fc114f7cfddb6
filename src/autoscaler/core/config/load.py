"""Reading the Core's configuration file into a `Config`.

Decoding is strict: an unknown key, a duplicated key or a value of the wrong kind is an error
naming the file, line, column and key path. Each `resources` item is decoded into the model of
its `type`. String-or-file values (`cloud_config`, `startup_scripts`, `ssh_keys`) are replaced
by the file's content when they name a readable file (never in strict mode).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ...yamlconf import ConfigError, Document, PathKey, load_file, parse_text
from ..resources.elb import ELBDef
from ..resources.router import RouterDef
from ..resources.server import ServerDef
from ..resources.server_group import ServerGroupDef
from .decode import decode, fail_at, go_value
from .model import Config, Definition, TopLevel
from .problems import DecodeError

DEFINITION_MODELS: dict[str, type[Definition]] = {
    "Server": ServerDef,
    "ServerGroup": ServerGroupDef,
    "EnhancedLoadBalancer": ELBDef,
    "ELB": ELBDef,
    "Router": RouterDef,
}


def _type_hint(type_name: str) -> str:
    """Upstream's message names only the bad value; say what the valid ones are (and which one
    differs only in case, the usual slip)."""
    same = [name for name in DEFINITION_MODELS if name.lower() == type_name.lower()]
    guess = f"did you mean {same[0]}? " if same else ""
    return f" ({guess}valid: {', '.join(DEFINITION_MODELS)})"


def load_config(path: str, strict: bool = False) -> Config:
    """Load and decode; raises DecodeError (file, YAML and schema problems)."""
    if not path:
        raise DecodeError("opening configuration file failed:  error: open : no such file or directory")
    try:
        doc = load_file(path)
    except ConfigError as exc:
        text = str(exc)
        if text.startswith("open "):
            raise DecodeError(f"opening configuration file failed: {path} error: {text}") from None
        raise DecodeError(text) from None
    return config_from_document(doc, strict)


def load_text(text: str, source: str = "autoscaler.yaml", strict: bool = False) -> Config:
    try:
        doc = parse_text(text, source)
    except ConfigError as exc:
        raise DecodeError(str(exc)) from None
    return config_from_document(doc, strict)


def config_from_document(doc: Document, strict: bool) -> Config:
    top = decode(TopLevel, doc, doc.data, ())
    config = Config(path=doc.source, strict=strict)
    if top.sakuracloud is not None:
        config.sakuracloud = top.sakuracloud
    config.custom_handlers = list(top.handlers or ())
    if top.autoscaler is not None:
        config.autoscaler = top.autoscaler
    if top.resources is not None:
        config.resources = _definitions(doc, top.resources)
        for i, definition in enumerate(config.resources):
            if isinstance(definition, ServerGroupDef):
                _read_files(doc, definition, ("resources", i), config)
    return config


def _definitions(doc: Document, raw: Any) -> list[Definition]:
    path: PathKey = ("resources",)
    if not isinstance(raw, list):
        kind = "mapping" if isinstance(raw, dict) else "string" if isinstance(raw, str) else "scalar"
        raise fail_at(doc, path, f"{kind} was used where sequence is expected")
    out: list[Definition] = []
    for i, item in enumerate(raw):
        where: PathKey = (*path, i)
        if not isinstance(item, dict):
            raise fail_at(doc, where, f"invalid value: resource: {go_value(item)}")
        if "type" not in item:
            raise fail_at(doc, where, f"'type' field required: {go_value(item)}")
        type_name = item["type"]
        if not isinstance(type_name, str):
            raise fail_at(doc, (*where, "type"), f"'type' is not string: {go_value(item)}")
        if "resources" in item:
            raise fail_at(
                doc,
                (*where, "resources"),
                "invalid configuration - Your configuration is using the pre-v0.5 format. "
                "Please update your configuration",
                at_value=False,
            )
        model = DEFINITION_MODELS.get(type_name)
        if model is None:
            raise fail_at(doc, (*where, "type"), f"unexpected type: {type_name}{_type_hint(type_name)}")
        definition = decode(model, doc, item, where)
        if isinstance(definition, ELBDef):
            definition.type = "EnhancedLoadBalancer"
        out.append(definition)
    return out


def _read_files(doc: Document, definition: ServerGroupDef, where: PathKey, config: Config) -> None:
    template = definition.template
    if template is None:
        return
    base = (*where, "template")
    if template.cloud_config:
        template.cloud_config = string_or_file(doc, (*base, "cloud_config"), template.cloud_config, config)
    edit = template.edit_parameter
    if edit is not None:
        for key in ("startup_scripts", "ssh_keys"):
            values = getattr(edit, key)
            if values:
                resolved = [
                    string_or_file(doc, (*base, "edit_parameter", key, j), v, config)
                    for j, v in enumerate(values)
                ]
                setattr(edit, key, resolved)


def string_or_file(doc: Document, path: PathKey, value: str, config: Config) -> str:
    """The content of the file `value` names, else `value` itself (always itself when strict)."""
    if config.strict or not value:
        return value
    expanded = value
    if value.startswith("~"):
        rest = value[1:]
        if rest and rest[0] not in "/\\":
            raise fail_at(doc, path, "cannot expand user-specific home dir")
        expanded = str(Path.home()) + rest
    try:
        with open(expanded, encoding="utf-8", errors="surrogateescape") as file:
            return file.read()
    except FileNotFoundError:
        return value
    except OSError as exc:
        if exc.errno is not None and os.strerror(exc.errno) and isinstance(exc, NotADirectoryError):
            return value
        config.load_warnings.append(
            ("got unknown error while processing StringOrFilePath", f"{value}: {exc.strerror}")
        )
        return value
