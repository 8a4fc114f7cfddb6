"""What every resource definition has: `type`, `name`, `setup_grace_period`."""

from __future__ import annotations

from typing import ClassVar

from ..config.decode import StrictModel
from ..config.rules import Rules, maximum, minimum, skip_empty

DEFINITION_TYPES = ("EnhancedLoadBalancer", "ELB", "Router", "Server", "ServerGroup")


class DefinitionBase(StrictModel):
    type: str
    name: str = ""
    setup_grace_period: int = 0

    TYPE: ClassVar[str] = ""  # canonical type name, used in `resource=<Type>` prefixes
    DEFAULT_GRACE: ClassVar[int] = 0

    @property
    def parallelism_limit(self) -> int:
        """How many of a job's resources may be handled at once (1: one after another)."""
        return 1

    @property
    def grace(self) -> int:
        """Seconds handlers wait after bringing a server up; 0 means the type's default."""
        return self.setup_grace_period or self.DEFAULT_GRACE

    def base_rules(self, rules: Rules) -> None:
        rules.field(
            "setup_grace_period",
            skip_empty(self.setup_grace_period, lambda v: minimum(v, 0), lambda v: maximum(v, 600)),
        )

    def struct_rules(self, zones: tuple[str, ...]) -> list[str]:
        rules = Rules()
        self.base_rules(rules)
        self.own_rules(rules, zones)
        return rules.messages

    def own_rules(self, rules: Rules, zones: tuple[str, ...]) -> None:
        """The type's field rules, after the common ones."""

    @property
    def prefix(self) -> str:
        return f"resource={self.TYPE}"
