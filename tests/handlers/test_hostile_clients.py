"""The handler against garbage requests, a careless umask and an impossible address (issue 12,
items 6, 7 and 8), as a real process on a real socket."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import grpc
import pytest

from .conftest import StartHandler
from .harness import autoscaler_cmd, write_script

GARBAGE = b"\xff\xff\xff\xff"  # a field number 0x1fffffff... with a truncated varint: never decodes
BAD_UTF8 = b"\x0a\x02\xff\xfe"  # field 1 (source, a string) holding invalid UTF-8


@pytest.mark.parametrize(
    ("method", "raw", "reason"),
    [
        ("/autoscaler.HandleService/Handle", GARBAGE, "proto: cannot parse invalid wire-format data"),
        ("/autoscaler.HandleService/PostHandle", BAD_UTF8, "proto: string field contains invalid UTF-8"),
        ("/grpc.health.v1.Health/Check", GARBAGE, "proto: cannot parse invalid wire-format data"),
    ],
)
def test_an_undecodable_request_is_internal_as_grpc_go_says(
    tmp_path: Path, start_handler: StartHandler, method: str, raw: bytes, reason: str
) -> None:
    script = write_script(tmp_path / "h.sh", "#!/bin/sh\ntouch ran\n")
    handler = start_handler("--executable-path", str(script), "--handler-type", "handle,post-handle")
    with grpc.insecure_channel(handler.target) as channel:
        if "Health" in method:
            call = channel.unary_unary(method, request_serializer=None, response_deserializer=None)
            with pytest.raises(grpc.RpcError) as err:
                call(raw, timeout=30)
        else:
            stream = channel.unary_stream(method, request_serializer=None, response_deserializer=None)
            with pytest.raises(grpc.RpcError) as err:
                list(stream(raw, timeout=30))
    assert err.value.code() == grpc.StatusCode.INTERNAL
    assert err.value.details() == f"grpc: error unmarshalling request: {reason}"
    assert not (tmp_path / "ran").exists()
    assert "Traceback" not in handler.log() and "Unexpected" not in handler.log()


def test_reflection_stream_with_garbage_is_internal(tmp_path: Path, start_handler: StartHandler) -> None:
    handler = start_handler(
        "--executable-path", str(write_script(tmp_path / "h.sh", "#!/bin/sh\n")), "--handler-type", "handle"
    )
    with grpc.insecure_channel(handler.target) as channel:
        stream = channel.stream_stream(
            "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
            request_serializer=None,
            response_deserializer=None,
        )
        with pytest.raises(grpc.RpcError) as err:
            list(stream(iter([GARBAGE]), timeout=30))
    assert err.value.code() == grpc.StatusCode.INTERNAL
    assert err.value.details().startswith("grpc: error unmarshalling request: ")


@pytest.mark.parametrize(("flags", "mode"), [((), 0o660), (("--socket-mode", "0600"), 0o600)])
def test_socket_mode_does_not_follow_an_open_umask(
    tmp_path: Path, start_handler: StartHandler, flags: tuple[str, ...], mode: int
) -> None:
    script = write_script(tmp_path / "h.sh", "#!/bin/sh\n")
    handler = start_handler("--executable-path", str(script), "--handler-type", "handle", *flags, umask=0)
    assert stat.S_IMODE(os.stat(handler.socket_path).st_mode) == mode


def test_a_socket_path_too_long_is_one_clean_line(tmp_path: Path) -> None:
    script = write_script(tmp_path / "h.sh", "#!/bin/sh\n")
    path = tmp_path / ("s" * (120 - len(str(tmp_path))))
    result = subprocess.run(
        autoscaler_cmd(
            "handlers",
            "local-exec",
            "--addr",
            f"unix:{path}",
            "--executable-path",
            str(script),
            "--handler-type",
            "handle",
        ),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert (
        f"net.Listen failed: listen unix {path}: bind: invalid argument (the socket path is 121 bytes"
        in lines[0]
    )
    assert not path.exists()
