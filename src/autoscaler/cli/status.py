"""`autoscaler status`: what the Core knows now (resources, cooldowns, recent jobs, handlers),
or with `--watch` the jobs' events as they happen. Reads the Core's StatusService."""

from __future__ import annotations

import asyncio
import contextlib
import json
from datetime import UTC, datetime
from typing import Any

import click
import grpc

from ..wire.dial import CORE_SOCKET_CANDIDATES
from .cobra import Command, CommandError, Flag
from .flags import check, global_options, oneof, optional, printascii, required, validate

DEST_HELP = (
    "Address of the gRPC endpoint of AutoScaler Core. If no value is specified, the first of "
    f"[{', '.join(CORE_SOCKET_CANDIDATES)}] whose socket file exists is used"
)


def _age(value: datetime | None, now: datetime) -> str:
    if value is None:
        return ""
    from ..golang.duration import go_duration

    return go_duration(max(0, round((now - value).total_seconds()))) + " ago"


def status_json(reply: Any) -> dict[str, Any]:
    """The documented JSON shape (docs/core.md): stable keys, times in RFC 3339."""

    def when(stamp: Any) -> str | None:
        return stamp.ToDatetime(tzinfo=UTC).isoformat() if stamp.seconds or stamp.nanos else None

    def plan(p: Any) -> dict[str, Any]:
        return {"name": p.name, "core": p.core, "memory": p.memory, "cps": p.cps, "band_width": p.band_width}

    def resource(r: Any) -> dict[str, Any]:
        out = {"type": r.type, "id": r.id, "name": r.name, "zone": r.zone, "plan": plan(r.plan)}
        if r.HasField("parent"):
            out["parent"] = {"type": r.parent.type, "id": r.parent.id, "name": r.parent.name}
        return out

    return {
        "time": when(reply.time),
        "resources": [
            {
                "name": r.name,
                "type": r.type,
                "matched": [resource(m) for m in r.matched],
                "group": {"current": r.group.current, "min": r.group.min, "max": r.group.max}
                if r.HasField("group")
                else None,
                "job_status": r.job_status,
                "cooldown_remaining": {
                    "up": r.cooldown_remaining.up,
                    "down": r.cooldown_remaining.down,
                    "keep": r.cooldown_remaining.keep,
                },
                "last_modified": when(r.last_modified),
                "jobs": [
                    {
                        "job_id": j.job_id,
                        "request": j.request,
                        "source": j.source,
                        "desired_state_name": j.desired_state_name,
                        "status": j.status,
                        "started_at": when(j.started_at),
                        "finished_at": when(j.finished_at),
                        "error": j.error,
                    }
                    for j in r.jobs
                ],
                "error": r.error,
            }
            for r in reply.resources
        ],
        "handlers": [
            {"name": h.name, "endpoint": h.endpoint, "serving": h.serving, "error": h.error}
            for h in reply.handlers
        ],
        "builtin_handlers": list(reply.builtin_handlers),
    }


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "   ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows
    )


def _where(resource: Any) -> str:
    return f"{resource.zone}, " if resource.zone else ""


