"""`elb-servers-handler`: keeps an ELB's real servers in step with its child servers."""

from __future__ import annotations

from typing import Any

from ...proto import handler_pb2 as pb
from ..contract import Reporter
from .api import Wire
from .parents import ParentServersHandler, empty_as_null, first_nic_checks, go_bool, nic_ips, wire_true

# Settings sent back on an update, as read (MonitoringSuiteLog is left out, as upstream does).
SETTING_KEYS = (
    "HealthCheck",
    "SorryServer",
    "BindPorts",
    "Servers",
    "Rules",
    "LetsEncrypt",
    "StickySession",
    "Timeout",
    "Gzip",
    "BackendHttpKeepAlive",
    "ProxyProtocol",
    "Syslog",
)
LISTS = ("BindPorts", "Servers", "Rules")


class ELBServersHandler(ParentServersHandler):
    name = "elb-servers-handler"
    parent_kind = "elb"

    async def _read(self, elb_id: str) -> tuple[Wire, list[dict[str, Any]]]:
        elb = await self.ops.read("ProxyLB", None, elb_id)
        settings = (elb.get("Settings") or {}).get("ProxyLB") or {}
        return elb, [dict(s) for s in settings.get("Servers") or [] if s is not None]

    async def _update(self, elb_id: str, elb: Wire, servers: list[dict[str, Any]]) -> None:
        settings = dict((elb.get("Settings") or {}).get("ProxyLB") or {})
        settings["Servers"] = servers
        body: dict[str, Any] = {}
        for key in SETTING_KEYS:
            value = settings.get(key)
            if key in LISTS:
                body[key] = empty_as_null(value or [])
            elif value is not None or key not in ("LetsEncrypt", "BackendHttpKeepAlive"):
                body[key] = value if value is not None else {}
        await self.ops.call(
            "PUT",
            self.ops.transport.default_zone,
            f"commonserviceitem/{elb_id}",
            {
                "CommonServiceItem": {
                    "Settings": {"ProxyLB": body},
                    "SettingsHash": elb.get("SettingsHash") or "",
                }
            },
        )

    async def attach(self, server: pb.Server, enabled: bool, reporter: Reporter) -> None:
        await reporter.running()
        elb_id = server.parent.elb.id
        elb, servers = await self._read(elb_id)
        ips = nic_ips(server)
        target = ""
        for real in servers:
            if real.get("IPAddress") not in ips:
                continue
            group = real.get("ServerGroup") or ""
            if not enabled and group:
                still_enabled = sum(
                    1 for s in servers if s.get("ServerGroup") == group and wire_true(s.get("Enabled"))
                )
                if still_enabled <= 1:
                    # The last enabled member of a server group is never disabled (the API refuses).
                    await reporter.done()
                    return
            real["Enabled"] = enabled
            target = str(real.get("IPAddress"))
            await reporter.running(f"found target server: {target}")
        if not target:
            await reporter.ignored("target server not found")
            return
        what = f"{{Enabled:{go_bool(enabled)}, IPAddress:{target}}}"
        await reporter.running(f"updating...: {what}")
        await self._update(elb_id, elb, servers)
        await reporter.done(f"updated: {what}")

    async def add(self, instance: pb.ServerGroupInstance, reporter: Reporter) -> None:
        await reporter.running()
        elb_id = instance.parent.elb.id
        elb, servers = await self._read(elb_id)
        nic = await first_nic_checks(instance, reporter)
        if nic is None:
            return
        added = False
        if nic.HasField("assigned_network"):
            ip = nic.assigned_network.ip_address
            for port in nic.expose_info.ports:
                if any(s.get("IPAddress") == ip and int(s.get("Port") or 0) == port for s in servers):
                    await reporter.running(f"skipped: Server{{IP: {ip}, Port:{port}}} already exists on ELB")
                    continue
                servers.append(
                    {
                        "IPAddress": ip,
                        "Port": port,
                        "ServerGroup": nic.expose_info.server_group_name,
                        "Enabled": True,
                    }
                )
                added = True
                await reporter.running(f"added: Server{{IP: {ip}, Port:{port}}}")
        if added:
            await reporter.running("updating...")
            await self._update(elb_id, elb, servers)
            await reporter.running("updated")
        await reporter.done()

    async def remove(self, instance: pb.ServerGroupInstance, reporter: Reporter) -> None:
        await reporter.running()
        elb_id = instance.parent.elb.id
        elb, servers = await self._read(elb_id)
        nic = await first_nic_checks(instance, reporter)
        if nic is None:
            return
        removed = False
        if nic.HasField("assigned_network"):
            ip = nic.assigned_network.ip_address
            for port in nic.expose_info.ports:
                kept = []
                for real in servers:
                    if real.get("IPAddress") == ip and int(real.get("Port") or 0) == port:
                        removed = True
                        await reporter.running(f"deleted: Server{{IP: {ip}, Port:{port}}}")
                    else:
                        kept.append(real)
                servers = kept
        if removed:
            await reporter.running("updating...")
            await self._update(elb_id, elb, servers)
            await reporter.running("updated")
        await reporter.done()
