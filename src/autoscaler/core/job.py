"""Scaling jobs: one per resource name, their statuses and the cooldown that guards them."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from ..proto import request_pb2
from .config.model import Cooldown
from .request import RequestType

JobStatus = request_pb2.ScalingJobStatus
ACCEPTED = request_pb2.JOB_ACCEPTED
RUNNING = request_pb2.JOB_RUNNING
DONE = request_pb2.JOB_DONE
CANCELED = request_pb2.JOB_CANCELED
IGNORED = request_pb2.JOB_IGNORED
FAILED = request_pb2.JOB_FAILED
DONE_NOOP = request_pb2.JOB_DONE_NOOP


def status_name(status: int) -> str:
    return str(request_pb2.ScalingJobStatus.Name(status))  # type: ignore[arg-type]


class Job:
    """The state of the scaling job of one resource name.

    A new job starts as DONE so that the cooldown also applies to the first request after a
    restart (the cloud's last-modified time is the reference, not the job's history).
    """

    def __init__(self, job_id: str, cooldown: Cooldown) -> None:
        self.id = job_id
        self.status: int = DONE
        self.cooldown = cooldown
        self.task: asyncio.Task[int] | None = None  # the running job, tracked for shutdown

    @property
    def busy(self) -> bool:
        return self.status in (ACCEPTED, RUNNING)

    def acceptable(
        self, request_type: RequestType, last_modified: datetime | None, now: datetime | None = None
    ) -> bool:
        if self.busy:
            return False
        return not self.in_cooldown(request_type, last_modified, now)

    def in_cooldown(
        self, request_type: RequestType, last_modified: datetime | None, now: datetime | None = None
    ) -> bool:
        if self.status != DONE or last_modified is None:
            return False
        now = now or datetime.now(UTC)
        seconds = self.cooldown.seconds(request_type.label)
        return last_modified > now - timedelta(seconds=seconds)
