"""The real input processes, started as users start them, talking HTTP and gRPC over real sockets."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpx
import pytest

from autoscaler.proto import request_pb2 as pb

from .conftest import RecordingCore, Reply, fixture, free_port
from .process import InputProcess

StartInput = Callable[..., Awaitable[InputProcess]]
IGNORED = b'{"message":"ignored"}'


@pytest.fixture
async def start_input(tmp_path: Path) -> AsyncIterator[StartInput]:
    started: list[InputProcess] = []

    async def start(*args: str, port: int | None = None, wait: bool = True) -> InputProcess:
        port = port or free_port()
        process = InputProcess(tmp_path, [*args, "--addr", f"127.0.0.1:{port}"], port)
        started.append(process)
        return await process.start(wait=wait)

    yield start
    for process in started:
        process.kill()
        if process.proc is not None:
            await process.proc.wait()


SHUTTING_DOWN = 'level=INFO msg="shutting down" error="context canceled"'


def assert_clean_log(log: str, port: int, last: str = SHUTTING_DOWN) -> list[str]:
    lines = log.splitlines()
    assert lines[0].endswith(f"level=INFO msg=started address=127.0.0.1:{port}"), log
    assert lines[-1].endswith(last), log
    assert sum(line.endswith(SHUTTING_DOWN) for line in lines) == 1, log
    assert all(line.startswith("time=") for line in lines), log  # no traceback, no `Error:`
    return lines


# One process per kind: a payload it forwards, one it does not, then a clean stop.
CASES = {
    "grafana": ("grafana_unified_firing.json", "POST", "grafana_unified_resolved.json", 200),
    "alertmanager": ("alertmanager_firing.json", "POST", "alertmanager_resolved.json", 200),
    "zabbix": ("zabbix_problem.json", "GET", "zabbix_problem.json", 200),
    "webhook": ("mackerel_warning.json", "POST", "mackerel_ok", 400),
}


@pytest.mark.parametrize("kind", list(CASES))
async def test_each_input_forwards_and_declines(
    kind: str, core: RecordingCore, start_input: StartInput, tmp_path: Path
) -> None:
    forward, other_method, other, other_status = CASES[kind]
    extra: list[str] = []
    if kind == "webhook":
        check = tmp_path / "warning.sh"
        check.write_text("#!/bin/sh\njq -e 'select(.alert.status == \"warning\")' > /dev/null\n")
        check.chmod(0o755)
        extra = ["--executable-path", "./warning.sh", "--timeout", "10s"]
    process = await start_input(kind, "--dest", core.address, *extra)
    other_body = (
        fixture("mackerel_warning.json").replace(b'"warning"', b'"ok"')
        if other == "mackerel_ok"
        else fixture(other)
    )
    async with httpx.AsyncClient(base_url=process.url) as client:
        yes = await client.post("/up?source=test&resource-name=web", content=fixture(forward))
        no = await client.request(other_method, "/up?source=test&resource-name=web", content=other_body)
    assert (yes.status_code, yes.content) == (200, b'{"id":"web", "status":"JOB_ACCEPTED", "message":""}')
    assert yes.headers["content-type"] == "application/json"
    assert no.status_code == other_status
    if other_status == 200:
        assert no.content == IGNORED
    else:
        assert no.text == 'command "./warning.sh" returned non zero status: exit status 4'
    assert [(r.method, r.request.source, r.request.resource_name) for r in core.received] == [
        ("Up", "test", "web")
    ]
    sig = signal.SIGINT if kind == "webhook" else signal.SIGTERM
    assert await process.stop(sig) == 0
    assert_clean_log(process.log, process.port)


async def test_bad_input_gets_its_answer_and_the_process_keeps_serving(
    core: RecordingCore, start_input: StartInput
) -> None:
    process = await start_input("grafana", "--dest", core.address)
    alerting = fixture("grafana_legacy_alerting.json")
    async with httpx.AsyncClient(base_url=process.url) as client:
        too_large = await client.post("/up", content=b" " * 70000)
        malformed = await client.post("/up", content=b'{"state": alerting}')
        wrong_method = await client.get("/up", params={"resource-name": "web"})
        unknown_key = await client.post("/up?resource_name=web", content=alerting)
        bad_name = await client.post("/up?resource-name=%0A", content=alerting)
        await core.stop()
        unreachable = await client.post("/up", content=alerting)
        await core.start()
        good = await client.post("/down?resource-name=web", content=alerting)
    assert (too_large.status_code, too_large.text) == (400, "http: request body too large")
    assert (malformed.status_code, malformed.text) == (
        400,
        "invalid character 'a' looking for beginning of value",
    )
    assert (wrong_method.status_code, wrong_method.content) == (200, IGNORED)
    assert (unknown_key.status_code, unknown_key.text) == (
        400,
        "1 error occurred:\n\t* invalid parameter key: resource_name\n\n",
    )
    assert (bad_name.status_code, bad_name.text) == (
        400,
        "1 error occurred:\n\t* resource-name: printascii\n\n",
    )
    assert (unreachable.status_code, unreachable.content) == (500, b"")
    assert good.status_code == 200, process.log
    assert await process.stop() == 0
    lines = assert_clean_log(process.log, process.port)
    events = [line.split(" ", 1)[1] for line in lines if "webhook received" not in line]
    assert events[1:6] == [
        'level=WARN msg="webhook rejected" status=400 error="http: request body too large"',
        'level=WARN msg="webhook rejected" status=400 error="invalid character \'a\' looking for beginning of value"',
        'level=INFO msg="webhook ignored"',
        'level=WARN msg="webhook rejected" status=400 error="1 error occurred:\\n\\t* invalid parameter key: resource_name\\n\\n"',
        'level=WARN msg="webhook rejected" status=400 error="1 error occurred:\\n\\t* resource-name: printascii\\n\\n"',
    ]
    assert 'level=ERROR msg="rpc error: code = Unavailable desc = ' in events[7]


async def test_sigterm_drains_in_flight_requests(core: RecordingCore, start_input: StartInput) -> None:
    core.reply = Reply(status=pb.JOB_DONE, delay=1.0)
    process = await start_input("zabbix", "--dest", core.address, "--enable-sync")
    async with httpx.AsyncClient(base_url=process.url) as client:
        pending = asyncio.ensure_future(client.post("/up?resource-name=web&sync=true"))
        await core.arrived.wait()  # the request has reached the Core and waits for the job
        assert process.proc is not None
        process.proc.send_signal(signal.SIGTERM)
        response = await pending
    assert (response.status_code, response.content) == (
        200,
        b'{"id":"web", "status":"JOB_DONE", "message":""}',
    )
    assert await process.wait() == 0
    assert core.received[0].request.sync is True
    # The request was answered after the signal, then the process exited.
    assert_clean_log(
        process.log, process.port, last='msg="webhook handled" status=JOB_DONE job-id=web job-message=""'
    )


async def test_grace_running_out_cuts_off_the_webhook_and_kills_its_executable(
    start_input: StartInput, tmp_path: Path
) -> None:
    marker = tmp_path / "started"
    script = tmp_path / "slow.sh"
    # A grandchild too: the whole process group must go.
    script.write_text(f"#!/bin/sh\ntouch {marker}\nsleep 300 &\nsleep 300\n")
    script.chmod(0o755)
    process = await start_input(
        "webhook", "--executable-path", str(script), "--shutdown-grace", "500ms", "--dest", "unix:none.sock"
    )
    async with httpx.AsyncClient(base_url=process.url, timeout=30) as client:
        pending = asyncio.ensure_future(client.post("/up?resource-name=web", content=b"{}"))
        for _ in range(1000):  # the script signals by a file: nothing to await
            if marker.exists() or pending.done():
                break
            await asyncio.sleep(0.02)
        assert marker.exists(), process.log
        assert process.proc is not None
        process.proc.send_signal(signal.SIGTERM)
        response = await pending
    assert (response.status_code, response.content) == (500, b"")
    assert await process.wait() == 0
    cut_off = 'level=WARN msg="webhook cut off: shutdown grace period exceeded"'
    lines = assert_clean_log(process.log, process.port, last=cut_off)
    assert not any("level=ERROR" in line for line in lines), process.log
    leftover = await asyncio.create_subprocess_exec(
        "pgrep", "-f", "sleep 300", stdout=asyncio.subprocess.PIPE
    )
    out, _ = await leftover.communicate()
    assert out == b"", "the executable's process group was left running"


async def test_exporter_and_token_from_the_config_file(
    core: RecordingCore, start_input: StartInput, tmp_path: Path
) -> None:
    metrics_port = free_port()
    (tmp_path / "inputs.yaml").write_text(
        f"exporter_config:\n  enabled: true\n  address: 127.0.0.1:{metrics_port}\ntoken: Zq8-secret\n"
    )
    process = await start_input("alertmanager", "--dest", core.address, "--config", "inputs.yaml")
    auth = {"Authorization": "Bearer Zq8-secret"}
    async with httpx.AsyncClient(base_url=process.url) as client:
        refused = await client.post("/up", content=fixture("alertmanager_firing.json"))
        for path in ("/up", "/up", "/down"):
            assert (await client.get(path, headers=auth)).status_code == 200
        forwarded = await client.post("/down", content=fixture("alertmanager_firing.json"), headers=auth)
        exposition = (await client.get(f"http://127.0.0.1:{metrics_port}/metrics")).text
    assert refused.status_code == 401
    assert forwarded.status_code == 200
    prefix = "sacloud_autoscaler_webhook_requests"
    for line in (
        f'{prefix}_total{{code="200"}} 4.0',
        f'{prefix}_total{{code="400"}} 0.0',
        f'{prefix}_total{{code="401"}} 1.0',
        f'{prefix}_total{{code="500"}} 0.0',
        f'{prefix}_up{{code="200"}} 2.0',
        f'{prefix}_down{{code="200"}} 2.0',
        f"# TYPE {prefix}_up counter",
        'sacloud_autoscaler_grpc_errors_total{component="inputs_to_core"} 0.0',
    ):
        assert line in exposition.splitlines(), line
    assert await process.stop() == 0
    assert f'msg="exporter started" address=127.0.0.1:{metrics_port}' in process.log


async def test_busy_port_and_bad_config_exit_1(start_input: StartInput, tmp_path: Path) -> None:
    first = await start_input("zabbix")
    second = await start_input("zabbix", port=first.port, wait=False)
    assert await second.wait() == 1
    assert second.log == (
        f"Error: inputs service failed: listen tcp 127.0.0.1:{first.port}: bind: address already in use\n"
    )
    (tmp_path / "bad.yaml").write_text("exporter_config:\n  enabled: true\n  tls_config:\n    cert_file: x\n")
    third = await start_input("zabbix", "--config", "bad.yaml", wait=False)
    assert await third.wait() == 1
    assert third.log == 'Error: bad.yaml:3:3: exporter_config.tls_config: unknown field "tls_config"\n'
    assert await first.stop() == 0
