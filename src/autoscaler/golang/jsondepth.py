"""A bound on the nesting of JSON documents, checked before they are decoded.

Python's `json` (and every walker of its result) recurses once per level and dies with a
RecursionError somewhere below the interpreter's limit, wherever the caller's stack happens to
be; Go's encoding/json stops at 10000 levels. Scanning the brackets outside strings first turns
a too-deep document into a positioned error at a fixed, documented depth.
"""

from __future__ import annotations

import json
import re
from typing import Any

# Deeper than any request, webhook body or profile; shallow enough for the stack to hold.
MAX_DEPTH = 500
_TOKENS = re.compile(r'["\\\[\]{}]')


class DepthError(ValueError):
    """A document nests deeper than the bound; `str()` says where."""

    def __init__(self, limit: int, offset: int, line: int, column: int) -> None:
        super().__init__(f"nesting deeper than {limit} levels at line {line}, column {column}")
        self.limit = limit
        self.offset = offset
        self.line = line
        self.column = column


def check_depth(document: str | bytes, limit: int = MAX_DEPTH) -> None:
    """Raise DepthError at the first `[` or `{` that opens level `limit + 1`."""
    text = document.decode("utf-8", "surrogateescape") if isinstance(document, bytes) else document
    if text.count("[") + text.count("{") <= limit:
        return  # cannot nest that deep: the common case costs two C-speed counts
    depth = 0
    in_string = False
    skip_to = -1  # the character after a backslash inside a string is not a token
    for match in _TOKENS.finditer(text):
        pos = match.start()
        if pos < skip_to:
            continue
        token = match.group()
        if in_string:
            if token == "\\":
                skip_to = pos + 2
            elif token == '"':
                in_string = False
            continue
        if token == '"':
            in_string = True
        elif token in "[{":
            depth += 1
            if depth > limit:
                line = text.count("\n", 0, pos) + 1
                column = pos - text.rfind("\n", 0, pos)
                raise DepthError(limit, pos, line, column)
        elif token in "]}":
            depth = max(depth - 1, 0)


def loads(document: str | bytes, limit: int = MAX_DEPTH, **kwargs: Any) -> Any:
    """`json.loads` after `check_depth` (raises DepthError or json.JSONDecodeError)."""
    check_depth(document, limit)
    return json.loads(document, **kwargs)
