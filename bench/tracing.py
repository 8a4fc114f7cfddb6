"""What tracing costs a local-exec round trip: the same handler with OpenTelemetry on vs off.

    .venv/bin/python -m bench.tracing [--quick]

Two real `autoscaler handlers local-exec` processes run the same `#!/bin/sh` + `cat` script:
one without `OTEL_EXPORTER_OTLP_ENDPOINT`, one sending OTLP/gRPC to a receiver in this process
(on loopback, answering every export). The client calls Handle as a traced Core does, with a
`traceparent` in the metadata, alternating between the two handlers so drift hits both alike.
With tracing on, each call makes the handler's gRPC server span and its `LocalExec#execute`
span, gives the script `TRACEPARENT`, and batches the spans out in the background.
Also: idle RSS and start-up time (to `started`) of both.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent import futures
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import grpc

from autoscaler.golang import json as gojson
from autoscaler.proto import handler_pb2_grpc

from .local_exec import percentile, rss_bytes, sample_request, write

TRACEPARENT = (("traceparent", "00-5b8efff798038103d269b633813fc60c-eee19b7ec3c1b174-01"),)


class Collector:
    """An OTLP/gRPC receiver that counts spans and answers every export."""

    def __init__(self) -> None:
        from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2, metrics_service_pb2_grpc
        from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc

        collector = self
        self.spans = 0

        class Traces(trace_service_pb2_grpc.TraceServiceServicer):
            def Export(self, request: Any, context: Any) -> Any:
                spans = [s for rs in request.resource_spans for ss in rs.scope_spans for s in ss.spans]
                collector.spans += len(spans)
                return trace_service_pb2.ExportTraceServiceResponse()

        class Metrics(metrics_service_pb2_grpc.MetricsServiceServicer):
            def Export(self, request: Any, context: Any) -> Any:
                return metrics_service_pb2.ExportMetricsServiceResponse()

        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
        trace_service_pb2_grpc.add_TraceServiceServicer_to_server(Traces(), self.server)  # type: ignore[no-untyped-call]
        metrics_service_pb2_grpc.add_MetricsServiceServicer_to_server(Metrics(), self.server)  # type: ignore[no-untyped-call]
        self.port = self.server.add_insecure_port("127.0.0.1:0")
        self.server.start()

    def stop(self) -> None:
        self.server.stop(None)


@contextmanager
def handler(workdir: Path, script: str, name: str, env: dict[str, str]) -> Iterator[tuple[int, str, float]]:
    """(pid, target, seconds from spawn to the socket existing)."""
    sock = workdir / f"{name}.sock"
    log = workdir / f"{name}.log"
    started = time.perf_counter()
    with open(log, "ab") as err:
        proc = subprocess.Popen(
            [
                *(sys.executable, "-m", "autoscaler", "handlers", "local-exec", "--executable-path", script),
                *("--handler-type", "handle", "--addr", f"unix:{sock}", "--log-level", "warn"),
            ],
            cwd=workdir,
            stderr=err,
            env=env,
        )
    try:
        deadline = time.monotonic() + 30
        while not sock.exists():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"handler did not start: {log.read_text()}")
            time.sleep(0.005)
        yield proc.pid, f"unix:{sock}", time.perf_counter() - started
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)


def run(quick: bool = False) -> dict[str, float]:
    iterations = 100 if quick else 500
    collector = Collector()
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    traced_env = {
        **base_env,
        "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{collector.port}",
        "OTEL_EXPORTER_OTLP_INSECURE": "true",
    }
    request = sample_request()
    payload = gojson.render(request).decode()
    results: dict[str, float] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="bench-tracing-") as tmp:
            workdir = Path(tmp)
            script = write(workdir, "echo.sh", "#!/bin/sh\ncat\n")
            with (
                handler(workdir, script, "off", base_env) as (off_pid, off_target, off_start),
                handler(workdir, script, "on", traced_env) as (on_pid, on_target, on_start),
            ):

                async def measure() -> dict[str, list[float]]:
                    async with (
                        grpc.aio.insecure_channel(off_target) as off_channel,
                        grpc.aio.insecure_channel(on_target) as on_channel,
                    ):
                        stubs = {
                            "off": handler_pb2_grpc.HandleServiceStub(off_channel),
                            "on": handler_pb2_grpc.HandleServiceStub(on_channel),
                        }

                        async def call(which: str) -> float:
                            start = time.perf_counter()
                            responses = [r async for r in stubs[which].Handle(request, metadata=TRACEPARENT)]
                            elapsed = time.perf_counter() - start
                            assert [r.log for r in responses] == [payload]
                            return elapsed

                        for _ in range(20):
                            await call("off"), await call("on")
                        samples: dict[str, list[float]] = {"off": [], "on": []}
                        for _ in range(iterations):
                            samples["off"].append(await call("off"))
                            samples["on"].append(await call("on"))
                        return samples

                samples = asyncio.run(measure())
                time.sleep(1.0)
                results["off_idle_rss_mib"] = rss_bytes(off_pid) / (1024 * 1024)
                results["on_idle_rss_mib"] = rss_bytes(on_pid) / (1024 * 1024)
                results["off_start_s"], results["on_start_s"] = off_start, on_start
        for which, values in samples.items():
            results[f"{which}_p50_ms"] = percentile(values, 50) * 1000
            results[f"{which}_p99_ms"] = percentile(values, 99) * 1000
        results["ratio_p50"] = results["on_p50_ms"] / results["off_p50_ms"]
        results["ratio_p99"] = results["on_p99_ms"] / results["off_p99_ms"]
        results["spans_received"] = float(collector.spans)
        results["calls_traced"] = float(iterations + 20)
    finally:
        collector.stop()
    return results


def report(r: dict[str, float]) -> str:
    return "\n".join(
        [
            "| measure | tracing on | tracing off (same run) | ratio |",
            "|---|---|---|---|",
            f"| Handle round trip p50 | {r['on_p50_ms']:.2f} ms | {r['off_p50_ms']:.2f} ms | "
            f"{r['ratio_p50']:.2f}× |",
            f"| Handle round trip p99 | {r['on_p99_ms']:.2f} ms | {r['off_p99_ms']:.2f} ms | "
            f"{r['ratio_p99']:.2f}× |",
            f"| idle RSS | {r['on_idle_rss_mib']:.1f} MiB | {r['off_idle_rss_mib']:.1f} MiB | "
            f"{r['on_idle_rss_mib'] / r['off_idle_rss_mib']:.2f}× |",
            f"| start-up (spawn to socket) | {r['on_start_s']:.2f} s | {r['off_start_s']:.2f} s | "
            f"{r['on_start_s'] / r['off_start_s']:.2f}× |",
            f"| spans received by the collector | {r['spans_received']:.0f} for {r['calls_traced']:.0f} "
            "calls | — | — |",
        ]
    )


def main() -> None:
    try:
        import opentelemetry.proto  # noqa: F401
    except ImportError:
        print("skipped: the OpenTelemetry extra is not installed (pip install -e '.[otel,test]')")
        return
    results = run("--quick" in sys.argv)
    print(report(results))
    out = Path(__file__).resolve().parent / "results"
    out.mkdir(exist_ok=True)
    (out / "tracing.json").write_text(json.dumps(results, indent=2) + "\n")
    print(f"(raw numbers in {out / 'tracing.json'}; machine: {os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
