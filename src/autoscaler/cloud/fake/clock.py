"""Time in the fake: timestamps on the wire, and state changes that take a while.

A power operation or a disk copy does not run in the background. The record remembers where
it is going and when it gets there (`_power = {"target", "from", "since", "until"}`,
`_ready_at`); every read computes the state for "now". So transitions survive restarts, work
across processes, and need no timers. How long each kind takes is a `Delays`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..config import CloudOptions

Record = dict[str, Any]


@dataclass(frozen=True)
class Delays:
    """Seconds each kind of transition takes: a boot (also a reset, and a load balancer's
    start), a shutdown (also a forced power-off), a disk copy. 0 = at once."""

    boot: float = 0.0
    shutdown: float = 0.0
    disk_copy: float = 0.0

    @classmethod
    def every(cls, seconds: float) -> Delays:
        return cls(seconds, seconds, seconds)

    @classmethod
    def of(cls, options: CloudOptions) -> Delays:
        """The delays fake-mode options ask for (`SAKURACLOUD_FAKE_DELAY` and its three refinements)."""
        full = options.with_defaults()
        return cls(full.fake_delay_boot, full.fake_delay_shutdown, full.fake_delay_disk_copy)

    def clamped(self) -> Delays:
        return Delays(max(self.boot, 0.0), max(self.shutdown, 0.0), max(self.disk_copy, 0.0))


NO_DELAYS = Delays()


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
