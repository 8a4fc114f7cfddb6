"""The webhook pipeline in-process (ASGI) against a real gRPC Core: decisions per tool, the
exact responses, bad input, logs, metrics, and the additions behind flags."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest

from autoscaler.inputs.alertmanager import AlertmanagerInput
from autoscaler.inputs.grafana import GrafanaInput
from autoscaler.inputs.zabbix import ZabbixInput
from autoscaler.log import go_quote
from autoscaler.proto import request_pb2 as pb

from .conftest import RecordingCore, Reply, fixture
from .helpers import serving

JSON = "application/json"
TEXT = "text/plain; charset=utf-8"
IGNORED = b'{"message":"ignored"}'


def accepted(job: str, status: str = "JOB_ACCEPTED", message: str = "") -> bytes:
    return f'{{"id":"{job}", "status":"{status}", "message":"{message}"}}'.encode()


# --- each tool's documented payloads --------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "forwarded"),
    [
        ("grafana_legacy_alerting.json", True),
        ("grafana_legacy_ok.json", False),
        ("grafana_unified_firing.json", True),
        ("grafana_unified_resolved.json", False),
    ],
)
async def test_grafana_alerting_forwards_ok_is_ignored(
    core: RecordingCore, payload: str, forwarded: bool
) -> None:
    async with serving(GrafanaInput(), dest=core.address) as served:
        # Grafana's e2e posts JSON as text/plain: the content type is never looked at.
        response = await served.client.post(
            "/up?source=grafana&resource-name=server",
            content=fixture(payload),
            headers={"Content-Type": "text/plain"},
        )
    assert response.status_code == 200
    assert response.headers["content-type"] == JSON
    if forwarded:
        assert response.content == accepted("server")
        assert [r.method for r in core.received] == ["Up"]
        sent = core.received[0].request
        assert (sent.source, sent.resource_name, sent.desired_state_name, sent.sync) == (
            "grafana",
            "server",
            "default",
            False,
        )
    else:
        assert response.content == IGNORED
        assert core.received == []


async def test_grafana_methods(core: RecordingCore) -> None:
    async with serving(GrafanaInput(), dest=core.address) as served:
        put = await served.client.put("/down", content=fixture("grafana_legacy_alerting.json"))
        # Other methods are ignored without reading the body (here not even JSON).
        get = await served.client.request("GET", "/down", content=b"not json")
        delete = await served.client.delete("/down")
    assert (put.status_code, put.content) == (200, accepted("default"))
    assert (get.status_code, get.content) == (200, IGNORED)
    assert (delete.status_code, delete.content) == (200, IGNORED)
    assert [(r.method, r.request.resource_name, r.request.source) for r in core.received] == [
        ("Down", "default", "default")
    ]


@pytest.mark.parametrize(
    ("method", "payload", "forwarded"),
    [
        ("POST", "alertmanager_firing.json", True),
        ("POST", "alertmanager_resolved.json", False),
        ("PUT", "alertmanager_firing.json", False),  # Alertmanager only POSTs
    ],
)
async def test_alertmanager_firing_forwards(
    core: RecordingCore, method: str, payload: str, forwarded: bool
) -> None:
    async with serving(AlertmanagerInput(), dest=core.address) as served:
        response = await served.client.request(
            method, "/down?resource-name=web&desired-state-name=small", content=fixture(payload)
        )
    assert response.status_code == 200
    assert response.content == (accepted("web") if forwarded else IGNORED)
    expected = [("Down", "web", "small")] if forwarded else []
    assert [
        (r.method, r.request.resource_name, r.request.desired_state_name) for r in core.received
    ] == expected


async def test_zabbix_forwards_every_post(core: RecordingCore) -> None:
    async with serving(ZabbixInput(), dest=core.address) as served:
        problem = await served.client.post(
            "/up?source=zabbix&resource-name=web", content=fixture("zabbix_problem.json")
        )
        garbage = await served.client.post("/up?resource-name=web", content=b"\x00 not json at all")
        get = await served.client.get("/up?resource-name=web")
    assert (problem.status_code, problem.content) == (200, accepted("web"))
    assert (garbage.status_code, garbage.content) == (200, accepted("web"))
    assert (get.status_code, get.content) == (200, IGNORED)
    assert [r.request.source for r in core.received] == ["zabbix", "default"]


# --- Core replies ---------------------------------------------------------------------------


async def test_cooldown_reply_and_log_lines(core: RecordingCore) -> None:
    core.reply = Reply(status=pb.JOB_DONE, message="job is in an unacceptable state")
    async with serving(GrafanaInput(), dest=core.address) as served:
        response = await served.client.post(
            "/up?resource-name=server", content=fixture("grafana_legacy_alerting.json")
        )
    assert response.status_code == 200
    assert json.loads(response.content) == {
        "id": "server",
        "status": "JOB_DONE",
        "message": "job is in an unacceptable state",
    }
    messages = [line.split(" ", 2)[2] for line in served.log_lines]
    assert messages == [
        'msg="webhook received"',
        'msg="sending request to the Core server" request-type=up',
        'msg="webhook handled" status=JOB_DONE job-id=server job-message="job is in an unacceptable state"',
    ]


async def test_reply_values_are_json_escaped(core: RecordingCore) -> None:
    core.reply = Reply(message='quote " backslash \\ newline \n tab \t')
    async with serving(ZabbixInput(), dest=core.address) as served:
        response = await served.client.post('/up?resource-name=a"b')
    assert response.status_code == 200
    body = response.content.decode()
    assert body.startswith('{"id":"a\\"b", "status":"JOB_ACCEPTED", "message":')
    assert json.loads(body) == {
        "id": 'a"b',
        "status": "JOB_ACCEPTED",
        "message": 'quote " backslash \\ newline \n tab \t',
    }


async def test_core_error_is_500_logged_and_counted(core: RecordingCore) -> None:
    core.reply = Reply(error=(grpc.StatusCode.UNKNOWN, 'resource "foo" not found'))
    async with serving(ZabbixInput(), dest=core.address) as served:
        response = await served.client.post("/down?resource-name=foo")
        metrics = served.metrics()
    assert response.status_code == 500
    assert response.content == b""
    assert "content-type" not in response.headers
    assert response.headers["content-length"] == "0"
    assert served.log_lines[-1].endswith(
        'level=ERROR msg="rpc error: code = Unknown desc = resource \\"foo\\" not found"'
    )
    assert metrics['sacloud_autoscaler_grpc_errors_total{component="inputs_to_core"}'] == 1
    assert metrics['sacloud_autoscaler_webhook_requests_down{code="500"}'] == 1


async def test_core_unreachable_is_500_then_recovers(tmp_path: Path) -> None:
    core = RecordingCore(f"unix:{tmp_path / 'later.sock'}")
    async with serving(ZabbixInput(), dest=core.address) as served:
        down = await served.client.post("/up")
        assert (down.status_code, down.content) == (500, b"")
        error = served.log_lines[-1]
        assert "level=ERROR" in error and "rpc error: code = Unavailable desc = " in error
        await core.start()
        try:
            # The failed connection is not reused, so the Core is reached at once.
            up = await served.client.post("/up")
            assert (up.status_code, up.content) == (200, accepted("default"))
            # A Core that restarts on the same socket is reached again too.
            await core.stop()
            await core.start()
            again = await served.client.post("/up")
            assert (again.status_code, again.content) == (200, accepted("default"))
        finally:
            await core.stop()
        assert served.metrics()['sacloud_autoscaler_grpc_errors_total{component="inputs_to_core"}'] == 1


async def test_default_socket_found_when_it_appears(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    async with serving(ZabbixInput()) as served:
        missing = await served.client.post("/up")
        assert (missing.status_code, missing.content) == (500, b"")
        assert (
            'level=ERROR msg="default socket file not found in [unix:autoscaler.sock, '
            "unix:/var/run/autoscaler.sock, unix:/var/run/autoscaler/autoscaler.sock] (is the Core running?"
        ) in served.log_lines[-1]
        # No RPC was attempted, so nothing is counted as a gRPC error.
        assert served.metrics()['sacloud_autoscaler_grpc_errors_total{component="inputs_to_core"}'] == 0
        core = await RecordingCore("unix:autoscaler.sock").start()
        try:
            found = await served.client.post("/up")
        finally:
            await core.stop()
    assert (found.status_code, found.content) == (200, accepted("default"))


# --- bad input ------------------------------------------------------------------------------


async def test_body_limit_is_64_kib(core: RecordingCore) -> None:
    async with serving(ZabbixInput(), dest=core.address) as served:
        exact = await served.client.post("/up", content=b"x" * 65536)
        over = await served.client.post("/up", content=b"x" * 65537)

        async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted while reading
            for _ in range(20):
                yield b"y" * 4096

        streamed = await served.client.post("/up", content=chunks())
    assert (exact.status_code, exact.content) == (200, accepted("default"))
    for response in (over, streamed):
        assert response.status_code == 400
        assert response.content == b"http: request body too large"
        assert response.headers["content-type"] == TEXT
    assert len(core.received) == 1
    assert served.log_lines[-1].endswith(
        'msg="webhook rejected" status=400 error="http: request body too large"'
    )


@pytest.mark.parametrize(
    ("body", "text"),
    [
        (b"", "unexpected end of JSON input"),
        (b"{oops", "invalid character 'o' looking for beginning of object key string"),
        (b"[1]", "json: cannot unmarshal array into Go value of type grafana.grafanaWebhookBody"),
        (
            b'{"state":true}',
            "json: cannot unmarshal bool into Go struct field grafanaWebhookBody.state of type string",
        ),
    ],
)
async def test_malformed_json_is_400(core: RecordingCore, body: bytes, text: str) -> None:
    async with serving(GrafanaInput(), dest=core.address) as served:
        response = await served.client.post("/up", content=body)
        after = await served.client.post("/up", content=fixture("grafana_legacy_alerting.json"))
    assert (response.status_code, response.text) == (400, text)
    assert response.headers["content-type"] == TEXT
    assert f'msg="webhook rejected" status=400 error={go_quote(text)}' in served.log.getvalue()
    assert after.status_code == 200  # still serving


async def test_query_is_checked_before_the_input_decides(core: RecordingCore) -> None:
    async with serving(GrafanaInput(), dest=core.address) as served:
        # Even an ignorable payload (upstream answered "ignored" here) reports the bad URL.
        unknown = await served.client.post(
            "/up?resource_name=web&foo", content=fixture("grafana_legacy_ok.json")
        )
        bad_name = await served.client.post(
            "/up?resource-name=%E3%82%A6%E3%82%A7%E3%83%96", content=fixture("grafana_legacy_alerting.json")
        )
        too_long = await served.client.post(
            "/up?source=" + "s" * 1025, content=fixture("grafana_legacy_alerting.json")
        )
        sync = await served.client.post("/up?sync=true", content=fixture("grafana_legacy_alerting.json"))
    assert unknown.status_code == 400
    assert (
        unknown.text
        == "2 errors occurred:\n\t* invalid parameter key: resource_name\n\t* invalid parameter key: foo\n\n"
    )
    assert (bad_name.status_code, bad_name.text) == (
        400,
        "1 error occurred:\n\t* resource-name: printascii\n\n",
    )
    assert (too_long.status_code, too_long.text) == (400, "1 error occurred:\n\t* source: max=1024\n\n")
    assert (sync.status_code, sync.text) == (400, "1 error occurred:\n\t* invalid parameter key: sync\n\n")
    assert core.received == []


async def test_wrong_method_is_ignored_and_logged(core: RecordingCore) -> None:
    async with serving(AlertmanagerInput(), dest=core.address) as served:
        response = await served.client.get("/up", params={"resource-name": "web"})
    assert (response.status_code, response.content) == (200, IGNORED)
    assert served.log_lines[-1].endswith('msg="webhook ignored"')


# --- routes, metrics ------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/keep", "/up/", "/metrics", "/", "/UP"])
async def test_other_paths_are_gos_404(core: RecordingCore, path: str) -> None:
    async with serving(ZabbixInput(), dest=core.address) as served:
        response = await served.client.post(path)
    assert (response.status_code, response.content) == (404, b"404 page not found\n")
    assert response.headers["content-type"] == TEXT
    assert response.headers["x-content-type-options"] == "nosniff"
    assert served.log_lines == []


async def test_healthz(core: RecordingCore) -> None:
    async with serving(ZabbixInput(), dest=core.address, token="s3cret") as served:
        responses = [await served.client.request(m, "/healthz?x=1") for m in ("GET", "POST", "PUT")]
        metrics = served.metrics()
    for response in responses:
        assert (response.status_code, response.content) == (200, b"ok")
        assert response.headers["content-type"] == TEXT
    assert served.log_lines == []
    assert metrics['sacloud_autoscaler_webhook_requests_total{code="200"}'] == 0


async def test_metrics_count_ignored_as_200_with_series_from_the_start(core: RecordingCore) -> None:
    async with serving(GrafanaInput(), dest=core.address) as served:
        before = served.metrics()
        for path in ("/up", "/up", "/down"):
            assert (await served.client.get(path)).status_code == 200
        await served.client.post("/down", content=b"{")
        after = served.metrics()
        exposition = served.exposition()
    prefix = "sacloud_autoscaler_webhook_requests"
    assert {k: v for k, v in before.items() if k.startswith(prefix)} == {
        f'{prefix}_{name}{{code="{code}"}}': 0.0
        for name in ("total", "up", "down")
        for code in ("200", "400", "500")
    }
    assert after[f'{prefix}_total{{code="200"}}'] == 3
    assert after[f'{prefix}_total{{code="400"}}'] == 1
    assert after[f'{prefix}_up{{code="200"}}'] == 2
    assert after[f'{prefix}_down{{code="200"}}'] == 1
    assert after[f'{prefix}_down{{code="400"}}'] == 1
    # Upstream's exact family names and types: no `_total` on up/down, no `_created`.
    assert f"# TYPE {prefix}_total counter\n" in exposition
    assert f"# TYPE {prefix}_up counter\n" in exposition
    assert f"# TYPE {prefix}_down counter\n" in exposition
    assert f"# HELP {prefix}_up A counter for requests to the /up webhook\n" in exposition
    assert "_up_total" not in exposition and "_created" not in exposition


# --- additions: token, /keep, sync ------------------------------------------------------------


async def test_token_required_when_configured(core: RecordingCore) -> None:
    payload = fixture("alertmanager_firing.json")
    async with serving(AlertmanagerInput(), "debug", dest=core.address, token="s3cret-T0ken") as served:
        missing = await served.client.post("/up", content=payload)
        wrong = await served.client.post("/up", content=payload, headers={"Authorization": "Bearer nope"})
        wrong_query = await served.client.post("/up?token=nope", content=payload)
        basic = await served.client.post("/up", content=payload, auth=("user", "s3cret-T0ken"))
        bearer = await served.client.post(
            "/up?resource-name=web", content=payload, headers={"Authorization": "bearer s3cret-T0ken"}
        )
        query = await served.client.post("/down?token=s3cret-T0ken&resource-name=web", content=payload)
        metrics = served.metrics()
    for response in (missing, wrong, wrong_query, basic):
        assert (response.status_code, response.text) == (401, "missing or wrong token")
        assert response.headers["www-authenticate"] == 'Bearer realm="autoscaler"'
    assert (bearer.status_code, bearer.content) == (200, accepted("web"))
    assert (query.status_code, query.content) == (200, accepted("web"))
    assert [r.method for r in core.received] == ["Up", "Down"]
    assert metrics['sacloud_autoscaler_webhook_requests_total{code="401"}'] == 4
    log = served.log.getvalue()
    assert log.count('msg="webhook rejected" status=401 error="missing or wrong token" remote=') == 4
    assert "s3cret-T0ken" not in log  # the debug dump redacts it
    assert "token=[redacted]" in log


async def test_token_key_is_unknown_without_a_token(core: RecordingCore) -> None:
    async with serving(ZabbixInput(), dest=core.address) as served:
        response = await served.client.post("/up?token=x")
    assert (response.status_code, response.text) == (
        400,
        "1 error occurred:\n\t* invalid parameter key: token\n\n",
    )


async def test_keep_and_sync_when_enabled(core: RecordingCore) -> None:
    core.reply = Reply(status=pb.JOB_DONE)
    async with serving(ZabbixInput(), dest=core.address, enable_keep=True, enable_sync=True) as served:
        keep = await served.client.post("/keep?resource-name=web&sync=true")
        up = await served.client.post("/up?resource-name=web&sync=false")
        bad = await served.client.post("/up?sync=later")
        metrics = served.metrics()
    assert (keep.status_code, keep.content) == (200, accepted("web", "JOB_DONE"))
    assert (up.status_code, up.content) == (200, accepted("web", "JOB_DONE"))
    assert bad.status_code == 400 and "sync=later" in bad.text
    assert [(r.method, r.request.sync) for r in core.received] == [("Keep", True), ("Up", False)]
    assert metrics['sacloud_autoscaler_webhook_requests_keep{code="200"}'] == 1
    assert metrics['sacloud_autoscaler_webhook_requests_total{code="200"}'] == 2


async def test_debug_dump_of_the_request(core: RecordingCore) -> None:
    async with serving(ZabbixInput(), "debug", dest=core.address) as served:
        await served.client.post("/up?source=z", content=b'{"a":1}', headers={"X-Test": "yes"})
    dump = next(line for line in served.log_lines if "level=DEBUG" in line)
    assert 'msg="" request="POST /up?source=z HTTP/1.1\\r\\nHost: input.test\\r\\n' in dump
    assert "X-Test: yes\\r\\n" in dump
    assert dump.endswith('\\r\\n\\r\\n{\\"a\\":1}"')
