"""A handler written with the Python API, served by the real runtime in its own process."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import grpc

from autoscaler.proto import handler_pb2 as pb
from autoscaler.proto import handler_pb2_grpc

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "handlers" / "inventory_handler.py"


def post(result: int, name: str, ip: str) -> pb.PostHandleRequest:
    req = pb.PostHandleRequest(scaling_job_id="sg", result=result)  # type: ignore[arg-type]
    sgi = req.current.server_group_instance
    sgi.id, sgi.zone, sgi.name = "1136", "is1a", name
    sgi.network_interfaces.add().assigned_network.ip_address = ip
    return req


def test_inventory_example_handler(tmp_path: Path) -> None:
    sock = tmp_path / "inv.sock"
    inventory = tmp_path / "servers.json"
    log = tmp_path / "handler.log"
    with open(log, "wb") as err:
        proc = subprocess.Popen(
            [
                sys.executable,
                str(EXAMPLE),
                "--addr",
                f"unix:{sock}",
                "--inventory",
                str(inventory),
                "--log-level",
                "debug",
            ],
            stderr=err,
        )
    try:
        deadline = time.monotonic() + 15
        while "msg=started" not in log.read_text():
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline
            time.sleep(0.02)
        with grpc.insecure_channel(f"unix:{sock}") as channel:
            stub = handler_pb2_grpc.HandleServiceStub(channel)
            created = list(stub.PostHandle(post(1, "sg-001", "192.0.2.11")))
            list(stub.PostHandle(post(1, "sg-002", "192.0.2.12")))
            deleted = list(stub.PostHandle(post(3, "sg-001", "192.0.2.11")))
            ignored = list(stub.PostHandle(pb.PostHandleRequest(scaling_job_id="x", result=4)))  # type: ignore[arg-type]
            not_implemented = list(stub.Handle(pb.HandleRequest(scaling_job_id="x")))

        status = pb.HandleResponse.Status.Name
        assert [(status(r.status), r.log) for r in created] == [
            ("ACCEPTED", ""),
            ("DONE", f"created sg-001: 1 server(s) in {inventory}"),
        ]
        assert [status(r.status) for r in deleted] == ["ACCEPTED", "DONE"]
        assert [(status(r.status), r.log) for r in ignored] == [("IGNORED", "")]
        assert not_implemented == []
        assert json.loads(inventory.read_text()) == {
            "sg-002": {"id": "1136", "zone": "is1a", "addresses": ["192.0.2.12"]}
        }
        text = log.read_text()
        assert "from=autoscaler-handlers-inventory" in text
        assert (
            'msg="Handle() ignored request" from=autoscaler-handlers-inventory scaling-job-id=x step=Handle handler=autoscaler-handlers-inventory status=IGNORED'
            in text
        )
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
        assert not sock.exists()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_old_sdk_names_still_import_with_a_deprecation_warning() -> None:
    probe = (
        "import warnings\n"
        "warnings.simplefilter('error')\n"
        "import autoscaler.sdk as sdk\n"
        "try:\n"
        "    from autoscaler.handlers import main\n"
        "except DeprecationWarning as w:\n"
        "    print('warned:', w)\n"
        "warnings.simplefilter('ignore')\n"
        "from autoscaler.handlers import Handler, main\n"
        "print(Handler is sdk.Handler, main is sdk.main)\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout == (
        "warned: autoscaler.handlers.main is deprecated; import it from autoscaler.sdk\nTrue True\n"
    )
