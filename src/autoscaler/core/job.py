"""Scaling jobs: one per resource name, their statuses and the cooldown that guards them."""

from __future__ import annotations

import asyncio
import math
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


UNACCEPTABLE = "job is in an unacceptable state"  # upstream's answer for busy or cooling down


def status_name(status: int) -> str:
    return str(request_pb2.ScalingJobStatus.Name(status))  # type: ignore[arg-type]


class Refusal(str):
    """Why a request was not taken: the Core's answer as upstream words it (the string itself),
    and the reason behind it for the log, the response's trailing metadata and the status view.

    `kind` is `cooldown` (with `remaining` seconds), `running` or `stopping`. Being a string, it
    goes wherever the bare answer went before.
    """

    kind: str
    remaining: float

    def __new__(cls, message: str, kind: str, remaining: float = 0.0) -> Refusal:
        refusal = super().__new__(cls, message)
        refusal.kind = kind
        refusal.remaining = remaining
        return refusal


def whole_seconds(seconds: float) -> int:
    """Seconds shown to people and clients, rounded up so that 0 means "none left"."""
    return math.ceil(seconds)


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
        return self.refusal(request_type, last_modified, now) is None

    def refusal(
        self, request_type: RequestType, last_modified: datetime | None, now: datetime | None = None
    ) -> Refusal | None:
        """Why a request of this type would not be accepted now; None when it would be."""
        if self.busy:
            return Refusal(UNACCEPTABLE, "running")
        left = self.remaining(request_type, last_modified, now)
        return Refusal(UNACCEPTABLE, "cooldown", left) if left > 0 else None

    def in_cooldown(
        self, request_type: RequestType, last_modified: datetime | None, now: datetime | None = None
    ) -> bool:
        return self.remaining(request_type, last_modified, now) > 0

    def remaining(
        self, request_type: RequestType, last_modified: datetime | None, now: datetime | None = None
    ) -> float:
        """Seconds of cooldown left for a request of this type; 0 when there is none.

        The cooldown follows only a DONE job and counts from the cloud's last change.
        """
        if self.status != DONE or last_modified is None:
            return 0.0
        now = now or datetime.now(UTC)
        end = last_modified + timedelta(seconds=self.cooldown.seconds(request_type.label))
        return max(0.0, (end - now).total_seconds())
