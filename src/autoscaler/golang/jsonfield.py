"""Read one string field of a webhook body the way upstream's Go `encoding/json` reads it.

The decision "forward or not" depends on Go's rules, and the error texts reach the monitoring
tool as the 400 body, so both follow Go:
- keys match the field name case-insensitively (Go's folding: `STATE`, `State`, even `ſtate`);
  of several matching keys the last wins, and `null` leaves the earlier value;
- a top-level `null` decodes to nothing; any other non-object, or a non-string field value, is a
  type error (`json: cannot unmarshal number into Go struct field ...`);
- syntax errors read as Go's scanner words them (`unexpected end of JSON input`,
  `invalid character 'x' looking for beginning of value`, ...).
"""

from __future__ import annotations

import json
from typing import Any

from ..log import go_quote
from .jsondepth import DepthError, check_depth


class JSONError(ValueError):
    """The body cannot be decoded; `str()` is Go's error text."""


class _Object(list[tuple[str, Any]]):
    """A JSON object kept as its (key, value) pairs, so duplicate keys survive decoding."""


class _Constant(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def _reject_constant(name: str) -> Any:
    raise _Constant(name)  # NaN / Infinity are not JSON, and Go refuses them


# Runes whose Go fold set holds an ASCII letter; other non-ASCII runes never match a field name.
_FOLD = {"\u017f": "S", "\u212a": "K"}


def _fold(text: str) -> str:
    if text.isascii():
        return text.upper()
    return "".join(_FOLD.get(c, c.upper() if c.isascii() else c) for c in text)


def _kind(value: Any) -> str:
    """Go's name for a JSON value's kind in an UnmarshalTypeError."""
    if isinstance(value, _Object):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "bool"
    return "number"


def string_field(body: bytes, field: str, go_type: str) -> str:
    """The value of `field` when `body` is decoded into Go's `struct { F string }` named
    `go_type` (e.g. `grafana.grafanaWebhookBody`); "" when absent. Raises JSONError."""
    document = body.decode("utf-8", "surrogateescape")
    try:
        # Go stops at 10000 levels; Python's decoder cannot go that deep, so the bound is ours.
        check_depth(document)
        value = json.loads(document, object_pairs_hook=_Object, parse_constant=_reject_constant)
    except DepthError as exc:
        raise JSONError(f"exceeded max depth: {exc}") from None
    except json.JSONDecodeError as exc:
        raise JSONError(_syntax_text(exc)) from None
    except _Constant as exc:
        raise JSONError(_constant_text(exc.name)) from None
    except RecursionError:
        raise JSONError("exceeded max depth") from None
    if value is None:
        return ""
    if not isinstance(value, _Object):
        raise JSONError(f"json: cannot unmarshal {_kind(value)} into Go value of type {go_type}")
    wanted = _fold(field)
    result = ""
    type_error = ""
    struct = go_type.rsplit(".", 1)[-1]
    for key, item in value:
        if key != field and _fold(key) != wanted:
            continue
        if item is None:
            continue
        if isinstance(item, str):
            result = item
        elif not type_error:
            # Go keeps decoding after a type error and reports the first one at the end.
            type_error = (
                f"json: cannot unmarshal {_kind(item)} into Go struct field {struct}.{field} of type string"
            )
    if type_error:
        raise JSONError(type_error)
    return result


# --- Go's syntax error texts -------------------------------------------------------------------


def _quote_char(document: str, pos: int) -> str:
    """Go's quoteChar of the byte at `pos` (the scanner reports bytes, not characters)."""
    ch = document[pos]
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:
        byte = code - 0xDC00
    elif code >= 0x80:
        byte = ch.encode("utf-8", "surrogatepass")[0]
    else:
        byte = code
    if byte == 0x27:
        return "'\\''"
    if byte == 0x22:
        return "'\"'"
    return "'" + go_quote(chr(byte))[1:-1] + "'"


def _container_at(document: str, pos: int) -> str:
    """The innermost open bracket (`{` or `[`) before `pos`, skipping strings."""
    stack: list[str] = []
    in_string = escaped = False
    for ch in document[:pos]:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "{[":
            stack.append(ch)
        elif ch in "}]" and stack:
            stack.pop()
    return stack[-1] if stack else ""


def _syntax_text(exc: json.JSONDecodeError) -> str:
    document, pos, msg = exc.doc, exc.pos, exc.msg
    if msg.startswith("Unterminated string") or pos >= len(document):
        return "unexpected end of JSON input"
    char = _quote_char(document, pos)
    if msg == "Extra data":
        return f"invalid character {char} after top-level value"
    if msg.startswith("Expecting property name"):
        return f"invalid character {char} looking for beginning of object key string"
    if msg.startswith("Expecting ':'"):
        return f"invalid character {char} after object key"
    if msg.startswith("Expecting ','"):
        where = "object key:value pair" if _container_at(document, pos) == "{" else "array element"
        return f"invalid character {char} after {where}"
    if msg.startswith("Invalid control character"):
        return f"invalid character {char} in string literal"
    if msg.startswith("Invalid \\uXXXX"):
        digits = document[pos + 2 : pos + 6]
        bad = next((i for i, c in enumerate(digits) if c not in "0123456789abcdefABCDEF"), None)
        if bad is None or pos + 2 + bad >= len(document):
            return "unexpected end of JSON input"
        return f"invalid character {_quote_char(document, pos + 2 + bad)} in \\u hexadecimal character escape"
    if msg.startswith("Invalid \\escape"):
        if pos + 1 >= len(document):
            return "unexpected end of JSON input"
        return f"invalid character {_quote_char(document, pos + 1)} in string escape code"
    return f"invalid character {char} looking for beginning of value"


def _constant_text(name: str) -> str:
    if name == "-Infinity":
        return "invalid character 'I' in numeric literal"
    return f"invalid character '{name[0]}' looking for beginning of value"
