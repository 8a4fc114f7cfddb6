"""Structured logging in the shape of Go's log/slog, as upstream writes it.

Two formats, chosen by `--log-format`:
- `logfmt`: `time=... level=INFO msg=started from=... address=...` (slog TextHandler)
- `json`:   `{"time":"...","level":"INFO","msg":"started","from":...}` (slog JSONHandler)

Key order is fixed: time, level, msg, then attributes bound with `Logger.bind` (in the order
bound), then the record's own attributes (in call order). Records go to stderr, one per line.

Two guards apply to every record, so no caller can forget them:
- a value (or message) longer than FIELD_LIMIT characters is cut there and says how long it was
  (`…[truncated: 1000000 bytes]`), unless the caller marks it `Whole` (content already bounded,
  such as a script's captured output);
- a secret registered on the sink (the inputs' `--token`) is replaced by `[redacted]` in every
  value, whether it appears verbatim or percent-encoded.
Each key keeps one JSON type: numbers are plain ints and floats; an int subclass with a name of
its own (an enum) is written as that name, in logfmt and JSON alike.
"""

from __future__ import annotations

import json
import re
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any, Final

LEVELS: Final = {"debug": 10, "info": 20, "warn": 30, "error": 40}
LEVEL_NAMES: Final = {10: "DEBUG", 20: "INFO", 30: "WARN", 40: "ERROR"}
FORMATS: Final = ("logfmt", "json")

Attr = tuple[str, Any]


# --- value quoting -------------------------------------------------------------------------

# Non-ASCII white space that makes slog quote a value (Go's unicode.IsSpace beyond ASCII).
_NON_ASCII_SPACE = "\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_NEEDS_QUOTE = re.compile(r'[\x00-\x20="\udc80-\udcff' + _NON_ASCII_SPACE + "]")
_GO_SHORT_ESCAPES: Final = {
    "\a": "\\a",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\v": "\\v",
    '"': '\\"',
    "\\": "\\\\",
}


def go_quote(text: str) -> str:
    """Quote like Go's strconv.Quote (printable non-ASCII stays raw).

    Lone surrogates stand for undecodable bytes (`surrogateescape`) and come out as `\\xHH`,
    as Go prints invalid UTF-8.
    """
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch in _GO_SHORT_ESCAPES:
            out.append(_GO_SHORT_ESCAPES[ch])
        elif 0xDC80 <= code <= 0xDCFF:
            out.append(f"\\x{code - 0xDC00:02x}")
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\x{code:02x}")
        elif ch == " " or (code < 0x7F) or ch.isprintable():
            out.append(ch)
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)


def _needs_quoting(text: str) -> bool:
    if not text or _NEEDS_QUOTE.search(text):
        return True
    return not text.isascii() and not all(c.isprintable() for c in text)


def logfmt_value(text: str) -> str:
    return go_quote(text) if _needs_quoting(text) else text


_JSON_SHORT_ESCAPE = re.compile(r"\\(.)")
_SURROGATE = re.compile(r"[\udc80-\udcff]")


def _fix_json_escapes(match: re.Match[str]) -> str:
    ch = match.group(1)
    if ch == "b":
        return "\\u0008"
    if ch == "f":
        return "\\u000c"
    return match.group(0)


def json_string(text: str) -> str:
    """A JSON string as slog's JSONHandler writes it (no HTML escaping)."""
    if _SURROGATE.search(text):
        text = _SURROGATE.sub("\ufffd", text)
    out = json.dumps(text, ensure_ascii=False)
    if "\\b" in out or "\\f" in out:
        out = _JSON_SHORT_ESCAPE.sub(_fix_json_escapes, out)
    if "\u2028" in out or "\u2029" in out:
        out = out.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return out


# --- guards: length and secrets ---------------------------------------------------------------

FIELD_LIMIT: Final = 4096  # characters of one value in a log line


class Whole(str):
    """A value logged in full, however long: its size is bounded where it comes from."""

    __slots__ = ()


def clip(text: str, limit: int = FIELD_LIMIT) -> str:
    """`text`, or its first `limit` characters and how many bytes the whole value had."""
    if len(text) <= limit or isinstance(text, Whole):
        return text
    size = len(text.encode("utf-8", "surrogateescape"))
    return f"{text[:limit]}…[truncated: {size} bytes]"


def secret_pattern(secret: str) -> re.Pattern[str]:
    """What `secret` can look like in a URL, a header or a body: each character verbatim or
    percent-encoded (either case of hex digits); a `+` also as a space (`+` or `%20`), which is
    how a query decodes it."""
    parts = []
    for ch in secret:
        forms = [re.escape(ch), "".join(f"%(?i:{byte:02x})" for byte in ch.encode("utf-8"))]
        if ch == "+":
            forms += [" ", "%20"]
        parts.append("(?:" + "|".join(forms) + ")")
    return re.compile("".join(parts))


def _is_plain_number(value: Any) -> bool:
    return type(value) is int or type(value) is float


