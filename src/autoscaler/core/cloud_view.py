"""What the status view and the dry-run show of a computed resource: its type, ID, name, zone,
plan (with the definition's name for it) and the parent it hangs under."""

from __future__ import annotations

from ..proto import handler_pb2 as pb
from ..proto import status_pb2
from .config.model import Definition
from .resources.computed import Computed

CloudResource = status_pb2.CloudResource
Plan = status_pb2.Plan

# Parent payload case -> (the type shown, the builtin handler that keeps its members).
PARENT_KINDS = {
    "elb": ("EnhancedLoadBalancer", "elb-servers-handler"),
    "gslb": ("GSLB", "gslb-servers-handler"),
    "dns": ("DNS", "dns-servers-handler"),
    "load_balancer": ("LoadBalancer", "load-balancer-servers-handler"),
}


def plan_of(resource: pb.Resource, definition: Definition) -> Plan | None:
    """The plan a handler payload carries, named when the definition names that plan."""
    kind = resource.WhichOneof("resource")
    plan: Plan
    key: tuple[int, ...]
    if kind == "server":
        plan = Plan(core=resource.server.core, memory=resource.server.memory)
        key = (plan.core, plan.memory)
    elif kind == "server_group_instance":
        instance = resource.server_group_instance
        return Plan(core=instance.core, memory=instance.memory)  # the template's, never named
    elif kind == "elb":
        plan = Plan(cps=resource.elb.plan)
        key = (plan.cps,)
    elif kind == "router":
        plan = Plan(band_width=resource.router.band_width)
        key = (plan.band_width,)
    else:
        return None
    plan.name = next((p.name for p in definition.plan_list() if p.key == key), "")
    return plan


def parent_of(resource: pb.Resource) -> tuple[str, CloudResource] | None:
    """(payload case, the parent as shown) of a Server or a group member under a parent."""
    kind = resource.WhichOneof("resource")
    if kind not in ("server", "server_group_instance"):
        return None
    target = resource.server if kind == "server" else resource.server_group_instance
    if not target.HasField("parent"):
        return None
    case = target.parent.WhichOneof("resource")
    if case is None:
        return None
    payload = getattr(target.parent, case)
    shown = CloudResource(type=PARENT_KINDS[case][0], id=payload.id)
    if case == "dns":
        shown.name = payload.zone  # a DNS zone is known by its name
    else:
        shown.name = payload.name
    if case == "load_balancer":
        shown.zone = payload.zone
    return case, shown


def cloud_resource(computed: Computed, definition: Definition) -> CloudResource:
    """A matched resource as it is now."""
    shown = CloudResource(type=str(computed.type), id=computed.id, name=computed.name, zone=computed.zone)
    plan = plan_of(computed.current, definition)
    if plan is not None:
        shown.plan.CopyFrom(plan)
    parent = parent_of(computed.current)
    if parent is not None:
        shown.parent.CopyFrom(parent[1])
    return shown
