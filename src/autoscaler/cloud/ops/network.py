"""NICs, switches, packet filters, routers (`Internet`) and router plans."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..encoding import ref
from ..models import Interface, Internet, InternetPlan, PacketFilter, Switch
from .base import FindOps


class InterfaceOps(FindOps[Interface]):
    PATH = "interface"
    KEY = "Interface"
    LIST_KEY = "Interfaces"
    NAME = "Interface"
    model = Interface

    async def update(self, zone: str, id_: int, user_ip_address: str) -> Interface:
        body = {"Interface": {"UserIPAddress": user_ip_address}}
        return await self._put(zone, f"interface/{id_}", body, "Update")

    async def connect_to_packet_filter(self, zone: str, id_: int, packet_filter_id: int) -> None:
        await self.call("PUT", zone, f"interface/{id_}/to/packetfilter/{packet_filter_id}")

    async def connect_to_shared_segment(self, zone: str, id_: int) -> None:
        await self.call("PUT", zone, f"interface/{id_}/to/switch/shared")

    async def connect_to_switch(self, zone: str, id_: int, switch_id: int) -> None:
        await self.call("PUT", zone, f"interface/{id_}/to/switch/{switch_id}")


class SwitchOps(FindOps[Switch]):
    PATH = "switch"
    KEY = "Switch"
    LIST_KEY = "Switches"
    NAME = "Switch"
    model = Switch


class PacketFilterOps(FindOps[PacketFilter]):
    PATH = "packetfilter"
    KEY = "PacketFilter"
    LIST_KEY = "PacketFilters"
    NAME = "PacketFilter"
    model = PacketFilter


class InternetOps(FindOps[Internet]):
    """Routers. Note the API's quirk: a find lists them under the singular key `Internet`."""

    PATH = "internet"
    KEY = "Internet"
    LIST_KEY = "Internet"
    NAME = "Internet"
    model = Internet

    async def update(
        self,
        zone: str,
        id_: int,
        *,
        name: str,
        description: str = "",
        tags: Sequence[str] = (),
        icon_id: int = 0,
    ) -> Internet:
        body: dict[str, Any] = {"Internet": {}}
        if name:
            body["Internet"]["Name"] = name
        body["Internet"].update({"Description": description, "Tags": sorted(tags), "Icon": ref(icon_id)})
        return await self._put(zone, f"internet/{id_}", body, "Update")

    async def update_bandwidth(self, zone: str, id_: int, band_width_mbps: int) -> Internet:
        """The router after the change; its ID may differ from `id_`."""
        body = {"Internet": {"BandWidthMbps": band_width_mbps}}
        return await self._put(zone, f"internet/{id_}/bandwidth", body, "UpdateBandWidth")


class InternetPlanOps(FindOps[InternetPlan]):
    PATH = "product/internet"
    KEY = "InternetPlan"
    LIST_KEY = "InternetPlans"
    NAME = "InternetPlan"
    model = InternetPlan
