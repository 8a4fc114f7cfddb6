"""The request an input sends to the Core, built from a webhook's query string, and its checks.

Query strings are split as Go's `url.Query()` splits them (upstream's users write URLs against
that parser): pairs on `&`, a pair holding `;` or a bad percent-escape is dropped, `+` is a
space, a key's first value counts. An absent or empty value means `default`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..golang.errors import multierror

DEFAULT = "default"
MAX_LENGTH = 1024
QUERY_KEYS = ("source", "resource-name", "desired-state-name")
SYNC_KEY = "sync"
TOKEN_KEY = "token"

Query = list[tuple[str, str]]


class RequestError(ValueError):
    """A request that must be answered 400; `str()` is the multi-error text upstream sends."""

    def __init__(self, messages: Sequence[str]) -> None:
        super().__init__(multierror(messages))
        self.messages = list(messages)


@dataclass(frozen=True)
class ScalingRequest:
    source: str
    resource_name: str
    request_type: str  # "up", "down" or "keep"
    desired_state_name: str
    sync: bool = False

    def problems(self, request_types: Sequence[str] = ("up", "down")) -> list[str]:
        """Upstream's field rules, one message per failing field, in field order."""
        problems = [
            _check_text("source", self.source),
            _check_text("resource-name", self.resource_name),
            _check_type(self.request_type, request_types),
            _check_text("desired-state-name", self.desired_state_name),
        ]
        return [p for p in problems if p]


def _check_text(name: str, value: str) -> str | None:
    if not value:
        return None
    if not all(0x20 <= ord(c) <= 0x7E for c in value):
        return f"{name}: printascii"
    if len(value) > MAX_LENGTH:
        return f"{name}: max={MAX_LENGTH}"
    return None


def _check_type(value: str, allowed: Sequence[str]) -> str | None:
    if not value:
        return "request-type: required"
    if value not in allowed:
        return f"request-type: oneof={' '.join(allowed)}"
    return None


# --- query strings ----------------------------------------------------------------------------

_HEX = frozenset(b"0123456789abcdefABCDEF")


def _unescape(raw: bytes) -> str | None:
    """Go's QueryUnescape; None for a malformed escape. Undecodable bytes stay as surrogates."""
    if b"%" not in raw and b"+" not in raw:
        return raw.decode("utf-8", "surrogateescape")
    out = bytearray()
    i = 0
    while i < len(raw):
        byte = raw[i]
        if byte == 0x25:  # %
            pair = raw[i + 1 : i + 3]
            if len(pair) < 2 or pair[0] not in _HEX or pair[1] not in _HEX:
                return None
            out.append(int(pair, 16))
            i += 3
            continue
        out.append(0x20 if byte == 0x2B else byte)  # '+' is a space in a query
        i += 1
    return out.decode("utf-8", "surrogateescape")


def parse_query(raw: bytes) -> Query:
    """(key, value) pairs in order, as Go's url.ParseQuery keeps them (errors are dropped)."""
    pairs: Query = []
    for part in raw.split(b"&"):
        if not part or b";" in part:
            continue
        key_raw, _, value_raw = part.partition(b"=")
        key = _unescape(key_raw)
        value = _unescape(value_raw)
        if key is None or value is None or not key:
            continue
        pairs.append((key, value))
    return pairs


def first(query: Query, key: str) -> str:
    return next((v for k, v in query if k == key), "")


def unknown_keys(query: Query, allowed: Iterable[str]) -> list[str]:
    """`invalid parameter key: <k>` for each key not allowed (each once, in order of first use)."""
    allowed = set(allowed)
    seen: list[str] = []
    for key, _ in query:
        if key not in allowed and key not in seen:
            seen.append(key)
    return [f"invalid parameter key: {key}" for key in seen]


_TRUE = ("1", "t", "T", "TRUE", "true", "True")
_FALSE = ("0", "f", "F", "FALSE", "false", "False")


def parse_sync(value: str) -> bool:
    """The `sync` parameter with Go's ParseBool spellings; empty means false."""
    if value in _TRUE:
        return True
    if value in _FALSE or value == "":
        return False
    raise RequestError([f"invalid parameter value: sync={value} (want true or false)"])


def from_query(
    request_type: str,
    query: Query,
    *,
    allow_sync: bool = False,
    extra_keys: Iterable[str] = (),
    request_types: Sequence[str] = ("up", "down"),
) -> ScalingRequest:
    """Build and check the request for `/<request_type>?<query>`; raises RequestError (400)."""
    allowed = [*QUERY_KEYS, *extra_keys, *((SYNC_KEY,) if allow_sync else ())]
    problems = unknown_keys(query, allowed)
    if problems:
        raise RequestError(problems)
    request = ScalingRequest(
        source=first(query, "source") or DEFAULT,
        resource_name=first(query, "resource-name") or DEFAULT,
        request_type=request_type,
        desired_state_name=first(query, "desired-state-name") or DEFAULT,
        sync=parse_sync(first(query, SYNC_KEY)) if allow_sync else False,
    )
    problems = request.problems(request_types)
    if problems:
        raise RequestError(problems)
    return request
