"""Archives, CD-ROMs, private hosts, icons, notes and the account's auth status."""

from __future__ import annotations

from ..encoding import ref
from ..models import CDROM, Archive, AuthStatus, Icon, Note, PrivateHost
from .base import FindOps, GlobalFindOps, Ops


class ArchiveOps(FindOps[Archive]):
    PATH = "archive"
    KEY = "Archive"
    LIST_KEY = "Archives"
    NAME = "Archive"
    model = Archive


class CDROMOps(FindOps[CDROM]):
    PATH = "cdrom"
    KEY = "CDROM"
    LIST_KEY = "CDROMs"
    NAME = "CDROM"
    model = CDROM


class PrivateHostOps(FindOps[PrivateHost]):
    PATH = "privatehost"
    KEY = "PrivateHost"
    LIST_KEY = "PrivateHosts"
    NAME = "PrivateHost"
    model = PrivateHost


class IconOps(GlobalFindOps[Icon]):
    PATH = "icon"
    KEY = "Icon"
    LIST_KEY = "Icons"
    NAME = "Icon"
    model = Icon


class NoteOps(GlobalFindOps[Note]):
    PATH = "note"
    KEY = "Note"
    LIST_KEY = "Notes"
    NAME = "Note"
    model = Note

    async def create(self, name: str, content: str, class_: str = "shell", icon_id: int = 0) -> Note:
        body = {"Note": {"Name": name, "Class": class_, "Content": content, "Tags": [], "Icon": ref(icon_id)}}
        return await self._post(None, body)

    async def delete(self, id_: int) -> None:
        await self.call("DELETE", None, f"note/{id_}")


class AuthStatusOps(Ops[AuthStatus]):
    """`auth-status` answers with the account fields at the top level (no envelope key)."""

    GLOBAL = True
    NAME = "AuthStatus"
    model = AuthStatus

    async def read(self) -> AuthStatus:
        return self.parse(await self.call("GET", None, "auth-status"))
