"""Disks (create, create with a disk edit, read, find, edit, delete).

disk = await client.disks.create_with_config(
    "is1a",
    DiskCreate(name="web-001-disk001", plan_id=DISK_PLAN_SSD, size_mb=20480,
               source_archive_id=archive.id, server_id=server.id),
    DiskEdit(host_name="web-001", password="...", note_ids=[note.id]),
)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..encoding import ref
from ..models import Disk
from .base import FindOps

DISK_PLAN_SSD = 4
DISK_PLAN_HDD = 2


def disk_plan_id(name: str) -> int:
    """`ssd` → 4, `hdd` → 2, anything else → 0 (the API's default)."""
    return {"ssd": DISK_PLAN_SSD, "hdd": DISK_PLAN_HDD}.get(name, 0)


@dataclass(frozen=True)
class DiskCreate:
    name: str
    description: str = ""
    tags: Sequence[str] = ()
    icon_id: int = 0
    plan_id: int = 0
    connection: str = ""
    size_mb: int = 0
    source_archive_id: int = 0
    source_disk_id: int = 0
    server_id: int = 0

    def disk(self) -> dict[str, Any]:
        disk: dict[str, Any] = {}
        if self.name:
            disk["Name"] = self.name
        disk["Description"] = self.description
        disk["Tags"] = sorted(self.tags)
        disk["Icon"] = ref(self.icon_id)
        disk["Plan"] = ref(self.plan_id)
        if self.connection:
            disk["Connection"] = self.connection
        if self.size_mb:
            disk["SizeMB"] = self.size_mb
        if self.source_archive_id:
            disk["SourceArchive"] = {"ID": self.source_archive_id}
        if self.source_disk_id:
            disk["SourceDisk"] = {"ID": self.source_disk_id}
        disk["Server"] = ref(self.server_id)
        return disk


@dataclass(frozen=True)
class DiskEdit:
    """The disk-edit ("modify disk") parameters; empty members are not sent."""

    background: bool = True
    password: str = ""
    ssh_keys: Sequence[str] = ()
    ssh_key_ids: Sequence[int] = ()
    disable_pw_auth: bool = False
    enable_dhcp: bool = False
    change_partition_uuid: bool = False
    host_name: str = ""
    note_ids: Sequence[int] = ()
    user_ip_address: str = ""
    network_mask_len: int = 0
    default_route: str = ""

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.background:
            out["Background"] = True
        if self.password:
            out["Password"] = self.password
        keys: list[dict[str, Any]] = [{"PublicKey": k} for k in self.ssh_keys]
        keys += [{"ID": i} for i in self.ssh_key_ids if i]
        if keys:
            out["SSHKeys"] = keys
        if self.disable_pw_auth:
            out["DisablePWAuth"] = True
        if self.enable_dhcp:
            out["EnableDHCP"] = True
        if self.change_partition_uuid:
            out["ChangePartitionUUID"] = True
        if self.host_name:
            out["HostName"] = self.host_name
        if self.note_ids:
            out["Notes"] = [{"ID": i} for i in self.note_ids]
        if self.user_ip_address:
            out["UserIPAddress"] = self.user_ip_address
        if self.network_mask_len > 0 or self.default_route:
            out["UserSubnet"] = {"DefaultRoute": self.default_route, "NetworkMaskLen": self.network_mask_len}
        return out


class DiskOps(FindOps[Disk]):
    PATH = "disk"
    KEY = "Disk"
    LIST_KEY = "Disks"
    NAME = "Disk"
    model = Disk

    async def create(self, zone: str, request: DiskCreate) -> Disk:
        return await self._post(zone, {"Disk": request.disk(), "KMSKey": {}})

    async def create_with_config(
        self, zone: str, request: DiskCreate, edit: DiskEdit, boot_at_available: bool = False
    ) -> Disk:
        body: dict[str, Any] = {"Disk": request.disk(), "Config": edit.body(), "KMSKey": {}}
        if boot_at_available:
            body["BootAtAvailable"] = True
        return await self._post(zone, body, "CreateWithConfig")

    async def config(self, zone: str, id_: int, edit: DiskEdit) -> None:
        await self.call("PUT", zone, f"disk/{id_}/config", edit.body())

    async def delete(self, zone: str, id_: int) -> None:
        await self.call("DELETE", zone, f"disk/{id_}")
