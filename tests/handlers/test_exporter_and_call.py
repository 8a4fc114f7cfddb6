"""The handler's metrics exporter (`--config`) and the `autoscaler handlers call` tool."""

from __future__ import annotations

import gzip
import json
import socket
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

from autoscaler.proto import handler_pb2 as pb

from .conftest import StartHandler
from .harness import autoscaler_cmd, wait_until, write_script


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes, dict[str, str]]:
    """Status, body and headers (names lower-cased)."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read(), {k.lower(): v for k, v in response.headers.items()}
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), {k.lower(): v for k, v in exc.headers.items()}


def test_exporter_serves_upstream_and_execution_metrics(tmp_path: Path, start_handler: StartHandler) -> None:
    port = free_port()
    (tmp_path / "handlers.yaml").write_text(
        f'exporter_config:\n  enabled: true\n  address: "127.0.0.1:{port}"\n'
    )
    write_script(tmp_path / "h.sh", '#!/bin/sh\n[ "$AUTOSCALER_SCALING_JOB_ID" = bad ] && exit 1\necho ok\n')
    handler = start_handler(
        "--executable-path", "h.sh", "--handler-type", "handle", "--config", "handlers.yaml"
    )
    started = f'msg="exporter started" from=autoscaler-handlers-local-exec address=127.0.0.1:{port}'
    assert wait_until(lambda: started in handler.log())
    handler.call("handle", pb.HandleRequest(scaling_job_id="good"))
    handler.call("handle", pb.HandleRequest(scaling_job_id="bad"))
    handler.call("pre-handle", pb.HandleRequest(scaling_job_id="other"))

    status, body, headers = get(f"http://127.0.0.1:{port}/metrics")
    text = body.decode()
    assert status == 200
    assert headers["content-type"].startswith("text/plain; version=0.0.4")
    assert "# HELP sacloud_autoscaler_grpc_errors_total The total number of errors\n" in text
    assert "# TYPE sacloud_autoscaler_grpc_errors_total counter\n" in text
    assert 'sacloud_autoscaler_grpc_errors_total{component="handlers"} 1.0\n' in text
    assert 'sacloud_autoscaler_local_exec_executions_total{outcome="success",step="handle"} 1.0\n' in text
    assert 'sacloud_autoscaler_local_exec_executions_total{outcome="failure",step="handle"} 1.0\n' in text
    assert 'sacloud_autoscaler_local_exec_execution_duration_seconds_count{step="handle"} 2.0\n' in text
    assert "sacloud_autoscaler_local_exec_executions_in_flight 0.0\n" in text
    assert "process_resident_memory_bytes" in text
    assert "_created" not in text
    status, body, _ = get(f"http://127.0.0.1:{port}/metrics")
    assert 'promhttp_metric_handler_requests_total{code="200"} 1.0' in body.decode()

    status, zipped, headers = get(f"http://127.0.0.1:{port}/metrics", {"Accept-Encoding": "gzip"})
    assert headers["content-encoding"] == "gzip"
    assert b"sacloud_autoscaler_grpc_errors_total" in gzip.decompress(zipped)

    for path in ("/", "/metrics/", "/other"):
        assert get(f"http://127.0.0.1:{port}{path}")[:2] == (404, b"404 page not found\n")
    assert handler.stop() == 0


def test_exporter_bind_failure_is_reported_but_the_handler_serves(
    tmp_path: Path, start_handler: StartHandler
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        (tmp_path / "handlers.yaml").write_text(
            f'exporter_config:\n  enabled: true\n  address: "127.0.0.1:{port}"\n'
        )
        write_script(tmp_path / "h.sh", "#!/bin/sh\necho ok\n")
        handler = start_handler(
            "--executable-path", "h.sh", "--handler-type", "handle", "--config", "handlers.yaml"
        )
        reported = (
            f'level=ERROR msg="handler reported un error" from=autoscaler-handlers-local-exec '
            f'error="listen tcp 127.0.0.1:{port}: bind: address already in use"'
        )
        assert wait_until(lambda: reported in handler.log())
        assert handler.call("handle", pb.HandleRequest()).logs == ["ok\n"]


def call(cwd: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        autoscaler_cmd("handlers", "call", *args),
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_call_tool_sends_a_request_from_flags_or_json(tmp_path: Path, start_handler: StartHandler) -> None:
    write_script(tmp_path / "h.sh", "#!/bin/sh\ncat\n")
    start_handler("--executable-path", "h.sh", "--handler-type", "pre-handle,post-handle")
    endpoint = "unix:autoscaler-handlers-local-exec.sock"

    by_flags = call(
        tmp_path,
        "--endpoint",
        endpoint,
        "--step",
        "post-handle",
        "--scaling-job-id",
        "web",
        "--result",
        "updated",
        "--resource",
        '{"Server":{"id":"1","core":2}}',
    )
    assert by_flags.returncode == 0, by_flags.stderr
    assert (
        by_flags.stdout
        == '[DONE] {"scaling_job_id":"web","result":2,"current":{"Resource":{"Server":{"id":"1","core":2}}}}\n'
    )

    request = '{"source":"grafana","instruction":1,"desired":{"Resource":{"Router":{"band_width":500}}}}'
    from_stdin = call(
        tmp_path,
        "--step",
        "pre-handle",
        "--request",
        "-",
        "--output",
        "json",
        "--source",
        "cli",
        stdin=request,
    )
    assert from_stdin.returncode == 0, from_stdin.stderr
    assert json.loads(from_stdin.stdout) == {
        "scaling_job_id": "",
        "status": "DONE",
        "log": '{"source":"cli","instruction":1,"desired":{"Resource":{"Router":{"band_width":500}}}}',
    }

    ignored = call(tmp_path, "--step", "handle")
    assert (ignored.returncode, ignored.stdout) == (0, "")
    assert "no responses" in ignored.stderr


def test_call_tool_errors(tmp_path: Path, start_handler: StartHandler) -> None:
    write_script(tmp_path / "fail.sh", "#!/bin/sh\nexit 2\n")
    start_handler("--executable-path", "fail.sh", "--handler-type", "handle")

    failed = call(tmp_path, "--step", "handle")
    assert (failed.returncode, failed.stderr) == (
        1,
        'Error: rpc error: code = Unknown desc = command "fail.sh" returned non zero status: exit status 2\n',
    )
    bad_json = call(
        tmp_path, "--step", "handle", "--request", "-", stdin='{"desired":{"Resource":{"Server":{"cpu":1}}}}'
    )
    assert bad_json.returncode == 1
    assert bad_json.stderr.startswith("Error: invalid request: $.desired.Resource.Server.cpu: unknown key")
    wrong_enum = call(tmp_path, "--step", "handle", "--result", "CREATED")
    assert wrong_enum.stderr == "Error: --result: not a field of the handle request (use --instruction)\n"
    no_step = call(tmp_path)
    assert no_step.stderr == "Error: 1 error occurred:\n\t* --step: required\n\n\n"
    nobody = call(tmp_path, "--endpoint", "unix:nobody.sock", "--step", "handle", "--timeout", "2s")
    assert nobody.returncode == 1
    assert nobody.stderr.startswith("Error: rpc error: code = Unavailable desc =")


def test_call_tool_prints_one_line_logs_after_the_status_and_longer_ones_below(
    tmp_path: Path, start_handler: StartHandler
) -> None:
    write_script(
        tmp_path / "h.sh", '#!/bin/sh\n[ "$AUTOSCALER_SOURCE" = many ] && printf "a\\nb\\n" || echo one\n'
    )
    start_handler("--executable-path", "h.sh", "--handler-type", "handle")
    one = call(tmp_path, "--step", "handle", "--source", "one")
    assert one.stdout == "[DONE] one\n"
    many = call(tmp_path, "--step", "handle", "--source", "many")
    assert many.stdout == "[DONE]\na\nb\n"
