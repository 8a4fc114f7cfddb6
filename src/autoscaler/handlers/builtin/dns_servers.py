"""`dns-servers-handler`: an A record per group member (`expose.record_name`) in the parent DNS zone."""

from __future__ import annotations

from ...cloud.encoding import to_id
from ...cloud.models import DNS, DNSRecord
from ...proto import handler_pb2 as pb
from ..contract import Reporter
from .intents import Action, Steps
from .parents import ParentServersHandler, first_nic_checks


def _same(record: DNSRecord, name: str, ip: str) -> bool:
    return record.type == "A" and record.name == name and record.rdata == ip


class DNSServersHandler(ParentServersHandler):
    parent_kind = "dns"
    plain_servers = False  # only group members get records

    async def _prepare(
        self, instance: pb.ServerGroupInstance, reporter: Reporter
    ) -> tuple[DNS, pb.ServerGroupInstance.NIC] | None:
        await reporter.running()
        dns = await self.client.dns.read(to_id(instance.parent.dns.id))
        nic = await first_nic_checks(instance, reporter)
        return None if nic is None else (dns, nic)

    async def add(self, instance: pb.ServerGroupInstance, reporter: Reporter, steps: Steps) -> None:
        prepared = await self._prepare(instance, reporter)
        if prepared is None:
            return
        dns, nic = prepared
        name, ip = nic.expose_info.record_name, nic.assigned_network.ip_address
        if any(_same(r, name, ip) for r in dns.records):
            await reporter.running(f"skipped: Record{{Name:{name}, IP:{ip}}} already exists on DNS")
        else:
            record = DNSRecord(name=name, type="A", rdata=ip, ttl=nic.expose_info.ttl)
            await reporter.running(f"added: Record{{Name:{name}, IP:{ip}}}")
            await reporter.running("updating...")
            async with steps.record(
                Action.ADD,
                target=instance.name,
                zone=instance.zone,
                cloud_id=dns.id,
                parent="DNS",
                record=name,
                ip=ip,
            ):
                await self.client.dns.update_settings(dns.id, [*dns.records, record], dns.settings_hash)
            await reporter.running("updated")
        await reporter.done()

    async def remove(self, instance: pb.ServerGroupInstance, reporter: Reporter, steps: Steps) -> None:
        prepared = await self._prepare(instance, reporter)
        if prepared is None:
            return
        dns, nic = prepared
        name, ip = nic.expose_info.record_name, nic.assigned_network.ip_address
        kept = [r for r in dns.records if not _same(r, name, ip)]
        for _ in range(len(dns.records) - len(kept)):
            await reporter.running(f"deleted: Record{{Name:{name}, IP:{ip}}}")
        if len(kept) != len(dns.records):
            await reporter.running("updating...")
            async with steps.record(
                Action.REMOVE,
                target=instance.name,
                zone=instance.zone,
                cloud_id=dns.id,
                parent="DNS",
                record=name,
                ip=ip,
            ):
                await self.client.dns.update_settings(dns.id, kept, dns.settings_hash)
            await reporter.running("updated")
        await reporter.done()
