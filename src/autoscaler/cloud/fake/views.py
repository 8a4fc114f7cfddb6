"""Wire views: a stored record as the API returns it.

Records are stored normalised — a NIC knows its server and switch, a disk its server — and
the views put them together for each answer (a server's `Disks` and `Interfaces`, a NIC's
`Switch` with its subnet, a switch's `ServerCount`), so nothing can drift out of sync.
Private keys (`_…`) never leave the store.
"""

from __future__ import annotations

import copy
import hashlib
import json
from typing import Any

from . import pool
from .clock import rfc3339, settle
from .store import GLOBAL, Tx

Record = dict[str, Any]

SHARED_SWITCH_ID = pool.ID_START  # never issued by the pool
SHARED_SWITCH_NAME = "スイッチ"


def public(record: Record) -> Record:
    return {k: v for k, v in record.items() if not k.startswith("_")}


def ref(id_: int, **extra: Any) -> Record:
    return {"ID": id_, **extra} if id_ else {}


def settings_hash(settings: Any) -> str:
    """A digest of the settings; an update quoting an older one is refused."""
    text = json.dumps(settings, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def shared_switch_info() -> Record:
    network = pool.SHARED_NETWORK
    return {
        "ID": SHARED_SWITCH_ID,
        "Name": SHARED_SWITCH_NAME,
        "Scope": "shared",
        "Subnet": {
            "NetworkAddress": str(network.network_address),
            "NetworkMaskLen": network.prefixlen,
            "DefaultRoute": pool.SHARED_GATEWAY,
        },
        "UserSubnet": {"DefaultRoute": pool.SHARED_GATEWAY, "NetworkMaskLen": network.prefixlen},
    }


class Views:
    """Builds the views of one zone inside one transaction (caching what several views need)."""

    def __init__(self, tx: Tx, zone: str, at: float) -> None:
        self.tx = tx
        self.zone = zone
        self.at = at
        self._cache: dict[str, tuple[int, list[Record]]] = {}

    # --- shared lookups --------------------------------------------------------------------------

    def _all(self, kind: str) -> list[Record]:
        """Every record of a kind in the zone, read again after any write of this transaction."""
        cached = self._cache.get(kind)
        if cached is None or cached[0] != self.tx.version:
            cached = (self.tx.version, [settle(r, self.at) for r in self.tx.all(kind, self.zone)])
            self._cache[kind] = cached
        return cached[1]

    def nics(self) -> list[Record]:
        return self._all("Interface")

    def disks(self) -> list[Record]:
        return self._all("Disk")

    def nics_of(self, server_id: int) -> list[Record]:
        return sorted(
            (n for n in self.nics() if n.get("_server") == server_id), key=lambda n: int(n.get("_index", 0))
        )

    def disks_of(self, server_id: int) -> list[Record]:
        return sorted(
            (d for d in self.disks() if d.get("_server") == server_id),
            key=lambda d: (int(d.get("ConnectionOrder", 0)), int(d["ID"])),
        )

    def switch_info(self, nic: Record) -> Record | None:
        target = nic.get("_switch")
        if target == "shared":
            return shared_switch_info()
        if not target:
            return None
        sw = self.tx.get("Switch", self.zone, int(target))
        if sw is None:
            return None
        info: Record = {"ID": sw["ID"], "Name": sw.get("Name", ""), "Scope": sw.get("Scope", "user")}
        subnets = sw.get("Subnets") or []
        if subnets:
            first = subnets[0]
            info["Subnet"] = {
                "ID": first.get("ID", 0),
                "NetworkAddress": first.get("NetworkAddress", ""),
                "NetworkMaskLen": first.get("NetworkMaskLen", 0),
                "DefaultRoute": first.get("DefaultRoute", ""),
            }
        if sw.get("UserSubnet"):
            info["UserSubnet"] = dict(sw["UserSubnet"])
        elif subnets:
            info["UserSubnet"] = {
                "DefaultRoute": subnets[0].get("DefaultRoute", ""),
                "NetworkMaskLen": subnets[0].get("NetworkMaskLen", 0),
            }
        return info

    def packet_filter_info(self, nic: Record) -> Record | None:
        pf_id = int(nic.get("_packet_filter") or 0)
        if not pf_id:
            return None
        pf = self.tx.get("PacketFilter", self.zone, pf_id)
        return {"ID": pf_id, "Name": pf.get("Name", "") if pf else ""}

    # --- views --------------------------------------------------------------------------------------

    def nic(self, nic: Record, with_server: bool = False) -> Record:
        view: Record = {
            "ID": nic["ID"],
            "MACAddress": nic.get("MACAddress", ""),
            "IPAddress": nic.get("IPAddress", ""),
            "UserIPAddress": nic.get("UserIPAddress", ""),
            "HostName": nic.get("HostName", ""),
        }
        sw = self.switch_info(nic)
        if sw is not None:
            view["Switch"] = sw
        pf = self.packet_filter_info(nic)
        if pf is not None:
            view["PacketFilter"] = pf
        if with_server and nic.get("_server"):
            server = self.tx.get("Server", self.zone, int(nic["_server"]))
            view["Server"] = {"ID": nic["_server"], "Name": server.get("Name", "") if server else ""}
        return view

    def disk_in_server(self, disk: Record) -> Record:
        keys = ("ID", "Name", "Availability", "Connection", "ConnectionOrder", "SizeMB", "Plan", "Storage")
        return {k: copy.deepcopy(disk[k]) for k in keys if k in disk}

    def server(self, record: Record) -> Record:
        view = public(settle(copy.deepcopy(record), self.at))
        sid = int(record["ID"])
        view["Disks"] = [self.disk_in_server(d) for d in self.disks_of(sid)]
        view["Interfaces"] = [self.nic(n) for n in self.nics_of(sid)]
        return view

    def disk(self, record: Record) -> Record:
        view = public(settle(copy.deepcopy(record), self.at))
        sid = int(record.get("_server") or 0)
        if sid:
            server = self.tx.get("Server", self.zone, sid)
            view["Server"] = {"ID": sid, "Name": server.get("Name", "") if server else ""}
        return view

    def switch(self, record: Record) -> Record:
        view = public(copy.deepcopy(record))
        view["ServerCount"] = sum(1 for n in self.nics() if n.get("_switch") == record["ID"])
        return view

    def internet(self, record: Record) -> Record:
        view = public(copy.deepcopy(record))
        sw_id = int(record.get("_switch") or 0)
        sw = self.tx.get("Switch", self.zone, sw_id) if sw_id else None
        if sw is not None:
            view["Switch"] = {
                "ID": sw["ID"],
                "Name": sw.get("Name", ""),
                "Scope": sw.get("Scope", "user"),
                "Subnets": copy.deepcopy(sw.get("Subnets") or []),
                "IPv6Nets": [],
            }
        return view

    def appliance(self, record: Record) -> Record:
        return public(settle(copy.deepcopy(record), self.at))

    def plain(self, record: Record) -> Record:
        return public(settle(copy.deepcopy(record), self.at))

    # --- health as the services would see it ------------------------------------------------------

    def address_states(self) -> dict[str, str]:
        """Every NIC address of every fake server in every zone → that server's instance status."""
        states: dict[str, str] = {}
        servers: dict[tuple[str, int], str] = {}
        for zone in {z for _, z, _ in self.tx.counts() if z != GLOBAL}:
            for s in self.tx.all("Server", zone):
                servers[(zone, int(s["ID"]))] = str(settle(s, self.at).get("Instance", {}).get("Status", ""))
            for n in self.tx.all("Interface", zone):
                state = servers.get((zone, int(n.get("_server") or 0)), "")
                for key in ("IPAddress", "UserIPAddress"):
                    if n.get(key):
                        states[str(n[key])] = state
        return states


def timestamp(at: float) -> str:
    return rfc3339(at)
