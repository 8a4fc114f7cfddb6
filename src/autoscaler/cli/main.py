"""The root `autoscaler` command."""

from __future__ import annotations

from collections.abc import Sequence

import click

from ..version import VERSION, full_version
from .cobra import Command, Flag, Group, help_command, run
from .flags import global_flags, global_options


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(f"v{VERSION}")
        ctx.exit(0)


def _version(all_: bool) -> None:
    global_options(click.get_current_context())
    click.echo(full_version() if all_ else f"v{VERSION}")


version = Command(
    "version",
    use="version",
    short="show version",
    args="any",
    params=[Flag(["-a", "--all"], type_name="bool", usage="show full version info")],
    callback=lambda all, **_: _version(all),
)

root = Group(
    "autoscaler",
    global_flags=global_flags,
    short="autoscaler is a tool for managing the scale of resources on SAKURA cloud",
    params=[
        Flag(
            ["-v", "--version"],
            type_name="bool",
            usage="version for autoscaler",
            expose_value=False,
            is_eager=True,
            callback=_print_version,
        )
    ],
    lazy={
        "completion": ("autoscaler.cli.completion", "completion", "Generate completion script"),
        "handlers": (
            "autoscaler.cli.handlers",
            "handlers",
            "A set of sub commands to manage autoscaler's external handlers",
        ),
        "core": ("autoscaler.cli.core", "core", "A set of sub commands to manage autoscaler's core server"),
        "server": ("autoscaler.cli.core", "core", "A set of sub commands to manage autoscaler's core server"),
        "start": ("autoscaler.cli.core", "start", "start autoscaler's core server"),
        "validate": ("autoscaler.cli.core", "validate_command", "validate autoscaler's core configuration"),
        "status": (
            "autoscaler.cli.status",
            "status",
            "show resources, cooldowns, recent jobs and handlers of a running Core",
        ),
        "resources": ("autoscaler.cli.core", "resources", "list target resources"),
        "example": ("autoscaler.cli.core", "example", "show configuration example"),
        "inputs": ("autoscaler.cli.inputs", "inputs", "A set of sub commands to manage autoscaler's inputs"),
        "input": ("autoscaler.cli.inputs", "inputs", "A set of sub commands to manage autoscaler's inputs"),
        "fake-cloud": (
            "autoscaler.cli.fake_cloud",
            "fake_cloud",
            "A local fake SAKURA Cloud: seed, list, serve, reset",
        ),
    },
    hidden_commands=("core", "server", "input"),
)
root.add_command(version)
root.add_command(help_command(root.name or "autoscaler"))


def main(argv: Sequence[str] | None = None) -> None:
    run(root, argv)
