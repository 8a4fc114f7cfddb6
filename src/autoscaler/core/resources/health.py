"""Is a ServerGroup member healthy? What Keep (auto-healing) asks before replacing it.

A member is healthy when it is up and, under an ELB or a LoadBalancer parent, the parent's
health report says each of its exposed addresses is up. GSLB and DNS parents are not asked.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from ...cloud.client import CloudClient
from ...cloud.errors import message_of
from ...cloud.models import Server
from .parent import ParentResource
from .payloads import assigned_networks
from .template import NICTemplate


class Check(NamedTuple):
    vip: str
    ip: str
    port: int


def health_checks(server: Server, nic_templates: Sequence[NICTemplate]) -> list[Check]:
    """(VIP, IP, port) for every exposed port (and VIP) of the member's NICs."""
    checks: list[Check] = []
    networks = assigned_networks(server)
    for i, nic in enumerate(server.interfaces):
        if i >= len(nic_templates) or nic_templates[i].expose is None:
            continue
        expose = nic_templates[i].expose
        assert expose is not None
        ip = nic.user_ip_address or networks[i].ip_address
        for port in expose.ports or [0]:
            for vip in expose.vips or [""]:
                checks.append(Check(vip, ip, int(port)))
    return checks


async def member_healthy(
    client: CloudClient, server: Server, parent: ParentResource | None, nic_templates: Sequence[NICTemplate]
) -> bool:
    if not server.is_up:
        return False
    if parent is None or parent.definition.type in ("GSLB", "DNS"):
        return True
    checks = health_checks(server, nic_templates)
    if parent.definition.type == "EnhancedLoadBalancer":
        try:
            health = await client.elb.health_status(parent.record.id)
        except Exception as exc:
            raise RuntimeError(f"checking ELB child health failed: {message_of(exc)}") from None
        if not health.servers:
            return False
        return not any(
            entry.ip_address == check.ip and entry.port == check.port and not entry.is_up
            for check in checks
            for entry in health.servers
        )
    try:
        statuses = await client.load_balancers.status(parent.zone, parent.record.id)
    except Exception as exc:
        raise RuntimeError(f"checking LB child health failed: {message_of(exc)}") from None
    if not statuses:
        return False
    return not any(
        real.ip_address == check.ip and not real.is_up
        for check in checks
        if check.vip
        for vip in statuses
        if vip.virtual_ip_address == check.vip and vip.port == check.port
        for real in vip.servers
    )
