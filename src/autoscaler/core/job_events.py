"""Job events for live watchers (`StatusService/WatchJobs`), as a job reporter.

Every event is offered to each watcher's own bounded queue and never waited on: a watcher that
reads too slowly loses its oldest events (and is told how many), it never slows a job down.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from ..handlers.contract import HandleResponse
from ..log import Logger
from ..proto import status_pb2
from .job import IGNORED, Job, Refusal, status_name, whole_seconds
from .reporter import JobReporter
from .request import RequestInfo

Event = status_pb2.JobEvent
Kind = status_pb2.JobEvent.Kind
QUEUE_SIZE = 1024
_CLOSED = object()


class Watcher:
    """One watcher's queue of events, for the resource it asked about (None: every one)."""

    def __init__(self, hub: JobEvents, resource: str | None, size: int) -> None:
        self.hub = hub
        self.resource = resource
        self._queue: asyncio.Queue[Any] = asyncio.Queue(size)
        self._lost = 0

    def offer(self, event: Event | object) -> None:
        if isinstance(event, Event) and self.resource is not None and event.resource_name != self.resource:
            return
        if self._queue.full():
            self._queue.get_nowait()  # the oldest goes
            self._lost += 1
        self._queue.put_nowait(event)

    def __aiter__(self) -> Watcher:
        return self

    async def __anext__(self) -> Event:
        item = await self._queue.get()
        if item is _CLOSED:
            raise StopAsyncIteration
        assert isinstance(item, Event)
        if self._lost:
            # What was lost was older than anything still queued: it came just before this one.
            stamped = Event()
            stamped.CopyFrom(item)
            stamped.dropped, self._lost = self._lost, 0
            return stamped
        return item

    def __enter__(self) -> Watcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.hub.watchers.discard(self)


class JobEvents(JobReporter):
    """Fans every job event out to any number of watchers."""

    def __init__(self, queue_size: int = QUEUE_SIZE) -> None:
        self.queue_size = queue_size
        self.watchers: set[Watcher] = set()
        self.closed = False

    def watch(self, resource: str | None = None) -> Watcher:
        """A new watcher (use it as a context manager so it is removed when done)."""
        watcher = Watcher(self, resource, self.queue_size)
        if self.closed:
            watcher.offer(_CLOSED)
        else:
            self.watchers.add(watcher)
        return watcher

    def close(self) -> None:
        """End every watch (the Core is stopping)."""
        self.closed = True
        for watcher in list(self.watchers):
            watcher.offer(_CLOSED)
        self.watchers.clear()

    def _publish(self, kind: int, job: Job, logger: Logger, **fields: Any) -> None:
        if not self.watchers:
            return
        bound = logger.bound
        event = Event(
            kind=kind,  # type: ignore[arg-type]
            resource_name=job.id,
            request=str(bound.get("request", "")),
            source=str(bound.get("source", "")),
            **fields,
        )
        event.time.FromDatetime(datetime.now(UTC))
        if "type" in bound:
            event.resource.type = str(bound["type"])
            event.resource.id = str(bound.get("id", ""))
            event.resource.name = str(bound.get("name", ""))
            event.resource.zone = str(bound.get("zone", ""))
        for watcher in list(self.watchers):
            watcher.offer(event)

    def ignored(self, job: Job, reason: str, logger: Logger) -> None:
        kind = reason.kind if isinstance(reason, Refusal) else ""
        remaining = whole_seconds(reason.remaining) if isinstance(reason, Refusal) else 0
        self._publish(
            Kind.IGNORED,
            job,
            logger,
            status=status_name(IGNORED),
            reason=kind,
            message=str(reason),
            cooldown_remaining=remaining,
        )

    def canceled(self, job: Job, error: str, logger: Logger) -> None:
        self._publish(Kind.CANCELED, job, logger, status=status_name(job.status), error=error)

    def accepted(self, job: Job, request: RequestInfo, logger: Logger) -> None:
        self._publish(Kind.ACCEPTED, job, logger, status=status_name(job.status))

    def running(self, job: Job, logger: Logger) -> None:
        self._publish(Kind.RUNNING, job, logger, status=status_name(job.status))

    def progress(self, job: Job, elapsed: int, logger: Logger) -> None:
        self._publish(Kind.PROGRESS, job, logger, status=status_name(job.status), elapsed_seconds=elapsed)

    def handler_response(self, job: Job, response: HandleResponse, builtin: bool, logger: Logger) -> None:
        bound = logger.bound
        self._publish(
            Kind.HANDLER_RESPONSE,
            job,
            logger,
            status=HandleResponse.Status.Name(response.status),
            step=str(bound.get("step", "")),
            handler=str(bound.get("handler", "")),
            log=response.log,
        )

    def finished(self, job: Job, status: int, error: str | None, logger: Logger) -> None:
        self._publish(Kind.FINISHED, job, logger, status=status_name(status), error=error or "")


def watching_event(resource: str) -> Event:
    """The first event of every watch: from now on, nothing is missed."""
    event = Event(kind=Kind.WATCHING, resource_name=resource)
    event.time.FromDatetime(datetime.now(UTC))
    return event
