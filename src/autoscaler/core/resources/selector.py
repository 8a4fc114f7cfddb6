"""Resource selectors: how a definition names the cloud resources it acts on.

A selector matches by `id`, by `names` (every word must occur in the name) and by `tags`
(all must be present); the short forms accept a bare name (`selector: "web"`) or, where an
ID makes sense, a bare number (`icon: 113300000001`).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, field_validator

from ...cloud.conditions import FindCondition, by_selector
from ..config.decode import StrictModel
from ..config.rules import Rules, each, required, zone_rule


def _to_id(value: Any) -> Any:
    """An ID is a number; quoted digits are accepted as well."""
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return value


ResourceID = Annotated[int, BeforeValidator(_to_id)]


class ResourceSelector(StrictModel):
    id: ResourceID = 0
    tags: list[str] | None = None
    names: list[str] | None = None

    @field_validator("id")
    @classmethod
    def _non_negative(cls, value: int) -> int:
        if value < 0:
            raise ValueError("an ID must not be negative")
        return value

    def rules(self, rules: Rules) -> None:
        anything = bool(self.id) or self.tags is not None or self.names is not None
        rules.field("id", None if anything else "required_without_all=Tags Names")
        rules.field("tags", None if anything else "required_without_all=ID Names")
        rules.field("names", None if anything else "required_without_all=ID Tags")

    def __str__(self) -> str:
        shown_id = str(self.id) if self.id else ""
        return f"ID: {shown_id}, Names: [{' '.join(self.names or ())}], Tags: [{' '.join(self.tags or ())}]"

    def conflict(self) -> str | None:
        """The disk-source check: an ID excludes names and tags."""
        if self.id and (self.names or self.tags):
            return "selector.ID and (selector.Names or selector.Tags): cannot specify both"
        return None

    def condition(self) -> FindCondition:
        """The find that lists what this selector matches (cloud-api.md §2.4)."""
        return by_selector(self.id, self.names or (), self.tags or ())


class MultiZoneSelector(ResourceSelector):
    zones: list[str] | None = None

    def zone_rules(self, rules: Rules, zones: tuple[str, ...]) -> None:
        self.rules(rules)
        if rules.field("zones", required(self.zones)):
            each("zones", self.zones, rules, zone_rule(zones))

    def __str__(self) -> str:
        return super().__str__() + f", Zones: [{' '.join(self.zones or ())}]"


def name_or_selector(value: Any) -> Any:
    """`"web"` is short for `{names: ["web"]}`; a mapping is a selector (decoded strictly)."""
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        text = str(value)
        return {"names": [text]} if text else {}
    return value


def id_or_name_or_selector(value: Any) -> Any:
    """As `name_or_selector`, and a number (or quoted digits) is an ID."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return {"id": value}
    if isinstance(value, str) and value.isdigit():
        return {"id": int(value)}
    return name_or_selector(value)


NameOrSelector = Annotated[ResourceSelector, BeforeValidator(name_or_selector)]
IdOrNameOrSelector = Annotated[ResourceSelector, BeforeValidator(id_or_name_or_selector)]
