"""Versions: upstream's release this implementation matches, and this package's own release.

The package version is `<upstream version>.<n>`: the first three numbers name the
sacloud/autoscaler release whose interfaces this package keeps, the fourth counts this
project's releases on top of it (PEP 440 orders `0.19.3.2` after `0.19.3.1` and before
`0.19.4.1`). `--version` prints only the upstream part, as the Go binary does, so scripts that
compare it keep working; `version --all` adds what tells the builds apart.
"""

from __future__ import annotations

import platform
import subprocess
import sys
from importlib.resources import files
from pathlib import Path

# Upstream's release; also sent in the User-Agent, as upstream's binary does.
VERSION = "0.19.3"
# This package's release (pyproject.toml reads it from here). Must start with VERSION + ".".
__version__ = "0.19.3.1"

# Written into the built package by setup.py (a wheel remembers the commit it was built from).
REVISION_FILE = "_revision.txt"
# Printed when no revision is known (a build from a tarball without one).
UNKNOWN_REVISION = "unknown"

_GOARCH = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64", "i686": "386"}
_CHECKOUT = Path(__file__).resolve().parents[2]


def git_revision(top: Path) -> str | None:
    """The short commit of the git checkout whose top folder is `top` (`-dirty` when tracked files
    were changed), or None when `top` is not the top of a checkout or git is not there."""
    try:
        shown = subprocess.run(
            ["git", "-C", str(top), "rev-parse", "--show-toplevel", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
        )
        if shown.returncode != 0:
            return None
        toplevel, revision = shown.stdout.split()
        # A package installed into a venv inside some other checkout must not claim its commit.
        if Path(toplevel).resolve() != top.resolve():
            return None
        status = subprocess.run(
            ["git", "-C", str(top), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, ValueError, subprocess.SubprocessError):
        return None
    return revision + ("-dirty" if status.returncode == 0 and status.stdout.strip() else "")


def revision() -> str:
    """The commit this code comes from: baked in by the build, else asked of the checkout."""
    baked = files("autoscaler").joinpath(REVISION_FILE)
    if baked.is_file():
        return baked.read_text(encoding="utf-8").strip() or UNKNOWN_REVISION
    return git_revision(_CHECKOUT) or UNKNOWN_REVISION


def full_version() -> str:
    """Upstream's `v<version> <os>/<arch>, build <revision>`, then this implementation and its
    interpreter: `v0.19.3 linux/amd64, build 0c03f7c (Python implementation 0.19.3.1, CPython 3.11.7)`."""
    machine = platform.machine().lower()
    return (
        f"v{VERSION} {sys.platform}/{_GOARCH.get(machine, machine)}, build {revision()}"
        f" (Python implementation {__version__},"
        f" {platform.python_implementation()} {platform.python_version()})"
    )
