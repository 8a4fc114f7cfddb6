"""`autoscaler completion [bash|zsh|fish]`: print a shell completion script."""

from __future__ import annotations

from typing import Any

import click
from click.shell_completion import get_completion_class

from .cobra import Command, CommandError

SHELLS = ("bash", "zsh", "fish", "powershell")

LONG = """To load completions:

Bash:

  $ source <(autoscaler completion bash)

  # To load completions for each session, execute once:
  $ autoscaler completion bash > /etc/bash_completion.d/autoscaler

Zsh:

  $ autoscaler completion zsh > "${fpath[1]}/_autoscaler"

fish:

  $ autoscaler completion fish > ~/.config/fish/completions/autoscaler.fish
"""


def _run(args: tuple[str, ...] = (), **_: Any) -> None:
    if len(args) != 1:
        raise CommandError(f"accepts 1 arg(s), received {len(args)}")
    shell = args[0]
    if shell not in SHELLS:
        raise CommandError(f'invalid argument "{shell}" for "autoscaler completion"')
    completion_class = get_completion_class(shell)
    if completion_class is None:
        raise CommandError(f"completion for {shell} is not available")
    ctx = click.get_current_context()
    root = ctx.find_root().command
    click.echo(completion_class(root, {}, "autoscaler", "_AUTOSCALER_COMPLETE").source())


completion = Command(
    "completion",
    use="completion [bash|zsh|fish|powershell]",
    short="Generate completion script",
    long=LONG,
    args="any",
    callback=_run,
)
