"""Time in the fake: timestamps on the wire, and state changes that take a while.

A power operation or a disk copy does not run in the background. The record remembers where
it is going and when it gets there (`_power = {"target", "from", "since", "until"}`,
`_ready_at`); every read computes the state for "now". So transitions survive restarts, work
across processes, and need no timers.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

Record = dict[str, Any]


def now() -> float:
    return time.time()


def rfc3339(ts: float) -> str:
    # Milliseconds (the real API shows whole seconds): two changes within one second must
    # still be told apart by the Core's cooldown.
    return datetime.fromtimestamp(ts).astimezone().isoformat(timespec="milliseconds")


def start_power(record: Record, target: str, current: str, at: float, delay: float) -> None:
    """Begin moving the instance to `target` (`up`/`down`); done at once when `delay` is 0."""
    if delay <= 0:
        _set_status(record, target, current, at)
        record.pop("_power", None)
        return
    record["_power"] = {"target": target, "from": current, "since": at, "until": at + delay}
    # While booting the instance still reports `down`; while stopping, `cleaning`.
    _set_status(record, "down" if target == "up" else "cleaning", current, at)


def _set_status(record: Record, status: str, before: str, at: float) -> None:
    instance = record.setdefault("Instance", {})
    instance["Status"] = status
    instance["BeforeStatus"] = before
    instance["StatusChangedAt"] = rfc3339(at)


def settle(record: Record, at: float) -> Record:
    """The record as it is at `at` (finishing a transition that is due). Mutates and returns it."""
    power = record.get("_power")
    if power and at >= float(power["until"]):
        _set_status(record, str(power["target"]), str(power["from"]), float(power["until"]))
        record.pop("_power", None)
    ready = record.get("_ready_at")
    if ready is not None:
        if at >= float(ready):
            record["Availability"] = "available"
            record["MigratedMB"] = record.get("SizeMB", 0)
            record.pop("_ready_at", None)
        else:
            record["Availability"] = "migrating"
    return record


def in_transition(record: Record) -> str:
    """The target of an unfinished power transition, or ``""``."""
    power = record.get("_power")
    return str(power["target"]) if power else ""


def status(record: Record) -> str:
    return str((record.get("Instance") or {}).get("Status", ""))
