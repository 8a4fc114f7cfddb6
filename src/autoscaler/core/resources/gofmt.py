"""Go's fmt.Sprintf for the name formats of a ServerGroup (`%s-%03d` and friends).

Upstream names servers with these formats, so names must come out byte for byte as Go's
(error forms such as `%!d(MISSING)` included) for a group created by it to be recognised.
One implementation serves here and in startup-script templates.
"""

from __future__ import annotations

from typing import Any

from ...handlers.builtin.gotemplate.fmt import sprintf as _sprintf


def sprintf(fmt: str, *args: Any) -> str:
    return _sprintf(fmt, args)
