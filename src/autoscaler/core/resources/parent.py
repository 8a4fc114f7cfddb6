"""`parent`: the ELB, GSLB, DNS or LoadBalancer a Server or ServerGroup hangs under."""

from __future__ import annotations

from typing import Any

from pydantic import field_validator

from ...proto import handler_pb2 as pb
from ..cloudops import CloudOps, Wire, selector_filter, wire_id
from ..config.decode import LenientModel
from ..config.problems import Invalid
from ..config.rules import Rules
from ..tree import label as tree_label
from .selector import NameOrSelector, ResourceSelector
from .wire import dns_payload, elb_payload_wire, gslb_payload, lb_payload

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


# --- cloud side ------------------------------------------------------------------------------


class ParentResource:
    """The parent as handlers see it: its current state, re-read on refresh."""

    def __init__(self, ops: CloudOps, definition: ParentDef, record: Wire, zone: str) -> None:
        self.ops = ops
        self.definition = definition
        self.record = record
        self.zone = zone

    async def payload(self, refresh: bool) -> pb.Parent:
        kind = _KINDS[self.definition.type]
        if refresh:
            try:
                self.record = await self.ops.read(kind, self.zone, wire_id(self.record))
            except Exception as exc:
                raise RuntimeError(f"computing status failed: {exc}") from None
        if kind == "ProxyLB":
            return pb.Parent(elb=elb_payload_wire(self.record))
        if kind == "GSLB":
            return pb.Parent(gslb=gslb_payload(self.record))
        if kind == "DNS":
            return pb.Parent(dns=dns_payload(self.record))
        return pb.Parent(load_balancer=lb_payload(self.record, self.zone))

    def label(self) -> str:
        return tree_label(self.definition.type, wire_id(self.record), str(self.record.get("Name") or ""))


_KINDS = {"EnhancedLoadBalancer": "ProxyLB", "GSLB": "GSLB", "DNS": "DNS", "LoadBalancer": "LoadBalancer"}


async def find_parent(ops: CloudOps, definition: ParentDef, zone: str) -> ParentResource:
    """The one resource the parent selector matches (Invalid when none or several)."""
    kind = _KINDS[definition.type]
    try:
        found = await ops.find(kind, zone, selector_filter(definition.chosen))
    except Exception as exc:
        raise RuntimeError(f"computing status failed: {exc}") from None
    if not found:
        raise Invalid(f"resource not found with selector: {definition.chosen}")
    if len(found) > 1:
        got = ",".join(f"{{ID:{wire_id(r)}, Name:{r.get('Name') or ''}}}" for r in found)
        raise Invalid(
            "A parent resource definition must return one resource, but got multiple resources: "
            f"definition: {{Type:{definition.type}, Selector:{definition.chosen}}}, got: [{got}]"
        )
    return ParentResource(ops, definition, found[0], zone)
