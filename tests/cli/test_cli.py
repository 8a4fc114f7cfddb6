"""The CLI as users of upstream see it: help, versions, flag errors, exit statuses."""

from __future__ import annotations

import platform
import subprocess
import sys
from pathlib import Path

import pytest

from autoscaler.version import __version__, revision

AUTOSCALER = [sys.executable, "-m", "autoscaler"]


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*AUTOSCALER, *args], capture_output=True, text=True, cwd=cwd, timeout=60)


@pytest.fixture
def script(tmp_path: Path) -> Path:
    path = tmp_path / "handler.sh"
    path.write_text("#!/bin/sh\ncat\n")
    path.chmod(0o755)
    return path


def test_version_flag_and_command() -> None:
    assert run("--version").stdout == "v0.19.3\n"
    assert run("-v").stdout == "v0.19.3\n"
    assert run("version").stdout == "v0.19.3\n"
    # The build (a checkout's commit, tests/test_version.py), then the implementation.
    full = run("version", "--all").stdout
    python = f"{platform.python_implementation()} {platform.python_version()}"
    assert full.startswith("v0.19.3 linux/")
    assert full.endswith(f", build {revision()} (Python implementation {__version__}, {python})\n")
    assert run("version", "-a").stdout == full


def test_local_exec_help_keeps_upstreams_lines() -> None:
    result = run("handlers", "local-exec", "--help")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    # The usage line of the user's document: the executable may follow the flags.
    assert lines[:4] == [
        "Handler for executing a shell script",
        "",
        "Usage:",
        "  autoscaler handlers local-exec [flags]... {path/to/your/executable}",
    ]
    flags = {
        line.split()[0]: line for line in lines if line.startswith("      --") or line.startswith("  -h")
    }
    assert flags["--addr"].split("   ")[-1].strip() == (
        'the address for the server to listen on (default "unix:autoscaler-handlers-local-exec.sock")'
    )
    assert flags["--config"].endswith("Filepath to Handlers additional configuration file")
    assert flags["--executable-path"].endswith("Path to the executable")
    # The seed's text first, then the values it takes.
    assert flags["--handler-type"].split("   ")[-1].strip() == (
        "Handler type name: pre-handle, handle or post-handle (several: comma-separated)"
    )
    assert flags["-h,"].endswith("help for local-exec")
    assert lines[-3:] == [
        "Global Flags:",
        '      --log-format string   Format of logging to be output. options: [ logfmt | json ] (default "logfmt")',
        '      --log-level string    Level of logging to be output. options: [ error | warn | info | debug ] (default "info")',
    ]


def test_handlers_group_help_lists_its_commands() -> None:
    result = run("handlers")
    assert result.returncode == 0
    assert "  list-builtins list builtin handlers\n" in result.stdout
    assert "  local-exec    Handler for executing a shell script\n" in result.stdout
    assert result.stdout.endswith(
        'Use "autoscaler handlers [command] --help" for more information about a command.\n'
    )


def test_list_builtins() -> None:
    assert run("handlers", "list-builtins").stdout.split() == [
        "dns-servers-handler",
        "elb-vertical-scaler",
        "elb-servers-handler",
        "gslb-servers-handler",
        "load-balancer-servers-handler",
        "router-vertical-scaler",
        "server-horizontal-scaler",
        "server-vertical-scaler",
    ]


@pytest.mark.parametrize(
    ("args", "stderr"),
    [
        (
            [],
            "Error: 2 errors occurred:\n\t* --executable-path: required\n\t* --handler-type: required\n\n\n",
        ),
        (
            ["--executable-path", "missing.sh", "--handler-type", "post-handle"],
            "Error: 1 error occurred:\n\t* --executable-path: invalid file path: missing.sh\n\n\n",
        ),
        (
            ["--executable-path", "handler.sh", "--handler-type", "Post-Handle"],
            'Error: 1 error occurred:\n\t* --handler-type: "Post-Handle" is not one of pre-handle, handle, post-handle (oneof=pre-handle handle post-handle)\n\n\n',
        ),
        (
            ["--executable-path", "handler.sh", "--handler-type", "handle", "--addr", ""],
            "Error: 1 error occurred:\n\t* --addr: required\n\n\n",
        ),
        (
            ["--executable-path", "handler.sh", "--handler-type", "handle", "--addr", "unix:é.sock"],
            "Error: 1 error occurred:\n\t* --addr: printascii\n\n\n",
        ),
        (
            ["--executable-path", ".", "--handler-type", "x", "--addr", "\t", "--config", "."],
            "Error: 4 errors occurred:\n\t* --executable-path: invalid file path: .\n"
            '\t* --handler-type: "x" is not one of pre-handle, handle, post-handle (oneof=pre-handle handle post-handle)\n\t* --addr: printascii\n'
            "\t* --config: invalid file path: .\n\n\n",
        ),
        (["--bogus"], "Error: unknown flag: --bogus\n"),
        (["-x"], "Error: unknown shorthand flag: 'x' in -x\n"),
        (["--addr"], "Error: flag needs an argument: --addr\n"),
        (["a.sh", "b.sh"], "Error: accepts at most 1 arg(s), received 2\n"),
        (
            ["--executable-path", "handler.sh", "other.sh"],
            'Error: --executable-path "handler.sh" and the argument "other.sh" name different executables\n',
        ),
        (
            ["missing.sh", "--handler-type", "handle"],
            "Error: 1 error occurred:\n\t* --executable-path: invalid file path: missing.sh\n\n\n",
        ),
        (
            ["--log-level", "trace", "--handler-type", "x"],
            'Error: 1 error occurred:\n\t* --log-level: "trace" is not one of error, warn, info, debug (oneof=error warn info debug)\n\n\n',
        ),
        (
            ["--log-format", "text"],
            'Error: 1 error occurred:\n\t* --log-format: "text" is not one of logfmt, json (oneof=logfmt json)\n\n\n',
        ),
        (
            ["--executable-path", "handler.sh", "--handler-type", "handle", "--timeout", "5"],
            'Error: invalid argument "5" for "--timeout" flag: time: missing unit in duration "5"\n',
        ),
        (
            ["--executable-path", "handler.sh", "--handler-type", "handle", "--max-concurrency", "two"],
            'Error: invalid argument "two" for "--max-concurrency" flag: strconv.ParseInt: parsing "two": invalid syntax\n',
        ),
        (
            ["--executable-path", "handler.sh", "--handler-type", "handle", "--max-output-bytes", "0"],
            "Error: 1 error occurred:\n\t* --max-output-bytes: must be between 1 and 4128768 (one gRPC message to the Core)\n\n\n",
        ),
    ],
)
def test_local_exec_flag_errors(script: Path, args: list[str], stderr: str) -> None:
    result = run("handlers", "local-exec", *args, cwd=script.parent)
    assert (result.returncode, result.stdout, result.stderr) == (1, "", stderr)


