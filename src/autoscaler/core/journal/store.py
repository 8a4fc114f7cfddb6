"""The journal's storage interface: the one thing recovery and the Core's recorder know of it.

An implementation keeps jobs, the resources they handled and their cloud steps durably, one
record per call (when a call returns, the record survives a crash of the process), and holds
the leadership of the journal: only the Core that acquired it writes. The SQLite journal
(`sqlite.py`) is one file per Core with a lock file; a shared database with a leader lock
fits the same calls. Nothing here assumes one host or one file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from ..history import JobRecord
from .records import Interrupted, Owner, ResourceEntry


class JournalError(Exception):
    """The journal cannot be opened or written; the text names it."""


class JournalBusy(JournalError):
    """Another Core holds the journal."""


class Journal(Protocol):
    location: str  # what an operator is told: a file path, a database and table, ...

    async def acquire(self, owner: Owner) -> None:
        """Become the journal's only writer; JournalBusy naming the holder when another one is."""
        ...

    async def release(self) -> None: ...

    async def add_job(self, job: JobRecord, sync: bool) -> None: ...

    async def set_status(
        self, run_id: str, status: str, *, error: str = "", finished_at: datetime | None = None
    ) -> None: ...

    async def set_recovery(self, run_id: str, state: str) -> None: ...

    async def add_resource(self, entry: ResourceEntry) -> None: ...

    async def resource_handled(self, run_id: str, seq: int) -> None: ...

    async def add_step(
        self,
        run_id: str,
        step: str,
        kind: str,
        zone: str,
        target: str,
        cloud_id: str,
        action: str,
        detail: Mapping[str, Any],
    ) -> int:
        """Record a step about to be taken; its ID."""
        ...

    async def step_done(self, step_id: int, outcome: Mapping[str, Any]) -> None: ...

    async def step_failed(self, step_id: int, error: str) -> None: ...

    async def interrupted(self, run_ids: Sequence[str] | None = None) -> list[Interrupted]:
        """Jobs not ended (accepted or running) or whose recovery is pending, oldest first;
        only those of `run_ids` when given."""
        ...

    async def recent(self, per_resource: int) -> list[JobRecord]:
        """The newest `per_resource` jobs of every resource name."""
        ...

    async def prune(self, keep_jobs: int, older_than: datetime) -> int:
        """Forget ended jobs beyond the newest `keep_jobs` or accepted before `older_than`
        (never one still to be recovered); how many went."""
        ...

    async def close(self) -> None: ...
