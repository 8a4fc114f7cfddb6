"""The shipped examples work: the Zabbix media script (run by node, its HTTP done by curl)
against a real zabbix input and Core; the media type export carries that script unchanged."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import pytest
import yaml

from autoscaler.inputs.app import InputsServerConfig
from autoscaler.inputs.server import InputsServer
from autoscaler.inputs.zabbix import ZabbixInput
from autoscaler.log import new_logger

from .conftest import RecordingCore

EXAMPLES = Path(__file__).parents[2] / "examples" / "inputs"
ZABBIX = EXAMPLES / "zabbix"

# Zabbix's script API, as far as the media script uses it, on node: HttpRequest posts with curl.
HARNESS = """
const {execFileSync} = require('child_process');
class HttpRequest {
  constructor() { this.args = []; this.status = 0; }
  addHeader(h) { this.args.push('-H', h); }
  setProxy(p) { this.args.push('-x', p); }
  post(url, body) {
    const out = execFileSync('curl', ['-s', '-w', '\\n%{http_code}', ...this.args, '--data-binary', body, url]).toString();
    const cut = out.lastIndexOf('\\n');
    this.status = Number(out.slice(cut + 1));
    return out.slice(0, cut);
  }
  getStatus() { return this.status; }
}
const Zabbix = {log() {}};
const value = process.argv[2];
let result;
try { result = {ok: (function () { SCRIPT })()}; } catch (e) { result = {error: String(e)}; }
console.log(JSON.stringify(result));
"""


def media_types() -> list[dict[str, object]]:
    doc = yaml.safe_load((ZABBIX / "autoscaler_media_types.yaml").read_text())
    types: list[dict[str, object]] = doc["zabbix_export"]["media_types"]
    return types


def test_media_types_carry_the_script() -> None:
    up, down = media_types()
    script = (ZABBIX / "media_script.js").read_text()
    assert up["script"] == down["script"] == script
    assert "'resource-name='" in script and "resource_name=" not in script
    parameters = {t["name"]: {p["name"]: p["value"] for p in t["parameters"]} for t in (up, down)}  # type: ignore[attr-defined]
    assert parameters["Sacloud AutoScaler: Up"]["autoscaler_event_type"] == "up"
    assert parameters["Sacloud AutoScaler: Down"]["autoscaler_event_type"] == "down"


@pytest.fixture
def node() -> str:
    found = shutil.which("node") or shutil.which("nodejs")
    if found is None or shutil.which("curl") is None:
        pytest.skip("node and curl run the media script")
    return found


async def run_media_script(node: str, tmp_path: Path, params: dict[str, str]) -> dict[str, str]:
    harness = tmp_path / "harness.js"
    harness.write_text(HARNESS.replace("SCRIPT", (ZABBIX / "media_script.js").read_text()))
    proc = await asyncio.create_subprocess_exec(
        node, str(harness), json.dumps(params), stdout=asyncio.subprocess.PIPE
    )
    out, _ = await proc.communicate()
    result: dict[str, str] = json.loads(out)
    return result


async def test_media_script_against_the_input(core: RecordingCore, node: str, tmp_path: Path) -> None:
    options = InputsServerConfig(address="127.0.0.1:0", dest=core.address, token="zbx-T0ken")
    server = InputsServer(ZabbixInput(), options, new_logger("error"))
    address = await server.start()
    base = {
        "autoscaler_endpoint": f"http://{address}/",
        "autoscaler_event_type": "up",
        "autoscaler_source": "zabbix",
        "autoscaler_resource_name": "web server",
        "autoscaler_desired_state_name": "",
        "autoscaler_token": "zbx-T0ken",
        "event_id": "98765",
        "event_name": "High CPU utilization",
        "event_severity": "High",
        "event_update_status": "0",
        "event_value": "1",
        "host_name": "web01",
        "trigger_id": "23456",
        "HTTPProxy": "",
    }
    try:
        problem = await run_media_script(node, tmp_path, base)
        recovery = await run_media_script(node, tmp_path, {**base, "event_value": "0"})
        no_token = await run_media_script(node, tmp_path, {**base, "autoscaler_token": ""})
        bad_type = await run_media_script(node, tmp_path, {**base, "autoscaler_event_type": "keep"})
    finally:
        await server.stop()
    assert problem == {"ok": "job web server: JOB_ACCEPTED"}
    assert recovery == {"ok": "not sent: only new problem events scale"}
    assert no_token == {"error": "autoscaler input answered HTTP 401: missing or wrong token"}
    assert bad_type == {"error": 'autoscaler_event_type must be "up" or "down", not "keep"'}
    assert [(r.method, r.request.source, r.request.resource_name) for r in core.received] == [
        ("Up", "zabbix", "web server")
    ]


def test_other_examples_parse() -> None:
    for path in (
        EXAMPLES / "grafana" / "contact-points.yaml",
        EXAMPLES / "alertmanager" / "alertmanager.yml",
        EXAMPLES / "alertmanager" / "rules.yml",
    ):
        assert yaml.safe_load(path.read_text())
    urls = (EXAMPLES / "grafana" / "contact-points.yaml").read_text() + (
        EXAMPLES / "alertmanager" / "alertmanager.yml"
    ).read_text()
    assert "resource-name=web" in urls and "resource_name" not in urls
