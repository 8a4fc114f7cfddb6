"""What the four parent handlers (ELB, GSLB, LoadBalancer, DNS) share: when they act.

| phase | resource under this parent type | action |
|---|---|---|
| PreHandle | instruction UPDATE (a Server about to change plan) | detach it (enabled := false) |
| PreHandle | instruction DELETE (a group member about to go) | remove it |
| PostHandle | result CREATED (a new group member) | add it |
| PostHandle | result UPDATED (a Server whose plan changed) | attach it (enabled := true) |
| any | anything else | IGNORED |
"""

from __future__ import annotations

import asyncio

from ...cloud.client import CloudClient
from ...proto import handler_pb2 as pb
from ..contract import Handler, HandleRequest, PostHandleRequest, Reporter, Step
from .intents import NO_INTENTS, IntentRecorder, Steps

Result = pb.PostHandleRequest.ResourceHandleResults


def go_bool(value: bool) -> str:
    return "true" if value else "false"


def nic_ips(server: pb.Server) -> set[str]:
    return {n.ip_address for n in server.assigned_network if n.ip_address}


class ParentServersHandler(Handler):
    """Dispatches PreHandle/PostHandle to attach/detach/add/remove for one parent type."""

    parent_kind = ""  # the `Parent.resource` case this handler looks after
    plain_servers = True  # whether a plain Server (not only a group member) is handled

    def __init__(self, client: CloudClient, intents: IntentRecorder = NO_INTENTS) -> None:
        self.client = client
        # A parent's member list is read, changed and written back whole: members of one job
        # handled in parallel take turns, or one would overwrite (or be refused for) another's.
        self._parent_lock = asyncio.Lock()
        self.intents = intents

    def _steps(self, request: HandleRequest | PostHandleRequest, step: Step, target: object) -> Steps:
        kind = "Server" if isinstance(target, pb.Server) else "ServerGroupInstance"
        return Steps(self.intents, request, step, kind)

    def _target(self, resource: pb.Resource) -> pb.Server | pb.ServerGroupInstance | None:
        kind = resource.WhichOneof("resource")
        target: pb.Server | pb.ServerGroupInstance
        if kind == "server" and self.plain_servers:
            target = resource.server
        elif kind == "server_group_instance":
            target = resource.server_group_instance
        else:
            return None
        if not target.HasField("parent") or target.parent.WhichOneof("resource") != self.parent_kind:
            return None
        return target

    async def pre_handle(self, request: HandleRequest, reporter: Reporter) -> None:
        target = self._target(request.desired)
        if target is not None and request.instruction == pb.UPDATE and isinstance(target, pb.Server):
            await reporter.accepted()
            async with self._parent_lock:
                await self.attach(target, False, reporter, self._steps(request, Step.PRE_HANDLE, target))
        elif (
            target is not None
            and request.instruction == pb.DELETE
            and isinstance(target, pb.ServerGroupInstance)
        ):
            await reporter.accepted()
            async with self._parent_lock:
                await self.remove(target, reporter, self._steps(request, Step.PRE_HANDLE, target))
        else:
            await reporter.ignored()

    async def post_handle(self, request: PostHandleRequest, reporter: Reporter) -> None:
        target = self._target(request.current)
        if (
            target is not None
            and request.result == Result.CREATED
            and isinstance(target, pb.ServerGroupInstance)
        ):
            await reporter.accepted()
            async with self._parent_lock:
                await self.add(target, reporter, self._steps(request, Step.POST_HANDLE, target))
        elif target is not None and request.result == Result.UPDATED and isinstance(target, pb.Server):
            await reporter.accepted()
            async with self._parent_lock:
                await self.attach(target, True, reporter, self._steps(request, Step.POST_HANDLE, target))
        else:
            await reporter.ignored()

    async def attach(self, server: pb.Server, enabled: bool, reporter: Reporter, steps: Steps) -> None:
        await reporter.ignored()

    async def add(self, instance: pb.ServerGroupInstance, reporter: Reporter, steps: Steps) -> None:
        await reporter.ignored()

    async def remove(self, instance: pb.ServerGroupInstance, reporter: Reporter, steps: Steps) -> None:
        await reporter.ignored()


async def first_nic_checks(
    instance: pb.ServerGroupInstance, reporter: Reporter, need_expose: bool = True
) -> pb.ServerGroupInstance.NIC | None:
    """NIC[0] of an instance, or None after reporting why it cannot be handled."""
    if not instance.network_interfaces:
        await reporter.ignored("instance has no NICs")
        return None
    nic = instance.network_interfaces[0]
    if need_expose and not nic.HasField("expose_info"):
        await reporter.ignored("instance.network_interface[0] has no expose info")
        return None
    return nic
