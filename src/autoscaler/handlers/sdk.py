"""A command line for handlers written in Python, served by the same runtime as local-exec."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import click

from .contract import Handler


def _command(handler: Handler, default_addr: str) -> click.Command:
    from ..cli.cobra import Command, Flag
    from ..cli.flags import check, file_path, global_options, optional, printascii, required, validate
    from ..cli.handlers import load_exporter_address, parse_flag_value
    from .serve import ServeOptions, serve

    def run(**kw: Any) -> None:
        ctx = click.get_current_context()
        options = global_options(ctx)
        validate(
            [
                check("--addr", kw["addr"], required, printascii),
                check("--config", kw["config"], optional(file_path)),
            ]
        )
        grace = parse_flag_value("--shutdown-grace", kw["shutdown_grace"], "duration")
        exporter = load_exporter_address(kw["config"])
        logger = options.logger().bind(("from", handler.full_name))
        serve_options = ServeOptions(kw["addr"], shutdown_grace=grace, exporter_address=exporter)
        ctx.exit(asyncio.run(serve(handler, serve_options, logger)))

    return Command(
        handler.name,
        short=f"serve the {handler.name} handler",
        params=[
            Flag(["--addr"], default=default_addr, usage="the address for the server to listen on"),
            Flag(["--config"], default="", usage="Filepath to Handlers additional configuration file"),
            Flag(
                ["--shutdown-grace"],
                type_name="duration",
                default="1m",
                show_default_as="1m0s",
                usage="on SIGTERM/SIGINT, how long running calls may finish",
            ),
        ],
        callback=run,
    )


def main(handler: Handler, argv: Sequence[str] | None = None, default_addr: str | None = None) -> None:
    """Parse the command line and serve `handler` until SIGTERM/SIGINT (exits the process)."""
    from ..cli import flags as _flags  # noqa: F401  (global flags for every command)
    from ..cli.cobra import run

    command = _command(handler, default_addr or f"unix:{handler.full_name}.sock")
    run(command, argv)
