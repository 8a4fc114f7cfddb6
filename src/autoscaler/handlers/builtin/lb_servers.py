"""`load-balancer-servers-handler`: keeps a LoadBalancer's real servers in step with its children.

Every settings update is followed by `LoadBalancer.Config`, which applies it.
"""

from __future__ import annotations

import ipaddress

from ...cloud.encoding import to_id
from ...cloud.models import LBHealthCheck, LBServer, LBVirtualIP, LoadBalancer
from ...proto import handler_pb2 as pb
from ..contract import Reporter
from .intents import Action, Steps
from .parents import ParentServersHandler, go_bool, nic_ips


def _candidate_vips(
    vips: list[LBVirtualIP], expose: pb.ServerGroupInstance.ExposeInfo | None
) -> list[LBVirtualIP]:
    """The LB's VIPs a NIC is exposed on: those listed in `expose.vips`, or all of them."""
    if expose is None or not expose.vips:
        return vips
    wanted = set(expose.vips)
    return [v for v in vips if v.virtual_ip_address in wanted]


def _inside(ip: str, vip: str, mask: int) -> bool:
    try:
        return ipaddress.ip_address(ip) in ipaddress.ip_network(f"{vip}/{mask}", strict=False)
    except ValueError as exc:
        raise RuntimeError(f"invalid VIP {vip!r} or address {ip!r}: {exc}") from None


class LoadBalancerServersHandler(ParentServersHandler):
    parent_kind = "load_balancer"

    async def _read(self, parent: pb.LoadBalancer) -> LoadBalancer:
        return await self.client.load_balancers.read(parent.zone, to_id(parent.id))

    async def _update(self, parent: pb.LoadBalancer, lb: LoadBalancer) -> None:
        await self.client.load_balancers.update_settings(parent.zone, lb.id, lb.settings, lb.settings_hash)
        await self.client.load_balancers.config(parent.zone, lb.id)

    async def attach(self, server: pb.Server, enabled: bool, reporter: Reporter, steps: Steps) -> None:
        await reporter.running()
        parent = server.parent.load_balancer
        lb = await self._read(parent)
        ips = nic_ips(server)
        target = ""
        for vip in lb.settings:
            for real in vip.servers:
                if real.ip_address in ips:
                    real.enabled = enabled
                    target = real.ip_address
                    await reporter.running(f"target server found: {target}")
        if not target:
            await reporter.done("target server not found")
            return
        what = f"{{Enabled:{go_bool(enabled)}, IPAddress:{target}}}"
        await reporter.running(f"updating...: {what}")
        action = Action.ATTACH if enabled else Action.DETACH
        async with steps.record(
            action, target=server.name, zone=server.zone, cloud_id=lb.id, parent="LoadBalancer", ip=target
        ):
            await self._update(parent, lb)
        await reporter.done(f"updated: {what}")

    async def add(self, instance: pb.ServerGroupInstance, reporter: Reporter, steps: Steps) -> None:
        await reporter.running()
        parent = instance.parent.load_balancer
        lb = await self._read(parent)
        if not instance.network_interfaces:
            await reporter.ignored("instance has no NICs")
            return
        added = False
        for nic in instance.network_interfaces:
            if (
                not nic.HasField("expose_info")
                or not nic.expose_info.ports
                or not nic.HasField("assigned_network")
            ):
                continue
            ip = nic.assigned_network.ip_address
            health = nic.expose_info.health_check
            for port in nic.expose_info.ports:
                for vip in _candidate_vips(lb.settings, nic.expose_info):
                    address = vip.virtual_ip_address
                    if not _inside(ip, address, lb.network_mask_len) or vip.port != port:
                        continue
                    shown = f"Server{{VIP:{address}, IP: {ip}, Port:{port}}}"
                    if any(s.ip_address == ip for s in vip.servers):
                        await reporter.running(f"skipped: {shown} already exists on ELB")
                        continue
                    check = LBHealthCheck(
                        protocol=health.protocol, path=health.path, status=health.status_code
                    )
                    vip.servers.append(LBServer(ip_address=ip, port=port, enabled=True, health_check=check))
                    added = True
                    await reporter.running(f"added: {shown}")
        if added:
            await reporter.running("updating...")
            async with steps.record(
                Action.ADD, target=instance.name, zone=instance.zone, cloud_id=lb.id, parent="LoadBalancer"
            ):
                await self._update(parent, lb)
            await reporter.running("updated")
        await reporter.done()

    async def remove(self, instance: pb.ServerGroupInstance, reporter: Reporter, steps: Steps) -> None:
        await reporter.running()
        parent = instance.parent.load_balancer
        lb = await self._read(parent)
        if not instance.network_interfaces:
            await reporter.ignored("instance has no NICs")
            return
        removed = False
        for nic in instance.network_interfaces:
            if not nic.HasField("expose_info") or not nic.HasField("assigned_network"):
                continue
            ip = nic.assigned_network.ip_address
            for port in nic.expose_info.ports:
                for vip in _candidate_vips(lb.settings, nic.expose_info):
                    kept = []
                    for real in vip.servers:
                        if real.ip_address == ip and real.port == port:
                            removed = True
                            address = vip.virtual_ip_address
                            await reporter.running(f"deleted: Server{{VIP:{address}, IP: {ip}, Port:{port}}}")
                        else:
                            kept.append(real)
                    vip.servers = kept
        if removed:
            await reporter.running("updating...")
            async with steps.record(
                Action.REMOVE, target=instance.name, zone=instance.zone, cloud_id=lb.id, parent="LoadBalancer"
            ):
                await self._update(parent, lb)
            await reporter.running("updated")
        await reporter.done()
