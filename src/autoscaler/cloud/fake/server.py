"""`fake-cloud serve`: the fake's API over HTTP, run by `wire.server.run_until_signal`."""

from __future__ import annotations

import socket

from ...log import Logger
from ...wire.http import AsgiServer
from . import FakeCloud
from .clock import Delays


class FakeCloudServer:
    """The fake cloud's ASGI app on a bound socket: a `wire.server.Service`."""

    def __init__(self, cloud: FakeCloud, sock: socket.socket, delays: Delays, logger: Logger) -> None:
        self.cloud = cloud
        self.delays = delays
        self.logger = logger
        self.http = AsgiServer(cloud.app, sock, logger=logger)  # its slow-client warnings

    async def start(self) -> str:
        await self.http.start()
        self.logger.info(
            "fake cloud started",
            address=self.http.address,
            store=self.cloud.store.path,
            delay_boot=self.delays.boot,
            delay_shutdown=self.delays.shutdown,
            delay_disk_copy=self.delays.disk_copy,
        )
        return self.http.address

    async def shutdown(self, grace: float) -> None:
        self.logger.info("shutting down")
        await self.http.stop()

    def force(self) -> None:
        self.http.server.force_exit = True
