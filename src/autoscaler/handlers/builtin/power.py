"""Power operations and waits shared by the server scalers (boot, shutdown, ready disks).

Timings follow the API library upstream uses: the first power request waits one retry
interval and is retried while the server is still being created; the state is polled until
it is reached, re-sending the request now and then. With the fake cloud all of these are a
few milliseconds, so a whole scaling runs in well under a second.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from ...cloud.client import FAKE_TIMINGS, REAL_TIMINGS, Timings
from ...durations import go_duration
from .api import CloudError, CloudOps, Wire


def timings_for(ops: CloudOps) -> Timings:
    """The cloud client's intervals: upstream's real values, or its short fake-mode ones."""
    return FAKE_TIMINGS if getattr(ops.transport, "fake", False) else REAL_TIMINGS


def _status(server: Wire) -> str:
    return str((server.get("Instance") or {}).get("Status") or "").lower()


Send = Callable[[], Awaitable[None]]


async def _first_request(ops: CloudOps, send: Send, t: Timings) -> None:
    deadline = time.monotonic() + t.power_retry_timeout
    while True:
        await asyncio.sleep(t.power_retry_interval)
        try:
            await send()
            return
        except CloudError as exc:
            if exc.status == 409 and exc.code == "still_creating" and time.monotonic() < deadline:
                continue
            if exc.status == 409 and exc.code == "still_creating":
                raise RuntimeError(f"powerRequestWithRetry: timed out: {exc}") from None
            raise


async def _wait(ops: CloudOps, zone: str, server_id: str, target: str, resend: Send, t: Timings) -> Wire:
    deadline = time.monotonic() + t.poll_timeout
    last_request = time.monotonic()
    resending = True
    while True:
        await asyncio.sleep(t.poll_interval)
        server = await ops.read("Server", zone, server_id)
        status = _status(server)
        if server.get("Availability") == "available" and status == target:
            return server
        if time.monotonic() > deadline:
            raise TimeoutError(f"waiting for server {server_id} to be {target}: context deadline exceeded")
        other = "down" if target == "up" else "up"
        if resending and status == other and time.monotonic() - last_request >= t.power_rerequest_interval:
            last_request = time.monotonic()
            try:
                await resend()
            except CloudError as exc:
                if exc.status != 409:
                    raise
                resending = False


async def shutdown(ops: CloudOps, zone: str, server_id: str, force: bool) -> Wire:
    t = timings_for(ops)
    body: Wire = {"Force": True} if force else {}

    async def send() -> None:
        await ops.call("DELETE", zone, f"server/{server_id}/power", body)

    await _first_request(ops, send, t)
    return await _wait(ops, zone, server_id, "down", send, t)


async def boot(ops: CloudOps, zone: str, server_id: str, user_data: str = "") -> Wire:
    t = timings_for(ops)
    body: Wire | None = {"UserBootVariables": {"CloudInit": {"UserData": user_data}}} if user_data else None

    async def send() -> None:
        await ops.call("PUT", zone, f"server/{server_id}/power", body)

    await _first_request(ops, send, t)
    return await _wait(ops, zone, server_id, "up", send, t)


async def disk_ready(ops: CloudOps, zone: str, disk_id: str) -> Wire:
    t = timings_for(ops)
    deadline = time.monotonic() + t.poll_timeout
    while True:
        await asyncio.sleep(t.poll_interval)
        disk = await ops.read("Disk", zone, disk_id)
        if disk.get("Availability") == "available":
            return disk
        if time.monotonic() > deadline:
            raise TimeoutError(f"waiting for disk {disk_id}: context deadline exceeded")


def is_up(server: Wire) -> bool:
    return _status(server) == "up"


def previous_id_tags(tags: list[str], current_id: str) -> list[str] | None:
    """Tags with `@previous-id=<id>` (replacing older ones), or None when 10 or more tags."""
    if len(tags) >= 10:
        return None
    kept = [t for t in tags if not t.startswith("@previous-id")]
    return sorted([*kept, f"@previous-id={current_id}"])


def grace_for(ops: CloudOps, seconds: int) -> float:
    """How long the setup grace period really lasts.

    On the fake cloud there is no software to set up on a server that just came up, so the
    wait is cut to the fake's own transition time (`SAKURACLOUD_FAKE_DELAY`, default 0).
    """
    if not getattr(ops.transport, "fake", False):
        return float(seconds)
    return min(float(seconds), max(float(getattr(ops.transport, "fake_delay", 0.0)), 0.0))


async def grace_sleep(ops: CloudOps, seconds: int, running: Callable[[str], Awaitable[None]]) -> None:
    if seconds <= 0:
        return
    wait = grace_for(ops, seconds)
    note = "" if wait == seconds else f" (fake cloud: {go_duration(wait)})"
    await running(f"waiting for setup to complete: setup_grace_period={seconds}{note}")
    await asyncio.sleep(wait)
