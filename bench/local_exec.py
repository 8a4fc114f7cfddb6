"""Benchmarks of the local-exec handler, each against a baseline measured in the same run.

    .venv/bin/python -m bench.local_exec [--quick]

1. Round trip: a Handle call through the real handler process vs a bare fork/exec of the same
   script from this process (same JSON on stdin and in argv[1]); interleaved, p50 and p99.
2. 64 concurrent calls of a `sleep 0.2` script: wall time (ideal: 0.2 s).
3. Idle RSS of the handler process.
4. Peak RSS of the handler while a script prints 1 GiB to stdout (sampled every 5 ms).
5. What the orphan watchdog costs per execution: ScriptRunner.run of the same script with the
   watchdog and without it, in this process, interleaved.
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
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import grpc

from autoscaler.golang import json as gojson
from autoscaler.proto import handler_pb2 as pb
from autoscaler.proto import handler_pb2_grpc

MiB = 1024 * 1024


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


@contextmanager
def handler(workdir: Path, script: str, *extra: str) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    sock = workdir / f"bench-{time.monotonic_ns()}.sock"
    log = workdir / "handler.log"
    with open(log, "ab") as err:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "autoscaler",
                "handlers",
                "local-exec",
                "--executable-path",
                script,
                "--handler-type",
                "handle",
                "--addr",
                f"unix:{sock}",
                "--log-level",
                "warn",
                *extra,
            ],
            cwd=workdir,
            stderr=err,
        )
    try:
        deadline = time.monotonic() + 20
        while not sock.exists():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"handler did not start: {log.read_text()}")
            time.sleep(0.01)
        yield proc, f"unix:{sock}"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)


def write(workdir: Path, name: str, body: str) -> str:
    path = workdir / name
    path.write_text(body)
    path.chmod(0o755)
    return f"./{name}"


def sample_request() -> pb.HandleRequest:
    request = pb.HandleRequest(
        source="bench", resource_name="web", scaling_job_id="web", instruction=pb.UPDATE
    )
    server = request.desired.server
    server.id, server.zone, server.core, server.memory, server.name = "113600000001", "is1a", 4, 8, "web-001"
    server.assigned_network.add(ip_address="192.0.2.11", netmask=24, gateway="192.0.2.1")
    return request


def round_trip(workdir: Path, iterations: int) -> dict[str, float]:
    """The Core's view: an asyncio gRPC client (as our Core uses) calling Handle, vs exec."""
    script = write(workdir, "echo.sh", "#!/bin/sh\ncat\n")
    request = sample_request()
    payload = gojson.render(request)

    def bare() -> float:
        start = time.perf_counter()
        done = subprocess.run([script, payload], input=payload, capture_output=True, cwd=workdir, check=True)
        elapsed = time.perf_counter() - start
        assert done.stdout == payload
        return elapsed

    async def measure(target: str) -> dict[str, list[float]]:
        async with grpc.aio.insecure_channel(target) as channel:
            stub = handler_pb2_grpc.HandleServiceStub(channel)

            async def call() -> float:
                start = time.perf_counter()
                responses = [r async for r in stub.Handle(request)]
                elapsed = time.perf_counter() - start
                assert [r.log for r in responses] == [payload.decode()]
                return elapsed

            async def call_fresh_connection() -> float:
                # The Core dials each handler anew for every call.
                start = time.perf_counter()
                async with grpc.aio.insecure_channel(target) as fresh:
                    responses = [r async for r in handler_pb2_grpc.HandleServiceStub(fresh).Handle(request)]
                elapsed = time.perf_counter() - start
                assert responses[-1].status == pb.HandleResponse.DONE
                return elapsed

            async def call_ignored() -> float:
                # A step the handler ignores: the gRPC round trip alone, no process.
                start = time.perf_counter()
                responses = [r async for r in stub.PreHandle(request)]
                elapsed = time.perf_counter() - start
                assert responses == []
                return elapsed

            for _ in range(20):
                bare(), await call(), await call_fresh_connection(), await call_ignored()
            samples: dict[str, list[float]] = {"bare": [], "handle": [], "handle_fresh": [], "grpc_only": []}
            for _ in range(iterations):  # interleaved, so drift hits all alike
                samples["bare"].append(bare())
                samples["handle"].append(await call())
                samples["handle_fresh"].append(await call_fresh_connection())
                samples["grpc_only"].append(await call_ignored())
            return samples

    with handler(workdir, script) as (_proc, target):
        samples = asyncio.run(measure(target))
    out: dict[str, float] = {}
    for name, values in samples.items():
        out[f"{name}_p50_ms"] = percentile(values, 50) * 1000
        out[f"{name}_p99_ms"] = percentile(values, 99) * 1000
    for q in ("p50", "p99"):
        out[f"ratio_{q}"] = out[f"handle_{q}_ms"] / out[f"bare_{q}_ms"]
        out[f"ratio_fresh_{q}"] = out[f"handle_fresh_{q}_ms"] / out[f"bare_{q}_ms"]
    return out


