"""A WARN at start-up when an input listens beyond loopback without a token (issue 12, item 10)."""

from __future__ import annotations

import io

import pytest

from autoscaler.inputs.app import InputsServerConfig
from autoscaler.inputs.grafana import GrafanaInput
from autoscaler.inputs.server import InputsServer
from autoscaler.log import new_logger

from .conftest import RecordingCore


@pytest.mark.parametrize(
    ("address", "token", "warned"),
    [(":0", "", True), ("0.0.0.0:0", "", True), (":0", "s3cret", False), ("127.0.0.1:0", "", False)],
)
async def test_listening_beyond_loopback_without_a_token_is_said(
    core: RecordingCore, address: str, token: str, warned: bool
) -> None:
    log = io.StringIO()
    options = InputsServerConfig(address=address, dest=core.address, token=token)
    server = InputsServer(GrafanaInput(), options, new_logger("info", "logfmt", log))
    bound = await server.start()
    await server.stop()
    lines = [line for line in log.getvalue().splitlines() if "beyond loopback" in line]
    if not warned:
        assert lines == []
        return
    assert len(lines) == 1
    assert "level=WARN" in lines[0] and f"address={bound}" in lines[0]
    assert 'hint="set --token (or token: in --config), or listen on 127.0.0.1 with --addr"' in lines[0]


async def test_an_exporter_beyond_loopback_is_said_too(core: RecordingCore) -> None:
    log = io.StringIO()
    options = InputsServerConfig(address="127.0.0.1:0", dest=core.address, exporter_address=":0")
    server = InputsServer(GrafanaInput(), options, new_logger("info", "logfmt", log))
    await server.start()
    await server.stop()
    assert log.getvalue().count('msg="metrics exporter listening beyond loopback') == 1