def _json_value(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if _is_plain_number(value):
        return json.dumps(value)
    if isinstance(value, list | tuple):
        return "[" + ",".join(_json_value(v) for v in value) + "]"
    return json_string(clip(value if isinstance(value, str) else str(value)))


def _text_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "<nil>"
    return logfmt_value(clip(value if isinstance(value, str) else str(value)))


# --- timestamps ----------------------------------------------------------------------------


def _offset(dt: datetime) -> str:
    off = dt.utcoffset()
    if not off:
        return "Z"
    minutes = int(off.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _local(ns: int) -> datetime:
    return datetime.fromtimestamp(ns // 1_000_000_000).astimezone()


def text_time(ns: int) -> str:
    """RFC 3339 with exactly three fractional digits (truncated), local zone."""
    dt = _local(ns)
    millis = (ns // 1_000_000) % 1000
    return f"{dt:%Y-%m-%dT%H:%M:%S}.{millis:03d}{_offset(dt)}"


def json_time(ns: int) -> str:
    """RFC 3339 with up to nine fractional digits, trailing zeros removed, local zone."""
    dt = _local(ns)
    frac = f"{ns % 1_000_000_000:09d}".rstrip("0")
    return f"{dt:%Y-%m-%dT%H:%M:%S}{'.' + frac if frac else ''}{_offset(dt)}"


# --- the logger ----------------------------------------------------------------------------


def format_text(ns: int, level: int, msg: str, attrs: Iterable[Attr]) -> str:
    parts = [f"time={text_time(ns)}", f"level={LEVEL_NAMES[level]}", f"msg={logfmt_value(clip(msg))}"]
    parts.extend(f"{logfmt_value(k)}={_text_value(v)}" for k, v in attrs)
    return " ".join(parts)


def format_json(ns: int, level: int, msg: str, attrs: Iterable[Attr]) -> str:
    parts = [
        f'"time":"{json_time(ns)}"',
        f'"level":"{LEVEL_NAMES[level]}"',
        f'"msg":{json_string(clip(msg))}',
    ]
    parts.extend(f"{json_string(k)}:{_json_value(v)}" for k, v in attrs)
    return "{" + ",".join(parts) + "}"


@dataclass
class Sink:
    """Where records go: one stream, one format, one threshold, shared by bound loggers."""

    level: int = LEVELS["info"]
    fmt: str = "logfmt"
    stream: IO[str] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _secrets: list[re.Pattern[str]] = field(default_factory=list)

    def add_secret(self, secret: str) -> None:
        """Redact `secret` (in any of its encodings) from every later record."""
        if secret:
            self._secrets.append(secret_pattern(secret))

    def _redact(self, value: Any) -> Any:
        if value is None or isinstance(value, bool) or _is_plain_number(value):
            return value
        if isinstance(value, list | tuple):
            return [self._redact(v) for v in value]
        text = str(value)
        for pattern in self._secrets:
            text = pattern.sub("[redacted]", text)
        return Whole(text) if isinstance(value, Whole) else text

    def emit(self, level: int, msg: str, attrs: Iterable[Attr]) -> None:
        ns = time.time_ns()
        if self._secrets:
            msg = self._redact(msg)
            attrs = [(k, self._redact(v)) for k, v in attrs]
        render = format_json if self.fmt == "json" else format_text
        line = render(ns, level, msg, attrs) + "\n"
        stream = self.stream if self.stream is not None else sys.stderr
        with self._lock:
            stream.write(line)
            stream.flush()


class Logger:
    """A slog-like logger: immutable bound attributes, levelled methods taking attributes."""

    __slots__ = ("_bound", "_sink")

    def __init__(self, sink: Sink, bound: tuple[Attr, ...] = ()) -> None:
        self._sink = sink
        self._bound = bound

    @property
    def sink(self) -> Sink:
        return self._sink

    @property
    def bound(self) -> dict[str, Any]:
        """The attributes bound so far (for reporters that pass a record's fields on)."""
        return dict(self._bound)

    def bind(self, *pairs: Attr, **attrs: Any) -> Logger:
        """A logger that adds these attributes (pairs allow keys such as `scaling-job-id`)."""
        return Logger(self._sink, self._bound + pairs + tuple(attrs.items()))

    def enabled(self, level: int) -> bool:
        return level >= self._sink.level

    def log(self, level: int, msg: str, *pairs: Attr, **attrs: Any) -> None:
        if level >= self._sink.level:
            self._sink.emit(level, msg, (*self._bound, *pairs, *attrs.items()))

    def debug(self, msg: str, *pairs: Attr, **attrs: Any) -> None:
        self.log(10, msg, *pairs, **attrs)

    def info(self, msg: str, *pairs: Attr, **attrs: Any) -> None:
        self.log(20, msg, *pairs, **attrs)

    def warn(self, msg: str, *pairs: Attr, **attrs: Any) -> None:
        self.log(30, msg, *pairs, **attrs)

    def error(self, msg: str, *pairs: Attr, **attrs: Any) -> None:
        self.log(40, msg, *pairs, **attrs)


def new_logger(level: str = "info", fmt: str = "logfmt", stream: IO[str] | None = None) -> Logger:
    """A logger as the global `--log-level` / `--log-format` flags describe it."""
    if level not in LEVELS:
        raise ValueError(f"unknown log level {level!r}")
    if fmt not in FORMATS:
        raise ValueError(f"unknown log format {fmt!r}")
    return Logger(Sink(level=LEVELS[level], fmt=fmt, stream=stream))
