"""The handler process loads only what it uses (its idle memory is measured in bench/)."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("pydantic", "httpx", "starlette", "uvicorn", "prometheus_client", "yaml", "autoscaler.core", "autoscaler.cloud")


def test_local_exec_without_config_does_not_load_the_http_or_config_stack() -> None:
    code = (
        "import sys\n"
        "from autoscaler.cli import main, handlers\n"
        "from autoscaler.handlers import local_exec, serve\n"
        f"heavy = {HEAVY!r}\n"
        "print(sorted({m for m in sys.modules if m.startswith(heavy)}))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