def concurrent(workdir: Path, rounds: int, calls: int = 64) -> dict[str, float]:
    script = write(workdir, "sleep.sh", "#!/bin/sh\nsleep 0.2\necho done\n")
    walls: list[float] = []
    baseline: list[float] = []

    async def burst(target: str) -> float:
        async with grpc.aio.insecure_channel(target) as channel:
            stub = handler_pb2_grpc.HandleServiceStub(channel)

            async def one() -> None:
                responses = [r async for r in stub.Handle(pb.HandleRequest(scaling_job_id="c"))]
                assert responses[-1].log == "done\n"

            start = time.perf_counter()
            await asyncio.gather(*(one() for _ in range(calls)))
            return time.perf_counter() - start

    def bare_burst() -> float:
        # The same 64 scripts started at once from this process, no gRPC: the floor.
        start = time.perf_counter()
        procs = [subprocess.Popen([script], cwd=workdir, stdout=subprocess.PIPE) for _ in range(calls)]
        for p in procs:
            p.communicate()
        return time.perf_counter() - start

    with handler(workdir, script) as (_proc, target):
        asyncio.run(burst(target))  # warm up
        for _ in range(rounds):
            baseline.append(bare_burst())
            walls.append(asyncio.run(burst(target)))
    return {
        "concurrent64_wall_s": statistics.median(walls),
        "concurrent64_bare_wall_s": statistics.median(baseline),
        "concurrent64_ratio": statistics.median(walls) / statistics.median(baseline),
    }


def memory(workdir: Path, flood_bytes: int) -> dict[str, float]:
    script = write(workdir, "flood.sh", f"#!/bin/sh\nhead -c {flood_bytes} /dev/zero | tr '\\0' 'x'\n")
    with handler(workdir, script) as (proc, target), grpc.insecure_channel(target) as channel:
        stub = handler_pb2_grpc.HandleServiceStub(channel)
        time.sleep(1.0)
        idle = rss_bytes(proc.pid)
        peak = [idle]
        stop = threading.Event()

        def sample() -> None:
            while not stop.is_set():
                peak[0] = max(peak[0], rss_bytes(proc.pid))
                time.sleep(0.005)

        sampler = threading.Thread(target=sample)
        sampler.start()
        start = time.perf_counter()
        (response,) = list(stub.Handle(pb.HandleRequest(), timeout=600))
        elapsed = time.perf_counter() - start
        stop.set()
        sampler.join()
        assert "bytes of output dropped" in response.log
    python_baseline = _bare_python_rss()
    return {
        "idle_rss_mib": idle / MiB,
        "bare_python_rss_mib": python_baseline / MiB,
        "flood_peak_rss_mib": peak[0] / MiB,
        "flood_gib": flood_bytes / (1024 * MiB),
        "flood_seconds": elapsed,
        "flood_throughput_mib_s": flood_bytes / MiB / elapsed,
    }


