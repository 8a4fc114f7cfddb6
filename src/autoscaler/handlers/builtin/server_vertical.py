"""`server-vertical-scaler`: change a server's plan (shut down, change, boot again)."""

from __future__ import annotations

from ...cloud.client import CloudClient
from ...cloud.encoding import to_id
from ...cloud.ops.servers import PlanChange
from ...cloud.plans import change_server_plan
from ...cloud.power import boot_server, shutdown_server
from ...proto import handler_pb2 as pb
from ..contract import Handler, HandleRequest, Reporter, Step
from .grace import grace_sleep
from .intents import NO_INTENTS, Action, IntentRecorder, Steps


def commitment(dedicated_cpu: bool) -> str:
    return "dedicatedcpu" if dedicated_cpu else "standard"


class ServerVerticalScaler(Handler):
    def __init__(self, client: CloudClient, intents: IntentRecorder = NO_INTENTS) -> None:
        self.client = client
        self.intents = intents

    async def handle(self, request: HandleRequest, reporter: Reporter) -> None:
        if request.desired.WhichOneof("resource") != "server" or request.instruction != pb.UPDATE:
            await reporter.ignored()
            return
        desired = request.desired.server
        zone, server_id = desired.zone, to_id(desired.id)
        await reporter.accepted()
        await reporter.running()
        steps = Steps(self.intents, request, Step.HANDLE, "Server")
        name = desired.name
        current = await self.client.servers.read(zone, server_id)
        was_up = current.is_up
        if was_up:
            await reporter.running("shutting down...")
            async with steps.record(
                Action.SHUTDOWN, target=name, zone=zone, cloud_id=server_id, force=desired.shutdown_force
            ):
                await shutdown_server(self.client, zone, server_id, force=desired.shutdown_force)
            await reporter.running("shut down")
        await reporter.running(f"plan changing: {{Core:{desired.core}, Memory:{desired.memory}}}")
        plan = PlanChange(
            cpu=desired.core,
            memory_mb=desired.memory * 1024,
            gpu=desired.gpu,
            cpu_model=desired.cpu_model,
            commitment=commitment(desired.dedicated_cpu),
        )
        async with steps.record(
            Action.CHANGE_PLAN,
            target=name,
            zone=zone,
            cloud_id=server_id,
            was_up=was_up,
            plan_from={"core": current.cpu, "memory": current.memory_gb},
            plan_to={
                "core": plan.cpu,
                "memory": desired.memory,
                "gpu": plan.gpu,
                "cpu_model": plan.cpu_model,
                "commitment": plan.commitment,
            },
        ) as outcome:
            new = await change_server_plan(self.client, zone, server_id, plan)
            outcome["id"] = str(new.id)
        await reporter.running(f"plan changed: {{ServerIDFrom:{server_id}, ServerIDTo:{new.id}}}")
        if was_up:
            await reporter.running("starting...")
            async with steps.record(Action.BOOT, target=name, zone=zone, cloud_id=new.id):
                await boot_server(self.client, zone, new.id)
            await reporter.running("started")
        await grace_sleep(self.client, request.setup_grace_period, reporter.running)
        await reporter.done()
