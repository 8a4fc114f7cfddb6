"""The version scheme and the revision `version -a` prints."""

from __future__ import annotations

import re
import subprocess
from importlib.metadata import version as installed_version
from pathlib import Path

import pytest
from packaging.version import Version

from autoscaler.version import REVISION_FILE, VERSION, __version__, git_revision, revision

ROOT = Path(__file__).resolve().parents[1]


def test_package_version_is_upstreams_plus_one_number() -> None:
    assert __version__.startswith(VERSION + ".")
    parsed = Version(__version__)
    assert parsed.release[:3] == Version(VERSION).release and len(parsed.release) == 4
    assert str(parsed) == __version__  # already in PEP 440's normal form
    # The installed metadata comes from the same constant (pyproject reads it).
    assert installed_version("sacloud-autoscaler") == __version__


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    top = tmp_path / "repo"
    top.mkdir()
    git(top, "init", "-q")
    (top / "a.txt").write_text("one\n")
    git(top, "add", "a.txt")
    git(top, "commit", "-q", "-m", "one")
    return top


def test_git_revision_of_a_checkout(checkout: Path) -> None:
    short = git(checkout, "rev-parse", "--short", "HEAD")
    assert git_revision(checkout) == short
    # Untracked files do not count; a changed tracked file does.
    (checkout / "new.txt").write_text("x\n")
    assert git_revision(checkout) == short
    (checkout / "a.txt").write_text("two\n")
    assert git_revision(checkout) == short + "-dirty"


def test_git_revision_only_for_the_top_of_a_checkout(checkout: Path, tmp_path: Path) -> None:
    # A venv (or anything) inside another project's checkout must not claim that commit.
    inner = checkout / ".venv" / "lib"
    inner.mkdir(parents=True)
    assert git_revision(inner) is None
    outside = tmp_path / "plain"
    outside.mkdir()
    assert git_revision(outside) is None
    assert git_revision(tmp_path / "missing") is None


def test_a_checkout_reports_its_own_commit() -> None:
    if not (ROOT / ".git").exists() or (ROOT / "src" / "autoscaler" / REVISION_FILE).exists():
        pytest.skip("not a git checkout (an unpacked sdist reports the commit it recorded)")
    found = git_revision(ROOT)
    assert found is not None and revision() == found
    assert re.fullmatch(r"[0-9a-f]{7,40}(-dirty)?", found), found
