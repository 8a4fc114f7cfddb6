"""Fixtures: a client backed by the fake cloud in-process, on a fresh SQLite store per test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from autoscaler.cloud import CloudClient, CloudOptions, open_client


def fake_options(store: Path, delay: float = 0.0) -> CloudOptions:
    return CloudOptions(
        access_token="fake",
        access_token_secret="fake",
        fake_mode=True,
        fake_store_path=str(store),
        fake_delay=delay,
    ).with_defaults()


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "fake-cloud.sqlite3"


@pytest.fixture
async def client(store_path: Path) -> AsyncIterator[CloudClient]:
    async with open_client(fake_options(store_path)) as c:
        yield c