def _bare_python_rss() -> int:
    """RSS of an idle `python -c` with nothing imported: the floor any Python process pays."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        time.sleep(0.5)
        return rss_bytes(proc.pid)
    finally:
        proc.kill()
        proc.wait()


def watchdog_cost(workdir: Path, iterations: int) -> dict[str, float]:
    """One execution through ScriptRunner with the watchdog (as the handler runs) and without."""
    from autoscaler.script import RunSpec, ScriptRunner

    script = write(workdir, "echo.sh", "#!/bin/sh\ncat\n")
    payload = gojson.render(sample_request())
    spec = RunSpec(program=script, argv0=script, payload=payload)

    async def measure() -> dict[str, list[float]]:
        os.chdir(workdir)
        runners = {"watchdog": ScriptRunner(), "no_watchdog": ScriptRunner(watchdog=False)}
        samples: dict[str, list[float]] = {name: [] for name in runners}
        for _ in range(20):
            for runner in runners.values():
                await runner.run(spec)
        for _ in range(iterations):
            for name, runner in runners.items():
                start = time.perf_counter()
                result = await runner.run(spec)
                samples[name].append(time.perf_counter() - start)
                assert result.output == payload
        for runner in runners.values():
            await runner.close()
        return samples

    here = os.getcwd()
    try:
        samples = asyncio.run(measure())
    finally:
        os.chdir(here)
    out = {
        f"{name}_{q}_ms": percentile(v, n) * 1000
        for name, v in samples.items()
        for q, n in (("p50", 50), ("p99", 99))
    }
    out["watchdog_ratio_p50"] = out["watchdog_p50_ms"] / out["no_watchdog_p50_ms"]
    return out


def run(quick: bool = False) -> dict[str, float]:
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="bench-local-exec-") as tmp:
        workdir = Path(tmp)
        steps: list[tuple[str, Callable[[], dict[str, float]]]] = [
            ("round trip", lambda: round_trip(workdir, 100 if quick else 500)),
            ("64 concurrent", lambda: concurrent(workdir, 3 if quick else 7)),
            ("memory", lambda: memory(workdir, (128 if quick else 1024) * MiB)),
            ("watchdog cost", lambda: watchdog_cost(workdir, 100 if quick else 500)),
        ]
        for name, step in steps:
            print(f"… {name}", file=sys.stderr, flush=True)
            results.update(step())
    return results


def report(results: dict[str, float]) -> str:
    r = results
    lines = [
        "| measure | value | baseline (same run) | ratio | target |",
        "|---|---|---|---|---|",
        f"| Handle round trip p50 | {r['handle_p50_ms']:.2f} ms | bare fork/exec {r['bare_p50_ms']:.2f} ms | "
        f"{r['ratio_p50']:.2f}× | ≤ 1.3× |",
        f"| Handle round trip p99 | {r['handle_p99_ms']:.2f} ms | bare fork/exec {r['bare_p99_ms']:.2f} ms | "
        f"{r['ratio_p99']:.2f}× | ≤ 1.3× |",
        f"| same, new connection per call (as the Core dials) p50 | {r['handle_fresh_p50_ms']:.2f} ms | "
        f"{r['bare_p50_ms']:.2f} ms | {r['ratio_fresh_p50']:.2f}× | — |",
        f"| of which gRPC alone (an ignored step) p50 | {r['grpc_only_p50_ms']:.2f} ms | — | — | — |",
        f"| handler overhead beyond gRPC and exec, p50 | "
        f"{r['handle_p50_ms'] - r['grpc_only_p50_ms'] - r['bare_p50_ms']:.2f} ms | — | — | — |",
        f"| 64 concurrent `sleep 0.2` calls, wall | {r['concurrent64_wall_s']:.3f} s | 64 bare execs at once "
        f"{r['concurrent64_bare_wall_s']:.3f} s | {r['concurrent64_ratio']:.2f}× | ≤ 0.4 s |",
        f"| idle RSS | {r['idle_rss_mib']:.1f} MiB | bare `python -c` {r['bare_python_rss_mib']:.1f} MiB | "
        f"{r['idle_rss_mib'] / r['bare_python_rss_mib']:.2f}× | ≤ 45 MiB |",
        f"| peak RSS, {r['flood_gib']:.2f} GiB stdout flood | {r['flood_peak_rss_mib']:.1f} MiB | idle "
        f"{r['idle_rss_mib']:.1f} MiB | {r['flood_peak_rss_mib'] / r['idle_rss_mib']:.2f}× | ≤ 64 MiB |",
        f"| flood throughput | {r['flood_throughput_mib_s']:.0f} MiB/s | — | — | — |",
        f"| one execution with the orphan watchdog, p50 | {r['watchdog_p50_ms']:.2f} ms | without "
        f"{r['no_watchdog_p50_ms']:.2f} ms | {r['watchdog_ratio_p50']:.2f}× | no growth |",
        f"| same, p99 | {r['watchdog_p99_ms']:.2f} ms | without {r['no_watchdog_p99_ms']:.2f} ms | "
        f"{r['watchdog_p99_ms'] / r['no_watchdog_p99_ms']:.2f}× | — |",
    ]
    return "\n".join(lines)


def main() -> None:
    quick = "--quick" in sys.argv
    results = run(quick)
    print(report(results))
    out = Path(__file__).resolve().parent / "results"
    out.mkdir(exist_ok=True)
    (out / "local_exec.json").write_text(json.dumps(results, indent=2) + "\n")
    print(f"(raw numbers in {out / 'local_exec.json'}; machine: {os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
