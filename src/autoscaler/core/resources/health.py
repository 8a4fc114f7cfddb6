"""Is a ServerGroup member healthy? What Keep (auto-healing) asks before replacing it.

A member is healthy when it is up and, under an ELB or a LoadBalancer parent, the parent's
health report says each of its exposed addresses is up. GSLB and DNS parents are not asked.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from ..cloudops import CloudOps, Wire, wire_id
from .parent import ParentResource
from .template import NICTemplate
from .wire import assigned_networks, status_of


class Check(NamedTuple):
    vip: str
    ip: str
    port: int


def health_checks(record: Wire, nic_templates: Sequence[NICTemplate]) -> list[Check]:
    """(VIP, IP, port) for every exposed port (and VIP) of the member's NICs."""
    checks: list[Check] = []
    networks = assigned_networks(record)
    nics = [n for n in record.get("Interfaces") or [] if n is not None]
    for i, nic in enumerate(nics):
        if i >= len(nic_templates) or nic_templates[i].expose is None:
            continue
        expose = nic_templates[i].expose
        assert expose is not None
        ip = str(nic.get("UserIPAddress") or "") or (networks[i].ip_address if i < len(networks) else "")
        for port in expose.ports or [0]:
            for vip in expose.vips or [""]:
                checks.append(Check(vip, ip, int(port)))
    return checks


def _port(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        return -1


def _up(entry: Wire) -> bool:
    return str(entry.get("Status") or "").lower() == "up"


async def member_healthy(
    ops: CloudOps, record: Wire, parent: ParentResource | None, nic_templates: Sequence[NICTemplate]
) -> bool:
    if status_of(record).lower() != "up":
        return False
    if parent is None or parent.definition.type in ("GSLB", "DNS"):
        return True
    checks = health_checks(record, nic_templates)
    parent_id = wire_id(parent.record)
    if parent.definition.type == "EnhancedLoadBalancer":
        try:
            answer = await ops.call(
                "GET", ops.transport.default_zone, f"commonserviceitem/{parent_id}/health"
            )
        except Exception as exc:
            raise RuntimeError(f"checking ELB child health failed: {exc}") from None
        servers = [s for s in (answer.get("ProxyLB") or {}).get("Servers") or [] if s is not None]
        if not servers:
            return False
        for check in checks:
            for entry in servers:
                if (
                    entry.get("IPAddress") == check.ip
                    and _port(entry.get("Port")) == check.port
                    and not _up(entry)
                ):
                    return False
        return True
    try:
        answer = await ops.call("GET", parent.zone, f"appliance/{parent_id}/status")
    except Exception as exc:
        raise RuntimeError(f"checking LB child health failed: {exc}") from None
    vips = [v for v in answer.get("LoadBalancer") or [] if v is not None]
    if not vips:
        return False
    for check in checks:
        if not check.vip:
            continue
        for vip in vips:
            if vip.get("VirtualIPAddress") != check.vip or _port(vip.get("Port")) != check.port:
                continue
            for server in vip.get("Servers") or []:
                if server and server.get("IPAddress") == check.ip and not _up(server):
                    return False
    return True
