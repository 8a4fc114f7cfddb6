"""The handler process loads only what it uses (its idle memory is measured in bench/)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HEAVY = (
    "pydantic",
    "httpx",
    "starlette",
    "uvicorn",
    "prometheus_client",
    "yaml",
    "autoscaler.core",
    "autoscaler.cloud",
)

# Run the whole local-exec start-up (flags, handler, server) up to a listen failure, then
# report which heavy modules were loaded on the way.
PROBE = f"""
import atexit, sys
heavy = {HEAVY!r}
atexit.register(lambda: print(sorted({{m for m in sys.modules if m.startswith(heavy)}}), file=sys.stdout))
from autoscaler.cli.main import main
main(sys.argv[1:])
"""


def test_local_exec_without_config_does_not_load_the_http_or_config_stack(tmp_path: Path) -> None:
    script = tmp_path / "h.sh"
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    args = [
        "handlers",
        "local-exec",
        "--executable-path",
        "h.sh",
        "--handler-type",
        "handle",
        "--addr",
        "localhost",
    ]
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, cwd=tmp_path
    )
    assert result.returncode == 1
    assert "net.Listen failed" in result.stderr  # it went through the whole start-up
    assert result.stdout.strip() == "[]"
