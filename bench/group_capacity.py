"""Time to capacity: a ServerGroup Up that adds 4 members, `parallelism` 1 against 4.

    .venv/bin/python -m bench.group_capacity [--rounds N]

Setup: the fake cloud served over HTTP (`autoscaler fake-cloud serve`) with realistic delay
ratios — disk copy 3 s, boot 2 s, shutdown 1 s — and the real Core in fake mode talking to it
over HTTP with upstream's request rate limit (10/s), and again with 100/s (the delays here are
~50 times shorter than a real disk copy and boot, the request budget is not); a setup grace
period of 2 s; a real
local-exec handler (post-handle, `cat >/dev/null`); every group under one ELB parent.

Three groups of one member each, in one Core: `one` grows by a single member (the baseline: the
time of one), `serial` and `parallel` grow from 1 to 5 members with `parallelism` 1 and 4. Each
round runs the three sync Up jobs one after another and then the three Down jobs back to one
member (scale-in, reported too). Reported: medians over the rounds, and each as a ratio to the
single-member scale-out of the same round.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import grpc

from autoscaler.proto import request_pb2, request_pb2_grpc

AUTOSCALER = [sys.executable, "-m", "autoscaler"]
DELAYS = {"DISK_COPY": "3", "BOOT": "2", "SHUTDOWN": "1"}
GROUPS = {"one": 1, "serial": 1, "parallel": 4}  # name -> parallelism

SEED = "elbs:\n  - name: bench-elb\nservers:\n" + "".join(
    f"""  - name: {name}-001
    zone: is1a
    plan: {{core: 1, memory: 1}}
    power: up
    disks: [{{os_type: ubuntu, size: 20}}]
    nics: [{{upstream: shared}}]
"""
    for name in GROUPS
)


def group(name: str, parallelism: int, grow_to: int) -> str:
    return f"""  - type: ServerGroup
    name: {name}
    server_name_prefix: {name}
    zone: is1a
    min_size: 1
    max_size: 5
    parallelism: {parallelism}
    setup_grace_period: 2
    parent: {{type: ELB, selector: {{names: [bench-elb]}}}}
    plans:
      - {{name: small, size: 1}}
      - {{name: big, size: {grow_to}}}
    template:
      plan: {{core: 1, memory: 1}}
      disks: [{{os_type: ubuntu, size: 20}}]
      network_interfaces:
        - upstream: shared
          expose: {{ports: [80], server_group_name: {name}}}
"""


CONFIG = (
    "resources:\n"
    + group("one", 1, 2)
    + group("serial", GROUPS["serial"], 5)
    + group("parallel", GROUPS["parallel"], 5)
    + "handlers:\n  - name: bench\n    endpoint: unix:handler.sock\nautoscaler:\n  cooldown: 1\n"
)


def _wait_log(proc: subprocess.Popen[bytes], log: Path, text: str) -> str:
    deadline = time.monotonic() + 60
    while text not in (content := log.read_text(errors="replace")):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{log.name}: no {text!r}:\n{content}")
        time.sleep(0.02)
    return content


def run(rounds: int, rate: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {f"{kind} {name}": [] for kind in ("up", "down") for name in GROUPS}
    with tempfile.TemporaryDirectory(prefix="bench-group-") as tmp:
        work = Path(tmp)
        env = {
            **os.environ,
            "SAKURACLOUD_FAKE_MODE": "1",
            "SAKURACLOUD_FAKE_STORE_PATH": str(work / "fake.sqlite3"),
            **{f"SAKURACLOUD_FAKE_DELAY_{k}": v for k, v in DELAYS.items()},
        }
        (work / "seed.yaml").write_text(SEED)
        (work / "autoscaler.yaml").write_text(CONFIG)
        script = work / "script.sh"
        script.write_text("#!/bin/sh\ncat >/dev/null\n")
        script.chmod(0o755)
        subprocess.run([*AUTOSCALER, "fake-cloud", "seed", "seed.yaml"], cwd=work, env=env, check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
        procs: list[subprocess.Popen[bytes]] = []

        def start(name: str, *args: str, environ: dict[str, str], ready: str) -> str:
            log = work / f"{name}.log"
            with open(log, "wb") as out:
                proc = subprocess.Popen([*AUTOSCALER, *args], cwd=work, env=environ, stdout=out,
                                        stderr=subprocess.STDOUT)  # fmt: skip
            procs.append(proc)
            return _wait_log(proc, log, ready)

        try:
            served = start("cloud", "fake-cloud", "serve", "--addr", "127.0.0.1:0", environ=env,
                           ready="SAKURACLOUD_API_ROOT_URL=")  # fmt: skip
            found = re.search(r"SAKURACLOUD_API_ROOT_URL=(\S+)", served)
            assert found is not None
            client_env = {
                **env,
                "SAKURACLOUD_API_ROOT_URL": found.group(1),
                "SAKURACLOUD_ACCESS_TOKEN": "token",
                "SAKURACLOUD_ACCESS_TOKEN_SECRET": "secret",
                "SAKURACLOUD_API_REQUEST_RATE_LIMIT": str(rate),
            }
            handler = [
                "handlers",
                "local-exec",
                "--addr",
                "unix:handler.sock",
                "--handler-type",
                "post-handle",
            ]
            start(
                "handler", *handler, "--executable-path", str(script), environ=client_env, ready="msg=started"
            )
            start("core", "start", "--addr", "unix:core.sock", "--config", "autoscaler.yaml",
                  environ=client_env, ready="msg=started")  # fmt: skip
            with grpc.insecure_channel(f"unix:{work / 'core.sock'}") as chan:
                stub = request_pb2_grpc.ScalingServiceStub(chan)

                def job(method: str, name: str, desired: str) -> float:
                    time.sleep(1.1)  # past the 1 s cooldown of the group's last change
                    request = request_pb2.ScalingRequest(
                        source="bench", resource_name=name, desired_state_name=desired, sync=True
                    )
                    started = time.perf_counter()
                    reply = getattr(stub, method)(request, timeout=600)
                    elapsed = time.perf_counter() - started
                    if reply.status != request_pb2.JOB_DONE:
                        raise RuntimeError(f"{method} {name}: {reply}")
                    return elapsed

                for _ in range(rounds):
                    for name in GROUPS:
                        times[f"up {name}"].append(job("Up", name, "big"))
                    for name in GROUPS:
                        times[f"down {name}"].append(job("Down", name, "small"))
        finally:
            for proc in reversed(procs):
                proc.terminate()
                try:
                    proc.wait(60)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--rates", default="10,100", help="request rate limits to run with, per second")
    args, _ = parser.parse_known_args()
    print("| rate limit | job | members | parallelism | wall (median) | ratio to one member |")
    print("|---|---|---|---|---|---|")
    for rate in (int(r) for r in args.rates.split(",")):
        times = run(args.rounds, rate)
        med = {key: statistics.median(values) for key, values in times.items()}
        for kind in ("up", "down"):
            base = med[f"{kind} one"]
            for name, parallelism in GROUPS.items():
                members = 1 if name == "one" else 4
                wall = med[f"{kind} {name}"]
                row = f"| {rate}/s | {kind} {name} | {members} | {parallelism} | {wall:.2f} s"
                print(f"{row} | {wall / base:.2f}× |", flush=True)


if __name__ == "__main__":
    main()
