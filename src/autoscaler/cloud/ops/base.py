"""What every resource family's operations share: envelopes, finds, reads."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

from ..conditions import FindCondition
from ..encoding import WireModel
from ..errors import CloudClientError
from ..transport import Caller

M = TypeVar("M", bound=WireModel)


@dataclass
class FindResult(Generic[M]):
    """A find's answer: `Total`, `From`, `Count` and the items (iterable, indexable)."""

    total: int = 0
    from_: int = 0
    count: int = 0
    items: list[M] = field(default_factory=list)

    def __iter__(self) -> Iterator[M]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> M:
        return self.items[index]

    def first(self) -> M | None:
        return self.items[0] if self.items else None


def payload(data: dict[str, Any], key: str, what: str) -> Any:
    """The object under an envelope key; its absence is a protocol error naming the operation."""
    if key not in data or data[key] is None:
        raise CloudClientError(f"{what}: response has no {key!r}")
    return data[key]


class Ops(Generic[M]):
    """Operations on one API resource path."""

    PATH: ClassVar[str] = ""
    KEY: ClassVar[str] = ""  # envelope key of one resource
    LIST_KEY: ClassVar[str] = ""  # envelope key of a find
    NAME: ClassVar[str] = ""  # operation prefix in errors, e.g. "Server"
    GLOBAL: ClassVar[bool] = False  # always called in the default zone
    FIXED_FILTER: ClassVar[dict[str, str]] = {}
    model: type[M]

    def __init__(self, caller: Caller, default_zone: str) -> None:
        self.caller = caller
        self.default_zone = default_zone

    def zone_of(self, zone: str | None) -> str:
        return self.default_zone if self.GLOBAL or not zone else zone

    def parse(self, data: Any) -> M:
        return self.model.model_validate(data)

    async def call(
        self, method: str, zone: str | None, path: str, body: Any = None, query: FindCondition | None = None
    ) -> dict[str, Any]:
        return await self.caller.request(method, self.zone_of(zone), path, body=body, query=query)

    async def _find(self, zone: str | None, condition: FindCondition | None) -> FindResult[M]:
        cond = condition or FindCondition()
        for key, value in self.FIXED_FILTER.items():
            cond = cond.with_filter(key, value)
        data = await self.call("GET", zone, self.PATH, query=cond)
        raw = data.get(self.LIST_KEY) or []
        if not isinstance(raw, list):
            raise CloudClientError(f"{self.NAME}.Find: {self.LIST_KEY!r} is not a list")
        items = [self.parse(item) for item in raw if item is not None]
        return FindResult(
            total=int(data.get("Total") or 0),
            from_=int(data.get("From") or 0),
            count=int(data.get("Count") or 0),
            items=items,
        )

    async def _read(self, zone: str | None, id_: int, suffix: str = "") -> M:
        data = await self.call("GET", zone, f"{self.PATH}/{id_}{suffix}")
        return self.parse(payload(data, self.KEY, f"{self.NAME}.Read"))

    async def _put(self, zone: str | None, path: str, body: Any, what: str) -> M:
        data = await self.call("PUT", zone, path, body)
        return self.parse(payload(data, self.KEY, f"{self.NAME}.{what}"))

    async def _post(self, zone: str | None, body: Any, what: str = "Create") -> M:
        data = await self.call("POST", zone, self.PATH, body)
        return self.parse(payload(data, self.KEY, f"{self.NAME}.{what}"))


class FindOps(Ops[M]):
    """A resource the autoscaler finds and reads."""

    async def find(self, zone: str | None = None, condition: FindCondition | None = None) -> FindResult[M]:
        return await self._find(zone, condition)

    async def read(self, zone: str | None, id_: int) -> M:
        return await self._read(zone, id_)


class GlobalFindOps(Ops[M]):
    """A global resource (ELB, GSLB, DNS, Icon, …): always in the default zone, no zone argument."""

    GLOBAL = True

    async def find(self, condition: FindCondition | None = None) -> FindResult[M]:
        return await self._find(None, condition)

    async def read(self, id_: int) -> M:
        return await self._read(None, id_)
