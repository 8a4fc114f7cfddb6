"""Go-style durations (`90s`, `1m30s`, `500ms`, `2h`), as upstream's flags and config use them."""

from __future__ import annotations

import re

_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")


def parse_duration(text: str) -> float:
    """Seconds in a Go duration string; raises ValueError with Go's wording."""
    s = text.strip()
    sign = -1.0 if s.startswith("-") else 1.0
    s = s.lstrip("+-")
    if s == "0":
        return 0.0
    if not s:
        raise ValueError(f'time: invalid duration "{text}"')
    pos, total = 0, 0.0
    while pos < len(s):
        match = _PART.match(s, pos)
        if match is None:
            if re.match(r"\d+(?:\.\d*)?$", s[pos:]):
                raise ValueError(f'time: missing unit in duration "{text}"')
            unit = re.match(r"[\d.]*([^\d.]*)", s[pos:])
            if unit and unit.group(1) and re.match(r"[\d.]", s[pos:]):
                raise ValueError(f'time: unknown unit "{unit.group(1)}" in duration "{text}"')
            raise ValueError(f'time: invalid duration "{text}"')
        total += float(match.group(1)) * _UNITS[match.group(2)]
        pos = match.end()
    return sign * total


def go_duration(seconds: float) -> str:
    """Go's time.Duration.String() (to the millisecond, which is all our values need)."""
    if seconds == 0:
        return "0s"
    sign = "-" if seconds < 0 else ""
    total_ms = round(abs(seconds) * 1000)
    if total_ms < 1000:
        return f"{sign}{total_ms}ms"
    hours, rem = divmod(total_ms, 3_600_000)
    minutes, rem = divmod(rem, 60_000)
    sec_text = f"{rem / 1000:.3f}".rstrip("0").rstrip(".")
    if hours:
        return f"{sign}{hours}h{minutes}m{sec_text}s"
    if minutes:
        return f"{sign}{minutes}m{sec_text}s"
    return f"{sign}{sec_text}s"
