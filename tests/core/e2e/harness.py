"""Real processes for end-to-end tests: the fake cloud's store, local-exec handlers, the Core.

Everything lives in one temporary directory: the fake cloud's SQLite store (shared by every
process through `SAKURACLOUD_FAKE_STORE_PATH`), the sockets, the scripts and each process's
log. Requests go to the Core with `autoscaler inputs direct`; the cloud is inspected with the cloud
client against the same store.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from autoscaler.cloud import CloudClient, CloudOptions, open_client
from autoscaler.cloud.fake.store import Store
from autoscaler.cloud.models import Server
from autoscaler.proto import request_pb2

JOB = request_pb2.ScalingJobStatus
DIRECT_REPLY = re.compile(r"status: (?P<status>\w+), job-id: (?P<job>.*?)(?:, message: (?P<message>.*))?")
T = TypeVar("T")


def autoscaler_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "autoscaler", *args]


def wait_until(predicate: Callable[[], bool], timeout: float = 15.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


@dataclass
class Proc:
    """One child process with its stderr in a file."""

    name: str
    args: list[str]
    cwd: Path
    env: dict[str, str]
    proc: subprocess.Popen[bytes] | None = None
    log_path: Path = field(init=False)

    def start(self) -> Proc:
        self.log_path = self.cwd / f"{self.name}.log"
        with open(self.log_path, "wb") as err:
            self.proc = subprocess.Popen(
                self.args, cwd=self.cwd, env=self.env, stdout=err, stderr=subprocess.STDOUT
            )
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_log(self, text: str, timeout: float = 15.0) -> None:
        def seen() -> bool:
            if text in self.log():
                return True
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise AssertionError(
                    f"{self.name} exited ({self.proc.returncode}) before {text!r}:\n{self.log()}"
                )
            return False

        try:
            wait_until(seen, timeout, f"{text!r} in the log of {self.name}")
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{self.log()}") from None

    def signal(self, sig: int) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)

    def wait(self, timeout: float = 30.0) -> int:
        assert self.proc is not None
        return self.proc.wait(timeout)

    def stop(self, timeout: float = 30.0) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@dataclass
class Stack:
    """A fake cloud plus the processes a test starts on it; `close()` kills what is left."""

    dir: Path
    procs: list[Proc] = field(default_factory=list)
    seeded_at: float = 0.0
    # Set by serve_cloud: every process started afterwards reaches the fake over HTTP.
    api_root: str = ""
    delays: dict[str, str] = field(default_factory=dict)

    @property
    def store(self) -> Path:
        return self.dir / "fake.sqlite3"

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "SAKURACLOUD_FAKE_MODE": "1",
            "SAKURACLOUD_FAKE_STORE_PATH": str(self.store),
            "PYTHONUNBUFFERED": "1",
            **self.delays,
            **(
                {
                    "SAKURACLOUD_API_ROOT_URL": self.api_root,
                    "SAKURACLOUD_ACCESS_TOKEN": "token",
                    "SAKURACLOUD_ACCESS_TOKEN_SECRET": "secret",
                    "SAKURACLOUD_API_REQUEST_RATE_LIMIT": "1000",
                }
                if self.api_root
                else {}
            ),
        }

    @property
    def core_socket(self) -> Path:
        return self.dir / "core.sock"

    def serve_cloud(self, **delays: float) -> Proc:
        """Serve the fake cloud over HTTP (`fake-cloud serve`) with these delays in seconds
        (`boot=0.5` -> SAKURACLOUD_FAKE_DELAY_BOOT); later processes use it in fake mode."""
        self.delays = {f"SAKURACLOUD_FAKE_DELAY_{k.upper()}": str(v) for k, v in delays.items()}
        proc = self.start("fake-cloud", "fake-cloud", "serve", "--addr", "127.0.0.1:0")
        proc.wait_log("SAKURACLOUD_API_ROOT_URL=")
        found = re.search(r"SAKURACLOUD_API_ROOT_URL=(\S+)", proc.log())
        assert found is not None
        self.api_root = found.group(1)
        return proc

    def seed(self, text: str) -> None:
        path = self.dir / "seed.yaml"
        path.write_text(text)
        done = subprocess.run(
            autoscaler_cmd("fake-cloud", "seed", str(path)), env=self.env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stdout + done.stderr
        self.seeded_at = time.monotonic()

    def past_cooldown(self, seconds: float) -> None:
        """Wait until `seconds` have passed since seeding: a new job record starts as DONE, so
        the first request after start-up already honours the cooldown (as upstream intends)."""
        time.sleep(max(0.0, self.seeded_at + seconds - time.monotonic()))

    def script(self, name: str, body: str) -> Path:
        path = self.dir / name
        path.write_text(body)
        path.chmod(0o755)
        return path

    def write(self, name: str, text: str) -> Path:
        path = self.dir / name
        path.write_text(text)
        return path

    def start(self, name: str, *args: str, env: dict[str, str] | None = None) -> Proc:
        proc = Proc(name, autoscaler_cmd(*args), self.dir, {**self.env, **(env or {})}).start()
        self.procs.append(proc)
        return proc

    def handler(self, script: Path, socket: str = "handler.sock", handler_type: str = "post-handle") -> Proc:
        proc = self.start(
            f"handler-{socket}",
            "handlers",
            "local-exec",
            "--addr",
            f"unix:{self.dir / socket}",
            "--executable-path",
            str(script),
            "--handler-type",
            handler_type,
        )
        proc.wait_log("msg=started")
        return proc

    def core(
        self,
        config: str,
        *extra: str,
        wait: bool = True,
        env: dict[str, str] | None = None,
        name: str = "core",
    ) -> Proc:
        path = self.write("autoscaler.yaml", config)
        proc = self.start(
            name, "start", "--addr", f"unix:{self.core_socket}", "--config", str(path), *extra, env=env
        )
        if wait:
            proc.wait_log("msg=started")
        return proc

    def request(
        self, method: str, resource: str, sync: bool = True, desired: str = ""
    ) -> request_pb2.ScalingResponse:
        """Up/Down/Keep through `autoscaler inputs direct`, its answer read back from stdout."""
        args = ["inputs", "direct", method.lower(), "--resource-name", resource]
        args += ["--dest", f"unix:{self.core_socket}"]
        if sync:
            args.append("--sync")
        if desired:
            args += ["--desired-state-name", desired]
        done = subprocess.run(autoscaler_cmd(*args), env=self.env, capture_output=True, text=True, timeout=60)
        match = DIRECT_REPLY.fullmatch(done.stdout.strip())
        # 0, or 129 (JOB_DONE_NOOP) and 130 (a message) after printing the reply.
        assert match is not None and done.returncode in (0, 129, 130), (
            done.returncode,
            done.stdout,
            done.stderr,
        )
        return request_pb2.ScalingResponse(
            scaling_job_id=match["job"],
            status=JOB.Value(match["status"]),
            message=match["message"] or "",
        )

    def servers(self, zone: str = "is1a") -> dict[str, Server]:
        """The fake cloud's servers by name, read through the cloud client."""

        async def read() -> dict[str, Server]:
            options = CloudOptions(fake_mode=True, fake_store_path=str(self.store))
            async with open_client(options) as client:
                return {s.name: s for s in await client.servers.find(zone)}

        return asyncio.run(read())

    def cloud(self, read: Callable[[CloudClient], Awaitable[T]]) -> T:
        """Run `read` with a cloud client on this stack's fake cloud."""

        async def run() -> T:
            options = CloudOptions(fake_mode=True, fake_store_path=str(self.store))
            async with open_client(options) as client:
                return await read(client)

        return asyncio.run(run())

    def elb_servers(self, name: str) -> list[tuple[str, int, bool]]:
        """(IP, port, enabled) of the real servers of the ELB called `name`."""

        async def read(client: CloudClient) -> list[tuple[str, int, bool]]:
            (elb,) = [e for e in await client.elb.find() if e.name == name]
            return [(s.ip_address, s.port, s.enabled) for s in elb.servers]

        return self.cloud(read)

    def private_record(self, kind: str, zone: str, id_: int) -> dict[str, Any]:
        """A record as the fake keeps it, with what the API does not show (e.g. a disk edit's
        startup scripts, whose notes are deleted once the disk is ready)."""
        store = Store(self.store)
        try:
            with store.read() as tx:
                record = tx.get(kind, zone, id_)
        finally:
            store.close()
        assert record is not None, f"no {kind} {id_} in {zone}"
        return record

    def close(self) -> None:
        for proc in self.procs:
            proc.kill()


def done(response: request_pb2.ScalingResponse) -> bool:
    """The request was accepted and its job ended JOB_DONE."""
    return response.status == JOB.JOB_DONE and response.message == ""


def requests_seen(path: Path) -> list[dict[str, Any]]:
    """The JSON documents a recording script appended to `path`, one per line."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


# A post-handle script that records each request it gets and says what it saw.
RECORDING_SCRIPT = """#!/bin/sh
request=$(cat)
printf '%s\\n' "$request" >> requests.jsonl
echo "script saw: $request" | head -c 120
echo
"""
