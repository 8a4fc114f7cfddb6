"""When OpenTelemetry is on, off, or cannot start; a command's span and its parent from the
environment. Each case runs the real CLI in a subprocess against a real OTLP receiver."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from autoscaler import telemetry

from .receiver import Receiver

TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
PARENT = "b7ad6b7169203331"

# Run the CLI, then say which OpenTelemetry modules were loaded on the way.
PROBE = """
import atexit, sys
atexit.register(lambda: print(sorted(m for m in sys.modules if m.startswith("opentelemetry"))))
from autoscaler.cli.main import main
main(sys.argv[1:])
"""
# As PROBE, with the OpenTelemetry packages missing.
WITHOUT_SDK = """
import sys
sys.modules["opentelemetry"] = None
from autoscaler.cli.main import main
main(sys.argv[1:])
"""
GO_LOG_LINE = re.compile(r"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d Error in initializing OTel SDK: (?P<error>.*)$")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver().start()
    try:
        yield r
    finally:
        r.stop()


def _env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("OTEL_") and k.lower() not in ("traceparent", "tracestate")
    }
    env.update(extra)
    return env


def _direct(tmp_path: Path, env: dict[str, str], program: str = PROBE) -> subprocess.CompletedProcess[str]:
    """`inputs direct up` to a Core that is not there: it fails (exit 1) after its span."""
    args = ["inputs", "direct", "up", "--dest", f"unix:{tmp_path / 'no-core.sock'}"]
    return subprocess.run(
        [sys.executable, "-c", program, *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("environ", "on"),
    [
        ({}, False),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": ""}, False),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4317"}, True),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4317", "OTEL_SDK_DISABLED": "true"}, False),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4317", "OTEL_SDK_DISABLED": "TRUE"}, False),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4317", "OTEL_SDK_DISABLED": "false"}, True),
    ],
)
def test_configured_by_the_standard_variables(environ: dict[str, str], on: bool) -> None:
    assert telemetry.configured(environ) is on


@pytest.mark.parametrize("variable", ["TRACEPARENT", "traceparent"])
def test_a_command_span_continues_the_trace_in_the_environment(
    tmp_path: Path, receiver: Receiver, variable: str
) -> None:
    env = _env(**receiver.env(), **{variable: f"00-{TRACE_ID}-{PARENT}-01"})
    done = _direct(tmp_path, env)
    assert done.returncode == 1 and done.stderr.startswith("Error: "), done.stderr
    assert "Traceback" not in done.stderr
    assert "opentelemetry.sdk" in done.stdout  # the SDK was loaded
    # The span was flushed before the process exited: it is there already.
    (span,) = [s for s in receiver.spans() if s.name == "commands/inputs/direct#run"]
    assert (span.trace_id, span.parent_id) == (TRACE_ID, PARENT)
    assert span.span.kind == span.span.SPAN_KIND_CLIENT
    assert span.scope == "github.com/sacloud/autoscaler"
    resource = span.resource
    assert resource["service.name"] == "autoscaler"
    assert resource["service.namespace"] == "sacloud"
    assert resource["service.version"] == "0.19.3"
    assert resource["service.instance.id"] == socket.gethostname()
    # The command line (it may hold --token) is not sent.
    assert not any(k.startswith("process.command") for k in resource)


def test_resource_attributes_from_the_environment_are_kept(tmp_path: Path, receiver: Receiver) -> None:
    env = _env(**receiver.env(), OTEL_RESOURCE_ATTRIBUTES="deployment.environment=staging,service.name=other")
    _direct(tmp_path, env)
    (span,) = [s for s in receiver.spans() if s.name == "commands/inputs/direct#run"]
    assert span.resource["deployment.environment"] == "staging"
    assert span.resource["service.name"] == "autoscaler"  # ours wins, as upstream's does


def test_sdk_disabled_loads_nothing_and_sends_nothing(tmp_path: Path, receiver: Receiver) -> None:
    env = _env(**receiver.env(), OTEL_SDK_DISABLED="true")
    done = _direct(tmp_path, env)
    assert done.returncode == 1
    assert done.stdout.strip() == "[]"
    assert receiver.trace_requests == [] and receiver.metric_requests == []


def test_unset_loads_nothing_and_connects_nowhere(tmp_path: Path) -> None:
    # Listen on the OTLP default port (when free) to see that nothing tries it.
    listener = socket.socket()
    try:
        listener.bind(("127.0.0.1", 4317))
    except OSError:
        listener.close()
        listener = None  # type: ignore[assignment]
    try:
        if listener is not None:
            listener.listen()
            listener.settimeout(0)
        done = _direct(tmp_path, _env())
        assert done.returncode == 1
        assert done.stdout.strip() == "[]"
        if listener is not None:
            with pytest.raises(BlockingIOError):
                listener.accept()
    finally:
        if listener is not None:
            listener.close()


def test_a_bad_setting_is_upstreams_error_line_and_exit_1(tmp_path: Path, receiver: Receiver) -> None:
    env = _env(**receiver.env(), OTEL_EXPORTER_OTLP_TIMEOUT="ten")
    done = _direct(tmp_path, env)
    assert done.returncode == 1
    (line,) = done.stderr.splitlines()
    match = GO_LOG_LINE.match(line)
    assert match is not None, line
    assert match["error"] == "OTEL_EXPORTER_OTLP_TIMEOUT='ten': not a number"


def test_the_sdk_missing_is_named_with_the_extra(tmp_path: Path, receiver: Receiver) -> None:
    done = _direct(tmp_path, _env(**receiver.env()), WITHOUT_SDK)
    assert done.returncode == 1
    (line,) = done.stderr.splitlines()
    match = GO_LOG_LINE.match(line)
    assert match is not None, line
    assert match["error"] == (
        "OTEL_EXPORTER_OTLP_ENDPOINT is set but the OpenTelemetry SDK is not installed (opentelemetry): "
        "install 'sacloud-autoscaler[otel]', or unset OTEL_EXPORTER_OTLP_ENDPOINT"
    )
