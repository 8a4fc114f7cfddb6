"""The bounds of an HTTP server, as plain values (enforced by http_guard.py, which loads uvicorn;
this module does not, so configuration objects can hold limits cheaply)."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_HEADER_TIMEOUT = 10.0
DEFAULT_BODY_TIMEOUT = 30.0
DEFAULT_MAX_CONNECTIONS = 1000


@dataclass(frozen=True)
class HttpLimits:
    """The bounds of one HTTP server (seconds; a count)."""

    header_timeout: float = DEFAULT_HEADER_TIMEOUT
    body_timeout: float = DEFAULT_BODY_TIMEOUT
    max_connections: int = DEFAULT_MAX_CONNECTIONS
