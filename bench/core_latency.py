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

The job journal: three stacks run side by side in the same run — a Core with its journal (the
default), one with `autoscaler.journal.fsync: true` (each intent flushed to the disk) and one
with `autoscaler.journal.disabled: true`; their requests are interleaved, and the differences
of the medians are what the journal adds to a job (about a dozen records, three of them
intents the job waits for).
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
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


# The variants compared: the `autoscaler.journal` lines added to CONFIG.
JOURNAL_VARIANTS = {
    "journal": "",
    "fsync": "  journal: {fsync: true}\n",
    "off": "  journal: {disabled: true}\n",
}


@contextmanager
def stack(work: Path, journal: str = "") -> Iterator[tuple[Path, float]]:
    """Seeded fake cloud, handler and Core; yields the Core's log and when the seed was done."""
    env = {
        **os.environ,
        "SAKURACLOUD_FAKE_MODE": "1",
        "SAKURACLOUD_FAKE_STORE_PATH": str(work / "fake.sqlite3"),
        "SAKURACLOUD_FAKE_DELAY": "0",
    }
    (work / "seed.yaml").write_text(SEED)
    (work / "autoscaler.yaml").write_text(CONFIG + journal)
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
                [*AUTOSCALER, "start", "--addr", "unix:core.sock", "--config", "autoscaler.yaml",
                 "--journal", "journal.sqlite3"],
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


def _caller(work: Path, core_log: Path) -> tuple[grpc.Channel, Callable[[str], float]]:
    chan = grpc.insecure_channel(f"unix:{work / 'core.sock'}")
    stub = request_pb2_grpc.ScalingServiceStub(chan)

    def call(method: str) -> float:
        request = request_pb2.ScalingRequest(source="default", resource_name="web", sync=True)
        started = time.perf_counter()
        reply = getattr(stub, method)(request, timeout=60)
        elapsed = time.perf_counter() - started
        if reply.status != request_pb2.JOB_DONE or reply.message:
            raise RuntimeError(f"{method}: {reply}\n{core_log.read_text()}")
        return elapsed

    return chan, call


def run(quick: bool = False) -> dict[str, float]:
    rounds = 5 if quick else 15
    ups: dict[str, list[float]] = {name: [] for name in JOURNAL_VARIANTS}
    down: list[float] = []
    bare: list[float] = []
    with tempfile.TemporaryDirectory(prefix="bench-core-") as tmp, ExitStack() as stacks:
        works = {name: Path(tmp) / name for name in JOURNAL_VARIANTS}
        callers = {}
        seeded = 0.0
        for name, extra in JOURNAL_VARIANTS.items():
            works[name].mkdir()
            log, seeded = stacks.enter_context(stack(works[name], extra))
            chan, call = _caller(works[name], log)
            stacks.enter_context(chan)
            callers[name] = call
        work = works["journal"]
        core_log = work / "core.log"
        time.sleep(max(0.0, seeded + COOLDOWN + 0.05 - time.monotonic()))
        names = list(JOURNAL_VARIANTS)
        for n in range(rounds + 1):
            # The Cores take turns going first, so none always runs on a warmer machine.
            order = names[n % len(names) :] + names[: n % len(names)]
            for name in order:
                for method in ("Up", "Down"):
                    time.sleep(COOLDOWN + 0.05)  # the cooldown counts from the last change
                    if name == "journal":
                        bare.append(bare_script(work / "script.sh", SAMPLE_STDIN))
                    elapsed = callers[name](method)
                    if n > 0:
                        (ups[name] if method == "Up" else down if name == "journal" else []).append(elapsed)
        steps = phases(core_log.read_text())[1:]
        with sqlite3.connect(work / "journal.sqlite3") as db:
            records = db.execute("SELECT COUNT(*) FROM steps").fetchone()[0]
            jobs = db.execute("SELECT COUNT(*) FROM jobs").fetchone()[0]
    up = ups["journal"]
    script = statistics.median(bare)
    results = {
        "rounds": float(rounds),
        "up_p50_s": percentile(up, 50),
        "up_p99_s": percentile(up, 99),
        "down_p50_s": percentile(down, 50),
        "script_p50_s": script,
        "up_net_p50_s": percentile(up, 50) - script,
        "up_net_p99_s": percentile(up, 99) - script,
        "up_no_journal_p50_s": percentile(ups["off"], 50),
        "up_fsync_p50_s": percentile(ups["fsync"], 50),
        "journal_cost_p50_s": percentile(up, 50) - percentile(ups["off"], 50),
        "fsync_cost_p50_s": percentile(ups["fsync"], 50) - percentile(ups["off"], 50),
        "journal_steps_per_job": records / max(jobs, 1),
    }
    for key in ("accept_ms", "handle_ms", "post_handle_ms", "finish_ms"):
        results[f"phase_{key}"] = statistics.median(s[key] for s in steps) if steps else 0.0
    for fsync, label in ((False, "records"), (True, "records_fsync")):
        awaited_s, total_s = journal_records(fsync)
        results[f"{label}_awaited_p50_s"] = awaited_s
        results[f"{label}_total_p50_s"] = total_s
    return results


