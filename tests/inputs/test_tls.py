"""`--tls-cert/--tls-key`: the same server over HTTPS; without them, plain HTTP only (upstream)."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from pathlib import Path

import httpx
import pytest

from autoscaler.inputs.app import InputsServerConfig
from autoscaler.inputs.grafana import GrafanaInput
from autoscaler.inputs.server import InputsServer
from autoscaler.log import new_logger

from .conftest import RecordingCore, fixture


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


async def test_https_when_configured(core: RecordingCore, certificate: tuple[Path, Path]) -> None:
    cert, key = certificate
    options = InputsServerConfig(
        address="127.0.0.1:0", dest=core.address, tls_cert=str(cert), tls_key=str(key)
    )
    server = InputsServer(GrafanaInput(), options, new_logger("error"))
    address = await server.start()
    try:
        trust = ssl.create_default_context(cafile=str(cert))
        async with httpx.AsyncClient(verify=trust, base_url=f"https://{address}") as client:
            health = await client.get("/healthz")
            up = await client.post("/up?resource-name=web", content=fixture("grafana_legacy_alerting.json"))
        async with httpx.AsyncClient() as plain:
            with pytest.raises(httpx.TransportError):
                await plain.get(f"http://{address}/healthz")
    finally:
        await server.stop()
    assert (health.status_code, health.text) == (200, "ok")
    assert up.status_code == 200
    assert [r.method for r in core.received] == ["Up"]


async def test_plain_http_by_default(core: RecordingCore) -> None:
    server = InputsServer(
        GrafanaInput(), InputsServerConfig(address="127.0.0.1:0", dest=core.address), new_logger("error")
    )
    address = await server.start()
    try:
        async with httpx.AsyncClient(verify=False) as client:
            assert (await client.get(f"http://{address}/healthz")).text == "ok"
            with pytest.raises(httpx.TransportError):
                await client.get(f"https://{address}/healthz")
    finally:
        await server.stop()
