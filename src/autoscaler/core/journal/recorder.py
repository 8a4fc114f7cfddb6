"""The Core's side of the journal: job events (a `JobReporter`) and the builtins' cloud steps
(an `IntentRecorder`) written to one `Journal`, in the order they happen.

Job events arrive through synchronous hooks; their records are queued on one ordered writer,
so an intent written later (and awaited: the step waits until its intent is durable) always
follows the job and resource records it belongs to. Each accepted job gets a run ID (its
record's `job_id`), unique per run; intents find the run by the request's `scaling_job_id`
(the resource name, of which one job runs at a time).

The recorder also keeps the recent jobs in memory for readers (`history`), filled from the
journal at start-up.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from ...handlers.builtin.registry import Intent
from ...log import Logger
from ..history import JobRecord, MemoryHistory
from ..job import ACCEPTED, RUNNING, Job, status_name
from ..reporter import JobReporter
from ..request import RequestInfo
from ..resources.computed import Computed
from ..resources.computed import Instruction as InstructionEnum
from .fault import Fault
from .records import ResourceEntry
from .store import Journal

T = TypeVar("T")
HISTORY_PER_RESOURCE = 50
PRUNE_EVERY = 100  # finished jobs (and once at start-up)


@dataclass
class RunState:
    """What the recorder knows of a job while it runs (or is recovered)."""

    run_id: str
    record: JobRecord
    resources: dict[tuple[str, str, str], int] = field(default_factory=dict)
    next_seq: int = 1
    recovering: bool = False


class OrderedWriter:
    """Runs journal writes one after another, in the order they were asked for."""

    def __init__(self, logger: Logger) -> None:
        self.logger = logger
        self._tail: asyncio.Future[Any] | None = None

    def submit(self, write: Callable[[], Awaitable[T]], what: str) -> asyncio.Future[T]:
        previous = self._tail

        async def run() -> T:
            if previous is not None:
                with contextlib.suppress(Exception):
                    await previous
            return await write()

        task: asyncio.Future[T] = asyncio.ensure_future(run())
        self._tail = task

        def report(done: asyncio.Future[T]) -> None:
            if not done.cancelled() and done.exception() is not None:
                self.logger.error("journal: could not record", what=what, error=str(done.exception()))

        task.add_done_callback(report)
        return task

    async def flush(self) -> None:
        tail = self._tail
        if tail is not None:
            with contextlib.suppress(Exception):
                await asyncio.shield(tail)


class JournalRecorder(JobReporter):
    """Writes jobs, resources and intents to `journal`; also the Core's `IntentRecorder`."""

    def __init__(
        self,
        journal: Journal,
        logger: Logger,
        fault: Fault | None = None,
        prune: tuple[int, int] = (1000, 30),  # keep at most this many jobs, none older (days)
    ) -> None:
        self.journal = journal
        self.prune = prune
        self.logger = logger
        self.writer = OrderedWriter(logger)
        self.fault = fault or Fault.from_env()
        self.runs: dict[str, RunState] = {}  # by the job's resource name
        self.history = MemoryHistory(keep=HISTORY_PER_RESOURCE)
        self.finished_jobs = 0
        self._marks: dict[int, tuple[str, bool]] = {}  # step ID -> (action, while recovering)

    async def load_history(self) -> None:
        for record in await self.journal.recent(HISTORY_PER_RESOURCE):
            self.history.add(record)

    def run_of(self, job_id: str) -> RunState | None:
        return self.runs.get(job_id)

    def adopt(self, record: JobRecord) -> RunState:
        """Take up a run of an earlier Core (or a failed one) for recovery."""
        state = RunState(record.job_id, record, recovering=True)
        self.runs[record.resource_name] = state
        return state

    def release(self, job_id: str) -> None:
        self.runs.pop(job_id, None)

    # --- job events ------------------------------------------------------------------------

    def accepted(self, job: Job, request: RequestInfo, logger: Logger) -> None:
        record = JobRecord(
            job_id=uuid.uuid4().hex,
            resource_name=job.id,
            request=request.type.label,
            source=request.source,
            desired_state_name=request.desired_state_name,
            status=status_name(ACCEPTED),
            accepted_at=datetime.now(UTC),
        )
        self.runs[job.id] = RunState(record.job_id, record)
        self.history.add(record)
        self.writer.submit(lambda: self.journal.add_job(record, request.sync), f"job {record.job_id}")

    def running(self, job: Job, logger: Logger) -> None:
        self._status(job, status_name(RUNNING))

    def resource_started(self, job: Job, resource: Computed, logger: Logger) -> None:
        state = self.runs.get(job.id)
        if state is None:
            return
        seq = state.next_seq
        state.next_seq += 1
        entry = ResourceEntry(
            run_id=state.run_id,
            seq=seq,
            kind=str(resource.type),
            zone=resource.zone,
            name=resource.name,
            cloud_id=resource.id,
            instruction=InstructionEnum.Name(resource.instruction),  # type: ignore[arg-type]
        )
        state.resources[entry.key] = seq
        self.writer.submit(lambda: self.journal.add_resource(entry), f"resource {entry.name}")

    def resource_finished(self, job: Job, resource: Computed, result: int, logger: Logger) -> None:
        state = self.runs.get(job.id)
        if state is None:
            return
        seq = state.resources.get((str(resource.type), resource.zone, resource.name))
        if seq is None:
            return
        run_id = state.run_id
        self.writer.submit(lambda: self.journal.resource_handled(run_id, seq), f"resource {resource.name}")

    def finished(self, job: Job, status: int, error: str | None, logger: Logger) -> None:
        self._status(job, status_name(status), error or "", datetime.now(UTC))
        self.runs.pop(job.id, None)
        self.finished_jobs += 1
        if self.finished_jobs % PRUNE_EVERY == 0:
            keep, days = self.prune
            older = datetime.now(UTC) - timedelta(days=days)
            self.writer.submit(lambda: self.journal.prune(keep, older), "pruning")

    def _status(self, job: Job, status: str, error: str = "", finished_at: datetime | None = None) -> None:
        state = self.runs.get(job.id)
        if state is None:
            return
        run_id = state.run_id
        state.record = replace(state.record, status=status, error=error, finished_at=finished_at)
        self.history.update(run_id, job.id, status=status, error=error, finished_at=finished_at)
        self.writer.submit(
            lambda: self.journal.set_status(run_id, status, error=error, finished_at=finished_at),
            f"status of job {run_id}",
        )

    async def ended(self, record: JobRecord) -> None:
        """A recovered job's final record (written at once, not queued)."""
        await self.writer.flush()
        self.history.update(
            record.job_id,
            record.resource_name,
            status=record.status,
            error=record.error,
            finished_at=record.finished_at,
        )
        await self.journal.set_status(
            record.job_id, record.status, error=record.error, finished_at=record.finished_at
        )

    # --- intents (the builtins' IntentRecorder) -------------------------------------------------

    async def intent(self, intent: Intent) -> int:
        state = self.runs.get(intent.job)
        if state is None:
            return 0  # not a job of this Core (a builtin called outside a job)
        mark = await self.writer.submit(
            lambda: self.journal.add_step(
                state.run_id,
                intent.step,
                intent.kind,
                intent.zone,
                intent.target,
                intent.cloud_id,
                str(intent.action),
                intent.detail,
            ),
            f"intent {intent.action} of {intent.target}",
        )
        self._marks[mark] = (str(intent.action), state.recovering)
        self.fault.after(str(intent.action), "intent", recovering=state.recovering)
        return mark

    async def outcome(self, mark: int, outcome: Mapping[str, Any]) -> None:
        if mark:
            await self.writer.submit(lambda: self.journal.step_done(mark, outcome), f"outcome of step {mark}")
            action, recovering = self._marks.pop(mark, ("", False))
            self.fault.after(action, "outcome", recovering=recovering)

    async def failure(self, mark: int, error: str) -> None:
        if mark:
            self._marks.pop(mark, None)
            await self.writer.submit(lambda: self.journal.step_failed(mark, error), f"failure of step {mark}")
