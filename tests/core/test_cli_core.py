"""The Core's commands as a user runs them (real processes)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "autoscaler", *args], capture_output=True, text=True, cwd=cwd, timeout=60
    )


def test_validate_missing_resources_is_a_data_error(tmp_path: Path) -> None:
    conf = tmp_path / "autoscaler.yaml"
    conf.write_text("autoscaler:\n  cooldown: 5\n")
    result = run("validate", "--config", str(conf))
    assert result.returncode == 65
    assert result.stdout == "1 error occurred:\n\t* resources: required\n\n\n"


def test_validate_decode_error_is_a_system_error(tmp_path: Path) -> None:
    conf = tmp_path / "autoscaler.yaml"
    conf.write_text("resources: []\nfoo: 1\n")
    result = run("core", "validate", "--config", str(conf))
    assert result.returncode == 1
    assert result.stdout == f'{conf}:2:1: foo: unknown field "foo"\n'


def test_flag_errors(tmp_path: Path) -> None:
    result = run("validate", "--config", str(tmp_path / "none.yaml"))
    assert result.returncode == 1
    missing = tmp_path / "none.yaml"
    assert result.stderr == (
        f"Error: 1 error occurred:\n\t* --config: invalid file path: {missing} (no such file in "
        f"{tmp_path}: write one with `autoscaler example > {missing}`, or name yours with --config)\n\n\n"
    )
    # Without --config, the default file in the working directory.
    result = run("start", cwd=tmp_path)
    assert "\t* --config: invalid file path: autoscaler.yaml (no such file in " in result.stderr
    assert "write one with `autoscaler example > autoscaler.yaml`" in result.stderr
    # A directory is no file either, but needs no recipe.
    assert run("validate", "--config", str(tmp_path)).stderr.endswith(f"invalid file path: {tmp_path}\n\n\n")
    result = run("start", "--addr", "", "--config", "", cwd=tmp_path)
    assert result.returncode == 1
    assert "* --addr: required\n\t* --config: required" in result.stderr
    # As pflag: a value that does not parse is reported while parsing, before the checks run.
    result = run("start", "--handlers-wait", "soon", "--config", str(tmp_path))
    assert result.returncode == 1
    assert (
        result.stderr
        == 'Error: invalid argument "soon" for "--handlers-wait" flag: time: invalid duration "soon"\n'
    )
    result = run("start", "--handlers-wait", "1s", "--config", str(tmp_path))
    assert result.returncode == 1 and "--config: invalid file path" in result.stderr


def test_example_is_upstreams_with_english_comments(tmp_path: Path) -> None:
    import yaml

    result = run("example")
    assert result.returncode == 0
    upstream = (Path(__file__).parent / "fixtures" / "upstream_example.yaml").read_text(encoding="utf-8")
    # The same configuration, value for value; only the comments are translated.
    assert yaml.safe_load(result.stdout) == yaml.safe_load(upstream)
    code = [
        line.split(" #", 1)[0].rstrip()
        for line in result.stdout.splitlines()
        if not line.lstrip().startswith("#")
    ]
    theirs = [
        line.split(" #", 1)[0].rstrip() for line in upstream.splitlines() if not line.lstrip().startswith("#")
    ]
    assert code == [*theirs, ""]  # line for line, and printed with a final blank line as Println does
    assert not any("\u3040" <= ch <= "\u9fff" for ch in result.stdout)
    conf = tmp_path / "example.yaml"
    conf.write_text(result.stdout)
    from autoscaler.core.config.load import load_config

    names = [d.name for d in load_config(str(conf)).definitions]
    assert names == [
        "vertical-scalable-server", "server-group", "vertical-scalable-elb", "elb-server", "gslb-server",
        "vertical-scalable-router",
    ]  # fmt: skip


def test_start_help_lists_upstream_flags() -> None:
    result = run("start", "--help")
    assert result.returncode == 0
    for flag in (
        "--addr string",
        "unix:autoscaler.sock",
        "--config string",
        '"autoscaler.yaml"',
        "--strict",
        "--handlers-wait",
    ):
        assert flag in result.stdout
    assert "\n  core " not in run("--help").stdout
    assert run("server", "example").returncode == 0


class _Busy(BaseHTTPRequestHandler):
    """The API answering every request with 503 and `Retry-After: 0` (retry at once)."""

    def do_GET(self) -> None:
        body = b'{"is_fatal":true,"status":"503 Service Unavailable","error_code":"busy","error_msg":"busy"}'
        self.send_response(503)
        self.send_header("Retry-After", "0")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_validate_logs_each_cloud_api_retry(tmp_path: Path) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Busy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    conf = tmp_path / "autoscaler.yaml"
    conf.write_text(
        "resources:\n  - type: Server\n    name: web\n    selector: {names: [web], zones: [is1a]}\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SAKURA", "USACLOUD"))}
    env |= {
        "HOME": str(tmp_path),
        "SAKURACLOUD_API_ROOT_URL": f"http://127.0.0.1:{server.server_port}/cloud/zone",
        "SAKURACLOUD_ACCESS_TOKEN": "t",
        "SAKURACLOUD_ACCESS_TOKEN_SECRET": "s",
        "SAKURACLOUD_RETRY_MAX": "2",
    }
    try:
        result = subprocess.run(
            [sys.executable, "-m", "autoscaler", "validate", "--config", str(conf)],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
    finally:
        server.shutdown()
        server.server_close()
    assert result.returncode == 65, result
    assert result.stdout == "reading SAKURA cloud account info failed: busy\n"
    url = f"http://127.0.0.1:{server.server_port}/cloud/zone/is1a/api/cloud/1.1/auth-status"
    retries = [line for line in result.stderr.splitlines() if "retrying" in line]
    assert len(retries) == 2, result.stderr
    assert retries[0].endswith(
        f'level=WARN msg="cloud API request failed, retrying" error="GET {url}: 503" wait=0s'
    )


NO_KEY = (
    "reading SAKURA cloud account info failed: no API key ({missing} not set): give "
    "SAKURACLOUD_ACCESS_TOKEN and SAKURACLOUD_ACCESS_TOKEN_SECRET in the environment, "
    "sakuracloud.token and sakuracloud.secret in the configuration, or a usacloud profile "
    "(sakuracloud.profile or SAKURACLOUD_PROFILE); to try without an account, set SAKURACLOUD_FAKE_MODE=1"
)


def _without_credentials(tmp_path: Path, **extra: str) -> dict[str, str]:
    """Real mode, no key anywhere (no profile in HOME), and an API root where nothing listens:
    without the early check this would retry for minutes."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SAKURA", "USACLOUD"))}
    return (
        env | {"HOME": str(tmp_path), "SAKURACLOUD_API_ROOT_URL": f"http://127.0.0.1:{closed_port}"} | extra
    )


