"""Where a Core's journal lives, and the settings it runs with.

The default file is `$XDG_STATE_HOME/sacloud-autoscaler/core-<digest>.sqlite3` (else
`~/.local/state/...`), the digest taken from the Core's listen address and the absolute path
of its configuration file: two Cores on one host with different addresses or configurations
never share a journal, and a restarted Core finds its own again. `--journal PATH` (first) or
`autoscaler.journal.path` put it elsewhere; `autoscaler.journal.disabled: true` runs without
one, as upstream does.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from ..config.model import JournalConfig

STATE_DIR_NAME = "sacloud-autoscaler"
FLAG = "--journal"
KEY = "autoscaler.journal.path"


def state_home() -> Path:
    given = os.environ.get("XDG_STATE_HOME", "")
    # The XDG spec: a relative value is invalid and is ignored.
    if given and os.path.isabs(given):
        return Path(given)
    return Path.home() / ".local" / "state"


def _absolute_address(address: str) -> str:
    """The listen address with a relative unix socket path made absolute (it is relative to
    the working directory, so two directories mean two Cores)."""
    if address.startswith("unix:") and not address.startswith("unix://"):
        path = address[len("unix:") :]
        return "unix:" + os.path.abspath(path)
    return address


def default_path(address: str, config_path: str) -> Path:
    key = f"{_absolute_address(address)}\n{os.path.abspath(config_path)}"
    digest = hashlib.sha256(key.encode(errors="surrogateescape")).hexdigest()[:12]
    return state_home() / STATE_DIR_NAME / f"core-{digest}.sqlite3"


@dataclass(frozen=True)
class JournalSettings:
    path: Path | None  # None: no journal
    given_by: str  # the flag or key that chose the path; "" for the default location
    keep_jobs: int
    keep_days: int
    recovery_timeout: float
    fsync: bool = False

    @property
    def hint(self) -> str:
        """How to point the journal elsewhere, for error messages."""
        if self.given_by:
            return f"(set by {self.given_by}; choose another file with {FLAG} or {KEY})"
        return f"(the default location; choose another file with {FLAG} or {KEY})"


def journal_settings(
    flag_path: str, config: JournalConfig | None, address: str, config_path: str
) -> JournalSettings:
    conf = config or JournalConfig()
    if flag_path:
        path, given_by = Path(os.path.expanduser(flag_path)), FLAG
    elif conf.disabled:
        path, given_by = None, "autoscaler.journal.disabled"
    elif conf.path:
        path, given_by = Path(os.path.expanduser(conf.path)), KEY
    else:
        path, given_by = default_path(address, config_path), ""
    if path is not None and not path.is_absolute():
        path = Path(os.path.abspath(path))
    return JournalSettings(
        path, given_by, conf.jobs_kept, conf.days_kept, float(conf.recovery_seconds), conf.fsync
    )
