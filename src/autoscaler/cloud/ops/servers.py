"""Servers and server plans.

server = await client.servers.read("is1a", 113400000001)
new = await client.servers.change_plan("is1a", server.id, PlanChange(cpu=4, memory_mb=8192))
await client.servers.boot("is1a", new.id, user_data="#cloud-config\\n...")
await client.servers.shutdown("is1a", new.id, force=False)
await client.servers.delete_with_disks("is1a", new.id, new.disk_ids)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..encoding import ref
from ..models import Server, ServerPlan
from .base import FindOps

SHARED = "shared"  # a `connected_switches` entry for the shared segment


@dataclass(frozen=True)
class ServerCreate:
    """Server.Create: `connected_switches` holds `"shared"`, a switch ID, or None (unplugged NIC)."""

    name: str
    description: str = ""
    tags: Sequence[str] = ()
    icon_id: int = 0
    private_host_id: int = 0
    interface_driver: str = ""
    cpu: int = 0
    memory_mb: int = 0
    gpu: int = 0
    gpu_model: str = ""
    cpu_model: str = ""
    commitment: str = ""
    generation: int = 0
    confidential_vm: bool = False
    connected_switches: Sequence[int | str | None] = field(default_factory=list)

    def body(self) -> dict[str, Any]:
        plan: dict[str, Any] = {}
        for key, value in (
            ("CPU", self.cpu),
            ("MemoryMB", self.memory_mb),
            ("GPU", self.gpu),
            ("GPUModel", self.gpu_model),
            ("CPUModel", self.cpu_model),
            ("Commitment", self.commitment),
            ("Generation", self.generation),
        ):
            if value:
                plan[key] = value
        plan["ConfidentialVM"] = self.confidential_vm
        server: dict[str, Any] = {}
        if self.name:
            server["Name"] = self.name
        server["Description"] = self.description
        server["Tags"] = sorted(self.tags)
        server["Icon"] = ref(self.icon_id)
        if self.interface_driver:
            server["InterfaceDriver"] = self.interface_driver
        server["ServerPlan"] = plan
        server["PrivateHost"] = ref(self.private_host_id)
        server["WaitDiskMigration"] = False
        if self.connected_switches:
            server["ConnectedSwitches"] = [_connected(s) for s in self.connected_switches]
        return {"Server": server}


def _connected(entry: int | str | None) -> dict[str, Any] | None:
    if entry is None:
        return None
    if entry == SHARED:
        return {"Scope": "shared"}
    return {"ID": int(entry)}


@dataclass(frozen=True)
class ServerUpdate:
    name: str
    description: str = ""
    tags: Sequence[str] = ()
    icon_id: int = 0
    private_host_id: int = 0
    interface_driver: str = ""

    @classmethod
    def of(cls, server: Server, tags: Sequence[str] | None = None) -> ServerUpdate:
        """The update that keeps a read server as it is (optionally with other tags)."""
        return cls(
            name=server.name,
            description=server.description,
            tags=list(server.tags if tags is None else tags),
            icon_id=server.icon_id,
            private_host_id=server.private_host_id,
            interface_driver=server.interface_driver,
        )

    def body(self) -> dict[str, Any]:
        server: dict[str, Any] = {}
        if self.name:
            server["Name"] = self.name
        server["Description"] = self.description
        server["Tags"] = sorted(self.tags)
        server["Icon"] = ref(self.icon_id)
        if self.interface_driver:
            server["InterfaceDriver"] = self.interface_driver
        server["PrivateHost"] = ref(self.private_host_id)
        server["WaitDiskMigration"] = False
        return {"Server": server}


@dataclass(frozen=True)
class PlanChange:
    """Server.ChangePlan (flat body, zero values omitted)."""

    cpu: int = 0
    memory_mb: int = 0
    gpu: int = 0
    gpu_model: str = ""
    cpu_model: str = ""
    generation: int = 0
    commitment: str = ""

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in (
            ("CPU", self.cpu),
            ("MemoryMB", self.memory_mb),
            ("GPU", self.gpu),
            ("GPUModel", self.gpu_model),
            ("CPUModel", self.cpu_model),
            ("Generation", self.generation),
            ("Commitment", self.commitment),
        ):
            if value:
                out[key] = value
        return out


class ServerOps(FindOps[Server]):
    PATH = "server"
    KEY = "Server"
    LIST_KEY = "Servers"
    NAME = "Server"
    model = Server

    async def create(self, zone: str, request: ServerCreate) -> Server:
        return await self._post(zone, request.body())

    async def update(self, zone: str, id_: int, request: ServerUpdate) -> Server:
        return await self._put(zone, f"server/{id_}", request.body(), "Update")

    async def change_plan(self, zone: str, id_: int, plan: PlanChange) -> Server:
        """The server after the change; on the real API (and the fake) it has a new ID."""
        return await self._put(zone, f"server/{id_}/plan", plan.body(), "ChangePlan")

    async def delete(self, zone: str, id_: int) -> None:
        await self.call("DELETE", zone, f"server/{id_}")

    async def delete_with_disks(self, zone: str, id_: int, disk_ids: Sequence[int]) -> None:
        body: dict[str, Any] = {"WithDisk": list(disk_ids)} if disk_ids else {}
        await self.call("DELETE", zone, f"server/{id_}", body)

    async def boot(self, zone: str, id_: int, user_data: str = "") -> None:
        """Boot; with `user_data` the cloud-init data goes along (BootWithVariables)."""
        body = {"UserBootVariables": {"CloudInit": {"UserData": user_data}}} if user_data else None
        async with self.caller.power_lock:
            await self.call("PUT", zone, f"server/{id_}/power", body)

    async def shutdown(self, zone: str, id_: int, force: bool = False) -> None:
        body: dict[str, Any] = {"Force": True} if force else {}
        async with self.caller.power_lock:
            await self.call("DELETE", zone, f"server/{id_}/power", body)

    async def reset(self, zone: str, id_: int) -> None:
        async with self.caller.power_lock:
            await self.call("PUT", zone, f"server/{id_}/reset")

    async def insert_cdrom(self, zone: str, id_: int, cdrom_id: int) -> None:
        await self.call("PUT", zone, f"server/{id_}/cdrom", {"CDROM": {"ID": cdrom_id}})

    async def eject_cdrom(self, zone: str, id_: int, cdrom_id: int) -> None:
        await self.call("DELETE", zone, f"server/{id_}/cdrom", {"CDROM": {"ID": cdrom_id}})


class ServerPlanOps(FindOps[ServerPlan]):
    PATH = "product/server"
    KEY = "ServerPlan"
    LIST_KEY = "ServerPlans"
    NAME = "ServerPlan"
    model = ServerPlan
