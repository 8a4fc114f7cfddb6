"""One webhook input served over HTTP until SIGTERM/SIGINT: bind, serve the app, drain, exit.

The ASGI application itself (routes and the request pipeline) is `inputs.app`.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from .. import telemetry
from ..log import Logger
from ..wire.address import is_loopback
from ..wire.http_guard import RateLimitedWarning
from ..wire.server import run_until_signal
from .app import CUT_OFF_ALLOWANCE, IDLE_TIMEOUT, InputsServerConfig, WebhookApp
from .contract import Input
from .metrics import WebhookMetrics


class ServeError(Exception):
    """The server could not start or failed while serving; `str()` is the user's message."""


class _UvicornLogBridge(logging.Handler):
    """uvicorn's own warnings and errors (bad HTTP, a cancelled drain) in our log format; a
    warning a client can repeat at will (`Invalid HTTP request received.`) is rate-limited."""

    def __init__(self, logger: Logger) -> None:
        super().__init__(logging.WARNING)
        self.target = logger
        self._warnings: dict[str, RateLimitedWarning] = {}

    def emit(self, record: logging.LogRecord) -> None:
        attrs = {"error": str(record.exc_info[1])} if record.exc_info and record.exc_info[1] else {}
        message = record.getMessage()
        if record.levelno >= logging.ERROR:
            self.target.error(message, **attrs)
            return
        if message not in self._warnings and len(self._warnings) < 64:
            self._warnings[message] = RateLimitedWarning(self.target, message)
        warning = self._warnings.get(message)
        if warning is not None:
            warning(**attrs)


def bridge_uvicorn_logs(logger: Logger) -> None:
    target = logging.getLogger("uvicorn.error")
    for handler in list(target.handlers):
        if isinstance(handler, _UvicornLogBridge):
            target.removeHandler(handler)
    target.addHandler(_UvicornLogBridge(logger))
    target.propagate = False


class InputsServer:
    """One input served on one address: a `wire.server.Service`."""

    def __init__(
        self, input_: Input, options: InputsServerConfig, logger: Logger, registry: Any | None = None
    ) -> None:
        from ..wire.metrics import new_registry

        self.input = input_
        self.options = options
        self.logger = logger
        self.registry = registry if registry is not None else new_registry()
        self.metrics = WebhookMetrics(self.registry, options.routes)
        self.web = WebhookApp(input_, options, logger, self.metrics)
        telemetry.export_registry(self.registry)
        self._http: Any = None
        self._exporter: Any = None
        self.address = ""

    async def start(self) -> str:
        """Bind and serve; raises ServeError (`inputs service failed: ...`)."""
        from ..wire.address import AddressError
        from ..wire.http import AsgiServer, bind_tcp
        from ..wire.tls import TLSError, server_context

        tls: dict[str, Any] = {}
        if self.options.tls_cert:
            try:
                context = server_context(
                    self.options.tls_cert, self.options.tls_key, self.options.tls_key_passphrase_file
                )
            except TLSError as exc:
                raise ServeError(f"inputs service failed: {exc}") from None
            tls = {"ssl_context_factory": lambda _config, _default: context}
        try:
            sock = bind_tcp(self.options.address)
        except (OSError, AddressError) as exc:
            raise ServeError(f"inputs service failed: {exc}") from None
        self._http = AsgiServer(
            telemetry.asgi(self.web.app, secrets=(self.options.token,)),
            sock,
            self.options.limits,
            self.logger,
            log_config=None,
            server_header=False,
            # A backstop only: stop() cuts requests off itself when the grace runs out.
            timeout_graceful_shutdown=self.options.shutdown_grace + CUT_OFF_ALLOWANCE,
            # Longer than Go clients keep idle connections (90 s), so the client always closes
            # first and never sends a webhook on a connection the server is closing.
            timeout_keep_alive=IDLE_TIMEOUT,
            **tls,
        )
        try:
            await self._http.start()
        except Exception as exc:
            sock.close()
            raise ServeError(f"inputs service failed: {exc}") from None
        self.address = self._http.address
        self.logger.info("started", address=self.address)
        if not self.options.token and not is_loopback(sock.getsockname()[0]):
            self.logger.warn(
                "listening beyond loopback without a token: anyone who reaches this address can send "
                "scaling requests",
                address=self.address,
                hint="set --token (or token: in --config), or listen on 127.0.0.1 with --addr",
            )
        if self.options.exporter_address is not None:
            from ..wire.metrics import Exporter

            self._exporter = Exporter(self.options.exporter_address, self.registry, self.logger)
            try:
                await self._exporter.start()
            except (OSError, AddressError) as exc:
                self._exporter = None
                await self.stop()
                raise ServeError(f"inputs service failed: {exc}") from None
        bridge_uvicorn_logs(self.logger)  # after every uvicorn config, which resets its loggers
        return self.address

    def force(self) -> None:
        """Stop waiting for in-flight requests (a second signal)."""
        if self._http is not None:
            self._http.server.force_exit = True

    async def shutdown(self, grace: float) -> None:
        self.logger.info("shutting down", error="context canceled")
        await self._release(grace)

    async def stop(self) -> None:
        """Stop without the shutdown log line, within the configured grace (tests, start-up failures)."""
        await self._release(self.options.shutdown_grace)

    async def _release(self, grace: float) -> None:
        """Stop accepting, let in-flight requests finish (within the grace), then clean up."""
        try:
            if self._http is not None:
                stopping = asyncio.ensure_future(self._http.stop())
                done, _ = await asyncio.wait({stopping}, timeout=grace)
                if not done:
                    await self.web.cut_off()
                await stopping
        finally:
            await self.input.close()
            await self.web.client.close()
            if self._exporter is not None:
                await self._exporter.stop()


async def serve(input_: Input, options: InputsServerConfig, logger: Logger) -> None:
    """Run until SIGTERM/SIGINT, then drain and return. Raises ServeError."""
    await run_until_signal(InputsServer(input_, options, logger), options.shutdown_grace)
