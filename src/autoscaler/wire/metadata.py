"""Trailing metadata our Core adds to a ScalingService answer that did not accept the request.

Upstream's clients ignore trailers they do not know, so the answer they read is unchanged;
ours (`inputs direct`) print the reason on stderr. Keys are lower case, as gRPC requires.
"""

from __future__ import annotations

from collections.abc import Iterable

REASON = "autoscaler-reason"  # cooldown, running or stopping
COOLDOWN_REMAINING = "autoscaler-cooldown-remaining"  # a Go duration, e.g. 9m32s


def refusal_trailers(kind: str, remaining: str = "") -> tuple[tuple[str, str], ...]:
    pairs = [(REASON, kind)]
    if remaining:
        pairs.append((COOLDOWN_REMAINING, remaining))
    return tuple(pairs)


def reason_line(trailers: Iterable[tuple[str, str | bytes]] | None) -> str | None:
    """`reason: cooldown, remaining: 9m32s` from an answer's trailers; None without a reason."""
    found = {k: v if isinstance(v, str) else v.decode(errors="replace") for k, v in trailers or ()}
    kind = found.get(REASON)
    if not kind:
        return None
    remaining = found.get(COOLDOWN_REMAINING)
    return f"reason: {kind}" + (f", remaining: {remaining}" if remaining else "")
