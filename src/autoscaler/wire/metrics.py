"""Prometheus metrics: a private registry per process and the `/metrics` exporter.

Metric names are upstream's where upstream has them (`sacloud_autoscaler_grpc_errors_total`,
`promhttp_metric_handler_requests_total`, ...). The exporter serves exactly `/metrics`;
anything else is Go's `404 page not found`.
"""

from __future__ import annotations

import gzip
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    PlatformCollector,
    ProcessCollector,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4 as TEXT_FORMAT

from ..log import Logger
from .http_limits import HttpLimits

# Go's client does not export `<name>_created` series; keep the exposition identical.
disable_created_metrics()  # type: ignore[no-untyped-call]

ERRORS_HELP = "The total number of errors"
EXPORTER_CONNECTIONS = 100  # scrapers are few; the rest of the descriptors are the server's


def new_registry() -> CollectorRegistry:
    """A registry with the process and platform collectors (the Python side of Go's defaults)."""
    registry = CollectorRegistry(auto_describe=True)
    ProcessCollector(registry=registry)
    PlatformCollector(registry=registry)
    return registry


def grpc_errors(registry: CollectorRegistry) -> Counter:
    return Counter("sacloud_autoscaler_grpc_errors", ERRORS_HELP, ["component"], registry=registry)


class Exporter:
    """The `/metrics` HTTP endpoint, served by uvicorn inside the caller's event loop."""

    def __init__(self, address: str, registry: CollectorRegistry, logger: Logger) -> None:
        self.address = address
        self.registry = registry
        self.logger = logger
        self._requests = Counter(
            "promhttp_metric_handler_requests",
            "Total number of scrapes by HTTP status code.",
            ["code"],
            registry=registry,
        )
        self._in_flight = Gauge(
            "promhttp_metric_handler_requests_in_flight",
            "Current number of scrapes being served.",
            registry=registry,
        )
        self._server: Any = None
        self.bound = ""

    async def _app(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        if scope["path"] != "/metrics":
            await _respond(send, 404, b"404 page not found\n", b"text/plain; charset=utf-8")
            return
        with self._in_flight.track_inprogress():
            body = generate_latest(self.registry)
            self._requests.labels("200").inc()
        headers = dict(scope.get("headers") or [])
        if b"gzip" in headers.get(b"accept-encoding", b""):
            await _respond(send, 200, gzip.compress(body), TEXT_FORMAT.encode(), gzip_=True)
        else:
            await _respond(send, 200, body, TEXT_FORMAT.encode())

    async def start(self) -> str:
        from .address import is_loopback
        from .http import AsgiServer, bind_tcp  # only exporting processes load uvicorn

        sock = bind_tcp(self.address or ":0")
        self._server = AsgiServer(
            self._app, sock, HttpLimits(max_connections=EXPORTER_CONNECTIONS), self.logger
        )
        await self._server.start()
        self.bound = self._server.address
        self.logger.info("exporter started", address=self.bound)
        if not is_loopback(sock.getsockname()[0]):
            self.logger.warn(
                "metrics exporter listening beyond loopback: anyone who reaches it can read the metrics",
                address=self.bound,
                hint="give the exporter a 127.0.0.1 address in the configuration",
            )
        return self.bound

    async def stop(self) -> None:
        if self._server is not None:
            await self._server.stop()


async def _respond(send: Any, status: int, body: bytes, content_type: bytes, gzip_: bool = False) -> None:
    headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
    if gzip_:
        headers.append((b"content-encoding", b"gzip"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
