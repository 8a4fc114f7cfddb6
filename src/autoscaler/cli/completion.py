"""`autoscaler completion [bash|zsh|fish|powershell]`: print a shell completion script."""

from __future__ import annotations

from typing import Any

import click
from click.shell_completion import get_completion_class

from .cobra import Command, CommandError

SHELLS = ("bash", "zsh", "fish", "powershell")

# Upstream's text.
LONG = """To load completions:

Bash:

  $ source <(autoscaler completion bash)

  # To load completions for each session, execute once:
  # Linux:
  $ autoscaler completion bash > /etc/bash_completion.d/autoscaler
  # macOS:
  $ autoscaler completion bash > /usr/local/etc/bash_completion.d/autoscaler

Zsh:

  # If shell completion is not already enabled in your environment,
  # you will need to enable it.  You can execute the following once:

  $ echo "autoload -U compinit; compinit" >> ~/.zshrc

  # To load completions for each session, execute once:
  $ autoscaler completion zsh > "${fpath[1]}/_autoscaler"

  # You will need to start a new shell for this setup to take effect.

fish:

  $ autoscaler completion fish | source

  # To load completions for each session, execute once:
  $ autoscaler completion fish > ~/.config/fish/completions/autoscaler.fish

PowerShell:

  PS> autoscaler completion powershell | Out-String | Invoke-Expression

  # To load completions for every new session, run:
  PS> autoscaler completion powershell > autoscaler.ps1
  # and source this file from your PowerShell profile.
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
    arg_values=SHELLS,
    flags_in_use_line=False,
    callback=_run,
)