def status_text(reply: Any) -> str:
    from ..golang.duration import go_duration
    from ..inputs.direct_watch import plan_text

    now = reply.time.ToDatetime(tzinfo=UTC) if reply.time.seconds else datetime.now(UTC)
    rows = [["RESOURCE", "TYPE", "MATCHED", "JOB", "COOLDOWN UP/DOWN/KEEP", "LAST JOB"]]
    for r in reply.resources:
        if r.error:
            matched = f"error: {r.error}"
        else:
            shown = [
                f"{m.name or m.id} ({m.zone + ', ' if m.zone else ''}{plan_text(m.plan)})" for m in r.matched
            ]
            matched = ", ".join(shown) or "(nothing)"
            if r.HasField("group"):
                matched = f"{r.group.current} of {r.group.min}..{r.group.max}: " + matched
        cooldown = "/".join(
            go_duration(v)
            for v in (r.cooldown_remaining.up, r.cooldown_remaining.down, r.cooldown_remaining.keep)
        )
        last = ""
        if r.jobs:
            job = r.jobs[0]
            ended = job.finished_at.ToDatetime(tzinfo=UTC) if job.finished_at.seconds else None
            started = job.started_at.ToDatetime(tzinfo=UTC)
            last = f"{job.request} {job.status} {_age(ended or started, now)}"
            if job.error:
                last += f" ({job.error})"
        rows.append([r.name or "(default)", r.type, matched, r.job_status, cooldown, last])
    out = _table(rows)
    if reply.handlers:
        handler_rows = [["HANDLER", "ENDPOINT", "HEALTH"]]
        for h in reply.handlers:
            handler_rows.append([h.name, h.endpoint, "SERVING" if h.serving else f"NOT SERVING: {h.error}"])
        out += "\n\n" + _table(handler_rows)
    if reply.builtin_handlers:
        out += "\n\nbuiltin handlers: " + ", ".join(reply.builtin_handlers)
    return out


async def _status(address: str, resource: str) -> Any:
    from ..proto import status_pb2, status_pb2_grpc
    from ..wire.dial import channel

    async with channel(address) as chan:
        stub = status_pb2_grpc.StatusServiceStub(chan)
        return await stub.GetStatus(status_pb2.StatusRequest(resource_name=resource), timeout=60)


async def _watch(address: str, resource: str) -> int:
    from ..inputs.direct_watch import event_line, quiet
    from ..proto import status_pb2, status_pb2_grpc
    from ..wire.dial import channel
    from ..wire.server import StopSignals

    with StopSignals(linger=False) as signals:
        async with channel(address) as chan:
            stub = status_pb2_grpc.StatusServiceStub(chan)
            stream = stub.WatchJobs(status_pb2.WatchRequest(resource_name=resource))

            async def follow() -> None:
                async for event in stream:
                    if event.kind != status_pb2.JobEvent.Kind.WATCHING and not quiet(event):
                        click.echo(event_line(event))

            follower = asyncio.ensure_future(follow())
            stop = asyncio.ensure_future(signals.wait())
            done, _ = await asyncio.wait({follower, stop}, return_when=asyncio.FIRST_COMPLETED)
            stream.cancel()
            for task in (follower, stop):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            if follower in done and follower.exception() is not None:
                raise follower.exception()  # type: ignore[misc]
    return 0


def _run_status(**kw: Any) -> None:
    ctx = click.get_current_context()
    global_options(ctx)
    validate(
        [
            check("--dest", kw["dest"], optional(printascii)),
            check("--output", kw["output"], required, oneof("text", "json")),
        ]
    )
    from ..inputs.forward import rpc_error_text
    from ..wire.dial import default_core_address

    try:
        address = default_core_address(kw["dest"])
    except FileNotFoundError as exc:
        raise CommandError(str(exc)) from None
    try:
        if kw["watch"]:
            ctx.exit(asyncio.run(_watch(address, kw["resource_name"])))
        reply = asyncio.run(_status(address, kw["resource_name"]))
    except grpc.aio.AioRpcError as exc:
        hint = (
            " (the Core has no status service: it needs this implementation's Core)"
            if exc.code() == grpc.StatusCode.UNIMPLEMENTED
            else ""
        )
        raise CommandError(rpc_error_text(exc, address) + hint) from None
    if kw["output"] == "json":
        click.echo(json.dumps(status_json(reply), ensure_ascii=False, indent=2))
    else:
        click.echo(status_text(reply))


status = Command(
    "status",
    short="show resources, cooldowns, recent jobs and handlers of a running Core",
    params=[
        Flag(["--dest"], default="", usage=DEST_HELP),
        Flag(["--resource-name"], default="", usage="only this resource definition"),
        Flag(["--output"], default="text", usage="text or json"),
        Flag(["--watch"], type_name="bool", usage="print each job event as it happens, until interrupted"),
    ],
    callback=_run_status,
)
