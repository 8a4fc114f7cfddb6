"""Request rate of one cloud client shared by concurrent tasks, rate limit on vs off.

    .venv/bin/python -m bench.cloud_concurrency [--quick]

Setup: a real `autoscaler fake-cloud serve` process on 127.0.0.1 (no delays) holding one server;
one `CloudClient` over real HTTP, shared by 8 coroutines (the tasks of one parallel scale-out),
each reading that server in a loop until the round's requests are spent.

Per round, interleaved: the client with the rate limit off (the baseline: what the client and the
served fake can do), then on at upstream's default of 10 requests/s (`SAKURACLOUD_API_REQUEST_RATE_LIMIT`
unset). Each run starts as a job on a long-lived client does: one request, 1.2 s idle, then the
tasks. Measured from the moment each request enters the transport: the effective rate (requests
over wall time), the burst the limiter lets through after idling (requests in the first 50 ms),
the sustained rate (over the second half of the requests, well past the burst), and the most
requests in any 1 s window. Medians over rounds.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from autoscaler.cloud import CloudClient, CloudOptions, ServerCreate
from autoscaler.cloud.config import DEFAULT_RATE_LIMIT

TASKS = 8
ZONE = "is1a"


class Stamping(httpx.AsyncHTTPTransport):
    """The network transport, noting when each request goes out."""

    def __init__(self) -> None:
        super().__init__()
        self.starts: list[float] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.starts.append(time.monotonic())
        return await super().handle_async_request(request)


@contextmanager
def served_fake(work: Path) -> Iterator[str]:
    """`autoscaler fake-cloud serve` on a free port; yields its API root."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAKURACLOUD_")}
    command = [sys.executable, "-m", "autoscaler", "fake-cloud", "serve", "--addr", "127.0.0.1:0",
               "--store", str(work / "fake.sqlite3"), "--delay", "0s"]  # fmt: skip
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if "SAKURACLOUD_API_ROOT_URL=" not in line:
            raise RuntimeError(f"fake-cloud serve did not start: {line!r}")
        yield line.strip().split("SAKURACLOUD_API_ROOT_URL=", 1)[1]
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)


def options(root: str) -> CloudOptions:
    # Rate limit unset: upstream's default, as a user who sets nothing gets it.
    return CloudOptions(access_token="bench", access_token_secret="bench", api_root_url=root).with_defaults()


async def one_run(root: str, server_id: int, requests: int, limited: bool) -> dict[str, float]:
    stamps = Stamping()
    left = [requests]

    async def task(client: CloudClient) -> None:
        while left[0] > 0:
            left[0] -= 1
            await client.servers.read(ZONE, server_id)

    async with CloudClient(options(root), stamps, rate_limit=limited) as client:
        await client.servers.read(ZONE, server_id)  # the client's previous job ...
        await asyncio.sleep(1.2)  # ... long enough ago for the limiter to save up its burst
        stamps.starts.clear()
        start = time.monotonic()
        await asyncio.gather(*(task(client) for _ in range(TASKS)))
        wall = time.monotonic() - start
    starts = sorted(stamps.starts)
    burst = sum(1 for t in starts if t < start + 0.05)
    later = starts[len(starts) // 2 :]
    span = later[-1] - later[0]
    window_max = max(sum(1 for t in starts[i:] if t < first + 1.0) for i, first in enumerate(starts))
    return {
        "requests": float(len(starts)),
        "wall_s": wall,
        "effective_rps": len(starts) / wall,
        "burst": float(burst),
        "sustained_rps": (len(later) - 1) / span if span > 0 else 0.0,
        "max_in_1s": float(window_max),
    }


async def measure(
    root: str, rounds: int, limited_requests: int, open_requests: int
) -> dict[str, list[float]]:
    async with CloudClient(options(root), rate_limit=False) as setup:
        server = await setup.servers.create(ZONE, ServerCreate(name="bench", connected_switches=["shared"]))
    figures: dict[str, list[float]] = {}
    for _ in range(rounds):
        for name, limited, requests in (("off", False, open_requests), ("on", True, limited_requests)):
            for key, value in (await one_run(root, server.id, requests, limited)).items():
                figures.setdefault(f"{name}_{key}", []).append(value)
    return figures


def main() -> None:
    quick = "--quick" in sys.argv
    rounds, limited_requests, open_requests = (3, 40, 400) if quick else (5, 100, 1000)
    with tempfile.TemporaryDirectory() as tmp, served_fake(Path(tmp)) as root:
        figures = asyncio.run(measure(root, rounds, limited_requests, open_requests))
    m = {name: statistics.median(values) for name, values in figures.items()}
    print(f"{TASKS} tasks sharing one client, reads of one server over HTTP; {rounds} rounds, "
          f"medians; limit on = {DEFAULT_RATE_LIMIT} requests/s (upstream's default)\n")  # fmt: skip
    print("| rate limit | requests | wall | effective rate | burst (first 50 ms) | sustained rate "
          "| most in any 1 s |\n|---|---|---|---|---|---|---|")  # fmt: skip
    for name in ("off", "on"):
        print(f"| {name} | {m[f'{name}_requests']:.0f} | {m[f'{name}_wall_s']:.2f} s | "
              f"{m[f'{name}_effective_rps']:,.1f}/s | {m[f'{name}_burst']:.0f} | "
              f"{m[f'{name}_sustained_rps']:,.1f}/s | {m[f'{name}_max_in_1s']:.0f} |")  # fmt: skip
    print(f"\nlimit on / off, effective rate: {m['on_effective_rps'] / m['off_effective_rps']:.4f}×; "
          f"sustained rate / limit: {m['on_sustained_rps'] / DEFAULT_RATE_LIMIT:.3f}")  # fmt: skip
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "cloud_concurrency.json").write_text(json.dumps({"rounds": figures, "median": m}, indent=2) + "\n")


if __name__ == "__main__":
    main()
