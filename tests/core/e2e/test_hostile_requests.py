"""The Core against what a careless or hostile caller sends (issue 12, items 6, 7, 8 and 11): a
real Core process on a real socket, its log read back."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from collections import defaultdict

import grpc

from autoscaler.proto import request_pb2, request_pb2_grpc

from .harness import Proc, Stack, autoscaler_cmd, done
from .test_scaling import SERVER_SEED

CONFIG = """
resources:
  - type: Server
    name: web
    selector: {names: [web], zones: [is1a]}
    plans:
      - {core: 1, memory: 1}
      - {core: 2, memory: 4}
autoscaler:
  cooldown: 1
"""


def _json_core(stack: Stack) -> Proc:
    """The Core with JSON logs, started at umask 000 (as a careless service manager might)."""
    path = stack.write("autoscaler.yaml", CONFIG)
    proc = Proc(
        "core",
        autoscaler_cmd(
            "start", "--addr", f"unix:{stack.core_socket}", "--config", str(path), "--log-format", "json"
        ),
        stack.dir,
        stack.env,
    )
    old = os.umask(0)
    try:
        proc.start()
    finally:
        os.umask(old)
    stack.procs.append(proc)
    proc.wait_log('"msg":"started"')
    return proc


def test_the_core_against_garbage_huge_names_and_an_open_umask(stack: Stack) -> None:
    stack.seed(SERVER_SEED)
    core = _json_core(stack)
    assert stat.S_IMODE(os.stat(stack.core_socket).st_mode) == 0o660

    with grpc.insecure_channel(f"unix:{stack.core_socket}") as channel:
        up = channel.unary_unary(
            "/autoscaler.ScalingService/Up", request_serializer=None, response_deserializer=None
        )
        try:
            up(b"\xff\xff\xff\xff", timeout=30)
            raise AssertionError("a garbage request was answered")
        except grpc.RpcError as exc:
            assert exc.code() == grpc.StatusCode.INTERNAL
            assert (
                exc.details()
                == "grpc: error unmarshalling request: proto: cannot parse invalid wire-format data"
            )

        before = len(core.log())
        stub = request_pb2_grpc.ScalingServiceStub(channel)
        try:
            stub.Up(request_pb2.ScalingRequest(resource_name="x" * 1_000_000), timeout=30)
            raise AssertionError("an unknown resource was accepted")
        except grpc.RpcError as exc:
            assert exc.code() == grpc.StatusCode.UNKNOWN
        grown = len(core.log()) - before
    assert grown < 20_000, grown  # three lines name it, each cut at 4096 characters
    assert "…[truncated: 1000000 bytes]" in core.log()

    stack.past_cooldown(1)
    assert done(stack.request("Up", "web"))

    types: dict[str, set[str]] = defaultdict(set)
    for line in core.log().splitlines():
        for key, value in json.loads(line).items():
            types[key].add(type(value).__name__)
    mixed = {k: v for k, v in types.items() if len(v) > 1}
    assert mixed == {}
    assert types["request"] == {"str"} and types["status"] == {"str"}
    assert "Traceback" not in core.log()


def test_a_core_socket_path_too_long_is_one_clean_line(stack: Stack) -> None:
    stack.seed(SERVER_SEED)
    path = stack.write("autoscaler.yaml", CONFIG)
    long_socket = stack.dir / ("c" * (130 - len(str(stack.dir))))
    result = subprocess.run(
        autoscaler_cmd("start", "--addr", f"unix:{long_socket}", "--config", str(path)),
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=stack.dir,
    )
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if "level=INFO" not in line]
    assert errors == [
        f"Error: net.Listen failed: listen unix {long_socket}: bind: invalid argument (the socket path is "
        f"{len(str(long_socket))} bytes; a unix socket address holds at most 107)"
    ]
