"""What the Core hands to handlers for one cloud resource: a computed value.

A definition resolves to resources (a server, an ELB, a group member...); each resource is
computed into its identity (type, ID, name, zone), an instruction (CREATE/UPDATE/DELETE/NOOP)
and the desired and current payloads of `handler.proto`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Protocol

from ...proto import handler_pb2 as pb

Instruction = pb.ResourceInstructions
CREATE = pb.CREATE
UPDATE = pb.UPDATE
DELETE = pb.DELETE
NOOP = pb.NOOP
Result = pb.PostHandleRequest.ResourceHandleResults


class ResourceType(enum.IntEnum):
    UNKNOWN = 0
    SERVER = 1
    SERVER_GROUP = 2
    SERVER_GROUP_INSTANCE = 3
    ELB = 4
    GSLB = 5
    DNS = 6
    ROUTER = 7
    LOAD_BALANCER = 8

    def __str__(self) -> str:
        # logfmt shows the name, JSON the number, as upstream's slog output does.
        return _TYPE_NAMES[self.value]


_TYPE_NAMES = (
    "unknown",
    "Server",
    "ServerGroup",
    "ServerGroupInstance",
    "EnhancedLoadBalancer",
    "GSLB",
    "DNS",
    "Router",
    "LoadBalancer",
)


@dataclass
class Computed:
    type: ResourceType
    id: str  # "" when not created yet
    name: str
    zone: str  # "" for global resources
    instruction: int
    grace: int  # setup grace period, seconds
    desired: pb.Resource = field(default_factory=pb.Resource)
    current: pb.Resource = field(default_factory=pb.Resource)
    gone: bool = False  # refreshed after a delete and no longer in the cloud


class Resource(Protocol):
    """One cloud resource of a definition, able to compute itself (again, after handling)."""

    async def compute(self, refresh: bool) -> Computed: ...

    def label(self) -> str:
        """Its node in the `resources` tree."""
        ...

    def parent_label(self) -> str | None: ...


def handle_result(before: Computed, after: Computed) -> int:
    """PostHandle's `result` from the values before handling and after the refresh."""
    if after.instruction != NOOP:
        return Result.UNKNOWN
    if after.gone or after.id == "":
        return Result.DELETED
    if after.id == before.id:
        return Result.UPDATED if before.instruction == UPDATE else Result.UNKNOWN
    if before.id == "":
        return Result.CREATED
    return Result.UPDATED if before.instruction == UPDATE else Result.UNKNOWN
