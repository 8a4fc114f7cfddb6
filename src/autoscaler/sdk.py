"""The public face for writing a custom handler in Python.

    from autoscaler.sdk import Handler, HandleRequest, Reporter, main

    class Inventory(Handler):
        name = "inventory"

        async def handle(self, request: HandleRequest, reporter: Reporter) -> None:
            await reporter.accepted()
            ...  # act on request.desired
            await reporter.done("inventory updated")

    if __name__ == "__main__":
        main(Inventory(), default_addr="unix:inventory-handler.sock")

`main` gives the handler a command line (`--addr`, `--config`, `--shutdown-grace`, the global
`--log-level`/`--log-format`) and serves it exactly as local-exec is served: HandleService,
health, reflection, graceful SIGTERM, socket cleanup, optional metrics exporter.
"""

from __future__ import annotations

from .cli.sdk import main
from .handlers.contract import (
    Handler,
    HandleRequest,
    HandlerError,
    HandleResponse,
    PostHandleRequest,
    Reporter,
    Status,
)

__all__ = [
    "HandleRequest",
    "HandleResponse",
    "Handler",
    "HandlerError",
    "PostHandleRequest",
    "Reporter",
    "Status",
    "main",
]
