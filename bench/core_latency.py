"""Latency of a scaling job through the real Core, on the fake cloud with no artificial delays.

    .venv/bin/python -m bench.core_latency [--quick]

Setup: a fake cloud with one running server `web`; the real `autoscaler handlers local-exec`
process (post-handle, a `cat >/dev/null` script); the real Core (`autoscaler start`, fake mode,
`SAKURACLOUD_FAKE_DELAY=0`) with that server as a `Server` definition and the handler.

Measured, from this process: the wall time of a sync `Up` request (accepted → shutdown, plan
change, boot by the builtin scaler → refresh → PostHandle through the handler → `JOB_DONE`),
alternating with `Down` to come back, each after the 1 s cooldown has passed. The script's own
time is the baseline, measured in the same run by starting the same script directly with the
same stdin, interleaved. The first Up/Down round warms up (first-use imports, connections)
and is not counted. Also: the phases of each Up job from the Core's log timestamps
(millisecond resolution).
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import grpc

from autoscaler.proto import request_pb2, request_pb2_grpc

COOLDOWN = 1.0
SCRIPT = "#!/bin/sh\ncat >/dev/null\n"
SEED = """
servers:
  - name: web
    zone: is1a
    plan: {core: 1, memory: 1}
    power: up
    disks: [{os_type: ubuntu, size: 20}]
    nics: [{upstream: shared}]
"""
CONFIG = """
resources:
  - type: Server
    name: web
    selector: {names: [web], zones: [is1a]}
    plans:
      - {core: 1, memory: 1}
      - {core: 2, memory: 4}
handlers:
  - name: bench
    endpoint: unix:handler.sock
autoscaler:
  cooldown: 1
