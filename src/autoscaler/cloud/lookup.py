"""Reads that follow a replaced resource, and the archive of an OS type (cloud-api.md §5).

`read_server`, `read_router`, `read_proxylb` (the Core's refresh after a plan change): a 404
falls back to the resource tagged `@previous-id=<id>`.

`find_archive_by_os_type(client, zone, "ubuntu")`: the shared archive an `os_type` names
(`OS_TYPES` lists them with their archive tags).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, NamedTuple, TypeVar

from .conditions import FindCondition, previous_id_tag, scalar, tags_and
from .encoding import WireModel
from .errors import CloudError, NoResultsError
from .models import Archive, Internet, ProxyLB, Server
from .ops.base import FindResult

if TYPE_CHECKING:
    from .client import CloudClient

M = TypeVar("M", bound=WireModel)

# --- reads with previous-ID fallback -------------------------------------------------------------


async def _read_following(
    read: Callable[[], Awaitable[M]],
    find: Callable[[FindCondition], Awaitable[FindResult[M]]],
    kind: str,
    id_: int,
) -> M:
    """Read by ID; after a 404, the first resource tagged `@previous-id=<id>`."""
    try:
        return await read()
    except CloudError as exc:
        if not exc.is_not_found:
            raise
    found = (await find(FindCondition(filter={"Tags.Name": tags_and(previous_id_tag(id_))}))).first()
    if found is None:
        raise NoResultsError(f"{kind}[{id_}] not found (also not by @previous-id)")
    return found


async def read_server(client: CloudClient, zone: str, id_: int) -> Server:
    return await _read_following(
        lambda: client.servers.read(zone, id_), lambda c: client.servers.find(zone, c), "Server", id_
    )


async def read_router(client: CloudClient, zone: str, id_: int) -> Internet:
    return await _read_following(
        lambda: client.internet.read(zone, id_), lambda c: client.internet.find(zone, c), "Internet", id_
    )


async def read_proxylb(client: CloudClient, id_: int) -> ProxyLB:
    return await _read_following(lambda: client.elb.read(id_), client.elb.find, "ProxyLB", id_)


# --- OS types ------------------------------------------------------------------------------------


class OSType(NamedTuple):
    """An `os_type` of a disk template: its name in upstream's messages and its archive tags."""

    name: str
    tags: tuple[str, ...]


OS_TYPES: dict[str, OSType] = {
    "almalinux": OSType("AlmaLinux", ("current-stable", "distro-alma")),
    "almalinux10": OSType("AlmaLinux10", ("alma-10-latest",)),
    "almalinux9": OSType("AlmaLinux9", ("alma-9-latest",)),
    "almalinux8": OSType("AlmaLinux8", ("alma-8-latest",)),
    "rockylinux": OSType("RockyLinux", ("current-stable", "distro-rocky")),
    "rockylinux10": OSType("RockyLinux10", ("rocky-10-latest",)),
    "rockylinux9": OSType("RockyLinux9", ("rocky-9-latest",)),
    "rockylinux8": OSType("RockyLinux8", ("rocky-8-latest",)),
    "miracle": OSType("MiracleLinux", ("current-stable", "distro-miracle")),
    "miraclelinux": OSType("MiracleLinux", ("current-stable", "distro-miracle")),
    "miracle9": OSType("MiracleLinux9", ("miracle-9-latest",)),
    "miraclelinux9": OSType("MiracleLinux9", ("miracle-9-latest",)),
    "miracle8": OSType("MiracleLinux8", ("miracle-8-latest",)),
    "miraclelinux8": OSType("MiracleLinux8", ("miracle-8-latest",)),
    "ubuntu": OSType("Ubuntu", ("current-stable", "distro-ubuntu")),
    "ubuntu2404": OSType("Ubuntu2404", ("ubuntu-24.04-latest",)),
    "ubuntu2204": OSType("Ubuntu2204", ("ubuntu-22.04-latest",)),
    "debian": OSType("Debian", ("current-stable", "distro-debian")),
    "debian12": OSType("Debian12", ("debian-12-latest",)),
    "debian11": OSType("Debian11", ("debian-11-latest",)),
    "kusanagi": OSType("Kusanagi", ("current-stable", "pkg-kusanagi")),
}


async def find_archive_by_os_type(client: CloudClient, zone: str, os_type: str) -> Archive:
    """The first shared archive carrying the OS type's tags (an unknown name is upstream's `Custom`)."""
    known = OS_TYPES.get(os_type)
    if known is None:
        raise NoResultsError("unsupported ostype.ArchiveOSType: Custom")
    cond = FindCondition(filter={"Tags.Name": tags_and(*known.tags), "Scope": scalar("shared")})
    found = (await client.archives.find(zone, cond)).first()
    if found is None:
        raise NoResultsError(f"archive not found with ostype.ArchiveOSType: {known.name}")
    return found
