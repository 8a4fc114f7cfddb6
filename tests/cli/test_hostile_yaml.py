"""Every command that reads YAML refuses an alias bomb and deep nesting with the file's position
(issue 12, items 1 and 3): one loader (autoscaler.yamlconf) serves them all."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_yamlconf import LAUGHS

LAUGHS_ERROR = (
    ":6:8: alias *e: more than 10000 alias uses once aliases are expanded "
    "(limits: 100000 nodes, 10000 alias uses; a YAML alias bomb?)"
)


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "autoscaler", *args], capture_output=True, text=True, cwd=cwd, timeout=60
    )


def commands(path: Path, script: Path) -> dict[str, list[str]]:
    return {
        "validate": ["validate", "--config", str(path)],
        "local-exec": [
            "handlers",
            "local-exec",
            "--handler-type",
            "handle",
            "--executable-path",
            str(script),
            "--config",
            str(path),
        ],
        "inputs": ["inputs", "grafana", "--addr", "127.0.0.1:0", "--config", str(path)],
        "fake-cloud seed": ["fake-cloud", "seed", str(path)],
    }


@pytest.mark.parametrize("command", ["validate", "local-exec", "inputs", "fake-cloud seed"])
def test_alias_bomb_is_refused_by_every_command(tmp_path: Path, command: str) -> None:
    bomb = tmp_path / "laughs.yaml"
    bomb.write_text(LAUGHS)
    script = tmp_path / "handler.sh"
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    result = run(*commands(bomb, script)[command], cwd=tmp_path)
    assert result.returncode == 1
    output = result.stdout + result.stderr
    assert f"{bomb}{LAUGHS_ERROR}" in output
    assert "Traceback" not in output
    assert len(output.splitlines()) == 1


def test_deep_nesting_is_positioned_not_a_recursion_error(tmp_path: Path) -> None:
    deep = tmp_path / "deep.yaml"
    deep.write_text("resources:\n" + "".join("  " * i + "-\n" for i in range(1, 400)))
    result = run("validate", "--config", str(deep), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout + result.stderr == f"{deep}:101:201: nesting deeper than 100 levels\n"
