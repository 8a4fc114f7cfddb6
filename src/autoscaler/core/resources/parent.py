"""`parent`: the ELB, GSLB, DNS or LoadBalancer a Server or ServerGroup hangs under."""

from __future__ import annotations

from typing import Any

from pydantic import field_validator

from ...cloud.client import CloudClient
from ...cloud.conditions import FindCondition
from ...cloud.errors import message_of
from ...cloud.models import DNS, GSLB, LoadBalancer, ProxyLB
from ...cloud.ops.base import FindResult
from ...proto import handler_pb2 as pb
from ..config.decode import LenientModel
from ..config.problems import Invalid
from ..config.rules import Rules
from ..tree import label as tree_label
from .payloads import dns_payload, elb_payload, gslb_payload, id_text, lb_payload
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


# --- cloud side ------------------------------------------------------------------------------

ParentRecord = ProxyLB | GSLB | DNS | LoadBalancer


async def _find(client: CloudClient, type_: str, zone: str, cond: FindCondition) -> list[ParentRecord]:
    found: FindResult[Any]
    if type_ == "EnhancedLoadBalancer":
        found = await client.elb.find(cond)
    elif type_ == "GSLB":
        found = await client.gslb.find(cond)
    elif type_ == "DNS":
        found = await client.dns.find(cond)
    else:
        found = await client.load_balancers.find(zone, cond)
    return list(found)


async def _read(client: CloudClient, type_: str, zone: str, id_: int) -> ParentRecord:
    if type_ == "EnhancedLoadBalancer":
        return await client.elb.read(id_)
    if type_ == "GSLB":
        return await client.gslb.read(id_)
    if type_ == "DNS":
        return await client.dns.read(id_)
    return await client.load_balancers.read(zone, id_)


class ParentResource:
    """The parent as handlers see it: its current state, re-read on refresh."""

    def __init__(self, client: CloudClient, definition: ParentDef, record: ParentRecord, zone: str) -> None:
        self.client = client
        self.definition = definition
        self.record = record
        self.zone = zone

    async def payload(self, refresh: bool) -> pb.Parent:
        if refresh:
            try:
                self.record = await _read(self.client, self.definition.type, self.zone, self.record.id)
            except Exception as exc:
                raise RuntimeError(f"computing status failed: {message_of(exc)}") from None
        record = self.record
        if isinstance(record, ProxyLB):
            return pb.Parent(elb=elb_payload(record))
        if isinstance(record, GSLB):
            return pb.Parent(gslb=gslb_payload(record))
        if isinstance(record, DNS):
            return pb.Parent(dns=dns_payload(record))
        return pb.Parent(load_balancer=lb_payload(record, self.zone))

    def label(self) -> str:
        return tree_label(self.definition.type, id_text(self.record.id), self.record.name)


async def find_parent(client: CloudClient, definition: ParentDef, zone: str) -> ParentResource:
    """The one resource the parent selector matches (Invalid when none or several)."""
    try:
        found = await _find(client, definition.type, zone, definition.chosen.condition())
    except Exception as exc:
        raise RuntimeError(f"computing status failed: {message_of(exc)}") from None
    if not found:
        raise Invalid(f"resource not found with selector: {definition.chosen}")
    if len(found) > 1:
        got = ",".join(f"{{ID:{id_text(r.id)}, Name:{r.name}}}" for r in found)
        raise Invalid(
            "A parent resource definition must return one resource, but got multiple resources: "
            f"definition: {{Type:{definition.type}, Selector:{definition.chosen}}}, got: [{got}]"
        )
    return ParentResource(client, definition, found[0], zone)
