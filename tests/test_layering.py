"""The import graph keeps the one-way layering docs/architecture.md draws.

Every module's imports are read with `ast` (function-level ones included; those under
`if TYPE_CHECKING:` are left out, they do not run), resolved to module names, and checked
against the rules below.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "autoscaler"
# The top floor: the CLI, the module entry point, and the SDK's face (it re-exports the CLI's main).
TOP = ("autoscaler.cli", "autoscaler.__main__", "autoscaler.sdk")
BUILTIN_REGISTRY = "autoscaler.handlers.builtin.registry"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node except the bodies of `if TYPE_CHECKING:` blocks."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child.test):
                stack.extend(child.orelse)
                continue
            stack.append(child)


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """The project modules `path` imports at run time (a package import counts as its __init__)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # `from pkg import a, b`: the submodules named, and the package itself only when a
            # name is an attribute of it (importing a submodule does not run a cycle through it).
            targets = [f"{base}.{a.name}" for a in node.names]
            if any(t not in modules for t in targets):
                targets.append(base)
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def graph() -> dict[str, set[str]]:
    files = sorted(PACKAGE.rglob("*.py"))
    modules = {module_name(p) for p in files}
    return {module_name(p): imports_of(p, modules) for p in files if "/proto/" not in str(p)}


GRAPH = graph()


def under(module: str, *prefixes: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def violations(rule: str) -> list[str]:
    out = []
    for module, targets in GRAPH.items():
        for target in sorted(targets):
            if rule == "cli" and under(target, "autoscaler.cli") and not under(module, *TOP):
                out.append(f"{module} -> {target}")
            if (
                rule == "builtin"
                and under(module, "autoscaler.core")
                and under(target, "autoscaler.handlers.builtin")
                and target not in (BUILTIN_REGISTRY, "autoscaler.handlers.builtin")
            ):
                out.append(f"{module} -> {target}")
            if rule == "core" and under(module, "autoscaler.handlers") and under(target, "autoscaler.core"):
                out.append(f"{module} -> {target}")
            if rule == "upward" and under(module, *LOWER) and under(target, *UPPER):
                out.append(f"{module} -> {target}")
            if (
                rule == "telemetry"
                and under(module, *BELOW_TELEMETRY)
                and under(target, "autoscaler.telemetry")
            ):
                out.append(f"{module} -> {target}")
    return out


# What the floors below inputs/core/handlers must never reach up to.
LOWER = (
    "autoscaler.cloud",
    "autoscaler.script",
    "autoscaler.telemetry",
    "autoscaler.golang",
    "autoscaler.wire",
    "autoscaler.log",
)
# Telemetry sits beside cloud and script (the cloud client traces its requests) and above these.
BELOW_TELEMETRY = ("autoscaler.golang", "autoscaler.wire", "autoscaler.proto", "autoscaler.log")
UPPER = ("autoscaler.cli", "autoscaler.core", "autoscaler.handlers", "autoscaler.inputs")


@pytest.mark.parametrize(
    ("rule", "says"),
    [
        ("cli", "only the top floor imports autoscaler.cli"),
        ("builtin", "the Core reaches the builtin handlers only through their registry"),
        ("core", "handlers never import the Core"),
        ("upward", "cloud/script/telemetry/golang/wire/log never import a floor above them"),
        ("telemetry", "golang/wire/proto/log never import telemetry"),
    ],
)
def test_layering(rule: str, says: str) -> None:
    assert violations(rule) == [], says


def test_no_import_cycles() -> None:
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for target in sorted(GRAPH.get(node, ())):
            if state.get(target) == 1:
                cycles.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target)
        path.pop()
        state[node] = 2

    for module in sorted(GRAPH):
        if module not in state:
            visit(module)
    assert cycles == []


def test_click_only_in_the_cli() -> None:
    users = []
    for path in PACKAGE.rglob("*.py"):
        name = module_name(path)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in _runtime_nodes(tree):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom) and not node.level
                else []
            )
            if any(n == "click" or n.startswith("click.") for n in names) and not under(name, *TOP):
                users.append(name)
    assert users == []


def test_the_graph_is_read() -> None:
    # A walker that found nothing would pass every rule above.
    assert "autoscaler.cli.main" in GRAPH["autoscaler.__main__"]
    assert "autoscaler.handlers.contract" in GRAPH["autoscaler.sdk"]
