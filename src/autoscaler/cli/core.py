"""`autoscaler start|validate|resources|example`, also reachable as `autoscaler core ...`."""

from __future__ import annotations

import asyncio
import os
import sys
from typing import Any

import click

from .. import telemetry
from ..wire.server import SOCKET_MODE
from .cobra import Command, CommandError, Flag, Group
from .example_files import write_examples, write_to_flag
from .flags import GoDuration, check, file_path, global_options, required, validate
from .socket_mode import socket_mode_flag

EX_DATAERR = 65
CONFIG_HELP = "File path of configuration of AutoScaler Core"
STRICT_HELP = "Restricting external file loading, etc. in configuration"
JOURNAL_HELP = (
    "the job journal (a SQLite file) recovery works from "
    "(default: under $XDG_STATE_HOME/sacloud-autoscaler/, one per --addr and --config)"
)
WAIT_HELP = (
    "retry the health check of custom handlers for this long before failing (e.g. 30s; 0 = check once)"
)


def _config_flags(wait: bool = True) -> list[click.Parameter]:
    flags: list[click.Parameter] = [
        Flag(["--config"], default="autoscaler.yaml", usage=CONFIG_HELP),
        Flag(["--strict"], type_name="bool", usage=STRICT_HELP),
    ]
    if wait:
        flags.append(
            Flag(["--handlers-wait"], type=GoDuration(), default="0", show_default_as="", usage=WAIT_HELP)
        )
    return flags


def _options(kw: dict[str, Any], address: str = "") -> Any:
    from ..core.server import CoreServerConfig

    return CoreServerConfig(
        address=address,
        config_path=kw["config"],
        strict=kw["strict"],
        handlers_wait=kw.get("handlers_wait", 0.0),
        socket_mode=kw.get("socket_mode", SOCKET_MODE),
        journal_path=kw.get("journal", ""),
    )


def core_config_file(name: str, value: str) -> str | None:
    """Upstream's `file` rule; for a missing file, where it was looked for and how to make one."""
    problem = file_path(name, value)
    if problem is None or os.path.exists(value):
        return problem
    where = os.path.dirname(os.path.abspath(value))
    return (
        f"{problem} (no such file in {where}: write one with `autoscaler example > {value}`, "
        "or name yours with --config)"
    )


def _run_start(**kw: Any) -> None:
    ctx = click.get_current_context()
    globals_ = global_options(ctx)
    validate(
        [check("--addr", kw["addr"], required), check("--config", kw["config"], required, core_config_file)]
    )
    options = _options(kw, kw["addr"])
    from ..core.server import CoreError, serve

    logger = globals_.logger()
    try:
        status = asyncio.run(serve(options, logger))
    except CoreError as exc:
        raise CommandError(str(exc)) from None
    ctx.exit(status)


def _run_validate(**kw: Any) -> None:
    ctx = click.get_current_context()
    globals_ = global_options(ctx)
    validate([check("--config", kw["config"], required, core_config_file)])
    options = _options(kw)
    from ..core.config.problems import ConfigProblems, DecodeError
    from ..core.server import load_and_validate

    async def main() -> int:
        try:
            _, cloud = await load_and_validate(options, globals_.logger())
        except ConfigProblems as exc:
            click.echo(str(exc))
            return 1 if exc.system else EX_DATAERR
        except DecodeError as exc:
            click.echo(str(exc))
            return 1
        await cloud.close()
        click.echo("OK")
        return 0

    with telemetry.command_span("commands/core/validate#run"):
        status = asyncio.run(main())
    ctx.exit(status)


def _run_resources(**kw: Any) -> None:
    ctx = click.get_current_context()
    globals_ = global_options(ctx)
    validate([check("--config", kw["config"], required, core_config_file)])
    options = _options(kw)
    from ..core.server import resources_tree

    try:
        with telemetry.command_span("commands/core/resources#run"):
            tree = asyncio.run(resources_tree(options, globals_.logger()))
    except Exception as exc:
        raise CommandError(str(exc)) from None
    click.echo("\n" + tree + "\n")


def _run_example(**kw: Any) -> None:
    global_options(click.get_current_context())
    if kw["write_to"]:
        write_examples(kw["write_to"])
        return
    from importlib.resources import files

    text = files("autoscaler.core").joinpath("example.yaml").read_text(encoding="utf-8")
    sys.stdout.write(text + "\n")


start = Command(
    "start",
    short="start autoscaler's core server",
    args="any",
    params=[
        Flag(["--addr"], default="unix:autoscaler.sock", usage="Address of the gRPC endpoint to listen to"),
        *_config_flags(),
        socket_mode_flag(),
        Flag(["--journal"], default="", usage=JOURNAL_HELP),
    ],
    callback=_run_start,
)
validate_command = Command(
    "validate",
    short="validate autoscaler's core configuration",
    args="any",
    params=_config_flags(),
    callback=_run_validate,
)
resources = Command(
    "resources",
    short="list target resources",
    args="any",
    params=_config_flags(),
    callback=_run_resources,
)
example = Command(
    "example", short="show configuration example", args="any", params=[write_to_flag()], callback=_run_example
)

core = Group(
    "core",
    short="A set of sub commands to manage autoscaler's core server",
    aliases=("server",),
)
for _command in (example, start, validate_command, resources):
    core.add_command(_command)
