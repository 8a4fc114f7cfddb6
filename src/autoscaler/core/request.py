"""A scaling request as the Core handles it: type, source, resolved resource name."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class RequestType(enum.IntEnum):
    UNKNOWN = 0
    UP = 1
    DOWN = 2
    KEEP = 3

    @property
    def label(self) -> str:
        """The name upstream logs (`request=Up`)."""
        return {1: "Up", 2: "Down", 3: "Keep"}.get(self.value, "Unknown")

    def __str__(self) -> str:
        # Logged by name in logfmt and JSON alike (upstream's JSON shows the number).
        return self.label


@dataclass(frozen=True)
class RequestInfo:
    type: RequestType
    source: str
    resource_name: str
    desired_state_name: str = ""
    sync: bool = False

    def go_dump(self) -> str:
        """Go's `%#v` of upstream's request value, used in plan error messages."""
        return (
            f"&core.requestInfo{{requestType:{int(self.type)}, source:{_go_quote(self.source)}, "
            f"resourceName:{_go_quote(self.resource_name)}, "
            f"desiredStateName:{_go_quote(self.desired_state_name)}, sync:{str(self.sync).lower()}}}"
        )


def _go_quote(text: str) -> str:
    from ..log import go_quote

    return go_quote(text)


# What the `resources` command computes with: no type, no name, so nothing is planned.
TREE_REQUEST = RequestInfo(RequestType.UNKNOWN, "", "")
