"""`elb-vertical-scaler`: change an ELB's plan (CPS)."""

from __future__ import annotations

from ...proto import handler_pb2 as pb
from ..contract import Handler, HandleRequest, Reporter
from .api import CloudOps, wire_id
from .power import grace_sleep, previous_id_tags

SETTING_KEYS = (
    "HealthCheck",
    "SorryServer",
    "BindPorts",
    "Servers",
    "Rules",
    "LetsEncrypt",
    "StickySession",
    "Timeout",
    "Gzip",
    "ProxyProtocol",
    "Syslog",
)


class ELBVerticalScaler(Handler):
    name = "elb-vertical-scaler"

    def __init__(self, ops: CloudOps) -> None:
        self.ops = ops

    async def handle(self, request: HandleRequest, reporter: Reporter) -> None:
        if request.desired.WhichOneof("resource") != "elb" or request.instruction != pb.UPDATE:
            await reporter.ignored()
            return
        desired = request.desired.elb
        await reporter.accepted()
        await reporter.running(f"plan changing...: {{Desired CPS:{desired.plan}}}")
        zone = self.ops.transport.default_zone
        elb = await self.ops.read("ProxyLB", None, desired.id)
        tags = previous_id_tags(list(elb.get("Tags") or []), desired.id)
        if tags is not None:
            settings = (elb.get("Settings") or {}).get("ProxyLB") or {}
            body = {
                "CommonServiceItem": {
                    "Settings": {"ProxyLB": {k: settings.get(k) for k in SETTING_KEYS if k in settings}},
                    "SettingsHash": elb.get("SettingsHash") or "",
                    "Name": elb.get("Name") or "",
                    "Description": elb.get("Description") or "",
                    "Tags": tags,
                    "Icon": {"ID": (elb.get("Icon") or {}).get("ID")}
                    if (elb.get("Icon") or {}).get("ID")
                    else {},
                }
            }
            await self.ops.call("PUT", zone, f"commonserviceitem/{desired.id}", body)
        region = str((elb.get("Status") or {}).get("Region") or "")
        kind = "anycast" if region == "anycast" else "plain"
        answer = await self.ops.call(
            "PUT",
            zone,
            f"commonserviceitem/{desired.id}/plan",
            {"CommonServiceItem": {"ServiceClass": f"cloud/proxylb/{kind}/{desired.plan}"}},
        )
        new_id = wire_id(answer.get("CommonServiceItem") or {}) or desired.id
        await grace_sleep(self.ops, request.setup_grace_period, reporter.running)
        await reporter.done(f"plan changed: {{ID:{new_id}, CPS:{desired.plan}}}")
