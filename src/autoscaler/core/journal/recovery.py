"""Recovery of interrupted jobs: what each resource needs (`repairs.py`), retried while the
cloud API is unreachable, the PostHandle of what changed sent to every handler, and the job's
end recorded as JOB_FAILED with what was done.

It runs at start-up (before the Core accepts requests) for every job the journal says did not
end, right after a job fails, and at shutdown for the jobs still running when the grace period
runs out. It reads and writes through the `Journal` interface and the cloud client only:
nothing here assumes SQLite or one host.

What an operator sees, one line per action:

    level=WARN msg="recovering an interrupted job" job=<run> resource=web request=Up ...
    level=INFO msg="recovery action" job=<run> resource=web type=Server ... action="booted it ..."
    level=WARN msg="job recovered" job=<run> resource=web status=JOB_FAILED error="interrupted: ..."

Right after a failed job the first line is `level=INFO msg="checking what the failed job left
half-done"`, and the actions follow only if there is something to repair.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, TypeVar

from ...cloud.errors import CloudConnectionError, CloudError, message_of
from ...golang.duration import go_duration
from ...handlers.builtin.registry import Action, Intent, recorded
from ...handlers.contract import HandleRequest, HandleResponse, PostHandleRequest, Step
from ...log import Logger
from ..cloud import CoreCloud
from ..config.model import Config, Definition
from ..handler_refs import HandlerRef
from ..history import JobRecord
from ..job import FAILED, Job, status_name
from ..reporter import JobReporter
from ..request import TREE_REQUEST, RequestType
from ..resources.computed import Computed
from ..resources.server_group import ServerGroupDef
from .recorder import JournalRecorder
from .records import RECOVERY_DONE, RECOVERY_PENDING, RECOVERY_STEP, Interrupted, ResourceEntry, StepEntry
from .repairs import (
    Repair,
    RepairContext,
    repair_leaving_member,
    repair_new_member,
    repair_plan_only,
    repair_server,
)
from .store import Journal

T = TypeVar("T")
FIRST_BACKOFF = 1.0
MAX_BACKOFF = 30.0
STARTUP_CAUSE = "interrupted: the Core stopped while the job was running"
GRACE_CAUSE = "interrupted: shutdown_grace_period expired while the job was running"
REQUEST_TYPES = {t.label: t for t in RequestType}


class RecoveryTimeout(Exception):
    pass


@dataclass
class Report:
    """What recovery did for one job."""

    actions: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    complete: bool = True

    @property
    def acted(self) -> bool:
        return bool(self.actions or self.problems or not self.complete)

    def text(self) -> str:
        parts = [*self.actions, *self.problems, *self.notes]
        if not self.complete:
            parts.append(
                "not finished within autoscaler.journal.recovery_timeout (retried at the next start)"
            )
        return "; ".join(parts) or "nothing to repair"


def retryable(exc: BaseException) -> bool:
    """An error that says the API is out of reach or overloaded (worth waiting for)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, CloudConnectionError):
            return True
        if isinstance(current, CloudError) and (current.status >= 500 or current.status in (423, 429)):
            return True
        current = current.__cause__ or current.__context__
    return False


def _kind(res: ResourceEntry, steps: list[StepEntry]) -> Callable[..., Awaitable[Repair]]:
    actions = {s.action for s in steps}
    if res.kind == "Server":
        return repair_server
    if res.kind == "ServerGroupInstance":
        creating = res.instruction == "CREATE" or str(Action.CREATE_SERVER) in actions
        return repair_new_member if creating else repair_leaving_member
    return repair_plan_only


def touched(item: Interrupted) -> list[tuple[ResourceEntry, list[StepEntry]]]:
    """The resources of a job that it changed in the cloud and did not finish, in order."""
    by_key: dict[tuple[str, str, str], list[StepEntry]] = {}
    for step in item.steps:
        by_key.setdefault(step.key, []).append(step)
    out = []
    known = set()
    for res in item.resources:
        known.add(res.key)
        if res.key in by_key and not res.handled:
            out.append((res, by_key[res.key]))
    for key, steps in by_key.items():
        if key not in known:  # a step of a resource whose record did not make it
            kind, zone, name = key
            out.append((ResourceEntry(item.job.job_id, 0, kind, zone, name, steps[0].cloud_id, ""), steps))
    return out


