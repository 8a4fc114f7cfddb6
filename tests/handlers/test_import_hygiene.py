"""The handler process loads only what it uses (its idle memory is measured in bench/).

OpenTelemetry is loaded only when `OTEL_EXPORTER_OTLP_ENDPOINT` asks for it
(tests/telemetry/test_setup.py covers the other commands and `OTEL_SDK_DISABLED`).
"""

from __future__ import annotations

import os
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
    "opentelemetry",
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
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, cwd=tmp_path, env=env
    )
    assert result.returncode == 1
    assert "net.Listen failed" in result.stderr  # it went through the whole start-up
    assert result.stdout.strip() == "[]"
