"""Fault injection for tests: kill the Core right after a given journal record is durable.

    AUTOSCALER_FAULT_EXIT_AFTER=shutdown.outcome           # the shutdown finished and was recorded
    AUTOSCALER_FAULT_EXIT_AFTER=boot.intent                # about to boot (the request not sent)
    AUTOSCALER_FAULT_EXIT_AFTER=recovery:boot.intent       # the same, during recovery only

`<action>` is one of the recorded actions (`handlers/builtin/intents.py: Action`). The process
sends itself SIGKILL, as an OOM kill or a power cut would end it: nothing runs after. Only the
end-to-end tests set this variable; it is not a user setting.
"""

from __future__ import annotations

import os
import signal
from dataclasses import dataclass

VARIABLE = "AUTOSCALER_FAULT_EXIT_AFTER"
PHASES = ("intent", "outcome")


@dataclass(frozen=True)
class Fault:
    action: str = ""
    phase: str = ""
    recovering: bool = False

    @classmethod
    def from_env(cls) -> Fault:
        text = os.environ.get(VARIABLE, "").strip()
        if not text:
            return cls()
        recovering = text.startswith("recovery:")
        if recovering:
            text = text[len("recovery:") :]
        action, _, phase = text.rpartition(".")
        if not action or phase not in PHASES:
            raise ValueError(f"{VARIABLE}: want [recovery:]<action>.intent|outcome, got {text!r}")
        return cls(action, phase, recovering)

    def after(self, action: str, phase: str, *, recovering: bool) -> None:
        if self.action == action and self.phase == phase and self.recovering == recovering:
            os.kill(os.getpid(), signal.SIGKILL)
