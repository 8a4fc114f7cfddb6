"""The Core's commands as a user runs them (real processes)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "autoscaler", *args], capture_output=True, text=True, cwd=cwd, timeout=60
    )


def test_validate_missing_resources_is_a_data_error(tmp_path: Path) -> None:
    conf = tmp_path / "autoscaler.yaml"
    conf.write_text("autoscaler:\n  cooldown: 5\n")
    result = run("validate", "--config", str(conf))
    assert result.returncode == 65
    assert result.stdout == "1 error occurred:\n\t* resources: required\n\n\n"


def test_validate_decode_error_is_a_system_error(tmp_path: Path) -> None:
    conf = tmp_path / "autoscaler.yaml"
    conf.write_text("resources: []\nfoo: 1\n")
    result = run("core", "validate", "--config", str(conf))
    assert result.returncode == 1
    assert result.stdout == f'{conf}:2:1: foo: unknown field "foo"\n'


def test_flag_errors(tmp_path: Path) -> None:
    result = run("validate", "--config", str(tmp_path / "none.yaml"))
    assert result.returncode == 1
    assert (
        result.stderr
        == f"Error: 1 error occurred:\n\t* --config: invalid file path: {tmp_path / 'none.yaml'}\n\n\n"
    )
    result = run("start", "--addr", "", "--config", "", cwd=tmp_path)
    assert result.returncode == 1
    assert "* --addr: required\n\t* --config: required" in result.stderr
    result = run("start", "--handlers-wait", "soon", "--config", str(tmp_path))
    assert result.returncode == 1 and "--config: invalid file path" in result.stderr


def test_example_is_a_valid_configuration(tmp_path: Path) -> None:
    result = run("example")
    assert result.returncode == 0
    conf = tmp_path / "example.yaml"
    conf.write_text(result.stdout)
    from autoscaler.core.config.load import load_config

    assert [d.name for d in load_config(str(conf)).definitions] == ["web-server", "app", "web-elb", "router"]


def test_start_help_lists_upstream_flags() -> None:
    result = run("start", "--help")
    assert result.returncode == 0
    for flag in (
        "--addr string",
        "unix:autoscaler.sock",
        "--config string",
        '"autoscaler.yaml"',
        "--strict",
        "--handlers-wait",
    ):
        assert flag in result.stdout
    assert "\n  core " not in run("--help").stdout
    assert run("server", "example").returncode == 0
