"""Start the real `autoscaler inputs <kind>` process and wait until it serves."""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx


def autoscaler_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "autoscaler", *args]


@dataclass
class InputProcess:
    cwd: Path
    args: list[str]
    port: int
    proc: asyncio.subprocess.Process | None = None
    _stderr: Path = field(init=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> str:
        return self._stderr.read_text()

    def _new_log(self) -> IO[bytes]:
        self._stderr = self.cwd / f"input-{time.monotonic_ns()}.log"
        return open(self._stderr, "wb")

    async def start(self, wait: bool = True) -> InputProcess:
        with self._new_log() as err:
            self.proc = await asyncio.create_subprocess_exec(
                *autoscaler_cmd("inputs", *self.args), cwd=self.cwd, stdout=err, stderr=err
            )
        if wait:
            await self.wait_serving()
        return self

    async def wait_serving(self, timeout: float = 20.0) -> None:
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient() as client:
            while True:
                if self.proc.returncode is not None:
                    raise RuntimeError(f"input exited with {self.proc.returncode}: {self.log}")
                try:
                    if (await client.get(f"{self.url}/healthz")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"input did not start: {self.log}")
                await asyncio.sleep(0.05)

    async def stop(self, sig: signal.Signals = signal.SIGTERM, timeout: float = 20.0) -> int:
        assert self.proc is not None
        if self.proc.returncode is None:
            self.proc.send_signal(sig)
        return await asyncio.wait_for(self.proc.wait(), timeout)

    async def wait(self, timeout: float = 20.0) -> int:
        assert self.proc is not None
        return await asyncio.wait_for(self.proc.wait(), timeout)

    def kill(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()
