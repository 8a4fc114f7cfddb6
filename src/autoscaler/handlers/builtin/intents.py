"""What a builtin handler tells before and after each step that changes the cloud.

The Core keeps a journal of these records so that a job cut short (the process killed, the
API down past its retries) can be finished or undone later. This module is the handler side
of that contract; it knows nothing of where the records go (handlers never import the Core):

    steps = Steps(self.intents, request, Step.HANDLE, "Server")
    async with steps.record(Action.SHUTDOWN, target=name, zone=zone, cloud_id=server_id) as outcome:
        await shutdown_server(...)
    async with steps.record(Action.CHANGE_PLAN, target=name, zone=zone, cloud_id=old_id, to=...) as outcome:
        new = await change_server_plan(...)
        outcome["id"] = new.id          # kept with the record once the block ends

The record of the intent is written (and durable) before the block runs; the outcome after it
ends. A block that raises records the failure and re-raises. Without a recorder (`NO_INTENTS`)
nothing is written.
"""

from __future__ import annotations

import contextlib
import enum
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..contract import HandleRequest, PostHandleRequest, Step


class Action(enum.StrEnum):
    """The cloud-changing steps of the builtin handlers."""

    DETACH = "detach"  # a parent's entry for a server disabled (enabled := false)
    ATTACH = "attach"  # ... enabled again
    REMOVE = "remove"  # a group member's entries taken off a parent (it is about to go)
    ADD = "add"  # a new group member's entries put on a parent
    SHUTDOWN = "shutdown"
    CHANGE_PLAN = "change_plan"
    BOOT = "boot"
    CREATE_SERVER = "create_server"
    CONFIGURE_SERVER = "configure_server"  # NIC packet filters and addresses, the CD-ROM
    CREATE_NOTE = "create_note"  # a startup script, kept only until the disk is ready
    CREATE_DISK = "create_disk"
    DELETE_NOTE = "delete_note"
    DELETE_SERVER = "delete_server"  # with its disks


@dataclass(frozen=True)
class Intent:
    """One step about to be taken.

    `job` and `resource` are the request's `scaling_job_id` and `resource_name`; `kind` is the
    type of the resource being handled (`Server`, `ServerGroupInstance`, ...) and `target` its
    name; `cloud_id` the ID the step acts on ("" when it creates something); `detail` what is
    needed to understand or undo it (plain JSON values: never a password or a script).
    """

    job: str
    resource: str
    step: str  # PreHandle, Handle, PostHandle
    kind: str
    action: Action
    target: str
    zone: str
    cloud_id: str
    detail: Mapping[str, Any] = field(default_factory=dict)


class IntentRecorder(Protocol):
    async def intent(self, intent: Intent) -> int:
        """Record `intent` durably before the step is taken; a mark for its outcome."""
        ...

    async def outcome(self, mark: int, outcome: Mapping[str, Any]) -> None:
        """The step of `mark` completed (new IDs in `outcome`)."""
        ...

    async def failure(self, mark: int, error: str) -> None:
        """The step of `mark` failed with `error`."""
        ...


class NoIntents:
    """Records nothing (a Core without a journal)."""

    async def intent(self, intent: Intent) -> int:
        return 0

    async def outcome(self, mark: int, outcome: Mapping[str, Any]) -> None:
        return None

    async def failure(self, mark: int, error: str) -> None:
        return None


NO_INTENTS: IntentRecorder = NoIntents()


@contextlib.asynccontextmanager
async def recorded(recorder: IntentRecorder, intent: Intent) -> AsyncIterator[dict[str, Any]]:
    """`intent` recorded before the block, its outcome (what the block put in the dict) or its
    failure after it; the block's exception goes on."""
    mark = await recorder.intent(intent)
    outcome: dict[str, Any] = {}
    try:
        yield outcome
    except Exception as exc:
        from ...cloud.errors import message_of  # here: the registry's importers stay light

        await recorder.failure(mark, message_of(exc) or type(exc).__name__)
        raise
    await recorder.outcome(mark, outcome)


# The resource types as the Core names them, by the `Resource` case of handler.proto.
KINDS = {
    "server": "Server",
    "server_group_instance": "ServerGroupInstance",
    "elb": "EnhancedLoadBalancer",
    "router": "Router",
}


class Steps:
    """The records of one handler call: the request and step are filled in for each."""

    def __init__(
        self,
        recorder: IntentRecorder,
        request: HandleRequest | PostHandleRequest,
        step: Step,
        kind: str,
    ) -> None:
        self.recorder = recorder
        self.request = request
        self.step = step
        self.kind = kind

    @contextlib.asynccontextmanager
    async def record(
        self, action: Action, *, target: str, zone: str, cloud_id: int | str, **detail: Any
    ) -> AsyncIterator[dict[str, Any]]:
        intent = Intent(
            job=self.request.scaling_job_id,
            resource=self.request.resource_name,
            step=self.step.method,
            kind=self.kind,
            action=action,
            target=target,
            zone=zone,
            cloud_id=str(cloud_id) if cloud_id else "",
            detail=detail,
        )
        async with recorded(self.recorder, intent) as outcome:
            yield outcome
