"""The wire contract: generated code matches proto/, and messages encode as upstream's do."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

from autoscaler.proto import handler_pb2 as pb
from autoscaler.proto import request_pb2

ROOT = Path(__file__).resolve().parents[1]


def _genproto() -> object:
    spec = importlib.util.spec_from_file_location("genproto", ROOT / "tools" / "genproto.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_code_is_up_to_date(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    produced = _genproto().generate(tmp_path)  # type: ignore[attr-defined]
    names = sorted(p.name for p in produced)
    assert names == sorted(p.name for p in (ROOT / "src" / "autoscaler" / "proto").glob("*_pb2*"))
    for path in produced:
        committed = ROOT / "src" / "autoscaler" / "proto" / path.name
        assert committed.read_text() == path.read_text(), f"{path.name} is stale: run `make proto`"


def test_descriptor_names_match_upstream() -> None:
    assert (pb.DESCRIPTOR.name, pb.DESCRIPTOR.package) == ("handler.proto", "autoscaler")
    assert (request_pb2.DESCRIPTOR.name, request_pb2.DESCRIPTOR.package) == ("request.proto", "autoscaler")
    assert list(pb.DESCRIPTOR.services_by_name) == ["HandleService"]
    assert list(request_pb2.DESCRIPTOR.services_by_name) == ["ScalingService"]
    methods = pb.DESCRIPTOR.services_by_name["HandleService"].methods
    assert [(m.name, m.input_type.name, m.output_type.name, m.server_streaming) for m in methods] == [
        ("PreHandle", "HandleRequest", "HandleResponse", True),
        ("Handle", "HandleRequest", "HandleResponse", True),
        ("PostHandle", "PostHandleRequest", "HandleResponse", True),
    ]


@pytest.mark.parametrize(
    ("message", "hex_"),
    [
        (
            pb.HandleResponse(scaling_job_id="web-server", status=pb.HandleResponse.DONE, log="hello\n"),
            "0a0a7765622d736572766572100e1a0668656c6c6f0a",
        ),
        (
            pb.HandleRequest(
                scaling_job_id="router", instruction=pb.NOOP, desired=pb.Resource(router=pb.Router())
            ),
            "1a06726f7574657220042a023200",
        ),
        (pb.HandleRequest(desired=pb.Resource()), "2a00"),
    ],
)
def test_wire_vectors(message: pb.HandleRequest | pb.HandleResponse, hex_: str) -> None:
    assert message.SerializeToString().hex() == hex_
    assert type(message).FromString(bytes.fromhex(hex_)) == message


def test_field_numbers_and_reserved_ranges() -> None:
    server = pb.Server.DESCRIPTOR
    assert [(f.name, f.number) for f in server.fields] == [
        ("parent", 1),
        ("id", 11),
        ("zone", 12),
        ("core", 13),
        ("memory", 14),
        ("dedicated_cpu", 15),
        ("gpu", 19),
        ("cpu_model", 20),
        ("assigned_network", 16),
        ("name", 17),
        ("shutdown_force", 18),
    ]
    from google.protobuf import descriptor_pb2

    proto = descriptor_pb2.FileDescriptorProto()
    pb.DESCRIPTOR.CopyToProto(proto)
    reserved = {m.name: [(r.start, r.end - 1) for r in m.reserved_range] for m in proto.message_type}
    assert reserved["Server"] == [(2, 10)]
    assert reserved["GSLB"] == [(1, 10)]
    assert reserved["HandleRequest"] == []
    status = next(m for m in proto.message_type if m.name == "HandleResponse").enum_type[0]
    assert [(r.start, r.end) for r in status.reserved_range] == [(1, 10)]
    assert {v.name: v.number for v in status.value} == {
        "UNKNOWN": 0,
        "RECEIVED": 11,
        "ACCEPTED": 12,
        "RUNNING": 13,
        "DONE": 14,
        "IGNORED": 15,
    }
    assert {v.name: v.number for v in request_pb2.ScalingJobStatus.DESCRIPTOR.values} == {
        "JOB_UNKNOWN": 0,
        "JOB_ACCEPTED": 1,
        "JOB_RUNNING": 2,
        "JOB_DONE": 3,
        "JOB_CANCELED": 4,
        "JOB_IGNORED": 5,
        "JOB_FAILED": 6,
        "JOB_DONE_NOOP": 7,
    }
