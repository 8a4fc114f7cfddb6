"""`--socket-mode`: the permissions of a unix socket file the command creates (the Core's and a
handler's); 0660 by default, whatever the umask (upstream leaves them to the umask)."""

from __future__ import annotations

from typing import Any

import click

from .cobra import Flag

DEFAULT = "0660"
USAGE = (
    "permissions (octal) of the unix socket file the server creates; whoever may write to it can "
    "send requests"
)


class FileMode(click.ParamType):  # type: ignore[type-arg]
    """An octal permission mode such as 0660 or 600; the value is the number."""

    name = "string"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        text = str(value)
        digits = text[2:] if text[:2] in ("0o", "0O") else text
        if (
            not digits
            or len(digits) > 4
            or any(c not in "01234567" for c in digits)
            or int(digits, 8) > 0o777
        ):
            name = param.opts[0] if param is not None and param.opts else "--socket-mode"
            self.fail(
                f'invalid argument "{text}" for "{name}" flag: want an octal mode from 0000 to 0777',
                param,
                ctx,
            )
        return int(digits, 8)


def socket_mode_flag() -> Flag:
    return Flag(["--socket-mode"], type=FileMode(), default=DEFAULT, usage=USAGE)
