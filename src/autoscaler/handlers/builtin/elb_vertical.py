"""`elb-vertical-scaler`: change an ELB's plan (CPS)."""

from __future__ import annotations

from ...cloud.client import CloudClient
from ...cloud.encoding import to_id
from ...cloud.plans import change_elb_plan
from ...proto import handler_pb2 as pb
from ..contract import Handler, HandleRequest, Reporter, Step
from .grace import grace_sleep
from .intents import NO_INTENTS, Action, IntentRecorder, Steps


class ELBVerticalScaler(Handler):
    def __init__(self, client: CloudClient, intents: IntentRecorder = NO_INTENTS) -> None:
        self.client = client
        self.intents = intents

    async def handle(self, request: HandleRequest, reporter: Reporter) -> None:
        if request.desired.WhichOneof("resource") != "elb" or request.instruction != pb.UPDATE:
            await reporter.ignored()
            return
        desired = request.desired.elb
        await reporter.accepted()
        await reporter.running(f"plan changing...: {{Desired CPS:{desired.plan}}}")
        steps = Steps(self.intents, request, Step.HANDLE, "EnhancedLoadBalancer")
        async with steps.record(
            Action.CHANGE_PLAN,
            target=desired.name,
            zone="",
            cloud_id=desired.id,
            plan_to={"cps": desired.plan},
        ) as outcome:
            elb = await change_elb_plan(self.client, to_id(desired.id), desired.plan)
            outcome["id"] = str(elb.id)
        await grace_sleep(self.client, request.setup_grace_period, reporter.running)
        await reporter.done(f"plan changed: {{ID:{elb.id}, CPS:{desired.plan}}}")