class Recovery:
    def __init__(
        self,
        *,
        journal: Journal,
        recorder: JournalRecorder,
        config: Config,
        cloud: CoreCloud,
        handlers: Callable[[], Sequence[HandlerRef]],
        reporter: JobReporter,
        logger: Logger,
        timeout: float,
    ) -> None:
        self.journal = journal
        self.recorder = recorder
        self.config = config
        self.cloud = cloud
        self.handlers = handlers
        self.reporter = reporter
        self.logger = logger
        self.timeout = timeout

    # --- when ------------------------------------------------------------------------------

    async def at_startup(self) -> None:
        """Every job the journal says did not end (a crash, a kill, a reboot)."""
        for item in await self.journal.interrupted():
            if self.config.find(item.job.resource_name) is None and item.steps:
                self.logger.warn(
                    "journal: an interrupted job names a resource the configuration no longer defines; "
                    "kept in the journal, not recovered",
                    job=item.job.job_id,
                    resource=item.job.resource_name,
                    request=item.job.request,
                    status=item.job.status,
                    steps="; ".join(f"{s.action} {s.target} ({s.state})" for s in item.steps),
                )
                continue
            await self._recover_ended(item, STARTUP_CAUSE)

    async def after_failure(self, job: Job, error: str) -> str | None:
        """A job failed mid-way (the `Recover` hook of the orchestration); the job's error with
        what recovery did, or None when it had left nothing half-done."""
        state = self.recorder.run_of(job.id)
        if state is None:
            return None
        await self.recorder.writer.flush()
        items = await self.journal.interrupted([state.run_id])
        if not items or not touched(items[0]):
            return None
        state.recovering = True
        try:
            report = await self._recover(items[0], job, after_failure=True)
        finally:
            state.recovering = False
        if not report.acted:
            return None
        return f"{error} (interrupted); recovery: {report.text()}"

    async def after_cancel(self) -> None:
        """The jobs still running when the shutdown grace period ran out (their tasks ended)."""
        await self.recorder.writer.flush()
        run_ids = [state.run_id for state in self.recorder.runs.values()]
        if not run_ids:
            return
        for item in await self.journal.interrupted(run_ids):
            await self._recover_ended(item, GRACE_CAUSE)

    # --- one job ---------------------------------------------------------------------------

    async def _recover_ended(self, item: Interrupted, cause: str) -> None:
        """Recover a job no task runs any more, and record its end."""
        job = item.job
        self.recorder.adopt(job)
        try:
            report = await self._recover(item, None)
            if not report.complete:
                self.logger.error(
                    "job not recovered", job=job.job_id, resource=job.resource_name, error=report.text()
                )
                return
            ended = replace(
                job,
                status=status_name(FAILED),
                error=f"{cause}; recovery: {report.text()}",
                finished_at=datetime.now(UTC),
            )
            await self.recorder.ended(ended)
            self.logger.warn(
                "job recovered",
                job=job.job_id,
                resource=job.resource_name,
                status=ended.status,
                error=ended.error,
            )
        finally:
            self.recorder.release(job.resource_name)

    async def _recover(self, item: Interrupted, job: Job | None, after_failure: bool = False) -> Report:
        record = item.job
        deadline = asyncio.get_running_loop().time() + self.timeout
        await self.journal.set_recovery(record.job_id, RECOVERY_PENDING)
        # A job that failed in a step of its own (a script's exit status, say) usually left
        # nothing half-done: only what recovery then does deserves a warning.
        announce = self.logger.info if after_failure else self.logger.warn
        announce(
            "checking what the failed job left half-done"
            if after_failure
            else "recovering an interrupted job",
            ("job", record.job_id),
            ("resource", record.resource_name),
            ("request", record.request),
            ("status", record.status),
            ("accepted-at", record.accepted_at.isoformat(timespec="seconds")),
        )
        definition = self.config.find(record.resource_name)
        report = Report()
        for res, steps in touched(item):
            try:
                await self._recover_resource(deadline, record, definition, res, steps, job, report)
            except RecoveryTimeout:
                report.complete = False
                break
            except Exception as exc:
                text = f"could not repair {res.name}: {message_of(exc) or type(exc).__name__}"
                report.problems.append(text)
                self.logger.error(
                    "recovery failed",
                    ("job", record.job_id),
                    ("resource", record.resource_name),
                    ("name", res.name),
                    ("error", text),
                )
        if report.complete:
            await self.journal.set_recovery(record.job_id, RECOVERY_DONE)
        return report

    async def _recover_resource(
        self,
        deadline: float,
        record: JobRecord,
        definition: Definition | None,
        res: ResourceEntry,
        steps: list[StepEntry],
        job: Job | None,
        report: Report,
    ) -> None:
        ctx = self._context(record, definition, res)
        repair_fn = _kind(res, steps)
        repair = await self._retrying(deadline, record, res, lambda: repair_fn(ctx, res, steps))
        report.actions += repair.actions
        report.notes += repair.notes
        if repair.post_result is None:
            return
        sent: set[str] = set()
        await self._retrying(
            deadline, record, res, lambda: self._post_handle(record, definition, res, repair, sent, job)
        )
        why = f" ({repair.post_why})" if repair.post_why else ""
        result = _result_name(repair.post_result)
        report.actions.append(f"PostHandle {result} of {res.name} sent to the handlers{why}")

    def _context(self, record: JobRecord, definition: Definition | None, res: ResourceEntry) -> RepairContext:
        user_data = ""
        force = False
        if isinstance(definition, ServerGroupDef):
            user_data = definition.template.cloud_config if definition.template is not None else ""
            force = definition.shutdown_force
        elif definition is not None and hasattr(definition, "shutdown_force"):
            force = bool(definition.shutdown_force)

        def action(what: str, entry: ResourceEntry, cloud_id: str) -> None:
            self.logger.info(
                "recovery action",
                ("job", record.job_id),
                ("resource", record.resource_name),
                ("type", entry.kind),
                ("zone", entry.zone or "global"),
                ("id", cloud_id),
                ("name", entry.name),
                ("action", what),
            )

        async def locate(entry: ResourceEntry, cloud_id: str) -> Any:
            return await self._locate(definition, entry, cloud_id)

        async def pre_handle_delete(computed: Computed) -> None:
            await self._pre_handle_delete(record, computed)

        return RepairContext(
            client=self.cloud.client,
            record=lambda act, entry, cloud_id, **detail: self._step(record, act, entry, cloud_id, detail),
            locate=locate,
            pre_handle_delete=pre_handle_delete,
            action=action,
            user_data=user_data,
            force=force,
            has_parent=getattr(definition, "parent", None) is not None,
        )

    @contextlib.asynccontextmanager
    async def _step(
        self,
        record: JobRecord,
        action: Action,
        res: ResourceEntry,
        cloud_id: int | str,
        detail: dict[str, Any],
    ) -> AsyncIterator[dict[str, Any]]:
        """A cloud step of recovery itself, in the journal like the handlers' steps."""
        intent = Intent(
            job=record.resource_name,
            resource=record.resource_name,
            step=RECOVERY_STEP,
            kind=res.kind,
            action=action,
            target=res.name,
            zone=res.zone,
            cloud_id=str(cloud_id) if cloud_id else "",
            detail=detail,
        )
        async with recorded(self.recorder, intent) as outcome:
            yield outcome

    async def _retrying(
        self, deadline: float, record: JobRecord, res: ResourceEntry, attempt: Callable[[], Awaitable[T]]
    ) -> T:
        """`attempt` again and again while the API is out of reach, until `deadline`."""
        loop = asyncio.get_running_loop()
        wait = FIRST_BACKOFF
        while True:
            try:
                async with asyncio.timeout_at(deadline):
                    return await attempt()
            except TimeoutError:
                if loop.time() >= deadline:
                    raise RecoveryTimeout() from None
                raise
            except Exception as exc:
                if not retryable(exc):
                    raise
                left = deadline - loop.time()
                if left <= 0:
                    raise RecoveryTimeout() from None
                pause = min(wait, left)
                self.logger.warn(
                    "recovery: the cloud API is unavailable, retrying",
                    ("job", record.job_id),
                    ("resource", record.resource_name),
                    ("name", res.name),
                    ("error", message_of(exc)),
                    ("wait", go_duration(pause)),
                )
                await asyncio.sleep(pause)
                wait = min(wait * 2, MAX_BACKOFF)

    # --- the handlers ----------------------------------------------------------------------

    async def _locate(self, definition: Definition | None, res: ResourceEntry, cloud_id: str) -> Any:
        """The definition's resource `res` is now (by ID, else by name), or None."""
        if definition is None:
            return None
        found = await definition.resources(self.cloud.client, TREE_REQUEST)
        by_name = None
        for resource in found:
            computed = await resource.compute(refresh=False)
            if cloud_id and computed.id == cloud_id:
                return resource
            if computed.name == res.name and computed.zone == res.zone and by_name is None:
                by_name = resource
        return by_name

    def _logger(self, record: JobRecord, computed: Computed) -> Logger:
        return self.logger.bind(
            request=REQUEST_TYPES.get(record.request, RequestType.UNKNOWN),
            source=record.source,
            resource=record.resource_name,
            type=computed.type,
            zone=computed.zone or "global",
            id=computed.id or "(deleted)",
            name=computed.name,
        )

    async def _post_handle(
        self,
        record: JobRecord,
        definition: Definition | None,
        res: ResourceEntry,
        repair: Repair,
        sent: set[str],
        job: Job | None,
    ) -> None:
        assert repair.post_result is not None
        current = repair.post_current
        if current is None:
            located = await self._locate(definition, res, repair.cloud_id)
            if located is None:
                raise LookupError(f"{res.name} not found to send its PostHandle")
            current = await located.compute(refresh=True)
        request = PostHandleRequest(
            source=record.source,
            resource_name=record.resource_name,
            scaling_job_id=record.resource_name,
            result=repair.post_result,  # type: ignore[arg-type]
            current=current.current,
            setup_grace_period=current.grace,
        )
        await self._call_all(record, Step.POST_HANDLE, request, current, sent, job)

    async def _pre_handle_delete(self, record: JobRecord, computed: Computed) -> None:
        request = HandleRequest(
            source=record.source,
            resource_name=record.resource_name,
            scaling_job_id=record.resource_name,
            instruction=computed.instruction,  # type: ignore[arg-type]
            setup_grace_period=computed.grace,
            desired=computed.desired,
        )
        await self._call_all(record, Step.PRE_HANDLE, request, computed, set(), job=None, builtins_only=True)

    async def _call_all(
        self,
        record: JobRecord,
        step: Step,
        request: HandleRequest | PostHandleRequest,
        computed: Computed,
        sent: set[str],
        job: Job | None,
        builtins_only: bool = False,
    ) -> None:
        """`step` on every handler not yet done (`sent`); a builtin's failure is raised (to be
        retried), a custom handler's is logged."""
        base = self._logger(record, computed)
        reported = job or Job(record.resource_name, self.config.autoscaler.cooldowns)
        for handler in self.handlers():
            if handler.name in sent or (builtins_only and not handler.builtin):
                continue
            step_logger = base.bind(step=step.method, handler=handler.name)

            def sink(response: HandleResponse, ref: HandlerRef = handler, log: Logger = step_logger) -> None:
                self.reporter.handler_response(reported, response, ref.builtin, log)

            try:
                await handler.call(step, request, sink)
            except Exception as exc:
                if handler.builtin:
                    raise
                step_logger.warn("recovery: a custom handler failed", error=message_of(exc))
            sent.add(handler.name)


def _result_name(result: int) -> str:
    from ...proto import handler_pb2 as pb

    return str(pb.PostHandleRequest.ResourceHandleResults.Name(result))  # type: ignore[arg-type]
