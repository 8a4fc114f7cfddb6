#!/usr/bin/env python3
"""A custom handler written with the Python API: keep an inventory of scaled servers.

After the Core created, updated or deleted a server (PostHandle), record it in a JSON file so
other tools (a load balancer template, a monitoring config) can read the current set.

    python examples/handlers/inventory_handler.py --addr unix:inventory.sock --inventory servers.json

Then list it in the Core's configuration:

    handlers:
      - name: inventory
        endpoint: unix:inventory.sock
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from autoscaler.sdk import Handler, PostHandleRequest, Reporter, main

RESULTS = {1: "CREATED", 2: "UPDATED", 3: "DELETED"}


class Inventory(Handler):
    name = "inventory"

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = asyncio.Lock()  # one writer at a time; the Core may call concurrently

    async def post_handle(self, request: PostHandleRequest, reporter: Reporter) -> None:
        which = request.current.WhichOneof("resource") if request.HasField("current") else None
        if request.result not in RESULTS or which not in ("server", "server_group_instance"):
            await reporter.ignored()
            return
        server = getattr(request.current, which)
        await reporter.accepted()
        async with self._lock:
            servers = json.loads(self.path.read_text()) if self.path.exists() else {}
            if request.result == 3:
                servers.pop(server.name, None)
            else:
                servers[server.name] = {
                    "id": server.id,
                    "zone": server.zone,
                    "addresses": [nic.ip_address for nic in getattr(server, "assigned_network", [])]
                    or [nic.assigned_network.ip_address for nic in getattr(server, "network_interfaces", [])],
                }
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(servers, indent=2, sort_keys=True) + "\n")
            os.replace(tmp, self.path)  # readers never see a half-written file
        await reporter.done(
            f"{RESULTS[request.result].lower()} {server.name}: {len(servers)} server(s) in {self.path}"
        )


def cli(argv: list[str]) -> None:
    inventory = Path("inventory.json")
    if "--inventory" in argv:
        i = argv.index("--inventory")
        inventory = Path(argv[i + 1])
        del argv[i : i + 2]
    main(Inventory(inventory), argv, default_addr="unix:inventory-handler.sock")


if __name__ == "__main__":
    cli(sys.argv[1:])
