"""The record of scaling jobs that ran, as a status view reads it.

`JobHistory` is what readers ask: the recent jobs of a resource name. The Core keeps one: the
durable job journal when it has one, else a record in memory since start (`MemoryHistory`).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class JobRecord:
    """One accepted scaling job, from acceptance to its end."""

    job_id: str  # unique per run (the resource name is the ScalingService's job id)
    resource_name: str
    request: str  # "Up", "Down", "Keep"
    source: str
    desired_state_name: str
    status: str  # ScalingJobStatus name: JOB_ACCEPTED, JOB_RUNNING, JOB_DONE, ...
    accepted_at: datetime
    finished_at: datetime | None = None
    error: str = ""


class JobHistory(Protocol):
    def recent(self, resource_name: str, limit: int = 10) -> Sequence[JobRecord]:
        """The newest jobs of `resource_name` first, at most `limit`."""
        ...


class MemoryHistory:
    """Jobs since the Core started, the newest `keep` per resource name."""

    def __init__(self, keep: int = 50) -> None:
        self._keep = keep
        self._jobs: dict[str, deque[JobRecord]] = {}

    def add(self, record: JobRecord) -> None:
        self._jobs.setdefault(record.resource_name, deque(maxlen=self._keep)).appendleft(record)

    def update(self, job_id: str, resource_name: str, **changes: object) -> None:
        jobs = self._jobs.get(resource_name, deque())
        for i, record in enumerate(jobs):
            if record.job_id == job_id:
                jobs[i] = replace(record, **changes)  # type: ignore[arg-type]
                return

    def recent(self, resource_name: str, limit: int = 10) -> Sequence[JobRecord]:
        return list(self._jobs.get(resource_name, ()))[:limit]
