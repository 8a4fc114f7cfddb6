"""Flags shared by several commands, and upstream's flag validation rules and messages."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import click

from ..golang.duration import parse_duration
from ..log import FORMATS, Logger, new_logger
from .cobra import Flag, complete_values, fail

Rule = Callable[[str, str], str | None]


def required(name: str, value: str) -> str | None:
    return None if value else f"{name}: required"


def printascii(name: str, value: str) -> str | None:
    return None if all(0x20 <= ord(c) <= 0x7E for c in value) else f"{name}: printascii"


def file_path(name: str, value: str) -> str | None:
    """Upstream's `file` rule: stat succeeds (following links) and it is not a directory."""
    return None if os.path.isfile(value) else f"{name}: invalid file path: {value}"


def not_one_of(name: str, value: str, options: Sequence[str]) -> str:
    """The value echoed with the choices, then upstream's validator text (`oneof=...`), which
    scripts may look for."""
    return f'{name}: "{value}" is not one of {", ".join(options)} (oneof={" ".join(options)})'


def oneof(*options: str) -> Rule:
    def rule(name: str, value: str) -> str | None:
        return None if value in options else not_one_of(name, value, options)

    return rule


def optional(*rules: Rule) -> Rule:
    """Skip the rules for an empty value (validator's `omitempty`)."""

    def rule(name: str, value: str) -> str | None:
        return None if not value else check(name, value, *rules)

    return rule


def check(name: str, value: str, *rules: Rule) -> str | None:
    """The first failing rule's message, as go-playground/validator reports one per field."""
    for rule in rules:
        message = rule(name, value)
        if message:
            return message
    return None


def collect(*results: str | None) -> list[str]:
    return [r for r in results if r]


# --- global flags --------------------------------------------------------------------------

LOG_LEVELS = ("error", "warn", "info", "debug")
LOG_LEVEL_HELP = "Level of logging to be output. options: [ error | warn | info | debug ]"
LOG_FORMAT_HELP = "Format of logging to be output. options: [ logfmt | json ]"


def global_flags(inherited: bool) -> list[Flag]:
    """The root's persistent flags; cobra's Group/Command take this factory explicitly."""
    return [
        Flag(
            ["--log-level"],
            default="info",
            usage=LOG_LEVEL_HELP,
            inherited=inherited,
            shell_complete=complete_values(*LOG_LEVELS),
        ),
        Flag(
            ["--log-format"],
            default="logfmt",
            usage=LOG_FORMAT_HELP,
            inherited=inherited,
            shell_complete=complete_values(*FORMATS),
        ),
    ]


@dataclass(frozen=True)
class GlobalOptions:
    log_level: str
    log_format: str

    def logger(self) -> Logger:
        return new_logger(self.log_level, self.log_format)


def _global_value(ctx: click.Context, name: str) -> str:
    """The value given nearest the leaf (`autoscaler --log-level x cmd` or `cmd --log-level x`)."""
    default = ""
    node: click.Context | None = ctx
    while node is not None:
        if name in node.params:
            source = node.get_parameter_source(name)
            if source is not None and source is not click.core.ParameterSource.DEFAULT:
                return str(node.params[name])
            default = default or str(node.params[name])
        node = node.parent
    return default


def global_options(ctx: click.Context) -> GlobalOptions:
    """Validate the log flags first, as upstream's root pre-run does, and return them."""
    level = _global_value(ctx, "log_level")
    fmt = _global_value(ctx, "log_format")
    errors = collect(
        check("--log-level", level, required, oneof(*LOG_LEVELS)),
        check("--log-format", fmt, required, oneof(*FORMATS)),
    )
    if errors:
        fail(errors)
    return GlobalOptions(level, fmt)


def validate(messages: Sequence[str | None]) -> None:
    errors = collect(*messages)
    if errors:
        fail(errors)


# --- typed flag values ---------------------------------------------------------------------


if TYPE_CHECKING:  # click's ParamType is generic only in its stubs of recent releases
    _SecondsType = click.ParamType[float, Any]
    _IntType = click.ParamType[int, Any]
else:
    _SecondsType = _IntType = click.ParamType


def _flag_name(param: click.Parameter | None) -> str:
    opts: list[str] = list(getattr(param, "opts", None) or ["flag"])
    return next((o for o in opts if o.startswith("--")), opts[0])


class GoDuration(_SecondsType):
    """A pflag `duration` flag: Go's syntax and wording; seconds as a float."""

    name = "duration"

    def __init__(self, minimum: float | None = 0.0) -> None:
        self.minimum = minimum

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        if isinstance(value, float | int):
            seconds = float(value)
        else:
            try:
                seconds = parse_duration(str(value))
            except ValueError as exc:
                self.fail(f'invalid argument "{value}" for "{_flag_name(param)}" flag: {exc}', param, ctx)
        if self.minimum is not None and seconds < self.minimum:
            self.fail(f"{_flag_name(param)}: must not be negative", param, ctx)
        return seconds


class GoInt(_IntType):
    """A pflag `int` flag, with strconv's wording for what does not parse."""

    name = "int"

    def __init__(self, minimum: int | None = 0) -> None:
        self.minimum = minimum

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            number = value
        else:
            try:
                number = int(str(value), 10)
            except ValueError:
                self.fail(
                    f'invalid argument "{value}" for "{_flag_name(param)}" flag: '
                    f'strconv.ParseInt: parsing "{value}": invalid syntax',
                    param,
                    ctx,
                )
        if self.minimum is not None and number < self.minimum:
            self.fail(f"{_flag_name(param)}: must not be negative", param, ctx)
        return number
