"""`autoscaler inputs direct` against a real gRPC Core: the request, stdout, exit statuses."""

from __future__ import annotations

import asyncio
from pathlib import Path

import grpc
import pytest

from autoscaler.cli.main import main
from autoscaler.proto import request_pb2 as pb

from .conftest import RecordingCore, Reply
from .process import autoscaler_cmd


async def direct(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run the CLI in a thread (the Core answers on this loop); (status, stdout, stderr)."""

    def run() -> int:
        try:
            main(["inputs", "direct", *args])
        except SystemExit as exc:
            return int(exc.code or 0)
        return 0

    status = await asyncio.to_thread(run)
    out, err = capsys.readouterr()
    return status, out, err


async def test_up_with_defaults(core: RecordingCore, capsys: pytest.CaptureFixture[str]) -> None:
    assert await direct(capsys, "up", "--dest", core.address) == (
        0,
        "status: JOB_ACCEPTED, job-id: default\n",
        "",
    )
    sent = core.received[0]
    assert sent.method == "Up"
    # direct sends an empty desired state (the HTTP inputs send "default").
    assert (
        sent.request.source,
        sent.request.resource_name,
        sent.request.desired_state_name,
        sent.request.sync,
    ) == (
        "default",
        "default",
        "",
        False,
    )


async def test_flags_before_the_argument_and_sync(
    core: RecordingCore, capsys: pytest.CaptureFixture[str]
) -> None:
    core.reply = Reply(status=pb.JOB_DONE)
    args = ["--desired-state-name", "medium", "--resource-name", "web", "--source", "cli", "--sync=true"]
    assert await direct(capsys, *args, "--dest", core.address, "keep") == (
        0,
        "status: JOB_DONE, job-id: web\n",
        "",
    )
    assert await direct(capsys, "down", "--sync", "--dest", core.address) == (
        0,
        "status: JOB_DONE, job-id: default\n",
        "",
    )
    assert [
        (r.method, r.request.desired_state_name, r.request.source, r.request.sync) for r in core.received
    ] == [
        ("Keep", "medium", "cli", True),
        ("Down", "", "default", True),
    ]


async def test_failed_without_message_exits_0(
    core: RecordingCore, capsys: pytest.CaptureFixture[str]
) -> None:
    core.reply = Reply(status=pb.JOB_FAILED)
    assert await direct(capsys, "up", "--dest", core.address) == (
        0,
        "status: JOB_FAILED, job-id: default\n",
        "",
    )


async def test_core_errors(core: RecordingCore, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    core.reply = Reply(error=(grpc.StatusCode.UNKNOWN, 'resource "foo" not found'))
    assert await direct(capsys, "up", "--dest", core.address, "--resource-name", "foo") == (
        1,
        "",
        'Error: rpc error: code = Unknown desc = resource "foo" not found\n',
    )
    status, out, err = await direct(capsys, "up", "--dest", f"unix:{tmp_path / 'none.sock'}")
    assert (status, out) == (1, "")
    assert err.startswith("Error: rpc error: code = Unavailable desc = ")


async def test_no_default_socket(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert await direct(capsys, "up") == (
        1,
        "",
        "Error: default socket file not found in [unix:autoscaler.sock, unix:/var/run/autoscaler.sock, "
        "unix:/var/run/autoscaler/autoscaler.sock] (is the Core running? `autoscaler start` listens on "
        f"autoscaler.sock in its own folder; here that would be {tmp_path}/autoscaler.sock: start it "
        "here, or give --dest unix:/path/to/its.sock)\n",
    )


async def test_default_socket_in_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    core = await RecordingCore("unix:autoscaler.sock").start()
    try:
        assert await direct(capsys, "down") == (0, "status: JOB_ACCEPTED, job-id: default\n", "")
    finally:
        await core.stop()


@pytest.mark.parametrize(
    ("args", "error"),
    [
        ([], "accepts 1 arg(s), received 0"),
        (["up", "down"], "accepts 1 arg(s), received 2"),
        (["UP"], 'invalid argument "UP" for "autoscaler inputs direct"'),
        (
            ["up", "--sync=maybe"],
            'invalid argument "maybe" for "--sync" flag: strconv.ParseBool: parsing "maybe": invalid syntax',
        ),
        (
            ["up", "--log-level", "trace", "--source", ""],
            '1 error occurred:\n\t* --log-level: "trace" is not one of error, warn, info, debug (oneof=error warn info debug)\n\n',
        ),
        (
            ["up", "--dest", "\x01", "--source", "", "--config", "missing.yaml"],
            "2 errors occurred:\n\t* --dest: printascii\n\t* --source: required\n\n",
        ),
        (
            ["up", "--resource-name", "x" * 1025, "--desired-state-name", "é"],
            "2 errors occurred:\n\t* --resource-name: max=1024\n\t* --desired-state-name: printascii\n\n",
        ),
        (
            ["keep", "--config", "missing.yaml"],
            "1 error occurred:\n\t* --config: invalid file path: missing.yaml\n\n",
        ),
    ],
)
def test_argument_and_flag_errors(args: list[str], error: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["input", "direct", *args])  # the alias; messages still name `inputs`
    assert exited.value.code == 1
    out, err = capsys.readouterr()
    assert (out, err) == ("", f"Error: {error}\n")


@pytest.mark.parametrize(
    ("reply", "status", "line"),
    [
        (Reply(status=pb.JOB_DONE_NOOP), 129, "status: JOB_DONE_NOOP, job-id: web\n"),
        (
            Reply(status=pb.JOB_DONE, message="job is in an unacceptable state"),
            130,
            "status: JOB_DONE, job-id: web, message: job is in an unacceptable state\n",
        ),
    ],
)
async def test_exit_statuses_of_the_real_process(
    core: RecordingCore, reply: Reply, status: int, line: str
) -> None:
    core.reply = reply
    proc = await asyncio.create_subprocess_exec(
        *autoscaler_cmd("inputs", "direct", "up", "--resource-name", "web", "--dest", core.address),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    assert (proc.returncode, out.decode(), err.decode()) == (status, line, "")
