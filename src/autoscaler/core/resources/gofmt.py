"""Go's fmt.Sprintf for the name formats of a ServerGroup (`%s-%03d` and friends).

Formats are applied to (string, int) — a prefix or server name and a number — and users may
have relied on Go's exact output, error forms included (`%!d(MISSING)`, `%!(EXTRA int=1)`),
because upstream names servers with them and we must recognise those names.
"""

from __future__ import annotations

from typing import Any

_FLAGS = "+-# 0"


def _type_name(arg: Any) -> str:
    return "int" if isinstance(arg, int) else "string"


def _pad(text: str, width: int | None, minus: bool, zero: bool) -> str:
    if width is None or len(text) >= width:
        return text
    if minus:
        return text + " " * (width - len(text))
    if zero:
        sign = text[0] if text[:1] in "+-" else ""
        body = text[len(sign) :]
        return sign + "0" * (width - len(text)) + body
    return " " * (width - len(text)) + text


def _go_quote(text: str) -> str:
    from ...log import go_quote

    return go_quote(text)


def _render(verb: str, arg: Any, flags: str, width: int | None, precision: int | None) -> str | None:
    minus, plus, zero, space = "-" in flags, "+" in flags, "0" in flags, " " in flags
    if isinstance(arg, int):
        if verb in "dv":
            text = str(arg)
        elif verb == "x":
            text = format(arg, "x")
        elif verb == "X":
            text = format(arg, "X")
        elif verb == "o":
            text = format(arg, "o")
        elif verb == "b":
            text = format(arg, "b")
        else:
            return None
        if precision is not None:
            sign = "-" if text.startswith("-") else ""
            text = sign + text[len(sign) :].rjust(precision, "0")
            zero = False
        if plus and arg >= 0:
            text = "+" + text
        elif space and arg >= 0:
            text = " " + text
        return _pad(text, width, minus, zero and not minus)
    if verb in "sv":
        text = arg if precision is None else arg[:precision]
    elif verb == "q":
        text = _go_quote(arg)
    elif verb in "xX":
        data = arg.encode()[: precision if precision is not None else None]
        text = data.hex() if verb == "x" else data.hex().upper()
    else:
        return None
    return _pad(text, width, minus, zero and not minus)


def sprintf(fmt: str, *args: Any) -> str:
    out: list[str] = []
    used = 0
    i = 0
    n = len(fmt)
    while i < n:
        ch = fmt[i]
        if ch != "%":
            out.append(ch)
            i += 1
            continue
        i += 1
        if i >= n:
            out.append("%!(NOVERB)")
            break
        flags = ""
        while i < n and fmt[i] in _FLAGS:
            flags += fmt[i]
            i += 1
        width = precision = None
        start = i
        while i < n and fmt[i].isdigit():
            i += 1
        if i > start:
            width = int(fmt[start:i])
        if i < n and fmt[i] == ".":
            i += 1
            start = i
            while i < n and fmt[i].isdigit():
                i += 1
            precision = int(fmt[start:i]) if i > start else 0
        if i >= n:
            out.append("%!(NOVERB)")
            break
        verb = fmt[i]
        i += 1
        if verb == "%":
            out.append("%")
            continue
        if used >= len(args):
            out.append(f"%!{verb}(MISSING)")
            continue
        arg = args[used]
        used += 1
        rendered = _render(verb, arg, flags, width, precision)
        out.append(rendered if rendered is not None else f"%!{verb}({_type_name(arg)}={arg})")
    if used < len(args):
        extra = ", ".join(f"{_type_name(a)}={a}" for a in args[used:])
        out.append(f"%!(EXTRA {extra})")
    return "".join(out)
