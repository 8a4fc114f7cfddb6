"""`autoscaler.status.v1.StatusService`: what the Core knows now, what a request would do, and the
jobs' events as they happen. Served on the Core's socket beside upstream's ScalingService; it
reads the cloud and the job table and never changes either.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import grpc

from ..cloud.errors import message_of
from ..proto import status_pb2, status_pb2_grpc
from .cloud import CoreCloud
from .cloud_view import PARENT_KINDS, cloud_resource, parent_of, plan_of
from .config.model import Config, Definition
from .handler_health import ping
from .history import JobHistory, JobRecord
from .job import Job, status_name, whole_seconds
from .job_events import JobEvents, watching_event
from .request import TREE_REQUEST, RequestInfo, RequestType
from .resources.computed import CREATE, DELETE, NOOP, UPDATE, Computed
from .resources.server_group import ServerGroupDef
from .service import CoreState

pb = status_pb2
INSTRUCTIONS: dict[int, str] = {CREATE: "CREATE", UPDATE: "UPDATE", DELETE: "DELETE", NOOP: "NOOP"}
CHANGES: dict[int, str] = {CREATE: "add", DELETE: "remove", UPDATE: "detach-attach"}
REQUEST_TYPES = {"up": RequestType.UP, "down": RequestType.DOWN, "keep": RequestType.KEEP}
# How long one handler's health check may take in a status answer.
HEALTH_TIMEOUT = 3.0


def _stamp(message: object, value: datetime | None) -> None:
    if value is not None:
        message.FromDatetime(value.astimezone(UTC))  # type: ignore[attr-defined]


def job_record(record: JobRecord) -> pb.JobRecord:
    shown = pb.JobRecord(
        job_id=record.job_id,
        resource_name=record.resource_name,
        request=record.request,
        source=record.source,
        desired_state_name=record.desired_state_name,
        status=record.status,
        error=record.error,
    )
    _stamp(shown.started_at, record.accepted_at)
    _stamp(shown.finished_at, record.finished_at)
    return shown


class StatusService(status_pb2_grpc.StatusServiceServicer):
    def __init__(
        self, config: Config, cloud: CoreCloud, state: CoreState, history: JobHistory, events: JobEvents
    ) -> None:
        self.config = config
        self.cloud = cloud
        self.state = state
        self.history = history
        self.events = events

    def _job(self, name: str) -> Job:
        # A name no request has reached yet is DONE, as the ScalingService would start it.
        return self.state.jobs.get(name) or Job(name, self.config.autoscaler.cooldowns)

    def _definitions(self, raw: str) -> list[Definition]:
        if not raw:
            return list(self.config.definitions)
        definition = self.config.find(self.config.resolve_name(raw))
        if definition is None:
            raise LookupError(f'resource "{raw}" not found')
        return [definition]

    # --- GetStatus ---------------------------------------------------------------------------

    async def GetStatus(self, request: pb.StatusRequest, context: grpc.aio.ServicerContext) -> pb.StatusReply:
        try:
            definitions = self._definitions(request.resource_name)
        except (LookupError, ValueError) as exc:
            await context.abort(grpc.StatusCode.NOT_FOUND, str(exc))
            raise AssertionError("unreachable") from None
        limit = request.jobs_limit or 10
        resources, handlers = await asyncio.gather(
            asyncio.gather(*(self._resource_status(d, limit) for d in definitions)),
            self._handlers(),
        )
        reply = pb.StatusReply(
            resources=resources,
            handlers=handlers,
            builtin_handlers=self.config.autoscaler.enabled_builtins(),
        )
        _stamp(reply.time, datetime.now(UTC))
        return reply

    async def _resource_status(self, definition: Definition, limit: int) -> pb.ResourceStatus:
        name = definition.name  # "" for the one unnamed definition: its job id, as upstream
        job = self._job(name)
        shown = pb.ResourceStatus(name=name, type=definition.TYPE, job_status=status_name(job.status))
        shown.jobs.extend(job_record(r) for r in self.history.recent(name, limit))
        try:
            client = self.cloud.client
            found = await definition.resources(client, TREE_REQUEST)
            computed = [await r.compute(refresh=False) for r in found]
            last_modified = await definition.last_modified(client)
        except Exception as exc:
            shown.error = message_of(exc) or type(exc).__name__
            return shown
        shown.matched.extend(cloud_resource(c, definition) for c in computed)
        _stamp(shown.last_modified, last_modified)
        for request_type, field in (
            (RequestType.UP, "up"),
            (RequestType.DOWN, "down"),
            (RequestType.KEEP, "keep"),
        ):
            setattr(
                shown.cooldown_remaining, field, whole_seconds(job.remaining(request_type, last_modified))
            )
        if isinstance(definition, ServerGroupDef):
            shown.group.CopyFrom(
                pb.GroupSize(current=len(computed), min=definition.min_size, max=definition.max_size)
            )
        return shown

    async def _handlers(self) -> list[pb.HandlerStatus]:
        async def one(name: str, endpoint: str) -> pb.HandlerStatus:
            problem = await ping(name, endpoint, timeout=HEALTH_TIMEOUT)
            return pb.HandlerStatus(
                name=name, endpoint=endpoint, serving=problem is None, error=problem or ""
            )

        return list(await asyncio.gather(*(one(h.name, h.endpoint) for h in self.config.custom_handlers)))

    # --- WatchJobs ---------------------------------------------------------------------------

    async def WatchJobs(
        self, request: pb.WatchRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.JobEvent]:
        resource: str | None = None
        if request.resource_name:
            try:
                resource = self.config.resolve_name(request.resource_name)
            except (LookupError, ValueError) as exc:
                await context.abort(grpc.StatusCode.NOT_FOUND, str(exc))
        with self.events.watch(resource) as watcher:
            yield watching_event(resource or "")
            async for event in watcher:
                yield event

    # --- DryRun ------------------------------------------------------------------------------

    async def DryRun(self, request: pb.DryRunRequest, context: grpc.aio.ServicerContext) -> pb.DryRunReply:
        request_type = REQUEST_TYPES.get(request.request.lower())
        if request_type is None:
            await context.abort(
                grpc.StatusCode.INVALID_ARGUMENT, f'request must be Up, Down or Keep: "{request.request}"'
            )
            raise AssertionError("unreachable")
        try:
            name = self.config.resolve_name(request.resource_name)
            definition = self.config.find(name)
            if definition is None:
                raise LookupError(f'resource "{name}" not found')
        except (LookupError, ValueError) as exc:
            await context.abort(grpc.StatusCode.NOT_FOUND, str(exc))
            raise AssertionError("unreachable") from None
        info = RequestInfo(request_type, request.source, name, request.desired_state_name)
        reply = pb.DryRunReply(resource_name=name, request=request_type.label, type=definition.TYPE)
        reply.handlers.extend(self.config.autoscaler.enabled_builtins())
        reply.handlers.extend(h.name for h in self.config.custom_handlers)
        try:
            client = self.cloud.client
            last_modified = await definition.last_modified(client)
            found = await definition.resources(client, info)
            computed = [await r.compute(refresh=False) for r in found]
        except Exception as exc:
            await context.abort(grpc.StatusCode.UNKNOWN, message_of(exc) or type(exc).__name__)
            raise AssertionError("unreachable") from None
        refusal = self._job(name).refusal(request_type, last_modified)
        if self.state.stopping:
            reply.reason, reply.message = "stopping", "core is shutting down"
        elif refusal is not None:
            reply.reason, reply.message = refusal.kind, str(refusal)
            reply.cooldown_remaining = whole_seconds(refusal.remaining)
        reply.would_accept = not reply.reason
        enabled = set(self.config.autoscaler.enabled_builtins())
        reply.actions.extend(action(c, definition, enabled) for c in computed)
        if isinstance(definition, ServerGroupDef):
            before = sum(1 for c in computed if c.instruction != CREATE)
            after = sum(1 for c in computed if c.instruction != DELETE)
            sizes = {"min": definition.min_size, "max": definition.max_size}
            reply.group_before.CopyFrom(pb.GroupSize(current=before, **sizes))
            reply.group_after.CopyFrom(pb.GroupSize(current=after, **sizes))
            reply.parallelism = definition.parallelism
        return reply


def action(computed: Computed, definition: Definition, enabled: set[str]) -> pb.Action:
    """What a job would do to one cloud resource."""
    shown = pb.Action(
        instruction=INSTRUCTIONS.get(computed.instruction, str(computed.instruction)),
        type=str(computed.type),
        name=computed.name,
        zone=computed.zone,
        id=computed.id,
    )
    if computed.instruction != CREATE:
        before = plan_of(
            computed.current if computed.current.WhichOneof("resource") else computed.desired, definition
        )
        if before is not None:
            shown.plan_before.CopyFrom(before)
    if computed.instruction != DELETE:
        after = plan_of(computed.desired, definition)
        if after is not None:
            shown.plan_after.CopyFrom(after)
    change = CHANGES.get(computed.instruction)
    parent = parent_of(computed.desired)
    if change is not None and parent is not None:
        case, parent_shown = parent
        handler = PARENT_KINDS[case][1]
        # A plain Server is detached while its plan changes (not under DNS, whose handler looks
        # after group members only); a group member is added or removed.
        if computed.desired.WhichOneof("resource") == "server":
            applies = change == "detach-attach" and case != "dns"
        else:
            applies = change in ("add", "remove")
        if handler in enabled and applies:
            shown.parents.append(
                pb.ParentChange(
                    type=parent_shown.type,
                    id=parent_shown.id,
                    name=parent_shown.name,
                    change=change,
                    handler=handler,
                )
            )
    return shown
