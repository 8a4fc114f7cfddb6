"""Running a user's executable (local-exec's scripts, the webhook input's check): spawn without a
shell in its own session, feed the request, capture bounded output, kill the whole group."""

from .capture import BoundedCapture
from .runner import (
    DEFAULT_CAPTURE_LIMIT,
    MAX_ARG_BYTES,
    ExecutableError,
    RunResult,
    RunSpec,
    ScriptRunner,
    SpawnError,
    resolve_executable,
)

__all__ = [
    "DEFAULT_CAPTURE_LIMIT",
    "MAX_ARG_BYTES",
    "BoundedCapture",
    "ExecutableError",
    "RunResult",
    "RunSpec",
    "ScriptRunner",
    "SpawnError",
    "resolve_executable",
]
