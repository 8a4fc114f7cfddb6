"""LoadBalancer appliances (zoned; `Class: loadbalancer` under `appliance`).

Every settings update must be followed by `config()` to apply it, as the handler does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from ..encoding import flag_text, number_text
from ..models import LBHealthCheck, LBServer, LBStatus, LBVirtualIP, LoadBalancer
from .base import FindOps

PATH = "appliance"
KEY = "Appliance"


def lb_health_check_wire(check: LBHealthCheck) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in (("Protocol", check.protocol), ("Host", check.host), ("Path", check.path)):
        if value:
            out[key] = value
    for key, number in (
        ("Status", check.status),
        ("Port", check.port),
        ("Retry", check.retry),
        ("ConnectTimeout", check.connect_timeout),
    ):
        if number:
            out[key] = number_text(number)
    return out


def lb_server_wire(server: LBServer) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if server.ip_address:
        out["IPAddress"] = server.ip_address
    if server.port:
        out["Port"] = number_text(server.port)
    out["Enabled"] = flag_text(server.enabled)
    if server.health_check is not None:
        out["HealthCheck"] = lb_health_check_wire(server.health_check)
    return out


def lb_vip_wire(vip: LBVirtualIP) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if vip.virtual_ip_address:
        out["VirtualIPAddress"] = vip.virtual_ip_address
    if vip.port:
        out["Port"] = number_text(vip.port)
    if vip.delay_loop:
        out["DelayLoop"] = number_text(vip.delay_loop)
    if vip.sorry_server:
        out["SorryServer"] = vip.sorry_server
    out["Description"] = vip.description
    out["Servers"] = [lb_server_wire(s) for s in vip.servers]
    return out


class LoadBalancerOps(FindOps[LoadBalancer]):
    PATH = PATH
    KEY = KEY
    LIST_KEY = "Appliances"
    NAME = "LoadBalancer"
    FIXED_FILTER: ClassVar[dict[str, str]] = {"Class": "loadbalancer"}
    model = LoadBalancer

    async def update_settings(
        self, zone: str, id_: int, vips: Sequence[LBVirtualIP], settings_hash: str = ""
    ) -> LoadBalancer:
        item: dict[str, Any] = {"Settings": {"LoadBalancer": [lb_vip_wire(v) for v in vips]}}
        if settings_hash:
            item["SettingsHash"] = settings_hash
        return await self._put(zone, f"{PATH}/{id_}", {KEY: item}, "UpdateSettings")

    async def config(self, zone: str, id_: int) -> None:
        await self.call("PUT", zone, f"{PATH}/{id_}/config")

    async def status(self, zone: str, id_: int) -> list[LBStatus]:
        data = await self.call("GET", zone, f"{PATH}/{id_}/status")
        return [LBStatus.model_validate(s) for s in (data.get("LoadBalancer") or []) if s is not None]
