"""Go's fmt.Sprintf / Sprint / Sprintln for the template functions `printf`, `print`, `println`.

Verbs %v %s %d %q %t %x %X %o %b %c %U %e %E %f %F %g %G %T and %%, with flags `+ - # 0`
and space, width, precision, `*` and explicit argument indexes (`%[2]d`). A verb that does
not suit its argument prints as Go does: `%!d(string=web)`; missing and extra arguments give
`%!d(MISSING)` and `%!(EXTRA int=1)`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from google.protobuf.message import Message

from ..log import go_quote
from .values import NO_VALUE, GoEnum, OneofValue, go_float, go_type, is_nil, sprint

_FLAGS = "+-# 0"


class _Spec:
    def __init__(self) -> None:
        self.plus = self.minus = self.sharp = self.space = self.zero = False
        self.width: int | None = None
        self.precision: int | None = None


def _pad(text: str, spec: _Spec, numeric: bool = False) -> str:
    width = spec.width
    if width is None or len(text) >= width:
        return text
    if spec.minus:
        return text + " " * (width - len(text))
    if spec.zero and numeric:
        sign = text[0] if text[:1] in "+- " else ""
        return sign + "0" * (width - len(text)) + text[len(sign) :]
    return " " * (width - len(text)) + text


def _integer(value: int, verb: str, spec: _Spec) -> str:
    digits = abs(value)
    if verb in "dv":
        body = str(digits)
    elif verb == "b":
        body = format(digits, "b")
    elif verb in "oO":
        body = format(digits, "o")
    elif verb == "x":
        body = format(digits, "x")
    elif verb == "X":
        body = format(digits, "X")
    elif verb == "c":
        return _pad(chr(value) if 0 <= value <= 0x10FFFF else "\ufffd", spec)
    elif verb == "q":
        return _pad("'" + go_quote(chr(value))[1:-1].replace("'", "\\'") + "'", spec)
    elif verb == "U":
        return _pad(f"U+{value:04X}", spec)
    else:
        raise _BadVerb
    if spec.precision is not None:
        body = body.rjust(spec.precision, "0")
        if spec.precision == 0 and value == 0:
            body = ""
    if spec.sharp:
        body = {"b": "0b", "o": "0", "x": "0x", "X": "0X"}.get(verb, "") + body
    if verb == "O":
        body = "0o" + body
    sign = "-" if value < 0 else "+" if spec.plus else " " if spec.space else ""
    zero_ok = spec.precision is None
    return _pad(sign + body, spec, numeric=zero_ok)


def _float(value: float, verb: str, spec: _Spec) -> str:
    if verb not in "vbeEfFgGxX" or verb in "bxX":
        raise _BadVerb
    text = go_float(value, "g" if verb == "v" else verb, spec.precision)
    if spec.plus and not text.startswith("-"):
        text = "+" + text
    elif spec.space and not text.startswith("-"):
        text = " " + text
    return _pad(text, spec, numeric=True)


def _string(value: str, verb: str, spec: _Spec) -> str:
    if spec.precision is not None:
        value = value[: spec.precision]
    if verb in "vs":
        return _pad(value, spec)
    if verb == "q":
        if spec.sharp and "`" not in value and value.isprintable():
            return _pad(f"`{value}`", spec)
        return _pad(go_quote(value), spec)
    if verb in "xX":
        data = value.encode()
        sep = " " if spec.space else ""
        text = sep.join(format(b, "02x" if verb == "x" else "02X") for b in data)
        return _pad(text, spec)
    raise _BadVerb


class _BadVerb(Exception):
    pass


def _format(value: Any, verb: str, spec: _Spec) -> str:
    if verb == "T":
        return _pad(go_type(value), spec)
    if value is NO_VALUE or value is None:
        if verb == "v":
            return _pad("<nil>", spec)
        raise _BadVerb
    if is_nil(value):
        if verb in "vs":
            return _pad("<nil>", spec)
        raise _BadVerb
    if isinstance(value, GoEnum) and verb in "vsqxX":
        return _string(value.enum_name, "s" if verb == "v" else verb, spec)
    if isinstance(value, bool):
        if verb in "tv":
            return _pad("true" if value else "false", spec)
        raise _BadVerb
    if isinstance(value, int):
        return _integer(int(value), verb, spec)
    if isinstance(value, float):
        return _float(value, verb, spec)
    if isinstance(value, str):
        return _string(value, verb, spec)
    if isinstance(value, Message | OneofValue):
        if verb in "vsqxX":
            return _string(sprint(value), "s" if verb == "v" else verb, spec)
        raise _BadVerb
    if isinstance(value, bytes):
        if verb in "sqxX":
            return _string(value.decode(errors="replace"), verb, spec)
        value = list(value)
    if isinstance(value, Sequence):
        return "[" + " ".join(_one(v, verb, spec) for v in value) + "]"
    if isinstance(value, Mapping):
        items = sorted(value.items(), key=lambda kv: str(kv[0]))
        return "map[" + " ".join(f"{_one(k, verb, spec)}:{_one(v, verb, spec)}" for k, v in items) + "]"
    if verb in "vs":
        return _pad(sprint(value), spec)
    raise _BadVerb


def _one(value: Any, verb: str, spec: _Spec) -> str:
    try:
        return _format(value, verb, spec)
    except _BadVerb:
        return _bad(verb, value)


def _bad(verb: str, value: Any) -> str:
    if value is None or value is NO_VALUE:
        return f"%!{verb}(<nil>)"
    return f"%!{verb}({go_type(value)}={sprint(value)})"


def sprintf(fmt: str, args: Sequence[Any]) -> str:
    out: list[str] = []
    arg = 0
    reordered = False
    i, n = 0, len(fmt)
    while i < n:
        ch = fmt[i]
        if ch != "%":
            out.append(ch)
            i += 1
            continue
        i += 1
        spec = _Spec()
        while i < n and fmt[i] in _FLAGS:
            flag = fmt[i]
            spec.plus |= flag == "+"
            spec.minus |= flag == "-"
            spec.sharp |= flag == "#"
            spec.space |= flag == " "
            spec.zero |= flag == "0"
            i += 1
        i, arg, reordered = _index(fmt, i, arg, reordered, len(args))
        if i < n and fmt[i] == "*":
            i += 1
            if arg < len(args) and isinstance(args[arg], int) and not isinstance(args[arg], bool):
                spec.width = abs(args[arg])
                spec.minus |= args[arg] < 0
            else:
                out.append("%!(BADWIDTH)")
            arg += 1
        else:
            start = i
            while i < n and fmt[i].isdigit():
                i += 1
            if i > start:
                spec.width = int(fmt[start:i])
        if i < n and fmt[i] == ".":
            i += 1
            i, arg, reordered = _index(fmt, i, arg, reordered, len(args))
            if i < n and fmt[i] == "*":
                i += 1
                if arg < len(args) and isinstance(args[arg], int) and not isinstance(args[arg], bool):
                    spec.precision = max(args[arg], 0)
                else:
                    out.append("%!(BADPREC)")
                arg += 1
            else:
                start = i
                while i < n and fmt[i].isdigit():
                    i += 1
                spec.precision = int(fmt[start:i]) if i > start else 0
        i, arg, reordered = _index(fmt, i, arg, reordered, len(args))
        if i >= n:
            out.append("%!(NOVERB)")
            break
        verb = fmt[i]
        i += 1
        if verb == "%":
            out.append("%")
            continue
        if arg >= len(args):
            out.append(f"%!{verb}(MISSING)")
            continue
        out.append(_one(args[arg], verb, spec))
        arg += 1
    if not reordered and arg < len(args):
        extra = ", ".join("<nil>" if is_nil(a) else f"{go_type(a)}={sprint(a)}" for a in args[arg:])
        out.append(f"%!(EXTRA {extra})")
    return "".join(out)


def _index(fmt: str, i: int, arg: int, reordered: bool, count: int) -> tuple[int, int, bool]:
    """An explicit argument index `[n]` (1-based) at `i`, if there is one."""
    if i >= len(fmt) or fmt[i] != "[":
        return i, arg, reordered
    close = fmt.find("]", i)
    number = fmt[i + 1 : close] if close > 0 else ""
    if number.isdigit() and 1 <= int(number) <= count:
        return close + 1, int(number) - 1, True
    return (close + 1 if close > 0 else i + 1), count, True


def _is_string(value: Any) -> bool:
    return isinstance(value, str)


def sprint_values(args: Sequence[Any]) -> str:
    """fmt.Sprint: a space between operands when neither side is a string."""
    out: list[str] = []
    for k, value in enumerate(args):
        if k > 0 and not _is_string(value) and not _is_string(args[k - 1]):
            out.append(" ")
        out.append(_one(value, "v", _Spec()))
    return "".join(out)


def sprintln_values(args: Sequence[Any]) -> str:
    return " ".join(_one(v, "v", _Spec()) for v in args) + "\n"
