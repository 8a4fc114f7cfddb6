"""The application version: upstream's release this implementation is compatible with."""

from __future__ import annotations

import platform
import sys

VERSION = "0.19.3"
# Set at packaging time when known; upstream prints this placeholder when no revision is injected.
REVISION = "xxxxxx"

_GOARCH = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64", "i686": "386"}


def full_version() -> str:
    """`v<version> <os>/<arch>, build <revision>`, in Go's GOOS/GOARCH words."""
    machine = platform.machine().lower()
    return f"v{VERSION} {sys.platform}/{_GOARCH.get(machine, machine)}, build {REVISION}"
