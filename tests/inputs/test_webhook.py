"""The webhook input with real executables: exit 0 forwards, everything else is a 400 with
upstream's text; the body reaches argv[1] and stdin; timeouts kill the whole process group."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from autoscaler.inputs.webhook import WebhookConfig, WebhookInput
from autoscaler.script import resolve_executable

from .conftest import RecordingCore, fixture
from .helpers import serving

IGNORED = b'{"message":"ignored"}'


def script(tmp_path: Path, name: str, body: str, mode: int = 0o755) -> str:
    path = tmp_path / name
    path.write_text(body)
    path.chmod(mode)
    return str(path)


def webhook(path: str, methods: tuple[str, ...] = ("POST",), timeout: float | None = None) -> WebhookInput:
    return WebhookInput(
        WebhookConfig(
            executable_path=path,
            program=resolve_executable(path),
            methods=methods,
            timeout=timeout,
            kill_grace=0.5,
        )
    )


@pytest.fixture
def warning_only(tmp_path: Path) -> str:
    """Accepts Mackerel alerts whose status is warning; records what it was given."""
    return script(
        tmp_path,
        "warning-only.sh",
        "#!/bin/sh\n"
        f'printf %s "$1" > {tmp_path}/argv1\n'
        f"cat > {tmp_path}/stdin\n"
        f'grep -q \'"status": "warning"\' {tmp_path}/stdin\n',
    )


async def test_exit_zero_forwards_with_the_body_in_argv_and_stdin(
    core: RecordingCore, warning_only: str, tmp_path: Path
) -> None:
    body = fixture("mackerel_warning.json")
    async with serving(webhook(warning_only), dest=core.address) as served:
        response = await served.client.post("/up?source=mackerel&resource-name=web", content=body)
    assert response.status_code == 200
    assert response.content == b'{"id":"web", "status":"JOB_ACCEPTED", "message":""}'
    assert (tmp_path / "argv1").read_bytes() == body
    assert (tmp_path / "stdin").read_bytes() == body
    assert [(r.method, r.request.source) for r in core.received] == [("Up", "mackerel")]


async def test_non_zero_exit_is_400_with_upstreams_text(core: RecordingCore, warning_only: str) -> None:
    body = fixture("mackerel_warning.json").replace(b'"warning"', b'"ok"')
    async with serving(webhook(warning_only), dest=core.address) as served:
        response = await served.client.post("/up", content=body)
    assert response.status_code == 400
    assert response.text == f'command "{warning_only}" returned non zero status: exit status 1'
    assert core.received == []
    assert 'msg="webhook rejected" status=400 error="command ' in served.log_lines[-1]


async def test_failures_name_the_cause(core: RecordingCore, tmp_path: Path) -> None:
    invalid = script(tmp_path, "invalid.txt", "abc")
    killed = script(tmp_path, "killed.sh", "#!/bin/sh\nkill -TERM $$\n")
    missing_interpreter = script(tmp_path, "missing.sh", "#!/nonexistent/interpreter\n")
    cases = {
        invalid: f'command "{invalid}" returned non zero status: fork/exec {invalid}: exec format error',
        killed: f'command "{killed}" returned non zero status: signal: terminated',
        missing_interpreter: (
            f'command "{missing_interpreter}" returned non zero status: '
            f"fork/exec {missing_interpreter}: no such file or directory"
        ),
    }
    for path, text in cases.items():
        async with serving(webhook(path), dest=core.address) as served:
            response = await served.client.post("/up", content=b"{}")
        assert (response.status_code, response.text) == (400, text)
    assert core.received == []


async def test_failed_output_is_logged(core: RecordingCore, tmp_path: Path) -> None:
    noisy = script(tmp_path, "noisy.sh", "#!/bin/sh\necho 'not a scaling alert'\nexit 3\n")
    async with serving(webhook(noisy), dest=core.address) as served:
        response = await served.client.post("/up", content=b"{}")
    assert response.text == f'command "{noisy}" returned non zero status: exit status 3'
    assert served.log_lines[-1].endswith('output="not a scaling alert\\n"')


async def test_methods_not_accepted_are_ignored_without_running(core: RecordingCore, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    touch = script(tmp_path, "touch.sh", f"#!/bin/sh\ntouch {marker}\n")
    async with serving(webhook(touch, methods=("PUT",)), dest=core.address) as served:
        post = await served.client.post("/up", content=b"{}")
    assert (post.status_code, post.content) == (200, IGNORED)
    assert not marker.exists()


async def test_query_is_checked_before_running(core: RecordingCore, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    touch = script(tmp_path, "touch.sh", f"#!/bin/sh\ntouch {marker}\n")
    async with serving(webhook(touch), dest=core.address) as served:
        response = await served.client.post("/up?resource_name=web", content=b"{}")
    assert (response.status_code, response.text) == (
        400,
        "1 error occurred:\n\t* invalid parameter key: resource_name\n\n",
    )
    assert not marker.exists()


async def test_empty_body_and_nul_byte(core: RecordingCore, tmp_path: Path) -> None:
    record = script(
        tmp_path,
        "record.sh",
        f'#!/bin/sh\nprintf "%s|" "$#" "$1" > {tmp_path}/args\ncat > {tmp_path}/stdin\n',
    )
    async with serving(webhook(record, methods=("GET", "POST")), dest=core.address) as served:
        get = await served.client.get("/down")
        args = (tmp_path / "args").read_text()
        nul = await served.client.post("/down", content=b'{"a":"\x00"}')
    assert get.status_code == 200
    assert args == "1||"  # one argument, empty
    assert (tmp_path / "stdin").read_bytes() == b""
    assert (nul.status_code, nul.text) == (
        400,
        f'command "{record}" returned non zero status: fork/exec {record}: invalid argument',
    )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def test_timeout_kills_the_process_group(core: RecordingCore, tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    slow = script(tmp_path, "slow.sh", f"#!/bin/sh\nsleep 30 &\necho $! > {pid_file}\nwait\n")
    async with serving(webhook(slow, timeout=0.3), dest=core.address) as served:
        response = await served.client.post("/up", content=b"{}")
    assert response.status_code == 400
    assert (
        response.text
        == f'command "{slow}" did not finish within --timeout 300ms: its process group was killed'
    )
    child = int(pid_file.read_text())
    for _ in range(100):
        if not _alive(child):
            break
        await asyncio.sleep(0.02)
    assert not _alive(child)
    assert core.received == []


async def test_close_kills_running_scripts(core: RecordingCore, tmp_path: Path) -> None:
    started = tmp_path / "started"
    slow = script(tmp_path, "slow.sh", f"#!/bin/sh\ntouch {started}\nexec sleep 30\n")
    input_ = webhook(slow)
    async with serving(input_, dest=core.address) as served:
        pending = asyncio.ensure_future(served.client.post("/up", content=b"{}"))
        for _ in range(250):
            if started.exists():
                break
            await asyncio.sleep(0.02)
        await input_.close()
        response = await pending
    assert (response.status_code, response.text) == (
        400,
        f'command "{slow}" returned non zero status: signal: terminated',
    )


def test_an_empty_method_list_is_refused() -> None:
    with pytest.raises(ValueError, match="acceptHTTPMethod: required"):
        WebhookInput(WebhookConfig(executable_path="x", program="./x", methods=()))
