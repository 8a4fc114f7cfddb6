"""What `inputs direct` adds to upstream's one request: the refusal reason, the job's events while
`--sync` waits (`--progress`), a non-zero exit for a failed job (`--fail-on-error`), and
`--dry-run`. Everything here talks to the Core's StatusService, which a Go Core does not have:
these options need our Core; the plain request does not.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC

import grpc
from google.protobuf.json_format import MessageToDict

from ..golang.duration import go_duration
from ..proto import request_pb2, status_pb2, status_pb2_grpc
from ..wire.dial import channel, default_core_address
from ..wire.metadata import reason_line
from .forward import CoreClient, ForwardError, rpc_error_text
from .request import ScalingRequest

Event = status_pb2.JobEvent
Kind = status_pb2.JobEvent.Kind
Write = Callable[[str], None]
# How long to wait for a watch to be in place before sending the request anyway.
WATCH_READY = 10.0


@dataclass
class Outcome:
    response: request_pb2.ScalingResponse
    reason: str | None = None  # `reason: cooldown, remaining: 9m32s`
    error: str = ""  # the job's error when it ended JOB_FAILED (known with a watch)
    events: list[Event] = field(default_factory=list)


def event_line(event: Event) -> str:
    """One job event, as `--progress` and `status --watch` print it."""
    when = event.time.ToDatetime(tzinfo=UTC).astimezone().strftime("%H:%M:%S")
    kind = Kind.Name(event.kind)
    parts = [when, kind, event.resource_name or '""']
    if event.request:
        parts.append(event.request)
    if event.kind == Kind.HANDLER_RESPONSE:
        target = event.resource
        if target.name or target.id:
            parts.append(f"{target.type} {target.name or target.id}")
        parts.append(f"{event.step} {event.handler} {event.status}")
        if event.log:
            parts.append(event.log.rstrip("\n").replace("\n", " | "))
    elif event.kind == Kind.IGNORED:
        parts.append(event.reason or event.message)
        if event.cooldown_remaining:
            parts.append(f"remaining {go_duration(event.cooldown_remaining)}")
    elif event.kind == Kind.PROGRESS:
        parts.append(f"{event.elapsed_seconds}s elapsed")
    elif event.status:
        parts.append(event.status)
    if event.error:
        parts.append(f"error: {event.error}")
    if event.dropped:
        parts.append(f"({event.dropped} events lost before this one)")
    return " ".join(parts)


def quiet(event: Event) -> bool:
    """A handler's bare "not for me" (IGNORED, no log): the Core logs those at DEBUG only."""
    return event.kind == Kind.HANDLER_RESPONSE and event.status == "IGNORED" and not event.log


async def send(
    dest: str, request: ScalingRequest, watch: bool = False, on_event: Write | None = None
) -> Outcome:
    """The request, with its trailers read; with `watch`, the job's events observed meanwhile."""
    client = CoreClient(dest)
    trailers: list[tuple[str, str]] = []
    try:
        if not watch:
            response = await client.send(request, trailers)
            return Outcome(response, reason_line(trailers))
        address = default_core_address(dest)
        async with channel(address) as chan:
            stub = status_pb2_grpc.StatusServiceStub(chan)
            stream = stub.WatchJobs(status_pb2.WatchRequest(resource_name=request.resource_name))
            events: list[Event] = []
            ready = asyncio.Event()

            async def follow() -> None:
                with contextlib.suppress(grpc.aio.AioRpcError, asyncio.CancelledError):
                    async for event in stream:
                        if event.kind == Kind.WATCHING:
                            ready.set()
                            continue
                        events.append(event)
                        if on_event is not None and not quiet(event):
                            on_event(event_line(event))
                        if event.kind in (Kind.FINISHED, Kind.IGNORED):
                            return
                ready.set()  # no watch (an older Core): go on without events

            follower = asyncio.create_task(follow())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(ready.wait(), WATCH_READY)
            try:
                response = await client.send(request, trailers)
                if request.sync:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(asyncio.shield(follower), 5.0)
            finally:
                follower.cancel()
                stream.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await follower
        finished = [e for e in events if e.kind == Kind.FINISHED]
        error = finished[-1].error if finished else ""
        return Outcome(response, reason_line(trailers), error, events)
    finally:
        await client.close()


async def dry_run(dest: str, request: ScalingRequest) -> status_pb2.DryRunReply:
    """What the Core would do for `request`; raises ForwardError with Go's wording."""
    try:
        address = default_core_address(dest)
    except (FileNotFoundError, ValueError) as exc:
        raise ForwardError(str(exc), rpc_failed=False) from None
    async with channel(address) as chan:
        stub = status_pb2_grpc.StatusServiceStub(chan)
        try:
            reply: status_pb2.DryRunReply = await stub.DryRun(
                status_pb2.DryRunRequest(
                    request=request.request_type,
                    source=request.source,
                    resource_name=request.resource_name,
                    desired_state_name=request.desired_state_name,
                )
            )
        except grpc.aio.AioRpcError as exc:
            hint = " (the Core has no status service: dry-run needs this implementation's Core)"
            extra = hint if exc.code() == grpc.StatusCode.UNIMPLEMENTED else ""
            raise ForwardError(rpc_error_text(exc, address) + extra, rpc_failed=True) from None
    return reply


def plan_text(plan: status_pb2.Plan) -> str:
    """`2core/4GB`, `100cps`, `250Mbps`, with the definition's name for it: `2core/4GB (medium)`."""
    parts = []
    if plan.core or plan.memory:
        parts.append(f"{plan.core}core/{plan.memory}GB")
    if plan.cps:
        parts.append(f"{plan.cps}cps")
    if plan.band_width:
        parts.append(f"{plan.band_width}Mbps")
    text = " ".join(parts) or "-"
    return f"{text} ({plan.name})" if plan.name else text


def dry_run_text(reply: status_pb2.DryRunReply) -> str:
    """The plan as a person reads it."""
    verdict = "would be accepted" if reply.would_accept else f"would be refused: {reply.reason}"
    if reply.reason == "cooldown":
        verdict += f" ({go_duration(reply.cooldown_remaining)} left)"
    lines = [f"{reply.request} {reply.resource_name or '(default)'} ({reply.type}): {verdict}"]
    if reply.HasField("group_before"):
        lines.append(
            f"group size: {reply.group_before.current} -> {reply.group_after.current} "
            f"(min {reply.group_after.min}, max {reply.group_after.max}, parallelism {reply.parallelism})"
        )
    if not reply.actions:
        lines.append("no cloud resource to act on")
    for action in reply.actions:
        where = f"{action.zone} " if action.zone else ""
        what = f"{action.instruction:<6} {action.type} {action.name or action.id} {where}".rstrip()
        if action.id and action.name:
            what += f" (id {action.id})"
        if action.instruction == "UPDATE":
            what += f": {plan_text(action.plan_before)} -> {plan_text(action.plan_after)}"
        elif action.instruction == "CREATE" and action.HasField("plan_after"):
            what += f": {plan_text(action.plan_after)}"
        lines.append("  " + what)
        for parent in action.parents:
            lines.append(f"    {parent.change} {parent.type} {parent.name or parent.id} ({parent.handler})")
    lines.append("handlers: " + (", ".join(reply.handlers) or "none"))
    return "\n".join(lines)


def dry_run_json(reply: status_pb2.DryRunReply) -> str:
    data = MessageToDict(reply, preserving_proto_field_name=True, always_print_fields_with_no_presence=True)
    return json.dumps(data, ensure_ascii=False, indent=2)
