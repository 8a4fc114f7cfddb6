"""One factory for the commands that serve a handler (local-exec and handlers of the Python SDK).

Their shared flags — `--addr`, `--config`, `--shutdown-grace` — are declared and checked once
here; each command adds its own flags and checks and says what to serve.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import click

from .cobra import Command, CommandError, Flag
from .flags import GlobalOptions, GoDuration, check, file_path, global_options, optional, printascii, required
from .socket_mode import socket_mode_flag

CONFIG_HELP = "Filepath to Handlers additional configuration file"

# run(globals, kw, shared_checks) -> exit status; `shared_checks` go last in the command's
# multi-error, in upstream's order (`--addr`, then `--config`).
Runner = Callable[[GlobalOptions, dict[str, Any], list[str | None]], int]


def handler_command(
    name: str,
    *,
    short: str,
    default_addr: str,
    grace_usage: str,
    run: Runner,
    params: Sequence[click.Parameter] = (),
    use: str | None = None,
    args: str | int = "none",
) -> Command:
    def callback(**kw: Any) -> None:
        ctx = click.get_current_context()
        options = global_options(ctx)
        shared = [
            check("--addr", kw["addr"], required, printascii),
            check("--config", kw["config"], optional(file_path)),
        ]
        ctx.exit(run(options, kw, shared))

    shared: list[click.Parameter] = [
        Flag(["--addr"], default=default_addr, usage="the address for the server to listen on"),
        Flag(["--config"], default="", usage=CONFIG_HELP),
        Flag(
            ["--shutdown-grace"], type=GoDuration(), default="1m", show_default_as="1m0s", usage=grace_usage
        ),
        socket_mode_flag(),
    ]
    return Command(name, use=use, short=short, args=args, params=[*shared, *params], callback=callback)


def exporter_address(config: str) -> str | None:
    """The exporter address a checked `--config` file names (None: no file or no exporter).

    The file is read only after every flag passed its checks, as upstream reports them all at
    once; YAML and pydantic are imported only when a file is given.
    """
    if not config:
        return None
    from ..handlers.config import exporter_address as read
    from ..yamlconf import ConfigError

    try:
        return read(config)
    except ConfigError as exc:
        raise CommandError(str(exc)) from None
