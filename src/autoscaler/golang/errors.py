"""Go's error texts that upstream's users see and scripts match.

go-multierror's list (validation errors, 400 bodies), `*exec.ExitError` and errno wording (a
script that failed), and grpc-go's `rpc error: code = ... desc = ...` (a failed call).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import grpc


def multierror(messages: Sequence[str]) -> str:
    """go-multierror's text: a header, one tab-bullet per message, a blank line."""
    head = "1 error occurred:" if len(messages) == 1 else f"{len(messages)} errors occurred:"
    return head + "".join(f"\n\t* {m}" for m in messages) + "\n\n"


# Go's names for Linux signals 1..31 (syscall.signals), as they appear in its error texts.
GO_SIGNAL_NAMES: dict[int, str] = dict(
    enumerate(
        [
            "hangup",
            "interrupt",
            "quit",
            "illegal instruction",
            "trace/breakpoint trap",
            "aborted",
            "bus error",
            "floating point exception",
            "killed",
            "user defined signal 1",
            "segmentation fault",
            "user defined signal 2",
            "broken pipe",
            "alarm clock",
            "terminated",
            "stack fault",
            "child exited",
            "continued",
            "stopped (signal)",
            "stopped",
            "stopped (tty input)",
            "stopped (tty output)",
            "urgent I/O condition",
            "CPU time limit exceeded",
            "file size limit exceeded",
            "virtual timer expired",
            "profiling timer expired",
            "window changed",
            "I/O possible",
            "power failure",
            "bad system call",
        ],
        start=1,
    )
)


def go_exit_cause(returncode: int, core_dumped: bool = False) -> str:
    """Go's `*exec.ExitError` text for a wait status."""
    if returncode >= 0:
        return f"exit status {returncode}"
    sig = -returncode
    name = GO_SIGNAL_NAMES.get(sig, f"signal {sig}")
    return f"signal: {name}" + (" (core dumped)" if core_dumped else "")


def go_errno_text(err: int) -> str:
    """Go's lowercase strerror wording (`permission denied`, `exec format error`, ...)."""
    text = os.strerror(err)
    return text[:1].lower() + text[1:]


# grpc-go's names of the status codes, by grpc.StatusCode member name.
_GO_CODE_NAMES = {
    "OK": "OK",
    "CANCELLED": "Canceled",
    "UNKNOWN": "Unknown",
    "INVALID_ARGUMENT": "InvalidArgument",
    "DEADLINE_EXCEEDED": "DeadlineExceeded",
    "NOT_FOUND": "NotFound",
    "ALREADY_EXISTS": "AlreadyExists",
    "PERMISSION_DENIED": "PermissionDenied",
    "RESOURCE_EXHAUSTED": "ResourceExhausted",
    "FAILED_PRECONDITION": "FailedPrecondition",
    "ABORTED": "Aborted",
    "OUT_OF_RANGE": "OutOfRange",
    "UNIMPLEMENTED": "Unimplemented",
    "INTERNAL": "Internal",
    "UNAVAILABLE": "Unavailable",
    "DATA_LOSS": "DataLoss",
    "UNAUTHENTICATED": "Unauthenticated",
}


def go_status_text(code: grpc.StatusCode, details: str | None) -> str:
    """grpc-go's error text: `rpc error: code = Unknown desc = <details>`."""
    return f"rpc error: code = {_GO_CODE_NAMES.get(code.name, code.name)} desc = {details or ''}"
