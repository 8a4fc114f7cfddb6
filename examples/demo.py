"""`make demo`: start a local-exec handler with the seed's `cat` script and call it once.

Runs the real `autoscaler handlers local-exec` process on a unix socket in a temporary
directory, sends it a PostHandleRequest with `autoscaler handlers call` (as the Core would),
prints what the script printed, then stops the handler with SIGTERM.
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

HERE = Path(__file__).resolve().parent
AUTOSCALER = [sys.executable, "-m", "autoscaler"]


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="autoscaler-demo-") as tmp:
        work = Path(tmp)
        shutil.copy(HERE / "handlers" / "echo.sh", work / "handler.sh")
        print("$ autoscaler handlers local-exec --executable-path handler.sh --handler-type post-handle")
        handler = subprocess.Popen(
            [
                *AUTOSCALER,
                "handlers",
                "local-exec",
                "--executable-path",
                "handler.sh",
                "--handler-type",
                "post-handle",
            ],
            cwd=work,
        )
        try:
            sock = work / "autoscaler-handlers-local-exec.sock"
            deadline = time.monotonic() + 10
            while not sock.exists():
                if handler.poll() is not None or time.monotonic() > deadline:
                    print("the handler did not start", file=sys.stderr)
                    return 1
                time.sleep(0.05)
            call = [
                *AUTOSCALER,
                "handlers",
                "call",
                "--endpoint",
                "unix:autoscaler-handlers-local-exec.sock",
                "--step",
                "post-handle",
                "--source",
                "example",
                "--resource-name",
                "example",
                "--scaling-job-id",
                "example",
                "--result",
                "CREATED",
                "--resource",
                '{"Server":{"id":"113600000001","zone":"is1a","core":2,"memory":4,"name":"web-001"}}',
            ]
            print("$ autoscaler handlers call --step post-handle --result CREATED ...")
            sys.stdout.flush()
            rc = subprocess.call(call, cwd=work)
        finally:
            handler.send_signal(signal.SIGTERM)
            handler.wait(timeout=30)
        print(f"handler stopped with status {handler.returncode}; socket left behind: {sock.exists()}")
        return rc or handler.returncode


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    raise SystemExit(main())
