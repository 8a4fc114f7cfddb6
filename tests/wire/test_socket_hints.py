"""Socket paths in messages: shown absolute, and only where the text names the dialled target."""

from __future__ import annotations

from pathlib import Path

import pytest

from autoscaler.wire.socket_hints import shown, with_absolute_paths


def test_shown_makes_only_relative_unix_paths_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert shown("unix:h.sock") == f"unix:{tmp_path}/h.sock"
    assert shown("unix:../h.sock") == f"unix:{tmp_path.parent}/h.sock"
    for as_given in ("unix:/run/h.sock", "unix:@h", "unix-abstract:h", "localhost:8080", ":8080", "%zz"):
        assert shown(as_given) == as_given


def test_with_absolute_paths_rewrites_the_target_not_a_longer_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    text = "last error: unix:h.sock: connect failed: addr: unix:h.sock error: x; unix:h.sock2"
    assert with_absolute_paths(text, "unix:h.sock") == (
        f"last error: unix:{tmp_path}/h.sock: connect failed: addr: unix:{tmp_path}/h.sock error: x; unix:h.sock2"
    )
    assert with_absolute_paths(text, "unix:/abs/h.sock") == text
    assert with_absolute_paths(text, "h.sock") == text
