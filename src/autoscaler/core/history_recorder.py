"""Recording every accepted job into a `MemoryHistory`, as a job reporter.

The Core keeps its recent jobs this way when it has no durable journal; the status view reads
them back through `JobHistory.recent`.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Protocol

from ..log import Logger
from .history import JobRecord
from .job import RUNNING, Job, status_name
from .reporter import JobReporter
from .request import RequestInfo


class HistoryWriter(Protocol):
    def add(self, record: JobRecord) -> None: ...

    def update(self, job_id: str, resource_name: str, **changes: object) -> None: ...


class HistoryRecorder(JobReporter):
    """Adds a record when a job is accepted and updates it as the job runs and ends."""

    def __init__(self, history: HistoryWriter) -> None:
        self.history = history
        self._runs: dict[str, str] = {}  # resource name -> the id of its current run

    def accepted(self, job: Job, request: RequestInfo, logger: Logger) -> None:
        run_id = uuid.uuid4().hex
        self._runs[job.id] = run_id
        self.history.add(
            JobRecord(
                job_id=run_id,
                resource_name=job.id,
                request=request.type.label,
                source=request.source,
                desired_state_name=request.desired_state_name,
                status=status_name(job.status),
                accepted_at=datetime.now(UTC),
            )
        )

    def running(self, job: Job, logger: Logger) -> None:
        run_id = self._runs.get(job.id)
        if run_id is not None:
            self.history.update(run_id, job.id, status=status_name(RUNNING))

    def finished(self, job: Job, status: int, error: str | None, logger: Logger) -> None:
        run_id = self._runs.pop(job.id, None)
        if run_id is not None:
            self.history.update(
                run_id, job.id, status=status_name(status), finished_at=datetime.now(UTC), error=error or ""
            )
