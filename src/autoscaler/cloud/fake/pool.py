"""Where new IDs and addresses come from (kept in the store, so they survive restarts).

- IDs: one counter for every resource, first issued 100000000001;
- MAC addresses: from 00:00:5e:00:53:01 upwards (the documentation range, then beyond);
- shared-segment addresses: the lowest free address of 192.0.2.0/24 in the zone (gateway .1);
- router subnets: consecutive blocks of each prefix length from 24.0.0.0/24, 25.0.0.0/25, ….
"""

from __future__ import annotations

import ipaddress

from .store import Tx

ID_START = 100_000_000_000
MAC_START = 0x00005E005300
SHARED_NETWORK = ipaddress.ip_network("192.0.2.0/24")
SHARED_GATEWAY = "192.0.2.1"


class PoolExhausted(Exception):
    pass


def next_id(tx: Tx) -> int:
    return tx.counter("next_id", ID_START)


def next_mac(tx: Tx) -> str:
    value = tx.counter("next_mac", MAC_START)
    raw = f"{value:012x}"
    return ":".join(raw[i : i + 2] for i in range(0, 12, 2))


def next_shared_ip(tx: Tx, zone: str) -> str:
    """The lowest address of the shared segment no NIC in the zone uses."""
    used = {str(nic.get("IPAddress", "")) for nic in tx.all("Interface", zone)}
    used.add(SHARED_GATEWAY)
    for host in SHARED_NETWORK.hosts():
        text = str(host)
        if text not in used:
            return text
    raise PoolExhausted(f"no free address left in the shared segment {SHARED_NETWORK} of zone {zone}")


def next_subnet(tx: Tx, mask_len: int) -> ipaddress.IPv4Network:
    """The next unused block of this prefix length for a router."""
    if not 8 <= mask_len <= 30:
        raise PoolExhausted(f"unsupported router prefix length /{mask_len}")
    index = tx.counter(f"next_subnet_{mask_len}", -1)
    base = ipaddress.IPv4Network(f"{mask_len}.0.0.0/{mask_len}")
    return ipaddress.IPv4Network(f"{base.network_address + index * base.num_addresses}/{mask_len}")
