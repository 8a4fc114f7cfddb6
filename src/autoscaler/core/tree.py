"""The `resources` command's tree, drawn as upstream draws it (ppds horizontal layout)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

ROOT_LABEL = "Sacloud AutoScaler"


@dataclass
class Node:
    label: str
    children: list[Node] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [self.label]
        for i, child in enumerate(self.children):
            last = i == len(self.children) - 1
            sub = child.lines()
            out.append(("└─ " if last else "├─ ") + sub[0])
            out.extend(("   " if last else "│  ") + line for line in sub[1:])
        return out

    def render(self) -> str:
        return "\n".join(self.lines()) + "\n"


def build(groups: Sequence[tuple[str | None, Sequence[str]]]) -> Node:
    """One group per definition: (its parent's label or None, its resources' labels)."""
    root = Node(ROOT_LABEL)
    for parent, labels in groups:
        if not labels:
            continue
        nodes = [Node(label) for label in labels]
        if parent is not None:
            root.children.append(Node(parent, nodes))
        else:
            root.children.extend(nodes)
    return root


def label(type_name: str, resource_id: str, name: str, zone: str | None = None) -> str:
    if zone is None:
        return f"{{Type: {type_name}, ID: {resource_id}, Name: {name}}}"
    return f"{{Type: {type_name}, Zone: {zone}, ID: {resource_id}, Name: {name}}}"
