"""`gslb-servers-handler`: keeps a GSLB's destination servers in step with its child servers."""

from __future__ import annotations

from typing import Any

from ...proto import handler_pb2 as pb
from ..contract import Reporter
from .api import CloudOps, Wire
from .parents import ParentServersHandler, empty_as_null, first_nic_checks, go_bool, nic_ips


class GSLBServersHandler(ParentServersHandler):
    name = "gslb-servers-handler"

    def __init__(self, ops: CloudOps) -> None:
        self.ops = ops

    parent_kind = "gslb"

    async def _read(self, gslb_id: str) -> tuple[Wire, list[dict[str, Any]]]:
        gslb = await self.ops.read("GSLB", None, gslb_id)
        settings = (gslb.get("Settings") or {}).get("GSLB") or {}
        return gslb, [dict(s) for s in settings.get("Servers") or [] if s is not None]

    async def _update(self, gslb_id: str, gslb: Wire, servers: list[dict[str, Any]]) -> None:
        settings = (gslb.get("Settings") or {}).get("GSLB") or {}
        body: dict[str, Any] = {
            "HealthCheck": settings.get("HealthCheck") or {},
            "Weighted": settings.get("Weighted") or "False",
            "Servers": empty_as_null(servers),
        }
        if settings.get("DelayLoop"):
            body["DelayLoop"] = settings["DelayLoop"]
        if settings.get("SorryServer"):
            body["SorryServer"] = settings["SorryServer"]
        await self.ops.call(
            "PUT",
            self.ops.transport.default_zone,
            f"commonserviceitem/{gslb_id}",
            {
                "CommonServiceItem": {
                    "Settings": {"GSLB": body},
                    "SettingsHash": gslb.get("SettingsHash") or "",
                }
            },
        )

    async def attach(self, server: pb.Server, enabled: bool, reporter: Reporter) -> None:
        await reporter.running()
        gslb_id = server.parent.gslb.id
        gslb, servers = await self._read(gslb_id)
        ips = nic_ips(server)
        target = ""
        for dest in servers:
            if dest.get("IPAddress") in ips:
                dest["Enabled"] = "True" if enabled else "False"
                target = str(dest.get("IPAddress"))
                await reporter.running(f"target server found: {{IPAddress: {target}}}")
        if not target:
            await reporter.done("target server not found")
            return
        what = f"{{Enabled:{go_bool(enabled)}, IPAddress:{target}}}"
        await reporter.running(f"updating...: {what}")
        await self._update(gslb_id, gslb, servers)
        await reporter.done(f"updated: {what}")

    async def add(self, instance: pb.ServerGroupInstance, reporter: Reporter) -> None:
        await reporter.running()
        gslb_id = instance.parent.gslb.id
        gslb, servers = await self._read(gslb_id)
        nic = await first_nic_checks(instance, reporter)
        if nic is None:
            return
        ip = nic.assigned_network.ip_address
        if any(s.get("IPAddress") == ip for s in servers):
            await reporter.running(f"skipped: Server{{IP: {ip}}} already exists on GSLB")
        else:
            entry: dict[str, Any] = {"IPAddress": ip, "Enabled": "True"}
            if nic.expose_info.weight:
                entry["Weight"] = str(nic.expose_info.weight)
            servers.append(entry)
            await reporter.running(f"added: Server{{IP: {ip}}}")
            await reporter.running("updating...")
            await self._update(gslb_id, gslb, servers)
            await reporter.running("updated")
        await reporter.done()

    async def remove(self, instance: pb.ServerGroupInstance, reporter: Reporter) -> None:
        await reporter.running()
        gslb_id = instance.parent.gslb.id
        gslb, servers = await self._read(gslb_id)
        nic = await first_nic_checks(instance, reporter, need_expose=False)
        if nic is None:
            return
        ip = nic.assigned_network.ip_address
        kept = [s for s in servers if s.get("IPAddress") != ip]
        for _ in range(len(servers) - len(kept)):
            await reporter.running(f"deleted: Server{{IP: {ip}}}")
        if len(kept) != len(servers):
            await reporter.running("updating...")
            await self._update(gslb_id, gslb, kept)
            await reporter.running("updated")
        await reporter.done()
