"""`autoscaler example --write-to DIR`: the shipped example files, written out for wheel users.

From a checkout the files come from examples/; tests/test_dist.py runs the same command from
the built .pyz, where they come from the copy inside the package."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from autoscaler import shipped_examples
from autoscaler.shipped_examples import listing

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "autoscaler", *args], capture_output=True, text=True, cwd=cwd, timeout=60
    )


def test_listing_is_the_examples_folder_without_the_demo() -> None:
    names = listing()
    on_disk = sorted(
        str(p.relative_to(ROOT / "examples"))
        for p in (ROOT / "examples").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.name != "demo.py"
    )
    assert names == on_disk
    assert {"handlers/echo.sh", "systemd/autoscaler_core.service", "core/autoscaler.yaml"} <= set(names)


def test_write_to_copies_every_file_with_scripts_executable(tmp_path: Path) -> None:
    done = run("example", "--write-to", "out/examples", cwd=tmp_path)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.splitlines() == [f"out/examples/{name}" for name in listing()]
    for name in listing():
        written = tmp_path / "out" / "examples" / name
        assert written.read_bytes() == (ROOT / "examples" / name).read_bytes()
        assert os.access(written, os.X_OK) == written.read_bytes().startswith(b"#!"), name
    # Without the flag, `example` still prints the configuration example, nothing else.
    assert run("example", cwd=tmp_path).stdout.startswith("## The resources to operate on\n")


def test_write_to_refuses_to_overwrite_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "ex" / "handlers").mkdir(parents=True)
    (tmp_path / "ex" / "handlers" / "echo.sh").write_text("mine\n")
    done = run("example", "--write-to", "ex", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr == "Error: --write-to: ex/handlers/echo.sh: already exists; choose another directory\n"
    assert sorted(p.name for p in (tmp_path / "ex").rglob("*")) == ["echo.sh", "handlers"]
    assert (tmp_path / "ex" / "handlers" / "echo.sh").read_text() == "mine\n"


def test_write_to_refuses_a_file_in_the_way(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    done = run("example", "--write-to", "afile", cwd=tmp_path)
    assert (done.returncode, done.stderr) == (1, "Error: --write-to: afile: exists and is not a directory\n")
    (tmp_path / "ex").mkdir()
    (tmp_path / "ex" / "systemd").write_text("in the way")
    done = run("example", "--write-to", "ex", cwd=tmp_path)
    assert (done.returncode, done.stderr) == (
        1,
        "Error: --write-to: ex/systemd: exists and is not a directory\n",
    )
    assert [p.name for p in (tmp_path / "ex").iterdir()] == ["systemd"]


def test_a_failure_part_way_removes_what_was_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "source"
    (source / "a").mkdir(parents=True)
    (source / "a" / "one.txt").write_text("1")
    (source / "b").mkdir()
    (source / "b" / "two.sh").write_text("#!/bin/sh\n")
    (source / "c").mkdir()
    (source / "c" / "gone.txt").symlink_to(source / "nowhere")  # listed, but cannot be read
    monkeypatch.setattr(shipped_examples, "root", lambda: source)
    dest = tmp_path / "dest"
    dest.mkdir()
    (dest / "keep.txt").write_text("mine")

    with pytest.raises(shipped_examples.ExamplesError, match=r"gone\.txt: No such file or directory"):
        shipped_examples.write_to(dest)

    assert [p.name for p in dest.iterdir()] == ["keep.txt"]
