"""The root `autoscaler` command."""

from __future__ import annotations

from collections.abc import Sequence

import click

from ..version import VERSION, full_version
from . import flags as _flags  # noqa: F401  (installs the global flags before commands are built)
from .cobra import Command, Flag, Group, run


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(f"v{VERSION}")
        ctx.exit(0)


def _version(all_: bool, **_: object) -> None:
    click.echo(full_version() if all_ else f"v{VERSION}")


version = Command(
    "version",
    use="version",
    short="show version",
    args="any",
    params=[Flag(["-a", "--all"], type_name="bool", usage="show all version info")],
    callback=lambda all, **kw: _version(all),
)

root = Group(
    "autoscaler",
    root=True,
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
        "handlers": (
            "autoscaler.cli.handlers",
            "handlers",
            "A set of sub commands to manage autoscaler's external handlers",
        ),
    },
)
root.add_command(version)


def main(argv: Sequence[str] | None = None) -> None:
    run(root, argv)
