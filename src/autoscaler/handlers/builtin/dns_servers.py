"""`dns-servers-handler`: an A record per group member (`expose.record_name`) in the parent DNS zone."""

from __future__ import annotations

from typing import Any

from ...proto import handler_pb2 as pb
from ..contract import Reporter
from .api import CloudOps, Wire
from .parents import ParentServersHandler, first_nic_checks


def _same(record: dict[str, Any], name: str, ip: str) -> bool:
    return record.get("Type") == "A" and record.get("Name") == name and record.get("RData") == ip


class DNSServersHandler(ParentServersHandler):
    name = "dns-servers-handler"

    def __init__(self, ops: CloudOps) -> None:
        self.ops = ops

    parent_kind = "dns"
    plain_servers = False  # only group members get records

    async def _read(self, dns_id: str) -> tuple[Wire, list[dict[str, Any]]]:
        dns = await self.ops.read("DNS", None, dns_id)
        settings = (dns.get("Settings") or {}).get("DNS") or {}
        return dns, [dict(r) for r in settings.get("ResourceRecordSets") or [] if r is not None]

    async def _update(self, dns_id: str, dns: Wire, records: list[dict[str, Any]]) -> None:
        sets = [{k: v for k, v in r.items() if v not in ("", 0, None)} for r in records]
        await self.ops.call(
            "PUT",
            self.ops.transport.default_zone,
            f"commonserviceitem/{dns_id}",
            {
                "CommonServiceItem": {
                    "Settings": {"DNS": {"ResourceRecordSets": sets}},
                    "SettingsHash": dns.get("SettingsHash") or "",
                }
            },
        )

    async def _prepare(
        self, instance: pb.ServerGroupInstance, reporter: Reporter
    ) -> tuple[str, Wire, list[dict[str, Any]], str, str] | None:
        await reporter.running()
        dns_id = instance.parent.dns.id
        dns, records = await self._read(dns_id)
        nic = await first_nic_checks(instance, reporter)
        if nic is None:
            return None
        return dns_id, dns, records, nic.expose_info.record_name, nic.assigned_network.ip_address

    async def add(self, instance: pb.ServerGroupInstance, reporter: Reporter) -> None:
        prepared = await self._prepare(instance, reporter)
        if prepared is None:
            return
        dns_id, dns, records, name, ip = prepared
        if any(_same(r, name, ip) for r in records):
            await reporter.running(f"skipped: Record{{Name:{name}, IP:{ip}}} already exists on DNS")
        else:
            ttl = instance.network_interfaces[0].expose_info.ttl
            records.append({"Name": name, "Type": "A", "RData": ip, "TTL": ttl})
            await reporter.running(f"added: Record{{Name:{name}, IP:{ip}}}")
            await reporter.running("updating...")
            await self._update(dns_id, dns, records)
            await reporter.running("updated")
        await reporter.done()

    async def remove(self, instance: pb.ServerGroupInstance, reporter: Reporter) -> None:
        prepared = await self._prepare(instance, reporter)
        if prepared is None:
            return
        dns_id, dns, records, name, ip = prepared
        kept = [r for r in records if not _same(r, name, ip)]
        for _ in range(len(records) - len(kept)):
            await reporter.running(f"deleted: Record{{Name:{name}, IP:{ip}}}")
        if len(kept) != len(records):
            await reporter.running("updating...")
            await self._update(dns_id, dns, kept)
            await reporter.running("updated")
        await reporter.done()
