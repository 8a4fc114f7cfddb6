"""A client cannot grow the inputs' log at will (issue 12, item 2): uvicorn's per-request
warnings are rate-limited, each line counting the requests it stands for."""

from __future__ import annotations

import asyncio
import io

from autoscaler.inputs.app import InputsServerConfig
from autoscaler.inputs.grafana import GrafanaInput
from autoscaler.inputs.server import InputsServer
from autoscaler.log import new_logger

from .conftest import RecordingCore


async def test_fifty_garbage_requests_are_one_warning(core: RecordingCore) -> None:
    log = io.StringIO()
    server = InputsServer(
        GrafanaInput(),
        InputsServerConfig(address="127.0.0.1:0", dest=core.address),
        new_logger("info", "logfmt", log),
    )
    address = await server.start()
    host, port = address.rsplit(":", 1)
    try:
        for _ in range(50):
            reader, writer = await asyncio.open_connection(host, int(port))
            writer.write(b"NOT HTTP AT ALL\r\n\r\n")
            await writer.drain()
            assert (await asyncio.wait_for(reader.read(), 30)).startswith(b"HTTP/1.1 400")
            writer.close()
    finally:
        await server.stop()
    lines = [line for line in log.getvalue().splitlines() if "Invalid HTTP request received." in line]
    assert len(lines) == 1 and "level=WARN" in lines[0] and "count=1" in lines[0]
