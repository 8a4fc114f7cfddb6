"""The SAKURA Cloud operations the Core and the builtin handlers perform, over a transport.

A `Transport` is the narrow edge: one JSON request to `<zone>/api/cloud/1.1/<path>` and the
decoded JSON answer (or `CloudError`). The real HTTP client and the embedded fake cloud of
`autoscaler.cloud` both provide it; everything here works on the API's wire shapes (the
field names of the IaaS API: `ID`, `Name`, `ServerPlan`, `Instance`, `Interfaces`, ...).
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ...cloud.client import CloudClient

Wire = dict[str, Any]


class CloudError(Exception):
    """An API error answer: HTTP status, `error_code`, `error_msg`."""

    def __init__(self, status: int, code: str = "", message: str = "") -> None:
        super().__init__(message or f"HTTP {status}")
        self.status = status
        self.code = code
        self.message = message or f"HTTP {status}"

    @property
    def not_found(self) -> bool:
        return self.status == 404


class Transport(Protocol):
    zones: tuple[str, ...]
    default_zone: str
    fake: bool

    async def request(self, method: str, zone: str, path: str, body: Wire | None = None) -> Wire: ...

    async def close(self) -> None: ...


def escape(text: str) -> str:
    """URL path-segment escaping of filter values (as the API client sends them)."""
    return urllib.parse.quote(text, safe="$&+:=@")


def condition(filter_: Wire | None = None, count: int = 0, sort: Sequence[str] = ()) -> Wire:
    cond: Wire = {"Count": count, "From": 0}
    if sort:
        cond["Sort"] = list(sort)
    if filter_:
        cond["Filter"] = dict(sorted(filter_.items()))
    return cond


# path, list key, fixed filter, global?
_FIND: dict[str, tuple[str, str, Wire, bool]] = {
    "Server": ("server", "Servers", {}, False),
    "ServerPlan": ("product/server", "ServerPlans", {}, False),
    "Internet": ("internet", "Internet", {}, False),
    "InternetPlan": ("product/internet", "InternetPlans", {}, False),
    "ProxyLB": ("commonserviceitem", "CommonServiceItems", {"Provider.Class": "proxylb"}, True),
    "GSLB": ("commonserviceitem", "CommonServiceItems", {"Provider.Class": "gslb"}, True),
    "DNS": ("commonserviceitem", "CommonServiceItems", {"Provider.Class": "dns"}, True),
    "LoadBalancer": ("appliance", "Appliances", {"Class": "loadbalancer"}, False),
    "Archive": ("archive", "Archives", {}, False),
    "Disk": ("disk", "Disks", {}, False),
    "Switch": ("switch", "Switches", {}, False),
    "PacketFilter": ("packetfilter", "PacketFilters", {}, False),
    "Icon": ("icon", "Icons", {}, True),
    "CDROM": ("cdrom", "CDROMs", {}, False),
    "PrivateHost": ("privatehost", "PrivateHosts", {}, False),
}
_READ: dict[str, tuple[str, str, bool]] = {
    "Server": ("server", "Server", False),
    "Internet": ("internet", "Internet", False),
    "ProxyLB": ("commonserviceitem", "CommonServiceItem", True),
    "GSLB": ("commonserviceitem", "CommonServiceItem", True),
    "DNS": ("commonserviceitem", "CommonServiceItem", True),
    "LoadBalancer": ("appliance", "Appliance", False),
    "Disk": ("disk", "Disk", False),
    "Switch": ("switch", "Switch", False),
    "PacketFilter": ("packetfilter", "PacketFilter", False),
}


class CloudOps:
    """Typed-enough helpers over a Transport."""

    def __init__(self, transport: Transport) -> None:
        self.transport = transport

    @property
    def zones(self) -> tuple[str, ...]:
        return self.transport.zones

    def _zone(self, zone: str | None, global_: bool) -> str:
        return self.transport.default_zone if global_ or not zone else zone

    async def find(self, kind: str, zone: str | None, filter_: Wire | None = None, **cond: Any) -> list[Wire]:
        path, key, fixed, global_ = _FIND[kind]
        merged = {**(filter_ or {}), **fixed}
        query = json.dumps(condition(merged, **cond), ensure_ascii=False, separators=(",", ":"))
        answer = await self.transport.request("GET", self._zone(zone, global_), f"{path}?{query}")
        return list(answer.get(key) or [])

    async def read(self, kind: str, zone: str | None, resource_id: str | int) -> Wire:
        path, key, global_ = _READ[kind]
        answer = await self.transport.request("GET", self._zone(zone, global_), f"{path}/{resource_id}")
        return dict(answer.get(key) or {})

    async def read_with_previous(self, kind: str, zone: str | None, resource_id: str) -> Wire:
        """Read by ID; after a plan change gave a new ID, find it by its `@previous-id` tag."""
        try:
            return await self.read(kind, zone, resource_id)
        except CloudError as exc:
            if not exc.not_found:
                raise
        found = await self.find(kind, zone, {"Tags.Name": [[f"@previous-id={resource_id}"]]})
        if not found:
            raise CloudError(404, "not_found", f"{kind}[{resource_id}] not found (also not by @previous-id)")
        return found[0]

    async def call(self, method: str, zone: str, path: str, body: Wire | None = None) -> Wire:
        return await self.transport.request(method, zone, path, body)

    async def close(self) -> None:
        await self.transport.close()


def wire_id(record: Wire) -> str:
    value = record.get("ID")
    return "" if value in (None, 0, "0", "") else str(value)


def parse_time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return None if parsed.year <= 1 else parsed


def latest(*values: Any) -> datetime | None:
    times = [t for t in (parse_time(v) for v in values) if t is not None]
    return max(times) if times else None


class CallerTransport:
    """A `CloudClient`'s Caller as a Transport (errors mapped to CloudError)."""

    def __init__(self, client: CloudClient) -> None:
        self.client = client
        self.zones = client.zones
        self.default_zone = client.default_zone
        self.fake = client.fake_mode
        self.fake_delay = max(client.options.fake_delay, 0.0)  # SAKURACLOUD_FAKE_DELAY

    async def request(self, method: str, zone: str, path: str, body: Wire | None = None) -> Wire:
        from ...cloud.errors import CloudError as ClientCloudError

        try:
            answer: Wire = await self.client.caller.request(method, zone, path, body=body)
        except ClientCloudError as exc:
            raise CloudError(exc.status, exc.code, exc.message or str(exc)) from None
        return answer

    async def close(self) -> None:
        await self.client.aclose()


def ops_for(client: CloudClient) -> CloudOps:
    return CloudOps(CallerTransport(client))