"""
AUTOSCALER = [sys.executable, "-m", "autoscaler"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def _wait_log(proc: subprocess.Popen[bytes], log: Path, text: str) -> None:
    deadline = time.monotonic() + 30
    while text not in log.read_text(errors="replace"):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{log.name}: no {text!r}:\n{log.read_text(errors='replace')}")
        time.sleep(0.01)


@contextmanager
def stack(work: Path) -> Iterator[tuple[Path, float]]:
    """Seeded fake cloud, handler and Core; yields the Core's log and when the seed was done."""
    env = {
        **os.environ,
        "SAKURACLOUD_FAKE_MODE": "1",
        "SAKURACLOUD_FAKE_STORE_PATH": str(work / "fake.sqlite3"),
        "SAKURACLOUD_FAKE_DELAY": "0",
    }
    (work / "seed.yaml").write_text(SEED)
    (work / "autoscaler.yaml").write_text(CONFIG)
    script = work / "script.sh"
    script.write_text(SCRIPT)
    script.chmod(0o755)
    subprocess.run(
        [*AUTOSCALER, "fake-cloud", "seed", "seed.yaml"],
        cwd=work,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    seeded = time.monotonic()
    procs: list[subprocess.Popen[bytes]] = []
    try:
        with open(work / "handler.log", "wb") as out:
            handler = subprocess.Popen(
                [*AUTOSCALER, "handlers", "local-exec", "--addr", "unix:handler.sock",
                 "--executable-path", str(script), "--handler-type", "post-handle"],
                cwd=work, env=env, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        procs.append(handler)
        _wait_log(handler, work / "handler.log", "msg=started")
        core_log = work / "core.log"
        with open(core_log, "wb") as out:
            core = subprocess.Popen(
                [*AUTOSCALER, "start", "--addr", "unix:core.sock", "--config", "autoscaler.yaml"],
                cwd=work, env=env, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        procs.append(core)
        _wait_log(core, core_log, "msg=started")
        yield core_log, seeded
    finally:
        for proc in reversed(procs):
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def bare_script(script: Path, stdin: bytes) -> float:
    started = time.perf_counter()
    subprocess.run([str(script), "post-handle"], input=stdin, stdout=subprocess.PIPE, check=True)
    return time.perf_counter() - started


# A PostHandleRequest as the script gets it (the size matters a little for the pipe).
SAMPLE_STDIN = json.dumps(
    {
        "source": "default",
        "resource_name": "web",
        "scaling_job_id": "web",
        "result": 2,
        "current": {"Resource": {"Server": {"id": "100000000004", "zone": "is1a", "core": 2, "memory": 4}}},
        "setup_grace_period": 60,
    }
).encode()

_TIME = re.compile(r"^time=(\S+) ")


def _stamp(line: str) -> float:
    match = _TIME.match(line)
    assert match is not None, line
    return datetime.fromisoformat(match.group(1).replace("Z", "+00:00")).timestamp()


def phases(log: str) -> list[dict[str, float]]:
    """Per Up job, milliseconds between the Core's log lines."""
    out: list[dict[str, float]] = []
    job: dict[str, float] = {}
    for line in log.splitlines():
        if "request=Up" not in line:
            continue
        if 'msg="request received"' in line:
            job = {"received": _stamp(line)}
        elif "status=JOB_RUNNING" in line:
            job["running"] = _stamp(line)
        elif "handler=server-vertical-scaler status=DONE" in line:
            job["scaled"] = _stamp(line)
        elif "step=PostHandle handler=bench status=DONE" in line:
            job["posted"] = _stamp(line)
        elif "status=JOB_DONE" in line and len(job) == 4:
            job["done"] = _stamp(line)
            out.append(
                {
                    "accept_ms": (job["running"] - job["received"]) * 1000,
                    "handle_ms": (job["scaled"] - job["running"]) * 1000,
                    "post_handle_ms": (job["posted"] - job["scaled"]) * 1000,
                    "finish_ms": (job["done"] - job["posted"]) * 1000,
                }
            )
    return out


def run(quick: bool = False) -> dict[str, float]:
    rounds = 5 if quick else 15
    up: list[float] = []
    down: list[float] = []
    bare: list[float] = []
    with tempfile.TemporaryDirectory(prefix="bench-core-") as tmp:
        work = Path(tmp)
        with stack(work) as (core_log, seeded):
            time.sleep(max(0.0, seeded + COOLDOWN + 0.05 - time.monotonic()))
            with grpc.insecure_channel(f"unix:{work / 'core.sock'}") as chan:
                stub = request_pb2_grpc.ScalingServiceStub(chan)

                def call(method: str) -> float:
                    request = request_pb2.ScalingRequest(source="default", resource_name="web", sync=True)
                    started = time.perf_counter()
                    reply = getattr(stub, method)(request, timeout=60)
                    elapsed = time.perf_counter() - started
                    if reply.status != request_pb2.JOB_DONE or reply.message:
                        raise RuntimeError(f"{method}: {reply}\n{core_log.read_text()}")
                    return elapsed

                for n in range(rounds + 1):
                    for method, into in (("Up", up), ("Down", down)):
                        time.sleep(COOLDOWN + 0.05)  # the cooldown counts from the last change
                        bare.append(bare_script(work / "script.sh", SAMPLE_STDIN))
                        elapsed = call(method)
                        if n > 0:
                            into.append(elapsed)
            steps = phases(core_log.read_text())[1:]
    script = statistics.median(bare)
    results = {
        "rounds": float(rounds),
        "up_p50_s": percentile(up, 50),
        "up_p99_s": percentile(up, 99),
        "down_p50_s": percentile(down, 50),
        "script_p50_s": script,
        "up_net_p50_s": percentile(up, 50) - script,
        "up_net_p99_s": percentile(up, 99) - script,
    }
    for key in ("accept_ms", "handle_ms", "post_handle_ms", "finish_ms"):
        results[f"phase_{key}"] = statistics.median(s[key] for s in steps) if steps else 0.0
    return results


def report(r: dict[str, float]) -> str:
    target = "met" if r["up_net_p50_s"] <= 0.5 else "**missed**"
    return "\n".join(
        [
            "| measure | value | baseline (same run) | target |",
            "|---|---|---|---|",
            f"| Up→DONE minus the script, p50 | {r['up_net_p50_s'] * 1000:.0f} ms | script alone "
            f"{r['script_p50_s'] * 1000:.1f} ms | ≤ 500 ms — {target} |",
            f"| Up→DONE minus the script, p99 | {r['up_net_p99_s'] * 1000:.0f} ms | — | — |",
            f"| Up→DONE wall, p50 | {r['up_p50_s'] * 1000:.0f} ms | — | — |",
            f"| Down→DONE wall, p50 | {r['down_p50_s'] * 1000:.0f} ms | — | — |",
            f"| Up phases p50: accept / Handle (scaler) / refresh + PostHandle / finish | "
            f"{r['phase_accept_ms']:.0f} / {r['phase_handle_ms']:.0f} / {r['phase_post_handle_ms']:.0f} / "
            f"{r['phase_finish_ms']:.0f} ms | — | — |",
        ]
    )


def main() -> None:
    results = run("--quick" in sys.argv)
    print(report(results))
    out = Path(__file__).resolve().parent / "results"
    out.mkdir(exist_ok=True)
    (out / "core_latency.json").write_text(json.dumps(results, indent=2) + "\n")
    print(f"(raw numbers in {out / 'core_latency.json'}; {int(results['rounds'])} Up/Down rounds; "
          f"machine: {os.cpu_count()} CPUs)")  # fmt: skip


if __name__ == "__main__":
    main()
