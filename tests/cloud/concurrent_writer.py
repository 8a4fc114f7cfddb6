"""A writer process for the concurrency test: `python -m tests.cloud.concurrent_writer STORE|URL PREFIX N GO`.

Creates N servers named PREFIX-NNN and registers each one on the shared ELB `shared-elb` with a
read-modify-write guarded by SettingsHash (retried on 409), starting when the file GO exists.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

from autoscaler.cloud import FAKE_TIMINGS, CloudError, CloudOptions, ServerCreate, by_names, open_client
from autoscaler.cloud.models import ProxyLBServer


def options(target: str) -> CloudOptions:
    if target.startswith("http"):
        return CloudOptions(
            access_token="t", access_token_secret="s", api_root_url=target, http_request_rate_limit=1000
        ).with_defaults()
    return CloudOptions(
        access_token="t", access_token_secret="s", fake_mode=True, fake_store_path=target
    ).with_defaults()


async def main(target: str, prefix: str, count: int) -> None:
    async with open_client(options(target), timings=FAKE_TIMINGS) as client:
        elb = (await client.elb.find(by_names("shared-elb")))[0]
        for n in range(count):
            server = await client.servers.create(
                "is1a", ServerCreate(name=f"{prefix}-{n:03d}", connected_switches=["shared"], tags=[prefix])
            )
            address = server.interfaces[0].ip_address
            while True:
                current = await client.elb.read(elb.id)
                current.settings.servers.append(ProxyLBServer(ip_address=address, port=80, enabled=True))
                try:
                    await client.elb.update_settings(elb.id, current.settings, current.settings_hash)
                    break
                except CloudError as exc:
                    if exc.status != 409:
                        raise


if __name__ == "__main__":
    go = Path(sys.argv[4])
    while not go.exists():  # start together with the other writers
        time.sleep(0.005)
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
