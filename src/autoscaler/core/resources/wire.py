"""Reading the cloud's records into the payloads of `handler.proto`."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from ...cloud.models import ProxyLB
from ...proto import handler_pb2 as pb
from ..cloudops import Wire, wire_id


def memory_gib(plan: Wire) -> int:
    mb = int(plan.get("MemoryMB") or 0)
    return mb // 1024 if mb else 0


def upstream_type(nic: Wire) -> str:
    switch = nic.get("Switch")
    if not switch:
        return "none"
    if not switch.get("Subnet"):
        return "switch"
    return "shared" if switch.get("Scope") == "shared" else "router"


def assigned_networks(server: Wire) -> list[pb.NetworkInfo]:
    out = []
    for i, nic in enumerate(n for n in server.get("Interfaces") or [] if n is not None):
        shared = upstream_type(nic) == "shared"
        user_subnet = (nic.get("Switch") or {}).get("UserSubnet") or {}
        out.append(
            pb.NetworkInfo(
                ip_address=str(nic.get("IPAddress") if shared else nic.get("UserIPAddress")) or "",
                netmask=int(user_subnet.get("NetworkMaskLen") or 0),
                gateway=str(user_subnet.get("DefaultRoute") or ""),
                index=i,
            )
        )
    for info in out:
        if info.ip_address == "None":
            info.ip_address = ""
    return out


def plan_of(server: Wire) -> Wire:
    return dict(server.get("ServerPlan") or {})


def zone_name(record: Wire, fallback: str) -> str:
    zone = record.get("Zone")
    if isinstance(zone, dict) and zone.get("Name"):
        return str(zone["Name"])
    return fallback


def status_of(server: Wire) -> str:
    return str((server.get("Instance") or {}).get("Status") or "")


def elb_plan(record: Wire) -> int:
    service_class = str(record.get("ServiceClass") or "")
    for prefix in ("cloud/proxylb/plain/", "cloud/proxylb/anycast/"):
        if service_class.startswith(prefix):
            tail = service_class[len(prefix) :]
            return int(tail) if tail.isdigit() else 0
    return 0


def elb_payload(record: ProxyLB, plan: int | None = None) -> pb.ELB:
    return pb.ELB(
        id=id_text(record.id),
        name=record.name,
        region=record.region,
        plan=record.plan if plan is None else plan,
        virtual_ip_address=record.status.virtual_ip_address,
        fqdn=record.status.fqdn,
    )


def elb_payload_wire(record: Wire, plan: int | None = None) -> pb.ELB:
    status = record.get("Status") or {}
    return pb.ELB(
        id=wire_id(record),
        name=str(record.get("Name") or ""),
        region=str(status.get("Region") or ""),
        plan=elb_plan(record) if plan is None else plan,
        virtual_ip_address=str(status.get("VirtualIPAddress") or ""),
        fqdn=str(status.get("FQDN") or ""),
    )


def _flag(value: Any) -> bool:
    return str(value).lower() in ("true", "on", "1")


def gslb_payload(record: Wire) -> pb.GSLB:
    settings = (record.get("Settings") or {}).get("GSLB") or {}
    servers = [
        pb.GSLBServer(
            ip_address=str(s.get("IPAddress") or ""),
            enabled=_flag(s.get("Enabled")),
            weight=int(s.get("Weight") or 0),
        )
        for s in settings.get("Servers") or []
    ]
    return pb.GSLB(
        id=wire_id(record),
        name=str(record.get("Name") or ""),
        fqdn=str((record.get("Status") or {}).get("FQDN") or ""),
        servers=servers,
    )


def dns_payload(record: Wire) -> pb.DNS:
    status = record.get("Status") or {}
    return pb.DNS(
        id=wire_id(record), zone=str(status.get("Zone") or ""), dns_servers=list(status.get("NS") or [])
    )


def lb_payload(record: Wire, zone: str) -> pb.LoadBalancer:
    vips = []
    for vip in (record.get("Settings") or {}).get("LoadBalancer") or []:
        vips.append(
            pb.LoadBalancerVIP(
                ip_address=str(vip.get("VirtualIPAddress") or ""),
                port=int(vip.get("Port") or 0),
                servers=[
                    pb.LoadBalancerServer(
                        ip_address=str(s.get("IPAddress") or ""), enabled=_flag(s.get("Enabled"))
                    )
                    for s in vip.get("Servers") or []
                ],
            )
        )
    return pb.LoadBalancer(
        id=wire_id(record), zone=zone, name=str(record.get("Name") or ""), virtual_ip_addresses=vips
    )


def latest(times: Iterable[datetime | None]) -> datetime | None:
    """The most recent of these times; none (or only Go's zero time) gives None."""
    present = [t for t in times if t is not None and t.year > 1]
    return max(present) if present else None


def id_text(id_: int) -> str:
    """An ID as handlers get it: decimal, `""` for none."""
    return str(id_) if id_ else ""
