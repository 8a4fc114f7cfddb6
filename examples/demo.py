"""`make demo`: the whole autoscaler on the fake cloud, in a few seconds.

1. seed a fake cloud (examples/core/seed.yaml): a server `web` and a group member `app-001`;
2. start a local-exec handler running examples/core/notify.py at PostHandle;
3. start the Core in fake mode with examples/core/autoscaler.yaml;
4. scale up `web` (a bigger plan) and `app` (one more server), waiting for each job;
5. show the Core's log lines carrying the script's output, and the cloud before and after;
6. stop the Core and the handler with SIGTERM.

Everything runs as real processes in a temporary directory, which is removed at the end.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE / "core"
AUTOSCALER = [sys.executable, "-m", "autoscaler"]
COOLDOWN = 1.0  # autoscaler.cooldown in examples/core/autoscaler.yaml


def title(text: str) -> None:
    print(f"\n=== {text}", flush=True)


def run(args: list[str], cwd: Path, env: dict[str, str]) -> int:
    print("$ autoscaler " + " ".join(args), flush=True)
    return subprocess.call([*AUTOSCALER, *args], cwd=cwd, env=env)


def start(args: list[str], cwd: Path, env: dict[str, str], log: IO[bytes]) -> subprocess.Popen[bytes]:
    print("$ autoscaler " + " ".join(args) + " &", flush=True)
    return subprocess.Popen([*AUTOSCALER, *args], cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_for(proc: subprocess.Popen[bytes], log_path: Path, text: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while text not in log_path.read_text(errors="replace"):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(
                f"{log_path.name} did not say {text!r}:\n{log_path.read_text(errors='replace')}"
            )
        time.sleep(0.02)


def scale_up(resource: str, cwd: Path, env: dict[str, str]) -> bool:
    """`autoscaler inputs direct up --sync`: exit 0 when the job ended JOB_DONE with no message."""
    args = ["inputs", "direct", "up", "--sync", "--resource-name", resource, "--dest", "unix:autoscaler.sock"]
    return run(args, cwd, env) == 0


def stop(name: str, proc: subprocess.Popen[bytes]) -> int:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        code = proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        code = proc.wait()
    print(f"{name} exited with status {code}", flush=True)
    return code


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="autoscaler-demo-") as tmp:
        work = Path(tmp)
        for name in ("seed.yaml", "autoscaler.yaml", "notify.py"):
            shutil.copy2(EXAMPLE / name, work / name)
        env = {
            **os.environ,
            "SAKURACLOUD_FAKE_MODE": "1",
            "SAKURACLOUD_FAKE_STORE_PATH": str(work / "fake-cloud.sqlite3"),
            "PYTHONUNBUFFERED": "1",
        }
        print(f"working in {work} with the fake cloud (SAKURACLOUD_FAKE_MODE=1)")

        title("1. seed the fake cloud")
        if run(["fake-cloud", "seed", "seed.yaml"], work, env) != 0:
            return 1
        seeded = time.monotonic()
        title("the fake cloud before")
        run(["fake-cloud", "list", "servers"], work, env)

        procs: list[tuple[str, subprocess.Popen[bytes]]] = []
        ok = False
        core_log = work / "core.log"
        with open(work / "handler.log", "wb") as handler_out, open(core_log, "wb") as core_out:
            try:
                title("2. start a local-exec handler (post-handle) with notify.py")
                handler_args = ["handlers", "local-exec", "--addr", "unix:notify.sock"]
                handler_args += ["--executable-path", "./notify.py", "--handler-type", "post-handle"]
                handler = start(handler_args, work, env, handler_out)
                procs.append(("handler", handler))
                wait_for(handler, work / "handler.log", "msg=started")

                title("3. start the Core")
                core = start(["start", "--config", "autoscaler.yaml"], work, env, core_out)
                procs.append(("core", core))
                wait_for(core, core_log, "msg=started")

                # A new Core measures the cooldown from the resources' last change: the seeding.
                time.sleep(max(0.0, seeded + COOLDOWN - time.monotonic()))
                title("4. scale up the server `web` (vertical)")
                ok = scale_up("web", work, env)
                title("5. scale up the server group `app` (horizontal)")
                ok = scale_up("app", work, env) and ok
            finally:
                title("6. stop everything")
                for name, proc in reversed(procs):
                    stop(name, proc)

        title("the Core's log lines with the script's output")
        for line in core_log.read_text(errors="replace").splitlines():
            if "handler=notify" in line and "log=" in line:
                print(line)
        title("the fake cloud after")
        run(["fake-cloud", "list", "servers"], work, env)
        if not ok:
            print(
                "\nsomething did not go as expected; the Core's log:\n" + core_log.read_text(errors="replace")
            )
            return 1
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
