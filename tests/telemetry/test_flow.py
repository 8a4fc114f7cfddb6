"""One trace from the webhook to the script, across real processes.

A Grafana webhook carrying a `traceparent` header goes to `inputs grafana`, on to the Core (over
its unix socket), whose builtin vertical scaler changes a server's plan on the fake cloud, then to
a local-exec handler whose script prints `$TRACEPARENT`. Every process sends OTLP/gRPC to one
receiver on loopback; the test reads the spans it got.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.core.e2e.harness import Proc, Stack

from .receiver import ReceivedSpan, Receiver, render_tree

SEED = """
servers:
  - name: web
    zone: is1a
    plan: {core: 1, memory: 1}
    power: up
    disks: [{os_type: ubuntu, size: 20}]
    nics: [{upstream: shared}]
"""

CONFIG = """
resources:
  - type: Server
    name: web
    selector: {names: [web], zones: [is1a]}
    plans:
      - {core: 1, memory: 1}
      - {core: 2, memory: 4}
handlers:
  - name: script
    endpoint: unix:handler.sock
autoscaler:
  cooldown: 1
"""

SCRIPT = """#!/bin/sh
cat > /dev/null
printf '%s\\n' "$TRACEPARENT" > traceparent.txt
echo "traceparent=$TRACEPARENT"
"""

TRACE_ID = "5b8efff798038103d269b633813fc60c"
CALLER_SPAN = "eee19b7ec3c1b174"
TOKEN = "hunter2-webhook-secret"
SHOWN = (
    "sacloud.autoscaler.job.status",
    "sacloud.autoscaler.resource.type",
    "sacloud.autoscaler.resource.instruction",
    "sacloud.autoscaler.resource.result",
    "sacloud.autoscaler.handler.name",
    "sacloud.autoscaler.handler.status",
    "http.response.status_code",
    "http.request.resend_count",
    "process.exit.code",
    "sacloud.autoscaler.local_exec.output_bytes",
)
UPSTREAM_RESOURCE = {
    "service.name": "autoscaler",
    "service.namespace": "sacloud",
    "service.version": "0.19.3",
}


class TracedStack(Stack):
    """The e2e stack whose processes all send OTLP to `receiver`."""

    receiver: Receiver

    @property
    def env(self) -> dict[str, str]:
        return {**super().env, **self.receiver.env()}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver().start()
    try:
        yield r
    finally:
        r.stop()


@pytest.fixture
def traced(tmp_path: Path, receiver: Receiver) -> Iterator[TracedStack]:
    stack = TracedStack(tmp_path)
    stack.receiver = receiver
    try:
        yield stack
    finally:
        stack.close()


def _listening_address(proc: Proc) -> str:
    proc.wait_log("msg=started")
    found = re.search(r"msg=started address=(\S+)", proc.log())
    assert found is not None, proc.log()
    return found.group(1)


def _chain(span: ReceivedSpan, by_id: dict[str, ReceivedSpan]) -> list[str]:
    """The names from `span` up to the root, through every parent the receiver got."""
    names = [span.name]
    while span.parent_id in by_id:
        span = by_id[span.parent_id]
        names.append(span.name)
    return names


def test_one_trace_from_the_webhook_to_the_script(traced: TracedStack, receiver: Receiver) -> None:
    traced.seed(SEED)
    old_id = traced.servers()["web"].id
    handler = traced.handler(traced.script("script.sh", SCRIPT))
    core = traced.core(CONFIG)
    grafana = traced.start(
        "grafana",
        "inputs",
        "grafana",
        "--addr",
        "127.0.0.1:0",
        "--dest",
        f"unix:{traced.core_socket}",
        "--enable-sync",
        "--token",
        TOKEN,
    )
    address = _listening_address(grafana)
    traced.past_cooldown(1)

    reply = httpx.post(
        f"http://{address}/up?resource-name=web&sync=true&token={TOKEN}",
        content=b'{"state": "alerting"}',
        headers={"traceparent": f"00-{TRACE_ID}-{CALLER_SPAN}-01"},
        timeout=60,
    )
    assert reply.status_code == 200 and '"status":"JOB_DONE"' in reply.text, reply.text
    new_id = traced.servers()["web"].id
    assert new_id != old_id
    # The processes flush what they buffered when they stop.
    for proc in (grafana, core, handler):
        assert proc.stop() == 0, proc.log()

    spans = receiver.spans()
    by_name: dict[str, list[ReceivedSpan]] = {}
    for s in spans:
        by_name.setdefault(s.name, []).append(s)
    by_id = {s.span_id: s for s in spans}

    # Every span: upstream's resource attributes. Apart from the Core's start-up (its own trace,
    # as upstream's `Core#New`), one trace: the webhook caller's, across the three processes.
    for s in spans:
        assert UPSTREAM_RESOURCE.items() <= s.resource.items(), (s.name, s.resource)
    (startup,) = by_name["Core#New"]
    flow = [s for s in spans if s.trace_id != startup.trace_id]
    assert {s.trace_id for s in flow} == {TRACE_ID}, sorted({(s.name, s.trace_id) for s in flow})
    pids = {p.proc.pid for p in (grafana, core, handler) if p.proc is not None}
    assert {s.resource["process.pid"] for s in flow} == pids

    # What docs/tracing.md shows (run with -s to see it).
    names = {p.proc.pid: p.name.split("-")[0] for p in (grafana, core, handler) if p.proc is not None}
    print(render_tree(flow, names, SHOWN))

    # Parented correctly, from the script's execution up to the webhook's caller.
    (execution,) = by_name["LocalExec#execute"]
    chain = _chain(execution, by_id)
    assert chain == [
        "LocalExec#execute",
        "/autoscaler.HandleService/PostHandle",  # the handler's gRPC server span
        "/autoscaler.HandleService/PostHandle",  # the Core's gRPC client span
        "Handler#PostHandle",
        "Resource#handle",
        "Job#run",
        "Core#handle",
        "ScalingService#Up",
        "/autoscaler.ScalingService/Up",  # the Core's gRPC server span
        "/autoscaler.ScalingService/Up",  # the input's gRPC client span
        "POST /up",  # the webhook
    ], chain
    root = by_id[_root_id(execution, by_id)]
    assert root.parent_id == CALLER_SPAN
    assert execution.attributes["process.exit.code"] == 0
    assert execution.attributes["sacloud.autoscaler.local_exec.timed_out"] is False

    # The script ran inside its execution span.
    traceparent = (traced.dir / "traceparent.txt").read_text().strip()
    assert traceparent == f"00-{TRACE_ID}-{execution.span_id}-01"

    # The builtin's step and the cloud API requests it made, by route template.
    (builtin_handle,) = [
        s
        for s in by_name["Handler#Handle"]
        if s.attributes["sacloud.autoscaler.handler.name"] == "server-vertical-scaler"
    ]
    assert builtin_handle.attributes["sacloud.autoscaler.handler.nane"] == "server-vertical-scaler"
    api = [s for s in spans if "url.template" in s.attributes]
    under_builtin = [s for s in api if "Handler#Handle" in _chain(s, by_id)]
    templates = {s.name for s in under_builtin}
    assert {"PUT /server/{id}/plan", "PUT /server/{id}/power"} <= templates, templates
    ids = {str(old_id), str(new_id)}
    for s in api:
        shown = [s.name, *map(str, s.attributes.values())]
        assert not any(i in text for i in ids for text in shown), (s.name, s.attributes)
        assert isinstance(s.attributes["http.response.status_code"], int)

    # The inputs' token is in no span.
    for s in spans:
        assert not any(TOKEN in str(v) for v in s.attributes.values()), (s.name, s.attributes)
    (webhook,) = by_name["POST /up"]
    assert webhook.attributes["http.status_code"] == 200

    # The Prometheus metrics of the three processes, over OTLP under the same names.
    metrics = _metric_points(receiver)
    kind, points = metrics["sacloud_autoscaler_core_jobs_total"]
    assert kind == "sum"
    statuses = {p.attributes[0].value.string_value: p.as_double for p in points}
    assert statuses["JOB_DONE"] == 1.0
    kind, points = metrics["sacloud_autoscaler_core_handler_call_duration_seconds"]
    assert kind == "histogram" and sum(p.count for p in points) >= 3
    kind, points = metrics["sacloud_autoscaler_webhook_requests_up"]
    assert kind == "sum" and {(p.attributes[0].value.string_value, p.as_double) for p in points} >= {
        ("200", 1.0)
    }
    kind, points = metrics["sacloud_autoscaler_local_exec_execution_duration_seconds"]
    assert kind == "histogram" and [p.count for p in points] == [1]
    assert metrics["sacloud_autoscaler_local_exec_executions_total"][0] == "sum"


def _metric_points(receiver: Receiver) -> dict[str, tuple[str, list[Any]]]:
    """The last export of each metric: its kind (sum, histogram, gauge) and data points."""
    out: dict[str, tuple[str, list[Any]]] = {}
    for _, metric in receiver.metrics():
        kind = str(metric.WhichOneof("data"))
        out[metric.name] = (kind, list(getattr(metric, kind).data_points))
    return out


def _root_id(span: ReceivedSpan, by_id: dict[str, ReceivedSpan]) -> str:
    while span.parent_id in by_id:
        span = by_id[span.parent_id]
    return span.span_id
