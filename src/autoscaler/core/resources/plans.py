"""Plans and how the next one is chosen for Up, Down and named desired states."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from ..config.decode import StrictModel
from ..config.rules import Rules
from ..request import RequestInfo, RequestType

T = TypeVar("T")


class ServerPlan(StrictModel):
    name: str = ""
    core: int = 0
    memory: int = 0


class ELBPlan(StrictModel):
    name: str = ""
    cps: int = 0


class RouterPlan(StrictModel):
    name: str = ""
    band_width: int = 0


class ServerGroupPlan(StrictModel):
    name: str = ""
    size: int = 0


@dataclass(frozen=True)
class Plan(Generic[T]):
    """A plan reduced to what ordering needs: its name, its comparable key, and the values."""

    name: str
    key: tuple[int, ...]
    value: T


class PlanError(ValueError):
    pass


def desired_plan(request: RequestInfo, current: tuple[int, ...], plans: Sequence[Plan[T]]) -> Plan[T] | None:
    """The plan to move to, or None to stay.

    Up takes the next bigger plan, Down the next smaller one; a desired state name jumps to
    that plan (refusing a jump the wrong way). With a single plan, Up/Down take it when it is
    not the wrong direction (equal included).
    """
    ordered = sorted(plans, key=lambda p: p.key)
    name = request.desired_state_name
    if name and name != "default":
        found = next((p for p in ordered if p.name == name), None)
        if found is None:
            raise PlanError(f'desired plan "{name}" not found: request: {request.go_dump()}')
        if request.type == RequestType.UP:
            if found.key < current:
                raise PlanError(f'desired plan "{name}" is smaller than current plan')
            return found
        if request.type == RequestType.DOWN:
            if found.key > current:
                raise PlanError(f'desired plan "{name}" is larger than current plan')
            return found
        return None
    if request.type == RequestType.UP:
        if len(ordered) == 1:
            return ordered[0] if ordered[0].key >= current else None
        return next((p for p in ordered if p.key > current), None)
    if request.type == RequestType.DOWN:
        if len(ordered) == 1:
            return ordered[0] if ordered[0].key <= current else None
        return next((p for p in reversed(ordered) if p.key < current), None)
    return None


class PlannedDefinition(Protocol[T]):
    @property
    def name(self) -> str: ...

    def plan_list(self) -> list[Plan[T]]: ...


def vertical_plan(
    request: RequestInfo, definition: PlannedDefinition[T], current: tuple[int, ...]
) -> Plan[T] | None:
    """The plan a vertically scaled resource moves to; None when the request is for another
    definition or there is no move. Fails the way the Core reports it."""
    if request.resource_name != definition.name:
        return None
    try:
        return desired_plan(request, current, definition.plan_list())
    except PlanError as exc:
        raise RuntimeError(f"computing desired plan failed: {exc}") from None


def within_range(plans: Sequence[Plan[T]], current: tuple[int, ...]) -> bool:
    """Whether `current` lies between the smallest and the largest plan."""
    if not plans:
        return False
    keys = sorted(p.key for p in plans)
    return keys[0] <= current <= keys[-1]


def duplicate_names(names: Sequence[str], rules: Rules | None = None) -> list[str]:
    """`plan name "<n>" is duplicated` for each repeat of a non-empty name."""
    seen: set[str] = set()
    out = []
    for name in names:
        if name:
            if name in seen:
                out.append(f'plan name "{name}" is duplicated')
            seen.add(name)
    return out
