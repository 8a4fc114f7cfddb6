"""`make demo` runs `examples/demo.py`: it must keep working end to end."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

DEMO = Path(__file__).resolve().parents[3] / "examples" / "demo.py"


def test_demo_scales_both_resources_and_stops_cleanly() -> None:
    done = subprocess.run([sys.executable, str(DEMO)], capture_output=True, text=True, timeout=120)

    out = done.stdout
    assert done.returncode == 0, out + done.stderr
    assert out.count("status: JOB_DONE, job-id: ") == 2
    assert 'handler=notify status=DONE log="web: Server web (ID ' in out
    assert "UPDATED, now 2 core / 4 GB" in out
    assert "app: ServerGroupInstance app-002 (ID " in out and "CREATED, now 1 core / 1 GB" in out
    assert "core exited with status 0" in out and "handler exited with status 0" in out
    after = out[out.index("=== the fake cloud after") :]
    assert "2core/4GB" in after and "app-002" in after
