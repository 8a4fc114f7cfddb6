"""Zabbix: forward every POST; the body is never read.

The Zabbix media type decides what is sent: its action must send problem events only, since a
recovery POSTed to `/up` would scale up again (see examples/inputs/zabbix).
"""

from __future__ import annotations


class ZabbixInput:
    name = "zabbix"

    async def should_accept(self, method: str, body: bytes) -> bool:
        return method == "POST"

    async def close(self) -> None:
        return None
