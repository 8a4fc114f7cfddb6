"""The setup grace period: how long a scaler waits once the resource it changed is up again."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from ...cloud.client import CloudClient
from ...golang.duration import go_duration


def grace_for(client: CloudClient, seconds: int) -> float:
    """How long the setup grace period really lasts.

    On the fake cloud there is no software to set up on a server that just came up, so the
    wait is cut to the fake's own transition time (`SAKURACLOUD_FAKE_DELAY`, default 0).
    """
    if not client.fake_mode:
        return float(seconds)
    return min(float(seconds), max(client.options.fake_delay, 0.0))


async def grace_sleep(client: CloudClient, seconds: int, running: Callable[[str], Awaitable[None]]) -> None:
    """Report RUNNING `waiting for setup to complete: ...` and sleep (a plain sleep, as upstream)."""
    if seconds <= 0:
        return
    wait = grace_for(client, seconds)
    note = "" if wait == seconds else f" (fake cloud: {go_duration(wait)})"
    await running(f"waiting for setup to complete: setup_grace_period={seconds}{note}")
    await asyncio.sleep(wait)
