"""The command line of a handler written with the Python SDK (`autoscaler.sdk.main`)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from ..handlers.contract import Handler
from .cobra import Command, install_global_flags, run
from .flags import GlobalOptions, global_flags, validate
from .handler_command import exporter_address, handler_command


def sdk_command(handler: Handler, default_addr: str) -> Command:
    """`--addr`, `--config`, `--shutdown-grace` and the global log flags, serving `handler`."""

    def serve_handler(options: GlobalOptions, kw: dict[str, Any], shared: list[str | None]) -> int:
        from ..handlers.server import HandlerServerConfig, serve

        validate(shared)
        serve_options = HandlerServerConfig(
            kw["addr"],
            shutdown_grace=kw["shutdown_grace"],
            socket_mode=kw["socket_mode"],
            exporter_address=exporter_address(kw["config"]),
        )
        logger = options.logger().bind(("from", handler.full_name))
        return asyncio.run(serve(handler, serve_options, logger))

    command = handler_command(
        handler.name,
        short=f"serve the {handler.name} handler",
        default_addr=default_addr,
        grace_usage="on SIGTERM/SIGINT, how long running calls may finish",
        run=serve_handler,
    )
    install_global_flags(command, global_flags)
    return command


def main(handler: Handler, argv: Sequence[str] | None = None, default_addr: str | None = None) -> None:
    """Parse the command line and serve `handler` until SIGTERM/SIGINT (exits the process)."""
    run(sdk_command(handler, default_addr or f"unix:{handler.full_name}.sock"), argv)
