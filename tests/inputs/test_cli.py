"""The webhook input commands' flags: help, validation (merged as upstream), start-up errors."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from autoscaler.cli.main import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        main(list(args))
    except SystemExit as exc:
        status = int(exc.code or 0)
    else:
        status = 0
    out, err = capsys.readouterr()
    return status, out, err


def test_group_help_and_alias(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "inputs")
    assert status == 0
    assert "Usage:\n  autoscaler inputs [command]\n" in out
    for line in (
        "  alertmanager Start web server for handle webhooks from AlertManager",
        "  direct       Send Up/Down/Keep request directly to Core server",
        "  grafana      Start web server for handle webhooks from Grafana",
        "  webhook      Start web server for handle webhooks with command",
        "  zabbix       Start web server for handle webhooks from Zabbix",
    ):
        assert line in out.splitlines()
    # Unknown words print the help too (cobra), and the alias reaches the same group.
    assert run(capsys, "inputs", "foo") == (0, out, "")
    assert run(capsys, "input") == (0, out, "")
    _, root_help, _ = run(capsys, "--help")
    assert "  inputs " in root_help and "  input " not in root_help


def test_http_input_help_has_upstreams_flags(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "inputs", "webhook", "--help")
    assert status == 0
    flags = {line.split()[0]: line for line in out.splitlines() if line.startswith("      --")}
    assert flags["--addr"].endswith('the address for the server to listen on (default ":8080")')
    assert flags["--accept-http-methods"].startswith("      --accept-http-methods strings")
    assert flags["--accept-http-methods"].endswith("List of HTTP methods to accept (default [POST,PUT])")
    assert flags["--config"].endswith("Filepath to Inputs additional configuration file")
    assert (
        "[unix:autoscaler.sock, unix:/var/run/autoscaler.sock, unix:/var/run/autoscaler/autoscaler.sock]"
        in (flags["--dest"])
    )
    assert flags["--executable-path"].endswith(
        "Path to the executable to determine if webhooks should be accepted"
    )
    _, grafana, _ = run(capsys, "inputs", "grafana", "--help")
    assert "--executable-path" not in grafana and "--addr string" in grafana


def test_all_checks_are_merged(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    directory = str(tmp_path)
    status, out, err = run(
        capsys,
        "inputs",
        "webhook",
        "--dest",
        "é",
        "--addr",
        "",
        "--config",
        directory,
        "--accept-http-methods",
        "GET,post",
        "--accept-http-methods",
        "PATCH",
        "--executable-path",
        "missing.sh",
        "--tls-cert",
        "cert.pem",
    )
    assert (status, out) == (1, "")
    assert err == (
        "Error: 7 errors occurred:\n"
        "\t* --dest: printascii\n"
        "\t* --addr: required\n"
        f"\t* --config: invalid file path: {directory}\n"
        '\t* --accept-http-methods[1]: "post" is not one of GET, POST, PUT, DELETE, HEAD '
        "(oneof=GET POST PUT DELETE HEAD)\n"
        '\t* --accept-http-methods[2]: "PATCH" is not one of GET, POST, PUT, DELETE, HEAD '
        "(oneof=GET POST PUT DELETE HEAD)\n"
        "\t* --executable-path: invalid file path: missing.sh\n"
        "\t* --tls-cert, --tls-key: give both or neither\n"
        "\n\n"
    )


def test_executable_must_be_runnable(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "check.sh").write_text("#!/bin/sh\n")
    os.chmod(tmp_path / "check.sh", 0o644)
    assert run(capsys, "inputs", "webhook", "--executable-path", "check.sh") == (
        1,
        "",
        "Error: 1 error occurred:\n\t* --executable-path: check.sh: the file is not executable "
        "(run: chmod +x check.sh)\n\n\n",
    )
    assert run(capsys, "inputs", "webhook", "--executable-path", "check.sh", "--accept-http-methods", "") == (
        1,
        "",
        "Error: 1 error occurred:\n\t* --accept-http-methods: required\n\n\n",
    )


def test_config_and_token_and_tls_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    config = tmp_path / "inputs.yaml"
    config.write_text("exporter_config:\n  enabled: yes-please\n")
    status, _, err = run(capsys, "inputs", "zabbix", "--config", str(config))
    assert status == 1
    assert err.startswith(f"Error: {config}:2:12: exporter_config.enabled: ")
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate\n")
    status, _, err = run(
        capsys, "inputs", "grafana", "--token", "two words", "--tls-cert", str(junk), "--tls-key", str(junk)
    )
    assert status == 1
    assert err.startswith(
        "Error: 2 errors occurred:\n\t* --token: must be printable ASCII without spaces\n"
        "\t* --tls-cert, --tls-key: cannot load the certificate and key: "
    )
    status, _, err = run(capsys, "inputs", "alertmanager", "--shutdown-grace", "soon")
    assert (status, err) == (
        1,
        'Error: invalid argument "soon" for "--shutdown-grace" flag: time: invalid duration "soon"\n',
    )


def test_bool_flags_take_go_values(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "inputs", "zabbix", "--enable-keep=yes") == (
        1,
        "",
        'Error: invalid argument "yes" for "--enable-keep" flag: strconv.ParseBool: parsing "yes": invalid syntax\n',
    )
