"""What an operation of the fake works with, and how operations are registered.

Each operation is a plain function `(ctx, request) -> Reply`, registered with `@route(method,
pattern)` where the pattern is the API path after `/<zone>/api/cloud/1.1/` with `{id}`-style
placeholders. It runs inside one store transaction (`ctx.tx`): write operations in a
`BEGIN IMMEDIATE` one, reads in a snapshot.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .body import Body
from .clock import NO_DELAYS, Delays, rfc3339
from .errors import not_found
from .query import Find
from .store import GLOBAL, Tx
from .views import Views

Record = dict[str, Any]


@dataclass
class Reply:
    status: int
    body: dict[str, Any]


@dataclass
class Request:
    params: dict[str, str]
    body: Body
    find: Find


@dataclass
class Ctx:
    tx: Tx
    zone: str  # the zone in the URL
    at: float  # "now" for this request
    delays: Delays = NO_DELAYS  # how long power transitions and disk copies take
    views: Views = field(init=False)

    def __post_init__(self) -> None:
        self.views = Views(self.tx, self.zone, self.at)

    @property
    def now_text(self) -> str:
        return rfc3339(self.at)

    def get(self, kind: str, id_: int | str, *, zone: str | None = None, name: str = "") -> Record:
        record = self.tx.get(kind, self.zone if zone is None else zone, int(id_))
        if record is None:
            raise not_found(name or kind, id_)
        return record

    def get_global(self, kind: str, id_: int | str, name: str = "") -> Record:
        return self.get(kind, id_, zone=GLOBAL, name=name)

    def touch(self, record: Record) -> Record:
        """Mark a configuration change: ModifiedAt moves on every change."""
        record["ModifiedAt"] = self.now_text
        return record

    def stamp_new(self, record: Record) -> Record:
        record["CreatedAt"] = record["ModifiedAt"] = self.now_text
        return record


Handler = Callable[[Ctx, Request], Reply]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    template: str
    handler: Handler
    writes: bool


ROUTES: list[Route] = []


def route(method: str, template: str, *, writes: bool | None = None) -> Callable[[Handler], Handler]:
    """Register an operation; `{name}` in the template matches one path segment."""
    regex = "^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template) + "$"

    def register(fn: Handler) -> Handler:
        ROUTES.append(
            Route(method, re.compile(regex), template, fn, method != "GET" if writes is None else writes)
        )
        return fn

    return register


def ok(key: str, value: Any, status: int = 200) -> Reply:
    return Reply(status, {"is_ok": True, key: value})


def done(status: int = 200) -> Reply:
    return Reply(status, {"is_ok": True, "Success": True})


def found(list_key: str, total: int, from_: int, items: list[Record]) -> Reply:
    return Reply(200, {"Total": total, "From": from_, "Count": len(items), list_key: items, "is_ok": True})


def int_param(request: Request, name: str, kind: str) -> int:
    text = request.params[name]
    if not text.isdigit():
        raise not_found(kind, text)
    return int(text)
