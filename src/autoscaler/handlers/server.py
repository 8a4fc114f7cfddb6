"""Serve a `Handler` over gRPC until SIGTERM/SIGINT, then drain and exit 0.

The same runtime serves local-exec and handlers written with the Python API:
HandleService + Health + reflection on an upstream-style address, upstream's log lines
(`started`, `shutting down`), the optional metrics exporter, and a shutdown that lets running
calls finish within a grace period, kills whatever is left, and removes the socket file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .. import telemetry
from ..log import Logger
from ..proto import handler_pb2, handler_pb2_grpc
from ..wire.address import AddressError
from ..wire.server import (
    SOCKET_MODE,
    GrpcDrain,
    Listener,
    add_standard_services,
    bind,
    new_server,
    run_until_signal,
)
from .contract import Handler
from .service import HandleService

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

    from ..wire.metrics import Exporter


def new_registry() -> CollectorRegistry:
    from ..wire.metrics import new_registry as create

    return create()


DEFAULT_SHUTDOWN_GRACE = 60.0  # below systemd's default 90 s stop timeout, so we get to clean up


@dataclass(frozen=True)
class HandlerServerConfig:
    """Everything a handler server is started with."""

    address: str
    shutdown_grace: float = DEFAULT_SHUTDOWN_GRACE
    exporter_address: str | None = None  # None: no exporter
    socket_mode: int = SOCKET_MODE  # of the unix socket file (`--socket-mode`)


class HandlerServer:
    """One handler served on one address: a `wire.server.Service`."""

    def __init__(
        self,
        handler: Handler,
        options: HandlerServerConfig,
        logger: Logger,
        registry: CollectorRegistry | None = None,
    ) -> None:
        self.handler = handler
        self.options = options
        self.logger = logger
        # Metrics cost memory and start-up time; keep them only when something can read them
        # (the exporter, or OTLP when tracing is on).
        if registry is None and (options.exporter_address is not None or telemetry.active()):
            registry = new_registry()
        if registry is not None:
            telemetry.export_registry(registry)
        self.registry = registry
        on_error: Callable[[], None] = lambda: None  # noqa: E731
        if registry is not None:
            from ..wire.metrics import grpc_errors

            errors = grpc_errors(registry).labels("handlers")  # 0 from the start (upstream: "core")
            on_error = errors.inc
        self.server = new_server(telemetry.grpc_server_interceptors())
        service = HandleService(handler, logger, on_error=on_error)
        handler_pb2_grpc.add_HandleServiceServicer_to_server(service, self.server)
        add_standard_services(
            self.server, [handler_pb2.DESCRIPTOR.services_by_name["HandleService"].full_name]
        )
        self.exporter: Exporter | None = None
        self._listener: Listener | None = None
        self._drain = GrpcDrain(self.server)

    async def start(self) -> str:
        """Bind and start; raises AddressError with upstream's `ParseTarget`/`net.Listen` text."""
        try:
            listener = bind(self.server, self.options.address, self.logger, self.options.socket_mode)
        except AddressError:
            await self.handler.close()
            raise
        self._listener = listener
        await self.server.start()
        self.logger.info("started", address=listener.shown)
        if self.options.exporter_address is not None and self.registry is not None:
            from ..wire.metrics import Exporter

            self.exporter = Exporter(self.options.exporter_address, self.registry, self.logger)
            try:
                await self.exporter.start()
            except OSError as exc:
                # As upstream, an exporter failure is reported but does not stop the handler.
                self.logger.error("handler reported un error", error=str(exc))
                self.exporter = None
        return listener.shown

    async def shutdown(self, grace: float) -> None:
        self.logger.info("shutting down", error="context canceled")
        try:
            await self._drain(grace)
            await self.handler.close()
        finally:
            if self._listener is not None:
                self._listener.cleanup()
            if self.exporter is not None:
                await self.exporter.stop()

    def force(self) -> None:
        self.logger.warn("second signal: stopping without waiting")
        self._drain.force()


async def serve(
    handler: Handler, options: HandlerServerConfig, logger: Logger, registry: CollectorRegistry | None = None
) -> int:
    """Run until SIGTERM/SIGINT; the exit status (0 after a clean stop, 1 if it cannot listen)."""
    try:
        await run_until_signal(HandlerServer(handler, options, logger, registry), options.shutdown_grace)
    except AddressError as exc:
        logger.error(str(exc))
        return 1
    return 0