def journal_records(fsync: bool, jobs: int = 60) -> tuple[float, float]:
    """The records of one job as the Core writes them (job, status, resource, three intents
    and outcomes, end), in-process on a fresh journal: (p50 of the awaited part, the intents and
    outcomes a job waits for; p50 of all of them) in seconds."""
    import asyncio
    from datetime import UTC, datetime

    from autoscaler.core.history import JobRecord
    from autoscaler.core.journal.records import ResourceEntry
    from autoscaler.core.journal.sqlite import SQLiteJournal

    async def main(path: Path) -> tuple[list[float], list[float]]:
        journal = SQLiteJournal(path, fsync=fsync)
        await journal.open()
        awaited: list[float] = []
        total: list[float] = []
        for n in range(jobs):
            run = f"run{n}"
            started = time.perf_counter()
            await journal.add_job(
                JobRecord(run, "web", "Up", "default", "", "JOB_ACCEPTED", datetime.now(UTC)), True
            )
            await journal.set_status(run, "JOB_RUNNING")
            await journal.add_resource(ResourceEntry(run, 1, "Server", "is1a", "web", "1", "UPDATE"))
            waited = 0.0
            for action in ("shutdown", "change_plan", "boot"):
                step_started = time.perf_counter()
                step = await journal.add_step(run, "Handle", "Server", "is1a", "web", "1", action, {"a": 1})
                await journal.step_done(step, {"id": "2"})
                waited += time.perf_counter() - step_started
            await journal.resource_handled(run, 1)
            await journal.set_status(run, "JOB_DONE", finished_at=datetime.now(UTC))
            awaited.append(waited)
            total.append(time.perf_counter() - started)
        await journal.close()
        return awaited[5:], total[5:]  # the first jobs warm up

    with tempfile.TemporaryDirectory(prefix="bench-journal-") as tmp:
        awaited, total = asyncio.run(main(Path(tmp) / "journal.sqlite3"))
    return statistics.median(awaited), statistics.median(total)


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
            f"| Up→DONE wall p50: journal (default) / with fsync | {r['up_p50_s'] * 1000:.0f} / "
            f"{r['up_fsync_p50_s'] * 1000:.0f} ms | journal off "
            f"{r['up_no_journal_p50_s'] * 1000:.0f} ms | — |",
            f"| what the journal adds to a job, p50 | {r['journal_cost_p50_s'] * 1000:+.1f} ms "
            f"({r['journal_steps_per_job']:.1f} cloud steps recorded per job) | journal off | a few ms — "
            f"{'met' if r['journal_cost_p50_s'] <= 0.005 else '**missed**'} |",
            f"| the same with `fsync: true`, p50 | {r['fsync_cost_p50_s'] * 1000:+.1f} ms "
            "| journal off | — |",
            f"| a job's records in-process: waited for by the steps / all, p50 | "
            f"{r['records_awaited_p50_s'] * 1000:.2f} / {r['records_total_p50_s'] * 1000:.2f} ms | — | — |",
            f"| the same with `fsync: true` | {r['records_fsync_awaited_p50_s'] * 1000:.2f} / "
            f"{r['records_fsync_total_p50_s'] * 1000:.2f} ms | — | — |",
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
