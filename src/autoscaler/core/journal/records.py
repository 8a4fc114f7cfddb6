"""What the journal keeps: jobs (the history), the resources each job handled, and the steps
builtin handlers took on the cloud (an intent before, an outcome after).

Plain values only, so that any storage (SQLite here; a shared database later) holds them as
they are. Times are timezone-aware (UTC).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..history import JobRecord

# The state of a step: recorded before it was taken; its outcome recorded; it raised.
INTENT = "intent"
DONE = "done"
FAILED = "failed"

# A job's recovery: none needed (yet); started and not finished; finished.
RECOVERY_NONE = ""
RECOVERY_PENDING = "pending"
RECOVERY_DONE = "done"

# The step recovery records its own actions under (the handlers' are PreHandle, Handle, PostHandle).
RECOVERY_STEP = "Recovery"


@dataclass(frozen=True)
class Owner:
    """The Core holding a journal: who a second Core is told about."""

    pid: int
    host: str
    address: str
    started_at: datetime

    def describe(self) -> str:
        since = self.started_at.strftime("%Y-%m-%d %H:%M:%S %Z")
        return f"pid {self.pid} on {self.host}, listening on {self.address}, since {since}"


@dataclass(frozen=True)
class ResourceEntry:
    """A resource a job started to handle (one per PreHandle/Handle/PostHandle round)."""

    run_id: str
    seq: int
    kind: str  # Server, ServerGroupInstance, EnhancedLoadBalancer, Router
    zone: str
    name: str
    cloud_id: str  # "" for a resource still to be created
    instruction: str  # CREATE, UPDATE, DELETE, NOOP
    handled: bool = False  # its PostHandle round ended

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.kind, self.zone, self.name)


@dataclass(frozen=True)
class StepEntry:
    """One cloud-changing step of a job, as recorded."""

    id: int
    run_id: str
    step: str  # PreHandle, Handle, PostHandle, Recovery
    kind: str
    zone: str
    target: str  # the name of the resource acted on
    cloud_id: str
    action: str
    detail: dict[str, Any] = field(default_factory=dict)
    state: str = INTENT
    outcome: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    at: datetime | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.kind, self.zone, self.target)


@dataclass(frozen=True)
class Interrupted:
    """A job the journal says did not end, or whose recovery did not finish."""

    job: JobRecord
    recovery: str
    resources: list[ResourceEntry]
    steps: list[StepEntry]
