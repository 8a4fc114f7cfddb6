"""`router-vertical-scaler`: change a router's bandwidth."""

from __future__ import annotations

from ...proto import handler_pb2 as pb
from ..contract import Handler, HandleRequest, Reporter
from .api import CloudOps, wire_id
from .power import grace_sleep, previous_id_tags


class RouterVerticalScaler(Handler):
    name = "router-vertical-scaler"

    def __init__(self, ops: CloudOps) -> None:
        self.ops = ops

    async def handle(self, request: HandleRequest, reporter: Reporter) -> None:
        if request.desired.WhichOneof("resource") != "router" or request.instruction != pb.UPDATE:
            await reporter.ignored()
            return
        desired = request.desired.router
        zone = desired.zone
        await reporter.accepted()
        await reporter.running(f"plan changing...: {{Desired BandWidth:{desired.band_width}Mbps}}")
        router = await self.ops.read("Internet", zone, desired.id)
        tags = previous_id_tags(list(router.get("Tags") or []), desired.id)
        if tags is not None:
            icon = (router.get("Icon") or {}).get("ID")
            body = {
                "Internet": {
                    "Name": router.get("Name") or "",
                    "Description": router.get("Description") or "",
                    "Tags": tags,
                    "Icon": {"ID": icon} if icon else {},
                }
            }
            await self.ops.call("PUT", zone, f"internet/{desired.id}", body)
        answer = await self.ops.call(
            "PUT",
            zone,
            f"internet/{desired.id}/bandwidth",
            {"Internet": {"BandWidthMbps": desired.band_width}},
        )
        changed = answer.get("Internet") or {}
        new_id = wire_id(changed) or desired.id
        await grace_sleep(self.ops, request.setup_grace_period, reporter.running)
        await reporter.done(
            f"plan changed: {{ID:{new_id}, BandWidth:{changed.get('BandWidthMbps', desired.band_width)}Mbps}}"
        )
