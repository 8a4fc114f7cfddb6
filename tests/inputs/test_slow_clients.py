"""The real inputs process under the usual 1,024 file limit against 1,100 connections that never
finish their headers (issue 12, item 2): /healthz keeps answering and the log stays small."""

from __future__ import annotations

import contextlib
import resource
import select
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from .process import autoscaler_cmd

PARTIAL = b"POST /up HTTP/1.1\r\nHost: x\r\n"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(tmp_path: Path, nofile: int, *flags: str) -> tuple[subprocess.Popen[bytes], Path, int]:
    port = _free_port()
    log = tmp_path / "inputs.log"

    def limit_files() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))

    with open(log, "wb") as err:
        proc = subprocess.Popen(
            autoscaler_cmd("inputs", "grafana", "--addr", f"127.0.0.1:{port}", *flags),
            cwd=tmp_path,
            stdout=err,
            stderr=err,
            preexec_fn=limit_files,
        )
    _healthz(proc, port, log)
    return proc, log, port


def _healthz(proc: subprocess.Popen[bytes], port: int, log: Path, deadline: float = 60.0) -> httpx.Response:
    """/healthz, retried until it answers (each try waits up to 10 s)."""
    end = time.monotonic() + deadline
    while True:
        assert proc.poll() is None, log.read_text()
        try:
            return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=10)
        except httpx.TransportError:
            if time.monotonic() > end:
                raise
            time.sleep(0.1)


def _open_slow(port: int, count: int, wait: float = 30.0) -> list[socket.socket]:
    socks = []
    for _ in range(count):
        sock = socket.socket()
        sock.setblocking(False)
        sock.connect_ex(("127.0.0.1", port))
        socks.append(sock)
    for sock in socks:  # connected once writable (the kernel's backlog accepts for the server)
        _wait(sock, select.POLLOUT, wait)
        with contextlib.suppress(OSError):  # refused or reset already: holds no descriptor there
            sock.send(PARTIAL)
    return socks


def _wait(sock: socket.socket, events: int, timeout: float = 30.0) -> bool:
    poller = select.poll()  # select() cannot watch descriptors past 1023
    poller.register(sock, events)
    return bool(poller.poll(timeout * 1000))


@pytest.fixture
def sockets() -> Iterator[list[socket.socket]]:
    held: list[socket.socket] = []
    yield held
    for sock in held:
        sock.close()


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def test_eleven_hundred_slow_clients_under_a_1024_file_limit(
    tmp_path: Path, sockets: list[socket.socket]
) -> None:
    if resource.getrlimit(resource.RLIMIT_NOFILE)[1] < 1500:
        pytest.skip("the test itself needs more than 1,100 descriptors")
    resource.setrlimit(resource.RLIMIT_NOFILE, (resource.getrlimit(resource.RLIMIT_NOFILE)[1],) * 2)
    proc, log, port = _start(tmp_path, 1024)
    try:
        sockets += _open_slow(port, 1100)
        health = _healthz(proc, port, log)
        assert (health.status_code, health.text) == (200, "ok")
        # The oldest slow clients were closed to make room: reading them gives EOF (or a reset).
        assert _wait(sockets[0], select.POLLIN)
    finally:
        _stop(proc)
    text = log.read_text()
    assert "Traceback" not in text
    assert len(text) < 2048, text
    assert text.count("HTTP connection limit reached") == 1


def test_accept_failing_for_lack_of_descriptors_is_one_warning(
    tmp_path: Path, sockets: list[socket.socket]
) -> None:
    # While the server is stopped its full backlog (128) builds up; resumed, it accepts them in one
    # batch, more than its 128 descriptors hold. Short deadlines free descriptors again.
    proc, log, port = _start(tmp_path, 128, "--header-timeout", "2s")
    try:
        proc.send_signal(signal.SIGSTOP)
        try:
            sockets += _open_slow(port, 150, wait=0.5)
        finally:
            proc.send_signal(signal.SIGCONT)
        end = time.monotonic() + 60
        while "cannot accept HTTP connections" not in log.read_text():
            assert time.monotonic() < end, log.read_text()
            time.sleep(0.1)
        health = _healthz(proc, port, log, deadline=120)
        assert health.text == "ok"
    finally:
        _stop(proc)
    text = log.read_text()
    assert "Traceback" not in text and "Errno 24" in text
    assert text.count("cannot accept HTTP connections") <= 2  # one per minute at most
    assert len(text.splitlines()) <= 10, text
