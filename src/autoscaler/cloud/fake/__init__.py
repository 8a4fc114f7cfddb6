"""The fake cloud: the SAKURA Cloud IaaS API as an ASGI app over a SQLite store.

    cloud = FakeCloud("/tmp/fake.sqlite3", delay=0.2)    # or delays=Delays(boot=1, shutdown=0.5, disk_copy=2)
    transport = httpx.ASGITransport(app=cloud.app)     # in-process, as `open_client` does
    ...
    cloud.close()

or over real HTTP with `autoscaler fake-cloud serve --addr 127.0.0.1:8800`.

It behaves like the real service wherever the autoscaler can tell: a server's plan change
gives it a new ID (tags, disks and NICs kept), a router's bandwidth change a new ID and
CreatedAt; power moves through `down`/`cleaning` for the boot or shutdown delay before reaching
`up`/`down`; disk copies are `migrating` for the disk-copy delay; ModifiedAt moves on every change;
settings updates check `SettingsHash`; finds honour filters, sort and paging; new IDs, MAC
and shared-segment addresses come from pools. Its state survives restarts and may be shared by
several processes (see store.py).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import httpx

from .app import FakeApp
from .clock import Delays
from .seed import seed_builtin
from .store import Store, StoreError

if TYPE_CHECKING:
    from ..config import CloudOptions

__all__ = ["Delays", "FakeCloud", "FakeTransport", "StoreError", "transport"]


class FakeCloud:
    """A store plus the app answering API requests from it.

    Transitions take `delays` (each kind apart), else `delay` seconds each.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        delay: float = 0.0,
        delays: Delays | None = None,
        default_zone: str = "is1a",
        require_auth: bool = True,
    ) -> None:
        self.store = Store(path, seed=seed_builtin)
        self.delays = (delays if delays is not None else Delays.every(delay)).clamped()
        self.default_zone = default_zone
        self.app = FakeApp(self, require_auth=require_auth)

    def reset(self) -> None:
        """Forget every resource; the catalogue is seeded again."""
        self.store.reset(seed_builtin)

    def close(self) -> None:
        self.store.close()


class FakeTransport(httpx.ASGITransport):
    """An httpx transport answering from a `FakeCloud` in-process; closing it closes the store."""

    def __init__(self, cloud: FakeCloud) -> None:
        super().__init__(app=cloud.app)
        self.cloud = cloud

    async def aclose(self) -> None:
        await super().aclose()
        self.cloud.close()


def transport(options: CloudOptions) -> FakeTransport:
    """The in-process fake for these options: `SAKURACLOUD_FAKE_STORE_PATH` (or the per-user
    default store) and the `SAKURACLOUD_FAKE_DELAY…` delays. Raises `StoreError` for an unusable
    store."""
    from ..config import fake_store_path

    cloud = FakeCloud(
        fake_store_path(options),
        delays=Delays.of(options),
        default_zone=options.default_zone,
        require_auth=False,  # upstream's fake mode never looks at credentials
    )
    return FakeTransport(cloud)
