"""The setup grace period: how long a scaler waits once the resource it changed is up again."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from ...cloud.client import CloudClient
from ...golang.duration import go_duration


def grace_for(client: CloudClient, seconds: int) -> float:
    """How long the setup grace period really lasts: the client's timings may cap it (in fake
    mode, to the fake's boot delay)."""
    return client.timings.setup_grace(seconds)


async def grace_sleep(client: CloudClient, seconds: int, running: Callable[[str], Awaitable[None]]) -> None:
    """Report RUNNING `waiting for setup to complete: ...` and sleep (a plain sleep, as upstream)."""
    if seconds <= 0:
        return
    wait = grace_for(client, seconds)
    reason = client.timings.setup_grace_cap_reason
    note = "" if wait == seconds else f" ({reason}: {go_duration(wait)})"
    await running(f"waiting for setup to complete: setup_grace_period={seconds}{note}")
    await asyncio.sleep(wait)
