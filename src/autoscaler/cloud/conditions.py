"""Find conditions: what a `find` asks for, and its wire form (cloud-api.md §2).

Build a condition with the filter helpers and pass it to any `find`::

    FindCondition(filter={"Name": partial_match("web", "prod"), "Tags.Name": tags_and("a")})
    FindCondition(count=1000, sort=["-Generation"], filter={"CPU": scalar(2)})

The wire text is compact JSON, `Count` and `From` always first, `Filter` keys sorted. Values
are escaped here (`%20` between partial-match words); the transport appends the text after `?`
without re-encoding `%`, and the API decodes the whole query once.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote


def escape(text: str) -> str:
    """URL path-segment escaping of one filter word (keeps `$&+:=@`, escapes the rest)."""
    return quote(text, safe="$&+:=@")


class FilterValue:
    """A filter value already in its wire shape."""

    def __init__(self, wire: Any) -> None:
        self.wire = wire

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FilterValue) and self.wire == other.wire

    def __hash__(self) -> int:
        return hash(json.dumps(self.wire, sort_keys=True))

    def __repr__(self) -> str:
        return f"FilterValue({self.wire!r})"


def partial_match(*words: str) -> FilterValue:
    """Every word must occur in the field (AND): one string, words escaped, joined by `%20`."""
    return FilterValue("%20".join(escape(w) for w in words))


def exact_match(*values: str) -> FilterValue:
    """The field equals one of the values (OR): an array of escaped strings."""
    return FilterValue([escape(v) for v in values])


def tags_and(*tags: str) -> FilterValue:
    """All these tags are present: an array holding one array of raw tags."""
    return FilterValue([list(tags)])


def scalar(value: int | str, *, raw: bool = False) -> FilterValue:
    """One plain value: integers as decimal strings, strings escaped unless `raw` (enum values)."""
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, int):
        return FilterValue([str(value)])
    return FilterValue([value if raw else escape(value)])


def _wire_value(value: Any) -> Any:
    if isinstance(value, FilterValue):
        return value.wire
    if isinstance(value, bool):
        return [str(int(value))]
    if isinstance(value, int):
        return [str(value)]
    if isinstance(value, str):
        return partial_match(value).wire
    return value  # already a wire shape (list/dict) given by the caller


@dataclass(frozen=True)
class FindCondition:
    """Count/From/Sort/Filter/Include/Exclude of a find; 0 means the API's default."""

    count: int = 0
    from_: int = 0
    sort: list[str] = field(default_factory=list)
    filter: dict[str, Any] = field(default_factory=dict)
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)

    def with_filter(self, key: str, value: Any) -> FindCondition:
        """A copy with one more filter entry (overwriting the same key)."""
        return FindCondition(
            self.count, self.from_, list(self.sort), {**self.filter, key: value}, self.include, self.exclude
        )

    def to_wire(self) -> dict[str, Any]:
        body: dict[str, Any] = {"Count": self.count, "From": self.from_}
        if self.sort:
            body["Sort"] = list(self.sort)
        if self.filter:
            body["Filter"] = {k: _wire_value(self.filter[k]) for k in sorted(self.filter)}
        if self.include:
            body["Include"] = list(self.include)
        if self.exclude:
            body["Exclude"] = list(self.exclude)
        return body

    def query(self) -> str:
        """The text appended to the URL after `?`."""
        return json.dumps(self.to_wire(), separators=(",", ":"), ensure_ascii=False)


def by_id(id_: int | str) -> FindCondition:
    return FindCondition(filter={"ID": exact_match(str(id_))})


def by_names(*names: str) -> FindCondition:
    return FindCondition(filter={"Name": partial_match(*names)})


def by_tags(*tags: str) -> FindCondition:
    return FindCondition(filter={"Tags.Name": tags_and(*tags)})


def by_selector(id_: int | str = 0, names: Sequence[str] = (), tags: Sequence[str] = ()) -> FindCondition:
    """A resource selector's find: the ID, every name word and every tag, each only when given."""
    filter_: dict[str, FilterValue] = {}
    if id_:
        filter_["ID"] = exact_match(str(id_))
    if names:
        filter_["Name"] = partial_match(*names)
    if tags:
        filter_["Tags.Name"] = tags_and(*tags)
    return FindCondition(filter=filter_)


def previous_id_tag(id_: int) -> str:
    return f"@previous-id={id_}"
