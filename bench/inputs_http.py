"""Benchmarks of the webhook inputs' HTTP server, each against baselines measured in the same run.

    .venv/bin/python -m bench.inputs_http [--quick]

Setup: the real `autoscaler inputs grafana` process (default INFO logging, to a file) forwarding
to a stand-in Core in another process (a grpc.aio ScalingService that answers at once). The
client is a small keep-alive HTTP/1.1 client on asyncio, so the client costs little.

Measured, interleaved so that drift hits all alike:
- latency (one request at a time, p50 and p99) and throughput (16 requests in flight on 16
  keep-alive connections, requests per second) of
  - `GET /healthz` (the HTTP stack alone: the floor for any route),
  - `POST /up` with a Grafana `ok` payload (decoded and ignored),
  - `POST /up` with a Grafana `alerting` payload (decoded and forwarded: one gRPC call);
- the gRPC call alone, from this process to the stand-in Core (the floor of forwarding).
Each figure is the median of several rounds.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import grpc

from autoscaler.proto import request_pb2 as pb
from autoscaler.proto import request_pb2_grpc

ALERTING = json.dumps(
    {
        "title": "[Alerting] Scale Up alert",
        "ruleName": "Scale Up alert",
        "state": "alerting",
        "orgId": 1,
        "evalMatches": [{"value": 92.5, "metric": "cpu", "tags": {"instance": "web01"}}],
        "message": "CPU high",
    }
).encode()
OK = ALERTING.replace(b'"alerting"', b'"ok"')
CONCURRENCY = 16


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


# --- the stand-in Core ---------------------------------------------------------------------------


class _Core(request_pb2_grpc.ScalingServiceServicer):
    """Accepts every request at once, as a Core with nothing to do."""

    async def Up(self, request: pb.ScalingRequest, context: grpc.aio.ServicerContext) -> pb.ScalingResponse:
        return pb.ScalingResponse(scaling_job_id=request.resource_name, status=pb.JOB_ACCEPTED)

    Down = Up
    Keep = Up


async def _serve_core(path: str) -> None:
    server = grpc.aio.server()
    request_pb2_grpc.add_ScalingServiceServicer_to_server(_Core(), server)
    server.add_insecure_port(f"unix:{path}")
    await server.start()
    await server.wait_for_termination()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_for(check: Callable[[], bool], proc: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + 20
    while not check():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not start")
        time.sleep(0.02)


def _connectable(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
    except OSError:
        return False
    return True


@contextmanager
def processes(workdir: Path) -> Iterator[tuple[int, str]]:
    """The stand-in Core and the grafana input; yields (HTTP port, Core address)."""
    sock = workdir / "core.sock"
    port = _free_port()
    core = subprocess.Popen([sys.executable, "-m", "bench.inputs_http", "--core", str(sock)])
    started: list[subprocess.Popen[bytes]] = [core]
    try:
        _wait_for(sock.exists, core, "the stand-in Core")
        with open(workdir / "input.log", "wb") as log:
            command = [sys.executable, "-m", "autoscaler", "inputs", "grafana", "--addr", f"127.0.0.1:{port}",
                       "--dest", f"unix:{sock}"]  # fmt: skip
            started.append(subprocess.Popen(command, stderr=log))
        _wait_for(lambda: _connectable(port), started[-1], "the input")
        yield port, f"unix:{sock}"
    finally:
        for proc in reversed(started):
            proc.send_signal(signal.SIGTERM)
            proc.wait(30)


# --- a lean keep-alive HTTP/1.1 client -----------------------------------------------------------


class Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return cls(reader, writer)

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        return status, await self.reader.readexactly(length)

    def close(self) -> None:
        self.writer.close()


def raw_request(method: str, path: str, body: bytes = b"") -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: bench\r\nContent-Length: {len(body)}\r\n"
    return head.encode() + b"Content-Type: application/json\r\n\r\n" + body


KINDS = {
    "healthz": (raw_request("GET", "/healthz"), b"ok"),
    "ignored": (raw_request("POST", "/up?source=bench&resource-name=web", OK), b'{"message":"ignored"}'),
    "forwarded": (
        raw_request("POST", "/up?source=bench&resource-name=web", ALERTING),
        b'{"id":"web", "status":"JOB_ACCEPTED", "message":""}',
    ),
}


async def _latency(conn: Connection, kind: str) -> float:
    raw, expected = KINDS[kind]
    start = time.perf_counter()
    status, body = await conn.request(raw)
    elapsed = time.perf_counter() - start
    assert (status, body) == (200, expected), (status, body)
    return elapsed


async def _throughput(conns: list[Connection], kind: str, total: int) -> float:
    raw, expected = KINDS[kind]
    per_connection = total // len(conns)

    async def worker(conn: Connection) -> None:
        for _ in range(per_connection):
            status, body = await conn.request(raw)
            assert (status, body) == (200, expected)

    start = time.perf_counter()
    await asyncio.gather(*(worker(c) for c in conns))
    return per_connection * len(conns) / (time.perf_counter() - start)


async def _grpc_alone(core: str, iterations: int) -> list[float]:
    async with grpc.aio.insecure_channel(core.replace("unix:", "unix://", 1)) as channel:
        stub = request_pb2_grpc.ScalingServiceStub(channel)
        request = pb.ScalingRequest(source="bench", resource_name="web", desired_state_name="default")
        for _ in range(20):
            await stub.Up(request)
        samples = []
        for _ in range(iterations):
            start = time.perf_counter()
            await stub.Up(request)
            samples.append(time.perf_counter() - start)
        return samples


async def _measure(
    port: int, core: str, rounds: int, latency_n: int, throughput_n: int
) -> dict[str, list[float]]:
    figures: dict[str, list[float]] = {}

    def add(name: str, value: float) -> None:
        figures.setdefault(name, []).append(value)

    one = await Connection.open(port)
    many = [await Connection.open(port) for _ in range(CONCURRENCY)]
    try:
        for kind in KINDS:  # warm up every path
            for _ in range(50):
                await _latency(one, kind)
        for _ in range(rounds):
            samples: dict[str, list[float]] = {kind: [] for kind in KINDS}
            for _ in range(latency_n):
                for kind in KINDS:
                    samples[kind].append(await _latency(one, kind))
            for kind, values in samples.items():
                add(f"{kind}_p50_ms", percentile(values, 50) * 1000)
                add(f"{kind}_p99_ms", percentile(values, 99) * 1000)
            for kind in KINDS:
                add(f"{kind}_rps", await _throughput(many, kind, throughput_n))
            grpc_samples = await _grpc_alone(core, latency_n)
            add("grpc_p50_ms", percentile(grpc_samples, 50) * 1000)
            add("grpc_p99_ms", percentile(grpc_samples, 99) * 1000)
    finally:
        for conn in [one, *many]:
            conn.close()
    return figures


Measure = Callable[[], Awaitable[dict[str, list[float]]]]


def main() -> None:
    quick = "--quick" in sys.argv
    rounds, latency_n, throughput_n = (3, 200, 1600) if quick else (7, 500, 4800)
    with tempfile.TemporaryDirectory() as tmp, processes(Path(tmp)) as (port, core):
        figures = asyncio.run(_measure(port, core, rounds, latency_n, throughput_n))
    result = {name: statistics.median(values) for name, values in figures.items()}
    r = result
    rows = [
        ("/healthz (HTTP floor)", r["healthz_p50_ms"], r["healthz_p99_ms"], r["healthz_rps"], "1.00×"),
        ("/up ignored (ok payload)", r["ignored_p50_ms"], r["ignored_p99_ms"], r["ignored_rps"],
         f"{r['ignored_p50_ms'] / r['healthz_p50_ms']:.2f}× healthz"),
        ("/up forwarded (alerting)", r["forwarded_p50_ms"], r["forwarded_p99_ms"], r["forwarded_rps"],
         f"{r['forwarded_p50_ms'] / r['ignored_p50_ms']:.2f}× ignored"),
        ("gRPC Up alone (Core floor)", r["grpc_p50_ms"], r["grpc_p99_ms"], 0.0, ""),
    ]  # fmt: skip
    print(f"rounds: {rounds}, {latency_n} sequential requests per kind per round, "
          f"{throughput_n} at {CONCURRENCY} in flight\n")  # fmt: skip
    print("| request | p50 | p99 | requests/s (16 in flight) | p50 ratio |")
    print("|---|---|---|---|---|")
    for name, p50, p99, rps, ratio in rows:
        rps_text = f"{rps:,.0f}" if rps else "—"
        print(f"| {name} | {p50:.3f} ms | {p99:.3f} ms | {rps_text} | {ratio} |")
    overhead = r["forwarded_p50_ms"] - r["healthz_p50_ms"] - r["grpc_p50_ms"]
    print(f"\nforwarding overhead beyond the HTTP floor and the gRPC call: {overhead:.3f} ms (p50)")
    print(f"throughput, forwarded / ignored: {r['forwarded_rps'] / r['ignored_rps']:.2f}×")
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "inputs_http.json").write_text(json.dumps({"rounds": figures, "median": result}, indent=2) + "\n")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--core":
        os.environ.setdefault("GRPC_VERBOSITY", "ERROR")
        asyncio.run(_serve_core(sys.argv[2]))
    else:
        main()
