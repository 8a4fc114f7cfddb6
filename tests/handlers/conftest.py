from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .harness import HandlerProcess

StartHandler = Callable[..., HandlerProcess]


@pytest.fixture
def start_handler(tmp_path: Path) -> Iterator[StartHandler]:
    """Start real handler processes in tmp_path; whatever a test leaves running is killed."""
    started: list[HandlerProcess] = []

    def start(
        *args: str,
        wait: bool = True,
        env: dict[str, str] | None = None,
        socket_name: str | None = None,
        umask: int = -1,
    ) -> HandlerProcess:
        proc = HandlerProcess(tmp_path, args, env=env, umask=umask)
        if socket_name is not None:
            proc.socket_name = socket_name
        started.append(proc.start(wait=wait))
        return proc

    yield start
    for proc in started:
        proc.kill()
