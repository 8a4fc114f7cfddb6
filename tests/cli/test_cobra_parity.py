"""What cobra and pflag do that scripts and fingers rely on, against their exact texts, with
the real `autoscaler` command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

GLOBAL_FLAGS = (
    "Global Flags:\n"
    '      --log-format string   Format of logging to be output. options: [ logfmt | json ] (default "logfmt")\n'
    "      --log-level string    Level of logging to be output. options: [ error | warn | info | debug ]"
    ' (default "info")\n'
)


def run(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "autoscaler", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
        cwd=cwd,
    )


def test_help_command_prints_the_help_of_the_command_at_that_path() -> None:
    assert run("help", "start").stdout == run("start", "--help").stdout
    assert run("help", "inputs", "direct").stdout == run("inputs", "direct", "--help").stdout
    # An alias reaches the command; its help names it as cobra does.
    assert run("help", "input", "direct").stdout == run("inputs", "direct", "--help").stdout
    assert run("help").stdout == run("--help").stdout


def test_help_is_listed_like_cobras_default_help_command() -> None:
    root = run("--help").stdout
    lines = root.split("Available Commands:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert "  help       Help about any command" in lines
    assert [line.split()[0] for line in lines] == sorted(line.split()[0] for line in lines)
    own = run("help", "--help")
    assert own.returncode == 0
    assert own.stdout == (
        "Help provides help for any command in the application.\n"
        "Simply type autoscaler help [path to command] for full details.\n\n"
        "Usage:\n  autoscaler help [command] [flags]\n\n"
        "Flags:\n  -h, --help   help for help\n\n" + GLOBAL_FLAGS
    )


def test_unknown_help_topic() -> None:
    result = run("help", "nope")
    assert (result.returncode, result.stdout) == (0, "")
    usage = run("--help").stdout.split("\n\n", 1)[1]
    assert result.stderr == "Unknown help topic [`nope`]\n" + usage


def test_did_you_mean_this() -> None:
    result = run("strat")
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        'Error: unknown command "strat" for "autoscaler"\n\nDid you mean this?\n\tstart\n\n'
        "Run 'autoscaler --help' for usage.\n"
    )
    # A prefix suggests too, several in the listed order; hidden commands never.
    assert "Did you mean this?\n\tstart\n\tstatus\n\n" in run("sta").stderr
    assert "Did you mean this?" not in run("servr").stderr  # `server` is the hidden alias of core
    assert run("zzzzzz").stderr == (
        'Error: unknown command "zzzzzz" for "autoscaler"\nRun \'autoscaler --help\' for usage.\n'
    )


@pytest.mark.parametrize("form", ["--all=true", "-a=true", "--all=1", "--all=T", "--all=True", "--all=TRUE"])
def test_bool_flags_take_pflags_true_forms(form: str) -> None:
    assert run("version", form).stdout == run("version", "-a").stdout


def test_bool_flags_take_false_forms_and_refuse_others() -> None:
    assert run("version", "--all=false").stdout == "v0.19.3\n"
    assert run("version", "-a=0").stdout == "v0.19.3\n"
    refused = run("version", "--all=yes")
    assert (refused.returncode, refused.stderr) == (
        1,
        'Error: invalid argument "yes" for "-a, --all" flag: strconv.ParseBool: parsing "yes": invalid syntax\n',
    )
    assert run("start", "--help=true").stdout == run("start", "--help").stdout
    assert run("--help=true").stdout == run("--help").stdout
    assert run("-v=true").stdout == "v0.19.3\n"
    strict = run("validate", "--strict=maybe")
    assert strict.stderr == (
        'Error: invalid argument "maybe" for "--strict" flag: strconv.ParseBool: parsing "maybe": invalid syntax\n'
    )


def test_aliases_block() -> None:
    help_text = run("inputs", "--help").stdout
    assert help_text.startswith(
        "A set of sub commands to manage autoscaler's inputs\n\n"
        "Usage:\n  autoscaler inputs [command]\n\nAliases:\n  inputs, input\n\nAvailable Commands:\n"
    )
    assert run("input", "--help").stdout == help_text
    assert "Aliases:\n  core, server\n" in run("core", "--help").stdout
    assert "Aliases:" not in run("start", "--help").stdout


def test_a_bad_choice_is_echoed_before_upstreams_text(tmp_path: Path) -> None:
    script = tmp_path / "h.sh"
    script.write_text("#!/bin/sh\ncat\n")
    script.chmod(0o755)
    result = run("handlers", "local-exec", "--executable-path", str(script), "--handler-type", "posthandle")
    assert (result.returncode, result.stderr) == (
        1,
        'Error: 1 error occurred:\n\t* --handler-type: "posthandle" is not one of pre-handle, handle, '
        "post-handle (oneof=pre-handle handle post-handle)\n\n\n",
    )
    listed = run("handlers", "local-exec", "-h").stdout
    assert (
        "      --handler-type string       Handler type name: pre-handle, handle or post-handle "
        "(several: comma-separated)\n"
    ) in listed


def complete(words: str) -> list[str]:
    """What the shell completion script gets back for the words typed so far (bash protocol)."""
    cword = len(words.split()) - (0 if words.endswith(" ") else 1)
    result = run(env={"_AUTOSCALER_COMPLETE": "bash_complete", "COMP_WORDS": words, "COMP_CWORD": str(cword)})
    assert result.returncode == 0, result.stderr
    return [line.split(",", 1)[1] for line in result.stdout.splitlines() if line.startswith("plain,")]


def test_completion_offers_commands_without_the_hidden_ones() -> None:
    offered = complete("autoscaler ")
    assert {"start", "inputs", "handlers", "help", "version", "completion"} <= set(offered)
    assert not {"core", "server", "input"} & set(offered)


def test_completion_offers_values() -> None:
    assert complete("autoscaler inputs direct ") == ["up", "down", "keep"]
    assert complete("autoscaler inputs direct up ") == []
    assert complete("autoscaler handlers local-exec --handler-type p") == ["pre-handle", "post-handle"]
    assert complete("autoscaler handlers local-exec --handler-type pre-handle,") == [
        "pre-handle,pre-handle",
        "pre-handle,handle",
        "pre-handle,post-handle",
    ]
    assert complete("autoscaler start --log-level ") == ["error", "warn", "info", "debug"]
    assert complete("autoscaler version --log-format ") == ["logfmt", "json"]
    assert "load-balancers" in complete("autoscaler fake-cloud list ")
    assert complete("autoscaler completion ") == ["bash", "zsh", "fish", "powershell"]


def test_completion_help_is_upstreams() -> None:
    text = run("completion", "--help").stdout
    assert text.startswith("To load completions:\n\nBash:\n\n  $ source <(autoscaler completion bash)\n")
    assert "  PS> autoscaler completion powershell | Out-String | Invoke-Expression\n" in text
    assert "\nUsage:\n  autoscaler completion [bash|zsh|fish|powershell]\n\nFlags:\n" in text
