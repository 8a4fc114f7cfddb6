"""`--tls-cert/--tls-key`: the same server over HTTPS; without them, plain HTTP only (upstream)."""

from __future__ import annotations

import fcntl
import os
import select
import shutil
import ssl
import subprocess
import sys
import termios
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


# --- encrypted and broken keys (issue 12, item 5) ---------------------------------------------


@pytest.fixture
def encrypted(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A certificate, its key encrypted with a passphrase, and a file holding the passphrase."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a certificate")
    cert, key, passphrase = tmp_path / "enc.crt", tmp_path / "enc.key", tmp_path / "passphrase"
    passphrase.write_text("correct horse\n")
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-passout",
            f"file:{passphrase}",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key, passphrase


def _run_on_a_terminal(args: list[str]) -> tuple[int, str]:
    """Run with a pseudo-terminal as stdin/stdout/stderr and controlling terminal, where OpenSSL's
    prompt would block (a prompt would hang until the timeout)."""
    master, slave = os.openpty()

    def take_terminal() -> None:
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    proc = subprocess.Popen(
        [sys.executable, "-m", "autoscaler", *args],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        start_new_session=True,
        preexec_fn=take_terminal,
    )
    os.close(slave)
    output = b""
    try:
        status = proc.wait(timeout=60)
        while select.select([master], [], [], 0.5)[0]:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            output += chunk
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    return status, output.decode(errors="replace")


def test_an_encrypted_key_is_refused_without_prompting(encrypted: tuple[Path, Path, Path]) -> None:
    cert, key, _ = encrypted
    status, output = _run_on_a_terminal(
        ["inputs", "grafana", "--addr", "127.0.0.1:0", "--tls-cert", str(cert), "--tls-key", str(key)]
    )
    assert status == 1
    assert "pass phrase" not in output.lower()
    assert (
        f"--tls-cert, --tls-key: cannot load the certificate and key: {key}: the private key is encrypted; "
        "give its passphrase in a file with --tls-key-passphrase-file" in output
    )


async def test_an_encrypted_key_is_read_with_the_passphrase_file(
    core: RecordingCore, encrypted: tuple[Path, Path, Path]
) -> None:
    cert, key, passphrase = encrypted
    options = InputsServerConfig(
        address="127.0.0.1:0",
        dest=core.address,
        tls_cert=str(cert),
        tls_key=str(key),
        tls_key_passphrase_file=str(passphrase),
    )
    server = InputsServer(GrafanaInput(), options, new_logger("error"))
    address = await server.start()
    try:
        trust = ssl.create_default_context(cafile=str(cert))
        async with httpx.AsyncClient(verify=trust) as client:
            health = await client.get(f"https://{address}/healthz")
    finally:
        await server.stop()
    assert (health.status_code, health.text) == (200, "ok")


def test_junk_pem_and_a_wrong_passphrase_name_the_file(
    tmp_path: Path, certificate: tuple[Path, Path], encrypted: tuple[Path, Path, Path]
) -> None:
    cert, key = certificate
    junk = tmp_path / "junk.pem"
    junk.write_text("not PEM at all\n")
    wrong = tmp_path / "wrong"
    wrong.write_text("nope\n")
    enc_cert, enc_key, _ = encrypted
    cases = [
        ((junk, key, None), f"{junk}: no PEM certificate in the file"),
        ((cert, junk, None), f"{junk}: no PEM private key in the file"),
        (
            (enc_cert, enc_key, wrong),
            f"{enc_key}: the passphrase in {wrong} does not decrypt the private key",
        ),
        ((enc_cert, key, None), f"{key}: the private key does not belong to the certificate in {enc_cert}"),
    ]
    for (c, k, p), message in cases:
        args = ["inputs", "grafana", "--addr", "127.0.0.1:0", "--tls-cert", str(c), "--tls-key", str(k)]
        if p is not None:
            args += ["--tls-key-passphrase-file", str(p)]
        result = subprocess.run(
            [sys.executable, "-m", "autoscaler", *args],
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
        assert result.returncode == 1
        assert result.stderr == (
            f"Error: 1 error occurred:\n\t* --tls-cert, --tls-key: cannot load the certificate and key: "
            f"{message}\n\n\n"
        )
