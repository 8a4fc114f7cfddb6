"""`autoscaler fake-cloud seed|list|serve|reset` as a user runs them (real processes)."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from .conftest import Served, serve

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "fake-cloud" / "web.yaml"


def run(
    *args: str, store: Path | None = None, env_store: Path | None = None, **variables: str
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAKURACLOUD_")} | variables
    if env_store is not None:
        env["SAKURACLOUD_FAKE_STORE_PATH"] = str(env_store)
    extra = ["--store", str(store)] if store is not None else []
    return subprocess.run(
        [sys.executable, "-m", "autoscaler", "fake-cloud", *args, *extra],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def test_seed_list_reset(tmp_path: Path) -> None:
    store = tmp_path / "cli.sqlite3"
    seeded = run("seed", str(EXAMPLE), env_store=store)
    assert seeded.returncode == 0, seeded.stderr
    assert seeded.stdout.startswith(
        f"seeded {EXAMPLE} into {store}: 1 switches, 1 routers, 2 disks, 2 servers"
    )

    table = run("list", store=store)
    assert table.returncode == 0, table.stderr
    for text in (
        "servers:",
        "web-001",
        "web-002",
        "elbs:",
        "web-elb",
        "load-balancers:",
        "192.168.10.100:80",
    ):
        assert text in table.stdout
    lines = run("list", "servers", store=store).stdout.splitlines()
    assert lines[0].split()[:5] == ["ZONE", "ID", "NAME", "PLAN", "STATUS"]
    assert [line.split()[2] for line in lines[1:]] == ["web-001", "web-002"]

    data = json.loads(run("list", "servers", "--output", "json", store=store).stdout)
    assert [s["Name"] for s in data] == ["web-001", "web-002"]
    assert all(s["Instance"]["Status"] == "up" and s["ZoneName"] == "is1a" for s in data)
    assert (
        json.loads(run("list", "elbs", "-o", "json", "--zone", "tk1a", store=store).stdout)[0]["Name"]
        == "web-elb"
    )
    assert json.loads(run("list", "servers", "-o", "json", "--zone", "tk1a", store=store).stdout) == []

    reset = run("reset", store=store)
    assert reset.returncode == 0 and "reset" in reset.stdout
    assert json.loads(run("list", "-o", "json", store=store).stdout)["servers"] == []
    assert "no resources" in run("list", store=store).stdout
    assert len(json.loads(run("list", "archives", "-o", "json", "--zone", "is1a", store=store).stdout)) >= 13


def test_bad_input_is_reported(tmp_path: Path) -> None:
    store = tmp_path / "cli.sqlite3"
    bad = tmp_path / "bad.yaml"
    bad.write_text("servers:\n  - name: a\n    nics: [{upstream: missing-switch}]\n", encoding="utf-8")
    result = run("seed", str(bad), store=store)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"Error: {bad}:2:5: servers[0]: nics[0].upstream: no Switch 'missing-switch' in zone is1a"
    )
    assert json.loads(run("list", "servers", "-o", "json", store=store).stdout) == []

    assert run("seed", store=store).stderr.startswith("Error: requires the seed file")
    unknown = run("list", "planets", store=store)
    assert unknown.returncode == 1 and 'unknown type "planets"' in unknown.stderr
    assert 'must be "table" or "json"' in run("list", "-o", "yaml", store=store).stderr
    assert '"zz9z" is not a zone' in run("list", "--zone", "zz9z", store=store).stderr
    # Listing needs no delays: a bad delay variable is only reported where it is used.
    listed = run("list", env_store=store, SAKURACLOUD_FAKE_DELAY="soon")
    assert listed.returncode == 0 and "no resources" in listed.stdout, listed.stderr
    refused = run("serve", store=store, SAKURACLOUD_FAKE_DELAY="soon")
    assert refused.returncode == 1
    assert refused.stderr.strip() == 'Error: SAKURACLOUD_FAKE_DELAY: time: invalid duration "soon"'


def test_corrupt_store_and_reset_force(tmp_path: Path) -> None:
    store = tmp_path / "broken.sqlite3"
    store.write_bytes(b"\x00garbage" * 64)
    for args in (("list",), ("seed", str(EXAMPLE)), ("reset",)):
        result = run(*args, store=store)
        assert result.returncode == 1
        assert f"Error: fake cloud store {store}: not a fake cloud store" in result.stderr
    assert store.read_bytes() == b"\x00garbage" * 64  # untouched
    forced = run("reset", "--force", store=store)
    assert forced.returncode == 0, forced.stderr
    moved = list(tmp_path.glob("broken.sqlite3.broken-*"))
    assert len(moved) == 1 and moved[0].read_bytes() == b"\x00garbage" * 64
    assert f"moved the unusable store to {moved[0]}" in forced.stdout
    assert run("list", store=store).returncode == 0


def get(url: str, auth: bool = True) -> tuple[int, dict[str, object]]:
    request = urllib.request.Request(url)
    if auth:
        request.add_header("Authorization", "Basic " + base64.b64encode(b"token:secret").decode())
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_serve_answers_any_http_client(tmp_path: Path) -> None:
    store = tmp_path / "served.sqlite3"
    assert run("seed", str(EXAMPLE), store=store).returncode == 0
    server: Served = serve(store)
    try:
        status, body = get(f"{server.root}/is1a/api/cloud/1.1/server")
        assert status == 200
        assert set(body) == {"Servers", "Total", "From", "Count", "is_ok"}
        assert (body["Total"], body["From"], body["Count"], body["is_ok"]) == (2, 0, 2, True)
        assert get(f"{server.root}/is1a/api/cloud/1.1/server", auth=False)[0] == 401
        curl = shutil.which("curl")
        if curl is not None:
            out = subprocess.run(
                [curl, "-s", "-u", "token:secret", f"{server.root}/is1a/api/cloud/1.1/server"],
                capture_output=True,
                text=True,
                timeout=10,
            )
            assert json.loads(out.stdout)["Count"] == 2
    finally:
        code = server.stop()
    assert code == 0
    stderr = server.process.stderr.read() if server.process.stderr else ""
    assert 'msg="fake cloud started"' in stderr and 'msg="shutting down"' in stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--addr", "127.0.0.1:99999"), "Error: --addr:"),
        (("--delay", "soon"), 'invalid argument "soon" for "--delay" flag'),
    ],
)
def test_serve_refuses_bad_flags(args: tuple[str, ...], message: str, tmp_path: Path) -> None:
    result = run("serve", *args, store=tmp_path / "s.sqlite3")
    assert result.returncode == 1 and message in result.stderr, result.stderr


def test_help_lists_the_commands() -> None:
    result = run("--help")
    assert result.returncode == 0
    for name in ("list", "reset", "seed", "serve"):
        assert f"  {name} " in result.stdout
