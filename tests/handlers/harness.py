"""Start the real `autoscaler handlers local-exec` process and talk to it over its unix socket."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import grpc

from autoscaler.proto import handler_pb2 as pb
from autoscaler.proto import handler_pb2_grpc

SOCKET = "autoscaler-handlers-local-exec.sock"
_METHODS = {"pre-handle": "PreHandle", "handle": "Handle", "post-handle": "PostHandle"}


def write_script(path: Path, body: str, mode: int = 0o755) -> Path:
    path.write_text(body)
    path.chmod(mode)
    return path


def autoscaler_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "autoscaler", *args]


@dataclass
class Outcome:
    responses: list[pb.HandleResponse]
    code: grpc.StatusCode
    details: str

    @property
    def logs(self) -> list[str]:
        return [r.log for r in self.responses]


@dataclass
class HandlerProcess:
    """One running handler; `stop()` sends SIGTERM and returns the exit status."""

    cwd: Path
    args: Sequence[str]
    socket_name: str = SOCKET
    env: dict[str, str] | None = None
    umask: int = -1  # -1: inherit
    proc: subprocess.Popen[bytes] | None = None
    _stderr_path: Path = field(init=False)

    def start(self, wait: bool = True) -> HandlerProcess:
        self._stderr_path = self.cwd / f"handler-{time.monotonic_ns()}.log"
        with open(self._stderr_path, "wb") as err:
            self.proc = subprocess.Popen(
                autoscaler_cmd("handlers", "local-exec", *self.args),
                cwd=self.cwd,
                stdout=subprocess.DEVNULL,
                stderr=err,
                env={**os.environ, **(self.env or {})},
                umask=self.umask,
            )
        if wait:
            self.wait_ready()
        return self

    @property
    def socket_path(self) -> Path:
        return self.cwd / self.socket_name

    @property
    def target(self) -> str:
        return f"unix:{self.socket_path}"

    def wait_ready(self, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while "msg=started" not in self.log() and '"msg":"started"' not in self.log():
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise AssertionError(f"handler exited with {self.proc.returncode}:\n{self.log()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"handler did not start:\n{self.log()}")
            time.sleep(0.02)

    def log(self) -> str:
        return self._stderr_path.read_text(errors="replace")

    def call(
        self, step: str, request: pb.HandleRequest | pb.PostHandleRequest, timeout: float = 30.0
    ) -> Outcome:
        with grpc.insecure_channel(self.target) as channel:
            stub = handler_pb2_grpc.HandleServiceStub(channel)
            stream = getattr(stub, _METHODS[step])(request, timeout=timeout)
            responses: list[pb.HandleResponse] = []
            try:
                for response in stream:
                    responses.append(response)
            except grpc.RpcError as exc:
                return Outcome(responses, exc.code(), exc.details() or "")
            return Outcome(responses, grpc.StatusCode.OK, "")

    def send(self, sig: int) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def running_pids_with(marker: str) -> list[int]:
    """PIDs of live processes whose command line contains `marker` (for orphan checks)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cmdline = (
                Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            )
            state = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if marker in cmdline and state != "Z":
            pids.append(int(entry))
    return pids


def wait_until(predicate: object, timeout: float = 10.0, interval: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(predicate) and predicate():
            return True
        time.sleep(interval)
    return bool(callable(predicate) and predicate())
