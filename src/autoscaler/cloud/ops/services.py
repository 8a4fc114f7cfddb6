"""The global "common service items": ELB (ProxyLB), GSLB and DNS.

All three live under `commonserviceitem` in the default zone; each find adds its
`Provider.Class` filter. Settings updates carry the `SettingsHash` from the read, which makes
them conditional on nobody having changed the settings in between.

    elb = await client.elb.read(elb_id)
    elb.settings.servers.append(ProxyLBServer(ip_address="192.0.2.10", port=80, enabled=True))
    await client.elb.update_settings(elb.id, elb.settings, elb.settings_hash)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from ..encoding import flag_text, number_text, ref
from ..models import (
    DNS,
    GSLB,
    DNSRecord,
    GSLBServer,
    GSLBSettings,
    ProxyLB,
    ProxyLBHealth,
    ProxyLBServer,
    ProxyLBSettings,
)
from .base import GlobalFindOps, payload

PATH = "commonserviceitem"
KEY = "CommonServiceItem"
LIST_KEY = "CommonServiceItems"


def proxylb_service_class(plan: int, region: str = "") -> str:
    kind = "anycast" if region == "anycast" else "plain"
    return f"cloud/proxylb/{kind}/{plan}"


def _extras(model: Any) -> dict[str, Any]:
    return dict(model.model_extra or {})


def proxylb_server_wire(server: ProxyLBServer) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if server.ip_address:
        out["IPAddress"] = server.ip_address
    if server.port:
        out["Port"] = server.port
    out["ServerGroup"] = server.server_group
    out["Enabled"] = server.enabled
    out.update(_extras(server))
    out.setdefault("ProxySSL", False)
    return out


def proxylb_settings_wire(settings: ProxyLBSettings) -> dict[str, Any]:
    """`Settings.ProxyLB` as the API client sends it: objects always present, lists as arrays."""
    syslog = dict(settings.syslog)
    if not syslog.get("Server") and not syslog.get("Port"):
        syslog["Port"] = 514
    out: dict[str, Any] = {
        "HealthCheck": dict(settings.health_check),
        "SorryServer": dict(settings.sorry_server),
        "BindPorts": list(settings.bind_ports or []),
        "Servers": [proxylb_server_wire(s) for s in settings.servers],
        "Rules": list(settings.rules or []),
    }
    if settings.lets_encrypt is not None:
        out["LetsEncrypt"] = dict(settings.lets_encrypt)
    out["StickySession"] = dict(settings.sticky_session)
    out["Timeout"] = dict(settings.timeout)
    out["Gzip"] = dict(settings.gzip)
    if settings.backend_http_keep_alive is not None:
        out["BackendHttpKeepAlive"] = dict(settings.backend_http_keep_alive)
    if settings.monitoring_suite_log is not None:
        out["MonitoringSuiteLog"] = dict(settings.monitoring_suite_log)
    out["ProxyProtocol"] = dict(settings.proxy_protocol)
    out["Syslog"] = syslog
    out.update(_extras(settings))  # members this client does not model (OriginGuard, …)
    return out


def gslb_server_wire(server: GSLBServer) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if server.ip_address:
        out["IPAddress"] = server.ip_address
    out["Enabled"] = flag_text(server.enabled)
    if server.weight:
        out["Weight"] = number_text(server.weight)
    out.update(_extras(server))
    return out


def gslb_settings_wire(settings: GSLBSettings) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if settings.delay_loop:
        out["DelayLoop"] = settings.delay_loop
    if settings.health_check:
        out["HealthCheck"] = dict(settings.health_check)
    out["Weighted"] = flag_text(settings.weighted)
    out["Servers"] = [gslb_server_wire(s) for s in settings.servers] or None
    if settings.sorry_server:
        out["SorryServer"] = settings.sorry_server
    if settings.monitoring_suite_log is not None:
        out["MonitoringSuiteLog"] = dict(settings.monitoring_suite_log)
    out.update(_extras(settings))
    return out


def dns_record_wire(record: DNSRecord) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if record.name:
        out["Name"] = record.name
    if record.type:
        out["Type"] = record.type
    if record.rdata:
        out["RData"] = record.rdata
    if record.ttl:
        out["TTL"] = record.ttl
    return out


def _with_hash(item: dict[str, Any], settings_hash: str) -> dict[str, Any]:
    if settings_hash:
        item["SettingsHash"] = settings_hash
    return {KEY: item}


class ProxyLBOps(GlobalFindOps[ProxyLB]):
    PATH = PATH
    KEY = KEY
    LIST_KEY = LIST_KEY
    NAME = "ProxyLB"
    FIXED_FILTER: ClassVar[dict[str, str]] = {"Provider.Class": "proxylb"}
    model = ProxyLB

    async def update(
        self,
        id_: int,
        *,
        name: str,
        description: str = "",
        tags: Sequence[str] = (),
        icon_id: int = 0,
        settings: ProxyLBSettings,
        settings_hash: str = "",
    ) -> ProxyLB:
        item: dict[str, Any] = {}
        if name:
            item["Name"] = name
        item.update({"Description": description, "Tags": sorted(tags), "Icon": ref(icon_id)})
        item["Settings"] = {"ProxyLB": proxylb_settings_wire(settings)}
        return await self._put(None, f"{PATH}/{id_}", _with_hash(item, settings_hash), "Update")

    async def update_settings(self, id_: int, settings: ProxyLBSettings, settings_hash: str = "") -> ProxyLB:
        item = {"Settings": {"ProxyLB": proxylb_settings_wire(settings)}}
        return await self._put(None, f"{PATH}/{id_}", _with_hash(item, settings_hash), "UpdateSettings")

    async def change_plan(self, id_: int, plan: int, region: str = "") -> ProxyLB:
        """The ELB after the change (its ID may differ from `id_`)."""
        body = {KEY: {"ServiceClass": proxylb_service_class(plan, region)}}
        return await self._put(None, f"{PATH}/{id_}/plan", body, "ChangePlan")

    async def health_status(self, id_: int) -> ProxyLBHealth:
        data = await self.call("GET", None, f"{PATH}/{id_}/health")
        return ProxyLBHealth.model_validate(payload(data, "ProxyLB", "ProxyLB.HealthStatus"))


class GSLBOps(GlobalFindOps[GSLB]):
    PATH = PATH
    KEY = KEY
    LIST_KEY = LIST_KEY
    NAME = "GSLB"
    FIXED_FILTER: ClassVar[dict[str, str]] = {"Provider.Class": "gslb"}
    model = GSLB

    async def update_settings(self, id_: int, settings: GSLBSettings, settings_hash: str = "") -> GSLB:
        item = {"Settings": {"GSLB": gslb_settings_wire(settings)}}
        return await self._put(None, f"{PATH}/{id_}", _with_hash(item, settings_hash), "UpdateSettings")


class DNSOps(GlobalFindOps[DNS]):
    PATH = PATH
    KEY = KEY
    LIST_KEY = LIST_KEY
    NAME = "DNS"
    FIXED_FILTER: ClassVar[dict[str, str]] = {"Provider.Class": "dns"}
    model = DNS

    async def update_settings(self, id_: int, records: Sequence[DNSRecord], settings_hash: str = "") -> DNS:
        item = {"Settings": {"DNS": {"ResourceRecordSets": [dns_record_wire(r) for r in records]}}}
        return await self._put(None, f"{PATH}/{id_}", _with_hash(item, settings_hash), "UpdateSettings")
