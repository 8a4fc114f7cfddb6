"""`load-balancer-servers-handler`: keeps a LoadBalancer's real servers in step with its children.

Every settings update is followed by `LoadBalancer.Config`, which applies it.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from ...proto import handler_pb2 as pb
from ..contract import Reporter
from .api import CloudOps, Wire
from .parents import ParentServersHandler, go_bool, nic_ips


def _candidate_vips(
    vips: list[dict[str, Any]], expose: pb.ServerGroupInstance.ExposeInfo | None
) -> list[dict[str, Any]]:
    """The LB's VIPs a NIC is exposed on: those listed in `expose.vips`, or all of them."""
    if expose is None or not expose.vips:
        return vips
    wanted = set(expose.vips)
    return [v for v in vips if v.get("VirtualIPAddress") in wanted]


def _port(value: Any) -> int:
    try:
        return int(str(value))
    except ValueError:
        return -1


class LoadBalancerServersHandler(ParentServersHandler):
    name = "load-balancer-servers-handler"

    def __init__(self, ops: CloudOps) -> None:
        self.ops = ops

    parent_kind = "load_balancer"

    async def _read(self, parent: pb.LoadBalancer) -> tuple[Wire, list[dict[str, Any]]]:
        lb = await self.ops.read("LoadBalancer", parent.zone, parent.id)
        vips = [dict(v) for v in (lb.get("Settings") or {}).get("LoadBalancer") or [] if v is not None]
        for vip in vips:
            vip["Servers"] = [dict(s) for s in vip.get("Servers") or [] if s is not None]
        return lb, vips

    async def _update(self, parent: pb.LoadBalancer, lb: Wire, vips: list[dict[str, Any]]) -> None:
        settings = []
        for vip in vips:
            entry = {k: v for k, v in vip.items() if v not in ("", None) or k == "Description"}
            entry["Servers"] = vip.get("Servers") or []
            entry.setdefault("Description", "")
            settings.append(entry)
        body = {
            "Appliance": {
                "Settings": {"LoadBalancer": settings},
                "SettingsHash": lb.get("SettingsHash") or "",
            }
        }
        await self.ops.call("PUT", parent.zone, f"appliance/{parent.id}", body)
        await self.ops.call("PUT", parent.zone, f"appliance/{parent.id}/config")

    async def attach(self, server: pb.Server, enabled: bool, reporter: Reporter) -> None:
        await reporter.running()
        parent = server.parent.load_balancer
        lb, vips = await self._read(parent)
        ips = nic_ips(server)
        target = ""
        for vip in vips:
            for real in vip["Servers"]:
                if real.get("IPAddress") in ips:
                    real["Enabled"] = "True" if enabled else "False"
                    target = str(real.get("IPAddress"))
                    await reporter.running(f"target server found: {target}")
        if not target:
            await reporter.done("target server not found")
            return
        what = f"{{Enabled:{go_bool(enabled)}, IPAddress:{target}}}"
        await reporter.running(f"updating...: {what}")
        await self._update(parent, lb, vips)
        await reporter.done(f"updated: {what}")

    async def add(self, instance: pb.ServerGroupInstance, reporter: Reporter) -> None:
        await reporter.running()
        parent = instance.parent.load_balancer
        lb, vips = await self._read(parent)
        if not instance.network_interfaces:
            await reporter.ignored("instance has no NICs")
            return
        mask = int(((lb.get("Remark") or {}).get("Network") or {}).get("NetworkMaskLen") or 0)
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
                for vip in _candidate_vips(vips, nic.expose_info):
                    address = str(vip.get("VirtualIPAddress") or "")
                    try:
                        network = ipaddress.ip_network(f"{address}/{mask}", strict=False)
                        inside = ipaddress.ip_address(ip) in network
                    except ValueError as exc:
                        raise RuntimeError(f"invalid VIP {address!r} or address {ip!r}: {exc}") from None
                    if not inside or _port(vip.get("Port")) != port:
                        continue
                    shown = f"Server{{VIP:{address}, IP: {ip}, Port:{port}}}"
                    if any(s.get("IPAddress") == ip for s in vip["Servers"]):
                        await reporter.running(f"skipped: {shown} already exists on ELB")
                        continue
                    check: dict[str, Any] = {"Protocol": health.protocol}
                    if health.path:
                        check["Path"] = health.path
                    if health.status_code:
                        check["Status"] = str(health.status_code)
                    vip["Servers"].append(
                        {"IPAddress": ip, "Port": str(port), "Enabled": "True", "HealthCheck": check}
                    )
                    added = True
                    await reporter.running(f"added: {shown}")
        if added:
            await reporter.running("updating...")
            await self._update(parent, lb, vips)
            await reporter.running("updated")
        await reporter.done()

    async def remove(self, instance: pb.ServerGroupInstance, reporter: Reporter) -> None:
        await reporter.running()
        parent = instance.parent.load_balancer
        lb, vips = await self._read(parent)
        if not instance.network_interfaces:
            await reporter.ignored("instance has no NICs")
            return
        removed = False
        for nic in instance.network_interfaces:
            if not nic.HasField("expose_info") or not nic.HasField("assigned_network"):
                continue
            ip = nic.assigned_network.ip_address
            for port in nic.expose_info.ports:
                for vip in _candidate_vips(vips, nic.expose_info):
                    kept = []
                    for real in vip["Servers"]:
                        if real.get("IPAddress") == ip and _port(real.get("Port")) == port:
                            removed = True
                            address = vip.get("VirtualIPAddress") or ""
                            await reporter.running(f"deleted: Server{{VIP:{address}, IP: {ip}, Port:{port}}}")
                        else:
                            kept.append(real)
                    vip["Servers"] = kept
        if removed:
            await reporter.running("updating...")
            await self._update(parent, lb, vips)
            await reporter.running("updated")
        await reporter.done()
