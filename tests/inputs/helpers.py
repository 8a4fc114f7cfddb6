"""Build a webhook app in-process (ASGI) around a real input and a real gRPC Core."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from prometheus_client import generate_latest

from autoscaler.inputs.app import InputsServerConfig, WebhookApp
from autoscaler.inputs.contract import Input
from autoscaler.inputs.metrics import WebhookMetrics
from autoscaler.log import new_logger
from autoscaler.wire.metrics import new_registry


@dataclass
class Served:
    client: httpx.AsyncClient
    web: WebhookApp
    log: io.StringIO

    @property
    def log_lines(self) -> list[str]:
        return self.log.getvalue().splitlines()

    def metrics(self) -> dict[str, float]:
        """Every sample of the registry, keyed as exposed: `name{label="v"}`."""
        text = generate_latest(self.web.metrics.registry).decode()
        samples = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                key, value = line.rsplit(" ", 1)
                samples[key] = float(value)
        return samples

    def exposition(self) -> str:
        return generate_latest(self.web.metrics.registry).decode()


@asynccontextmanager
async def serving(input_: Input, level: str = "info", **options: Any) -> AsyncIterator[Served]:
    """The app of `input_` with `options` (InputsServerConfig fields), reached through ASGI."""
    log = io.StringIO()
    registry = new_registry()
    server_options = InputsServerConfig(**options)
    web = WebhookApp(
        input_,
        server_options,
        new_logger(level, "logfmt", log),
        WebhookMetrics(registry, server_options.routes),
    )
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=web.app), base_url="http://input.test")
    try:
        yield Served(client, web, log)
    finally:
        await client.aclose()
        await web.client.close()
        await input_.close()