def test_no_credentials_in_real_mode_fail_at_once_naming_every_source(tmp_path: Path) -> None:
    conf = tmp_path / "autoscaler.yaml"
    conf.write_text(
        "resources:\n  - type: Server\n    name: web\n    selector: {names: [web], zones: [is1a]}\n"
    )
    validate = subprocess.run(
        [sys.executable, "-m", "autoscaler", "validate", "--config", str(conf)],
        capture_output=True, text=True, env=_without_credentials(tmp_path), timeout=60,
    )  # fmt: skip
    assert (validate.returncode, validate.stdout) == (65, NO_KEY.format(missing="token and secret") + "\n")
    assert "retrying" not in validate.stderr

    start = subprocess.run(
        [sys.executable, "-m", "autoscaler", "start", "--addr", f"unix:{tmp_path / 'c.sock'}", "--config", str(conf)],
        capture_output=True, text=True, timeout=60,
        env=_without_credentials(tmp_path, SAKURACLOUD_ACCESS_TOKEN="only-the-token"),
    )  # fmt: skip
    assert start.returncode == 1
    assert start.stderr.endswith("Error: " + NO_KEY.format(missing="secret") + "\n")
    assert "retrying" not in start.stderr and "Traceback" not in start.stderr
    assert not (tmp_path / "c.sock").exists()


def test_core_exporter_on_a_busy_port_says_why(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        conf = tmp_path / "autoscaler.yaml"
        conf.write_text(
            "resources:\n  - type: Server\n    name: web\n    selector: {names: [web], zones: [is1a]}\n"
            f'autoscaler:\n  exporter_config: {{enabled: true, address: "127.0.0.1:{port}"}}\n'
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SAKURA", "USACLOUD"))}
        env |= {"SAKURACLOUD_FAKE_MODE": "1", "SAKURACLOUD_FAKE_STORE_PATH": str(tmp_path / "fake.sqlite3")}
        env["XDG_STATE_HOME"] = str(tmp_path / "state")
        seed = tmp_path / "seed.yaml"
        seed.write_text("servers:\n  - {name: web, zone: is1a, plan: {core: 1, memory: 1}}\n")
        subprocess.run(
            [sys.executable, "-m", "autoscaler", "fake-cloud", "seed", str(seed)],
            env=env,
            check=True,
            timeout=60,
        )
        sock = tmp_path / "core.sock"
        result = subprocess.run(
            [sys.executable, "-m", "autoscaler", "start", "--addr", f"unix:{sock}", "--config", str(conf)],
            capture_output=True, text=True, env=env, timeout=60,
        )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.endswith(f"Error: listen tcp 127.0.0.1:{port}: bind: address already in use\n")
    assert not sock.exists()


def test_a_usacloud_profiles_key_counts_and_offline_retries_name_the_url(tmp_path: Path) -> None:
    """With a key (here from the profile) upstream's path is kept: the API is tried, retried
    with each attempt's URL in the log, and fails naming it."""
    profile = tmp_path / ".usacloud" / "work" / "config.json"
    profile.parent.mkdir(parents=True)
    profile.write_text('{"AccessToken": "t", "AccessTokenSecret": "s", "RetryMax": 1}')
    conf = tmp_path / "autoscaler.yaml"
    conf.write_text(
        "resources:\n  - type: Server\n    name: web\n    selector: {names: [web], zones: [is1a]}\n"
    )
    env = _without_credentials(tmp_path, SAKURACLOUD_PROFILE="work")
    url = env["SAKURACLOUD_API_ROOT_URL"] + "/is1a/api/cloud/1.1/auth-status"
    validate = subprocess.run(
        [sys.executable, "-m", "autoscaler", "validate", "--config", str(conf)],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    assert validate.returncode != 0
    assert "no API key" not in validate.stdout + validate.stderr
    (retry,) = [line for line in validate.stderr.splitlines() if "retrying" in line]
    assert f'level=WARN msg="cloud API request failed, retrying" error="GET {url}: ConnectError: ' in retry
    assert f"GET {url}: ConnectError: " in validate.stdout and "(after 1 retries)" in validate.stdout
    assert "Traceback" not in validate.stdout + validate.stderr