def test_global_flags_are_validated_before_the_commands_own(script: Path) -> None:
    result = run("--log-level", "loud", "handlers", "local-exec", cwd=script.parent)
    assert result.stderr == (
        'Error: 1 error occurred:\n\t* --log-level: "loud" is not one of error, warn, info, debug (oneof=error warn info debug)\n\n\n'
    )
    assert run("--log-level", "loud", "version").returncode == 1


def test_non_executable_script_is_refused_at_start_up(script: Path) -> None:
    script.chmod(0o644)
    result = run(
        "handlers",
        "local-exec",
        "--executable-path",
        "handler.sh",
        "--handler-type",
        "handle",
        cwd=script.parent,
    )
    assert result.returncode == 1
    assert result.stderr == (
        "Error: 1 error occurred:\n\t* --executable-path: handler.sh: the file is not executable "
        "(run: chmod +x handler.sh)\n\n\n"
    )
    assert not (script.parent / "autoscaler-handlers-local-exec.sock").exists()


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            "exporter_config:\n  enabled: true\n  foo: 1\n",
            'config.yaml:3:3: exporter_config.foo: unknown field "foo"',
        ),
        (
            "exporter_config:\n  enabled: yes please\n",
            "config.yaml:2:12: exporter_config.enabled: Input should be a valid boolean",
        ),
        (
            "exporter_config:\n  enabled: true\n  enabled: false\n",
            'config.yaml:3:3: mapping key "enabled" already defined at [2:3]',
        ),
        ("exporter_config: [\n", "config.yaml:2:1: invalid YAML"),
    ],
)
def test_bad_config_file_names_file_line_and_key(script: Path, config: str, message: str) -> None:
    (script.parent / "config.yaml").write_text(config)
    result = run(
        "handlers",
        "local-exec",
        "--executable-path",
        "handler.sh",
        "--handler-type",
        "handle",
        "--config",
        "config.yaml",
        cwd=script.parent,
    )
    assert result.returncode == 1
    assert result.stderr.startswith(f"Error: {message}")
    assert not (script.parent / "autoscaler-handlers-local-exec.sock").exists()


@pytest.mark.parametrize(
    ("addr", "message"),
    [
        ("/abs/x.sock", "net.Listen failed: listen tcp: address /abs/x.sock: missing port in address"),
        ("localhost", "net.Listen failed: listen tcp: address localhost: missing port in address"),
        ("unix:/x%zz", 'ParseTarget failed: parse \\"unix:/x%zz\\": invalid URL escape \\"%zz\\"'),
        (
            "unix:no-such-dir/x.sock",
            "net.Listen failed: listen unix {cwd}/no-such-dir/x.sock: bind: no such file or directory",
        ),
    ],
)
def test_unusable_addresses_log_an_error_and_exit_1(script: Path, addr: str, message: str) -> None:
    result = run(
        "handlers",
        "local-exec",
        "--executable-path",
        "handler.sh",
        "--handler-type",
        "handle",
        "--addr",
        addr,
        cwd=script.parent,
    )
    assert result.returncode == 1
    shown = message.format(cwd=script.parent)  # a relative socket path is shown absolute
    assert f'level=ERROR msg="{shown}" from=autoscaler-handlers-local-exec' in result.stderr


def test_unknown_root_command() -> None:
    result = run("nope")
    assert (result.returncode, result.stderr) == (
        1,
        'Error: unknown command "nope" for "autoscaler"\nRun \'autoscaler --help\' for usage.\n',
    )


def test_completion_scripts() -> None:
    assert "_autoscaler_completion" in run("completion", "bash").stdout
    assert run("completion", "tcsh").stderr == 'Error: invalid argument "tcsh" for "autoscaler completion"\n'
