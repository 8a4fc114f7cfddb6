"""`parent`: the ELB, GSLB, DNS or LoadBalancer a Server or ServerGroup hangs under."""

from __future__ import annotations

from typing import Any

from pydantic import field_validator

from ..config.decode import LenientModel
from ..config.rules import Rules
from .selector import NameOrSelector, ResourceSelector

PARENT_TYPES = {
    "DNS": "DNS",
    "ELB": "EnhancedLoadBalancer",
    "EnhancedLoadBalancer": "EnhancedLoadBalancer",
    "GSLB": "GSLB",
    "LoadBalancer": "LoadBalancer",
}
UNKNOWN = "unknown"


class ParentDef(LenientModel):
    """Unknown keys here are ignored, as upstream does (its e2e files put `name:` here)."""

    type: str = ""
    selector: NameOrSelector | None = None

    @field_validator("type", mode="before")
    @classmethod
    def _normalise(cls, value: Any) -> str:
        return PARENT_TYPES.get(str(value), UNKNOWN) if value is not None else UNKNOWN

    def model_post_init(self, context: Any) -> None:
        if "type" not in self.model_fields_set:
            self.type = UNKNOWN

    def rules(self, rules: Rules) -> None:
        allowed = "oneof=DNS EnhancedLoadBalancer ELB GSLB LoadBalancer"
        rules.field("type", allowed if self.type == UNKNOWN else None)
        if rules.field("selector", None if self.selector is not None else "required"):
            assert self.selector is not None
            self.selector.rules(rules)

    @property
    def chosen(self) -> ResourceSelector:
        assert self.selector is not None
        return self.selector

    @property
    def prefix(self) -> str:
        return f"resource={self.type}"
