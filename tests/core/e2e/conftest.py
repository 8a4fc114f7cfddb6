from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .harness import Stack


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    """A fresh fake cloud in tmp_path; every process a test starts is killed afterwards."""
    s = Stack(tmp_path)
    try:
        yield s
    finally:
        s.close()
