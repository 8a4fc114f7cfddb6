"""Find semantics: filters, sort and paging over wire views, as the real API applies them.

The condition arrives as the URL's query string: JSON, percent-decoded once. Filter values:

- a string: every space-separated word must occur in the field (case-insensitive);
- an array of arrays (`Tags.Name: [["a", "b"]]`): some inner array is entirely present;
- an array of values: the field equals one of them (numbers and booleans compared as text,
  `true`/`false` also as `1`/`0`); for a list field (tags) one element must equal one value.

`Sort: ["-Generation", "Name"]` orders by those fields (`-` = descending), then by ID. `From`
skips, `Count` (0 = all) limits; `Total` counts every match.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any
from urllib.parse import unquote

from ...golang import jsondepth
from .errors import bad_request

Record = dict[str, Any]


@dataclass
class Find:
    count: int = 0
    from_: int = 0
    sort: list[str] = field(default_factory=list)
    filter: dict[str, Any] = field(default_factory=dict)


def parse_query(raw: bytes) -> Find:
    """The find condition of a request's raw query string (empty → find everything)."""
    text = unquote(raw.decode("utf-8", errors="replace")) if raw else ""
    if not text.strip():
        return Find()
    try:
        data = jsondepth.loads(text)
    except ValueError as exc:
        raise bad_request(f"find condition in the query is not valid JSON: {exc}: {text[:200]}") from None
    if not isinstance(data, dict):
        raise bad_request("find condition in the query must be a JSON object")
    count, from_ = data.get("Count", 0), data.get("From", 0)
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise bad_request("find condition: Count must be a non-negative integer")
    if not isinstance(from_, int) or isinstance(from_, bool) or from_ < 0:
        raise bad_request("find condition: From must be a non-negative integer")
    sort = data.get("Sort") or []
    if not isinstance(sort, list) or not all(isinstance(s, str) for s in sort):
        raise bad_request("find condition: Sort must be an array of field names")
    filters = data.get("Filter") or {}
    if not isinstance(filters, dict):
        raise bad_request("find condition: Filter must be an object")
    return Find(count=count, from_=from_, sort=sort, filter=filters)


def lookup(record: Record, path: str) -> Any:
    """The value at a dotted path (`Provider.Class`); `Tags.Name` is the tag list."""
    if path == "Tags.Name":
        return record.get("Tags") or []
    value: Any = record
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            # A plan's fields are also filterable on the record itself (`CPU` on a ServerPlan).
            return None
        value = value[part]
    return value


def _texts(value: Any) -> set[str]:
    if value is None:
        return {""}
    if isinstance(value, bool):
        return {"true", "1"} if value else {"false", "0"}
    if isinstance(value, float) and value.is_integer():
        return {str(int(value))}
    return {str(value).lower()}


def _equal(field_value: Any, wanted: Any) -> bool:
    return bool(_texts(field_value) & _texts(wanted))


def matches(record: Record, filters: dict[str, Any]) -> bool:
    for key, wanted in filters.items():
        value = lookup(record, key)
        if isinstance(wanted, str):
            text = " ".join(value) if isinstance(value, list) else ("" if value is None else str(value))
            if not all(word.lower() in text.lower() for word in wanted.split()):
                return False
        elif isinstance(wanted, list) and wanted and all(isinstance(w, list) for w in wanted):
            present = set(value) if isinstance(value, list) else {value}
            if not any(set(group) <= present for group in wanted):
                return False
        elif isinstance(wanted, list):
            candidates = value if isinstance(value, list) else [value]
            if wanted and not any(_equal(c, w) for c in candidates for w in wanted):
                return False
        elif not _equal(value, wanted):
            return False
    return True


def _sort_key(value: Any) -> tuple[int, Any]:
    if isinstance(value, bool):
        return (0, int(value))
    if isinstance(value, int | float):
        return (0, value)
    return (1, "" if value is None else str(value))


def _field_key(name: str, record: Record) -> tuple[int, Any]:
    return _sort_key(lookup(record, name))


def apply(records: list[Record], find: Find) -> tuple[int, list[Record]]:
    """(total matches, the page of matches) in the requested order."""
    hits = [r for r in records if matches(r, find.filter)]
    hits.sort(key=lambda r: int(r.get("ID") or 0))
    for spec in reversed(find.sort):  # stable sorts: the first key ends up the primary one
        name = spec.lstrip("-+")
        hits.sort(key=partial(_field_key, name), reverse=spec.startswith("-"))
    total = len(hits)
    page = hits[find.from_ :]
    if find.count:
        page = page[: find.count]
    return total, page
