"""`gslb-servers-handler`: keeps a GSLB's destination servers in step with its child servers."""

from __future__ import annotations

from ...cloud.encoding import to_id
from ...cloud.models import GSLB, GSLBServer
from ...proto import handler_pb2 as pb
from ..contract import Reporter
from .intents import Action, Steps
from .parents import ParentServersHandler, first_nic_checks, go_bool, nic_ips


class GSLBServersHandler(ParentServersHandler):
    parent_kind = "gslb"

    async def _update(self, gslb: GSLB) -> None:
        await self.client.gslb.update_settings(gslb.id, gslb.settings, gslb.settings_hash)

    async def attach(self, server: pb.Server, enabled: bool, reporter: Reporter, steps: Steps) -> None:
        await reporter.running()
        gslb = await self.client.gslb.read(to_id(server.parent.gslb.id))
        ips = nic_ips(server)
        target = ""
        for dest in gslb.servers:
            if dest.ip_address in ips:
                dest.enabled = enabled
                target = dest.ip_address
                await reporter.running(f"target server found: {{IPAddress: {target}}}")
        if not target:
            await reporter.done("target server not found")
            return
        what = f"{{Enabled:{go_bool(enabled)}, IPAddress:{target}}}"
        await reporter.running(f"updating...: {what}")
        action = Action.ATTACH if enabled else Action.DETACH
        async with steps.record(
            action, target=server.name, zone=server.zone, cloud_id=gslb.id, parent="GSLB", ip=target
        ):
            await self._update(gslb)
        await reporter.done(f"updated: {what}")

    async def add(self, instance: pb.ServerGroupInstance, reporter: Reporter, steps: Steps) -> None:
        await reporter.running()
        gslb = await self.client.gslb.read(to_id(instance.parent.gslb.id))
        nic = await first_nic_checks(instance, reporter)
        if nic is None:
            return
        ip = nic.assigned_network.ip_address
        if any(s.ip_address == ip for s in gslb.servers):
            await reporter.running(f"skipped: Server{{IP: {ip}}} already exists on GSLB")
        else:
            gslb.servers.append(GSLBServer(ip_address=ip, enabled=True, weight=nic.expose_info.weight))
            await reporter.running(f"added: Server{{IP: {ip}}}")
            await reporter.running("updating...")
            async with steps.record(
                Action.ADD, target=instance.name, zone=instance.zone, cloud_id=gslb.id, parent="GSLB", ip=ip
            ):
                await self._update(gslb)
            await reporter.running("updated")
        await reporter.done()

    async def remove(self, instance: pb.ServerGroupInstance, reporter: Reporter, steps: Steps) -> None:
        await reporter.running()
        gslb = await self.client.gslb.read(to_id(instance.parent.gslb.id))
        nic = await first_nic_checks(instance, reporter, need_expose=False)
        if nic is None:
            return
        ip = nic.assigned_network.ip_address
        kept = [s for s in gslb.servers if s.ip_address != ip]
        for _ in range(len(gslb.servers) - len(kept)):
            await reporter.running(f"deleted: Server{{IP: {ip}}}")
        if len(kept) != len(gslb.servers):
            gslb.settings.servers = kept
            await reporter.running("updating...")
            async with steps.record(
                Action.REMOVE,
                target=instance.name,
                zone=instance.zone,
                cloud_id=gslb.id,
                parent="GSLB",
                ip=ip,
            ):
                await self._update(gslb)
            await reporter.running("updated")
        await reporter.done()
