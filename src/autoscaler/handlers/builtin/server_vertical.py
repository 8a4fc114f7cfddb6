"""`server-vertical-scaler`: change a server's plan (shut down, change, boot again)."""

from __future__ import annotations

from ...proto import handler_pb2 as pb
from ..contract import Handler, HandleRequest, Reporter
from .api import CloudOps, wire_id
from .power import boot, grace_sleep, is_up, previous_id_tags, shutdown


class ServerVerticalScaler(Handler):
    name = "server-vertical-scaler"

    def __init__(self, ops: CloudOps) -> None:
        self.ops = ops

    async def handle(self, request: HandleRequest, reporter: Reporter) -> None:
        if request.desired.WhichOneof("resource") != "server" or request.instruction != pb.UPDATE:
            await reporter.ignored()
            return
        desired = request.desired.server
        zone, server_id = desired.zone, desired.id
        await reporter.accepted()
        await reporter.running()
        server = await self.ops.read("Server", zone, server_id)
        was_up = is_up(server)
        if was_up:
            await reporter.running("shutting down...")
            await shutdown(self.ops, zone, server_id, desired.shutdown_force)
            await reporter.running("shut down")
        await reporter.running(f"plan changing: {{Core:{desired.core}, Memory:{desired.memory}}}")
        new_id = await self._change_plan(zone, server_id, desired)
        await reporter.running(f"plan changed: {{ServerIDFrom:{server_id}, ServerIDTo:{new_id}}}")
        if was_up:
            await reporter.running("starting...")
            await boot(self.ops, zone, new_id)
            await reporter.running("started")
        await grace_sleep(self.ops, request.setup_grace_period, reporter.running)
        await reporter.done()

    async def _change_plan(self, zone: str, server_id: str, desired: pb.Server) -> str:
        server = await self.ops.read("Server", zone, server_id)
        tags = previous_id_tags(list(server.get("Tags") or []), server_id)
        if tags is not None:
            body = {
                "Server": {
                    "Name": server.get("Name") or "",
                    "Description": server.get("Description") or "",
                    "Tags": tags,
                    "Icon": {"ID": (server.get("Icon") or {}).get("ID")}
                    if (server.get("Icon") or {}).get("ID")
                    else {},
                    "PrivateHost": {"ID": (server.get("PrivateHost") or {}).get("ID")}
                    if (server.get("PrivateHost") or {}).get("ID")
                    else {},
                    "InterfaceDriver": server.get("InterfaceDriver") or "",
                    "WaitDiskMigration": False,
                }
            }
            await self.ops.call("PUT", zone, f"server/{server_id}", body)
        plan: dict[str, object] = {
            "CPU": desired.core,
            "MemoryMB": desired.memory * 1024,
            "Commitment": "dedicatedcpu" if desired.dedicated_cpu else "standard",
        }
        if desired.gpu:
            plan["GPU"] = desired.gpu
        if desired.cpu_model:
            plan["CPUModel"] = desired.cpu_model
        answer = await self.ops.call("PUT", zone, f"server/{server_id}/plan", plan)
        return wire_id(answer.get("Server") or {}) or server_id
