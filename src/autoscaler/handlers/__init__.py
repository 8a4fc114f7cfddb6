"""The handler side: the contract handlers implement, and the runtime that serves them.

The SDK for writing handlers in Python is `autoscaler.sdk`. Its names are still importable from
here for one release (`from autoscaler.handlers import Handler, main`), with a
DeprecationWarning.
"""

from __future__ import annotations

import importlib
import warnings
from typing import Any

_MOVED_TO_SDK = frozenset(
    {
        "HandleRequest",
        "HandleResponse",
        "Handler",
        "HandlerError",
        "PostHandleRequest",
        "Reporter",
        "Status",
        "main",
    }
)


def __getattr__(name: str) -> Any:
    if name in _MOVED_TO_SDK:
        warnings.warn(
            f"autoscaler.handlers.{name} is deprecated; import it from autoscaler.sdk",
            DeprecationWarning,
            stacklevel=2,
        )
        # Resolved by name: the SDK's face sits above this package (it carries the CLI's `main`).
        return getattr(importlib.import_module("autoscaler.sdk"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
