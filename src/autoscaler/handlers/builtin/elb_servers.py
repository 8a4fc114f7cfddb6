"""`elb-servers-handler`: keeps an ELB's real servers in step with its child servers."""

from __future__ import annotations

from ...cloud.encoding import to_id
from ...cloud.models import ProxyLB, ProxyLBServer
from ...proto import handler_pb2 as pb
from ..contract import Reporter
from .intents import Action, Steps
from .parents import ParentServersHandler, first_nic_checks, go_bool, nic_ips


class ELBServersHandler(ParentServersHandler):
    parent_kind = "elb"

    async def _update(self, elb: ProxyLB) -> None:
        await self.client.elb.update_settings(elb.id, elb.settings, elb.settings_hash)

    async def attach(self, server: pb.Server, enabled: bool, reporter: Reporter, steps: Steps) -> None:
        await reporter.running()
        elb = await self.client.elb.read(to_id(server.parent.elb.id))
        ips = nic_ips(server)
        target = ""
        for real in elb.servers:
            if real.ip_address not in ips:
                continue
            group = real.server_group
            if not enabled and group:
                still_enabled = sum(1 for s in elb.servers if s.server_group == group and s.enabled)
                if still_enabled <= 1:
                    # The last enabled member of a server group is never disabled (the API refuses).
                    await reporter.done()
                    return
            real.enabled = enabled
            target = real.ip_address
            await reporter.running(f"found target server: {target}")
        if not target:
            await reporter.ignored("target server not found")
            return
        what = f"{{Enabled:{go_bool(enabled)}, IPAddress:{target}}}"
        await reporter.running(f"updating...: {what}")
        action = Action.ATTACH if enabled else Action.DETACH
        async with steps.record(
            action,
            target=server.name,
            zone=server.zone,
            cloud_id=elb.id,
            parent="EnhancedLoadBalancer",
            ip=target,
        ):
            await self._update(elb)
        await reporter.done(f"updated: {what}")

    async def _update_member(
        self,
        action: Action,
        instance: pb.ServerGroupInstance,
        nic: pb.ServerGroupInstance.NIC,
        elb: ProxyLB,
        reporter: Reporter,
        steps: Steps,
    ) -> None:
        """Send the ELB's changed real servers, recorded as one step for the group member."""
        await reporter.running("updating...")
        async with steps.record(
            action,
            target=instance.name,
            zone=instance.zone,
            cloud_id=elb.id,
            parent="EnhancedLoadBalancer",
            ip=nic.assigned_network.ip_address,
            ports=list(nic.expose_info.ports),
        ):
            await self._update(elb)
        await reporter.running("updated")

    async def add(self, instance: pb.ServerGroupInstance, reporter: Reporter, steps: Steps) -> None:
        await reporter.running()
        elb = await self.client.elb.read(to_id(instance.parent.elb.id))
        nic = await first_nic_checks(instance, reporter)
        if nic is None:
            return
        added = False
        if nic.HasField("assigned_network"):
            ip = nic.assigned_network.ip_address
            for port in nic.expose_info.ports:
                if any(s.ip_address == ip and s.port == port for s in elb.servers):
                    await reporter.running(f"skipped: Server{{IP: {ip}, Port:{port}}} already exists on ELB")
                    continue
                group = nic.expose_info.server_group_name
                elb.servers.append(ProxyLBServer(ip_address=ip, port=port, server_group=group, enabled=True))
                added = True
                await reporter.running(f"added: Server{{IP: {ip}, Port:{port}}}")
        if added:
            await self._update_member(Action.ADD, instance, nic, elb, reporter, steps)
        await reporter.done()

    async def remove(self, instance: pb.ServerGroupInstance, reporter: Reporter, steps: Steps) -> None:
        await reporter.running()
        elb = await self.client.elb.read(to_id(instance.parent.elb.id))
        nic = await first_nic_checks(instance, reporter)
        if nic is None:
            return
        removed = False
        if nic.HasField("assigned_network"):
            ip = nic.assigned_network.ip_address
            for port in nic.expose_info.ports:
                kept = []
                for real in elb.servers:
                    if real.ip_address == ip and real.port == port:
                        removed = True
                        await reporter.running(f"deleted: Server{{IP: {ip}, Port:{port}}}")
                    else:
                        kept.append(real)
                elb.settings.servers = kept
        if removed:
            await self._update_member(Action.REMOVE, instance, nic, elb, reporter, steps)
        await reporter.done()
