"""`autoscaler example --write-to DIR`: the shipped example files, for users without a checkout."""

from __future__ import annotations

from pathlib import Path

import click

from .cobra import CommandError, Flag

WRITE_TO_HELP = (
    "write the shipped example files (handler scripts, systemd units, configurations) under this directory"
)


def write_to_flag() -> Flag:
    return Flag(["--write-to"], default="", usage=WRITE_TO_HELP)


def write_examples(dest: str) -> None:
    """Write them and print each path written; refuse (exit 1, nothing written) on any conflict."""
    from ..shipped_examples import ExamplesError, write_to

    try:
        written = write_to(Path(dest))
    except ExamplesError as exc:
        raise CommandError(f"--write-to: {exc}") from None
    click.echo("\n".join(str(path) for path in written))
