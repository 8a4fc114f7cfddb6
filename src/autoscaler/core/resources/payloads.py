"""Reading the cloud's records into the payloads of `handler.proto`."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from ...cloud.models import DNS, GSLB, LoadBalancer, ProxyLB, Server
from ...proto import handler_pb2 as pb


def id_text(id_: int) -> str:
    """An ID as handlers get it: decimal, `""` for none."""
    return str(id_) if id_ else ""


def latest(times: Iterable[datetime | None]) -> datetime | None:
    """The most recent of these times; none (or only Go's zero time) gives None."""
    present = [t for t in times if t is not None and t.year > 1]
    return max(present) if present else None


def assigned_networks(server: Server) -> list[pb.NetworkInfo]:
    """Per NIC: the shared segment's address or the user address, and the switch's subnet."""
    out = []
    for i, nic in enumerate(server.interfaces):
        subnet = nic.switch.user_subnet if nic.switch is not None else None
        out.append(
            pb.NetworkInfo(
                ip_address=nic.ip_address if nic.upstream_type == "shared" else nic.user_ip_address,
                netmask=subnet.network_mask_len if subnet is not None else 0,
                gateway=subnet.default_route if subnet is not None else "",
                index=i,
            )
        )
    return out


def elb_payload(record: ProxyLB, plan: int | None = None) -> pb.ELB:
    return pb.ELB(
        id=id_text(record.id),
        name=record.name,
        region=record.region,
        plan=record.plan if plan is None else plan,
        virtual_ip_address=record.status.virtual_ip_address,
        fqdn=record.status.fqdn,
    )


def gslb_payload(record: GSLB) -> pb.GSLB:
    servers = [
        pb.GSLBServer(ip_address=s.ip_address, enabled=s.enabled, weight=s.weight) for s in record.servers
    ]
    return pb.GSLB(id=id_text(record.id), name=record.name, fqdn=record.status.fqdn, servers=servers)


def dns_payload(record: DNS) -> pb.DNS:
    return pb.DNS(id=id_text(record.id), zone=record.status.zone, dns_servers=list(record.status.ns))


def lb_payload(record: LoadBalancer, zone: str) -> pb.LoadBalancer:
    vips = [
        pb.LoadBalancerVIP(
            ip_address=vip.virtual_ip_address,
            port=vip.port,
            servers=[pb.LoadBalancerServer(ip_address=s.ip_address, enabled=s.enabled) for s in vip.servers],
        )
        for vip in record.virtual_ip_addresses
    ]
    return pb.LoadBalancer(id=id_text(record.id), zone=zone, name=record.name, virtual_ip_addresses=vips)
