"""`router-vertical-scaler`: change a router's bandwidth."""

from __future__ import annotations

from ...cloud.client import CloudClient
from ...cloud.encoding import to_id
from ...cloud.plans import change_router_bandwidth
from ...proto import handler_pb2 as pb
from ..contract import Handler, HandleRequest, Reporter, Step
from .grace import grace_sleep
from .intents import NO_INTENTS, Action, IntentRecorder, Steps


class RouterVerticalScaler(Handler):
    def __init__(self, client: CloudClient, intents: IntentRecorder = NO_INTENTS) -> None:
        self.client = client
        self.intents = intents

    async def handle(self, request: HandleRequest, reporter: Reporter) -> None:
        if request.desired.WhichOneof("resource") != "router" or request.instruction != pb.UPDATE:
            await reporter.ignored()
            return
        desired = request.desired.router
        await reporter.accepted()
        await reporter.running(f"plan changing...: {{Desired BandWidth:{desired.band_width}Mbps}}")
        steps = Steps(self.intents, request, Step.HANDLE, "Router")
        async with steps.record(
            Action.CHANGE_PLAN,
            target=desired.name,
            zone=desired.zone,
            cloud_id=desired.id,
            plan_to={"band_width": desired.band_width},
        ) as outcome:
            router = await change_router_bandwidth(
                self.client, desired.zone, to_id(desired.id), desired.band_width
            )
            outcome["id"] = str(router.id)
        await grace_sleep(self.client, request.setup_grace_period, reporter.running)
        await reporter.done(f"plan changed: {{ID:{router.id}, BandWidth:{router.band_width_mbps}Mbps}}")
