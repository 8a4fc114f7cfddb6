"""Every test session keeps the Cores' job journals (and anything else under the XDG state
directory) in a temporary directory, never in the user's home; and its temporary directories
under a short root, so that the unix sockets in them fit a socket address (107 bytes) also
when pytest-xdist adds a folder per worker."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

# Property tests share two cores with process-heavy tests: a slow moment is not a failure.
settings.register_profile("shared-machine", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("shared-machine")


def pytest_configure(config: pytest.Config) -> None:
    if config.option.basetemp is None and not hasattr(config, "workerinput"):
        config.option.basetemp = tempfile.mkdtemp(prefix="as-")
        config.stash[_SHORT_ROOT] = config.option.basetemp


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # Kept after a failure: the failing tests' folders (logs, sockets) are worth a look.
    root = session.config.stash.get(_SHORT_ROOT, None)
    if root is not None and exitstatus == 0:
        shutil.rmtree(root, ignore_errors=True)


_SHORT_ROOT = pytest.StashKey[str]()


@pytest.fixture(scope="session", autouse=True)
def _state_home() -> Iterator[None]:
    before = os.environ.get("XDG_STATE_HOME")
    with tempfile.TemporaryDirectory(prefix="autoscaler-state-") as state:
        os.environ["XDG_STATE_HOME"] = state
        try:
            yield
        finally:
            if before is None:
                os.environ.pop("XDG_STATE_HOME", None)
            else:
                os.environ["XDG_STATE_HOME"] = before
