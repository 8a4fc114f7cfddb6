"""Executing a parsed template against data, with Go's builtin functions.

Errors read as Go's: `template: NAME:LINE:COL: executing "NAME" at <NODE>: MESSAGE`, where
COL is the byte offset in the line, as Go counts it.
"""

from __future__ import annotations

import html as html_lib
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NoReturn

from .. import fmt
from ..values import NO_VALUE, FieldError, GoEnum, GoSlice, go_type, is_nil, lookup, sprint, truth
from .parse import (
    ActionNode,
    BoolNode,
    BranchNode,
    BreakNode,
    ChainNode,
    CommandNode,
    ContinueNode,
    DotNode,
    FieldNode,
    IdentifierNode,
    ListNode,
    NilNode,
    Node,
    NumberNode,
    PipeNode,
    StringNode,
    TextNode,
    VariableNode,
)

_MISSING: Any = object()  # no value piped into a command (distinct from Go's nil)


class ExecError(Exception):
    pass


class _FunctionError(Exception):
    """A builtin function's error; reported as `error calling NAME: ...`."""


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


def location(text: str, pos: int) -> tuple[int, int]:
    """(line, byte column) of `pos`, as Go's ErrorContext computes them."""
    before = text[:pos]
    line_start = before.rfind("\n") + 1
    return before.count("\n") + 1, len(before[line_start:].encode())


class State:
    def __init__(self, name: str, text: str, data: Any) -> None:
        self.name = name
        self.text = text
        self.vars: list[tuple[str, Any]] = [("$", data)]
        self.node: Node | None = None
        self.out: list[str] = []

    # --- errors ------------------------------------------------------------------------------

    def at(self, node: Node) -> None:
        self.node = node

    def error(self, message: str) -> NoReturn:
        if self.node is None:
            raise ExecError(f"template: {self.name}: {message}")
        line, col = location(self.text, self.node.pos)
        context = str(self.node)
        raise ExecError(
            f'template: {self.name}:{line}:{col}: executing "{self.name}" at <{context}>: {message}'
        )

    # --- variables ---------------------------------------------------------------------------

    def push(self, name: str, value: Any) -> None:
        self.vars.append((name, value))

    def mark(self) -> int:
        return len(self.vars)

    def pop(self, mark: int) -> None:
        del self.vars[mark:]

    def set_var(self, name: str, value: Any) -> None:
        for i in range(len(self.vars) - 1, -1, -1):
            if self.vars[i][0] == name:
                self.vars[i] = (name, value)
                return
        self.error(f"undefined variable: {name}")

    def set_top_var(self, n: int, value: Any) -> None:
        name = self.vars[-n][0]
        self.vars[-n] = (name, value)

    def var_value(self, name: str) -> Any:
        for var, value in reversed(self.vars):
            if var == name:
                return value
        self.error(f"undefined variable: {name}")

    # --- walking -----------------------------------------------------------------------------

    def walk(self, dot: Any, node: Node) -> None:
        self.at(node)
        if isinstance(node, TextNode):
            self.out.append(node.text)
        elif isinstance(node, ListNode):
            for child in node.nodes:
                self.walk(dot, child)
        elif isinstance(node, ActionNode):
            value = self.eval_pipeline(dot, node.pipe)
            if not node.pipe.decl:
                self.at(node)
                self.out.append(sprint(value))
        elif isinstance(node, BranchNode):
            if node.keyword == "range":
                self.walk_range(dot, node)
            else:
                self.walk_if_or_with(dot, node)
        elif isinstance(node, BreakNode):
            raise _Break
        elif isinstance(node, ContinueNode):
            raise _Continue
        else:
            self.error(f"unknown node: {node}")

    def walk_if_or_with(self, dot: Any, node: BranchNode) -> None:
        mark = self.mark()
        try:
            value = self.eval_pipeline(dot, node.pipe)
            if truth(value):
                self.walk(value if node.keyword == "with" else dot, node.list)
            elif node.else_list is not None:
                self.walk(dot, node.else_list)
        finally:
            self.pop(mark)

    def walk_range(self, dot: Any, node: BranchNode) -> None:
        self.at(node)
        mark = self.mark()
        try:
            value = self.eval_pipeline(dot, node.pipe)
            items: list[tuple[Any, Any]]
            if value is NO_VALUE or is_nil(value):
                items = []
            elif isinstance(value, str | bytes | bool) or not isinstance(value, Sequence | Mapping | int):
                self.error(f"range can't iterate over {sprint(value)}")
            elif isinstance(value, Mapping):
                items = [(k, value[k]) for k in sorted(value, key=str)]
            elif isinstance(value, int):
                if len(node.pipe.decl) > 1:
                    self.error(f"can't use {value} to iterate over more than one variable")
                items = [(i, i) for i in range(value)]
            else:
                items = list(enumerate(value))
            for index, element in items:
                if self.one_iteration(node, index, element):
                    break
            if not items and node.else_list is not None:
                self.walk(dot, node.else_list)
        finally:
            self.pop(mark)

    def one_iteration(self, node: BranchNode, index: Any, element: Any) -> bool:
        """Run the body once; True when it said {{break}}."""
        decl = node.pipe.decl
        if decl:
            if node.pipe.is_assign:
                self.set_var(decl[0].idents[0], element if len(decl) == 1 else index)
                if len(decl) > 1:
                    self.set_var(decl[1].idents[0], element)
            else:
                self.set_top_var(1, element)
                if len(decl) > 1:
                    self.set_top_var(2, index)
        mark = self.mark()
        try:
            self.walk(element, node.list)
        except _Break:
            return True
        except _Continue:
            pass
        finally:
            self.pop(mark)
        return False

    # --- evaluation --------------------------------------------------------------------------

    def eval_pipeline(self, dot: Any, pipe: PipeNode) -> Any:
        self.at(pipe)
        value: Any = _MISSING
        for cmd in pipe.cmds:
            value = self.eval_command(dot, cmd, value)
        for variable in pipe.decl:
            if pipe.is_assign:
                self.set_var(variable.idents[0], value)
            else:
                self.push(variable.idents[0], value)
        return value

    def not_a_function(self, args: list[Node], final: Any) -> None:
        if len(args) > 1 or final is not _MISSING:
            self.error(f"can't give argument to non-function {args[0]}")

    def eval_command(self, dot: Any, cmd: CommandNode, final: Any) -> Any:
        first = cmd.args[0]
        if isinstance(first, FieldNode):
            return self.eval_field_node(dot, first, cmd.args, final)
        if isinstance(first, ChainNode):
            return self.eval_chain_node(dot, first, cmd.args, final)
        if isinstance(first, IdentifierNode):
            return self.eval_function(dot, first, cmd, cmd.args, final)
        if isinstance(first, PipeNode):
            self.not_a_function(cmd.args, final)
            return self.eval_pipeline(dot, first)
        if isinstance(first, VariableNode):
            return self.eval_variable_node(dot, first, cmd.args, final)
        self.at(first)
        self.not_a_function(cmd.args, final)
        if isinstance(first, BoolNode):
            return first.value
        if isinstance(first, DotNode):
            return dot
        if isinstance(first, NilNode):
            self.error("nil is not a command")
        if isinstance(first, NumberNode):
            return first.value
        if isinstance(first, StringNode):
            return first.value
        self.error(f"can't evaluate command {first}")

    def eval_field_node(self, dot: Any, node: FieldNode, args: list[Node], final: Any) -> Any:
        self.at(node)
        return self.eval_field_chain(dot, node, node.idents, args, final)

    def eval_chain_node(self, dot: Any, node: ChainNode, args: list[Node], final: Any) -> Any:
        self.at(node)
        if isinstance(node.node, NilNode):
            self.error(f"indirection through explicit nil in {node}")
        receiver = self.eval_arg(dot, node.node)
        return self.eval_field_chain(receiver, node, node.fields, args, final)

    def eval_variable_node(self, dot: Any, node: VariableNode, args: list[Node], final: Any) -> Any:
        self.at(node)
        value = self.var_value(node.idents[0])
        if len(node.idents) == 1:
            self.not_a_function(args, final)
            return value
        return self.eval_field_chain(value, node, node.idents[1:], args, final)

    def eval_field_chain(
        self, receiver: Any, node: Node, idents: list[str], args: list[Node], final: Any
    ) -> Any:
        for name in idents[:-1]:
            receiver = self.eval_field(name, [], _MISSING, receiver)
        return self.eval_field(idents[-1], args, final, receiver)

    def eval_field(self, name: str, args: list[Node], final: Any, receiver: Any) -> Any:
        try:
            return lookup(receiver, name, len(args) > 1 or final is not _MISSING)
        except FieldError as exc:
            self.error(str(exc))

    def eval_arg(self, dot: Any, node: Node) -> Any:
        self.at(node)
        if isinstance(node, DotNode):
            return dot
        if isinstance(node, NilNode):
            return None
        if isinstance(node, FieldNode):
            return self.eval_field_node(dot, node, [node], _MISSING)
        if isinstance(node, VariableNode):
            return self.eval_variable_node(dot, node, [], _MISSING)
        if isinstance(node, PipeNode):
            return self.eval_pipeline(dot, node)
        if isinstance(node, IdentifierNode):
            return self.eval_function(dot, node, node, [node], _MISSING)
        if isinstance(node, ChainNode):
            return self.eval_chain_node(dot, node, [], _MISSING)
        if isinstance(node, BoolNode | NumberNode | StringNode):
            return node.value
        self.error(f"can't handle {node} for arg")

    def eval_function(self, dot: Any, node: IdentifierNode, cmd: Node, args: list[Node], final: Any) -> Any:
        self.at(node)
        name = node.ident
        fixed, variadic = SIGNATURES[name]
        count = len(args) - 1 + (0 if final is _MISSING else 1)
        if variadic and count < fixed:
            self.error(f"wrong number of args for {name}: want at least {fixed} got {count}")
        if not variadic and count != fixed:
            self.error(f"wrong number of args for {name}: want {fixed} got {count}")
        if name in ("and", "or"):
            value: Any = None
            for arg in args[1:]:
                value = self.eval_arg(dot, arg)
                if truth(value) == (name == "or"):
                    return value
            return final if final is not _MISSING else value
        values = []
        for k, arg in enumerate(args[1:]):
            if name == "printf" and k == 0 and isinstance(arg, BoolNode | NumberNode | NilNode):
                self.at(arg)
                self.error(f"expected string; found {arg}")
            values.append(self.eval_arg(dot, arg))
        if final is not _MISSING:
            values.append(final)
        values = [None if v is NO_VALUE else v for v in values]
        if name == "printf" and not isinstance(values[0], str):
            self.error(f"wrong type for value; expected string; got {go_type(values[0])}")
        try:
            return FUNCTIONS[name](*values)
        except _FunctionError as exc:
            self.at(cmd)
            self.error(f"error calling {name}: {exc}")


# --- builtin functions -------------------------------------------------------------------------


def _not(value: Any) -> bool:
    return not truth(value)


def _len(value: Any) -> int:
    if is_nil(value):
        raise _FunctionError("len of nil pointer")
    if isinstance(value, str):
        return len(value.encode())
    if isinstance(value, bytes | Sequence | Mapping):
        return len(value)
    raise _FunctionError(f"len of type {go_type(value)}")


def _int_index(index: Any, what: str) -> int:
    if index is None:
        raise _FunctionError(f"cannot index {what} with nil")
    if isinstance(index, bool) or not isinstance(index, int):
        raise _FunctionError(f"cannot index {what} with type {go_type(index)}")
    return int(index)


def _index(item: Any, *indexes: Any) -> Any:
    if item is None:
        raise _FunctionError("index of untyped nil")
    for index in indexes:
        if is_nil(item):
            raise _FunctionError("index of nil pointer")
        if isinstance(item, str | bytes) or (isinstance(item, Sequence) and not isinstance(item, GoEnum)):
            x = _int_index(index, "slice/array")
            data: Any = item.encode() if isinstance(item, str) else item
            if x < 0 or x >= len(data):
                raise _FunctionError(f"index out of range: {x}")
            item = data[x]
        elif isinstance(item, Mapping):
            item = item.get(index)
        else:
            raise _FunctionError(f"can't index item of type {go_type(item)}")
    return item


def _slice(item: Any, *indexes: Any) -> Any:
    if item is None:
        raise _FunctionError("slice of untyped nil")
    if len(indexes) > 3:
        raise _FunctionError(f"too many slice indexes: {len(indexes)}")
    if isinstance(item, str):
        if len(indexes) == 3:
            raise _FunctionError("cannot 3-index slice a string")
        data: Any = item.encode()
    elif isinstance(item, Sequence):
        data = item
    else:
        raise _FunctionError(f"can't slice item of type {go_type(item)}")
    bounds = [_int_index(i, "slice/array") for i in indexes]
    for x in bounds:
        if x < 0 or x > len(data):
            raise _FunctionError(f"index out of range: {x}")
    low = bounds[0] if bounds else 0
    high = bounds[1] if len(bounds) > 1 else len(data)
    if low > high:
        raise _FunctionError(f"invalid slice index: {low} > {high}")
    if len(bounds) == 3 and high > bounds[2]:
        raise _FunctionError(f"invalid slice index: {high} > {bounds[2]}")
    out = data[low:high]
    if isinstance(item, str):
        return out.decode(errors="replace")
    return GoSlice(list(out), item.elem_type) if isinstance(item, GoSlice) else list(out)


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    return "other"


def _eq(first: Any, *others: Any) -> bool:
    if not others:
        raise _FunctionError("missing argument for comparison")
    k1 = _kind(first)
    for other in others:
        k2 = _kind(other)
        if k1 != k2:
            if first is not None and other is not None:
                raise _FunctionError("incompatible types for comparison")
            equal = False
        elif k1 == "other":
            if is_nil(first) or is_nil(other):
                equal = is_nil(first) == is_nil(other)
            elif isinstance(first, Sequence | Mapping) or isinstance(other, Sequence | Mapping):
                raise _FunctionError(f"non-comparable type {sprint(first)}: {go_type(first)}")
            else:
                equal = first is other
        else:
            equal = first == other
        if equal:
            return True
    return False


def _ne(a: Any, b: Any) -> bool:
    return not _eq(a, b)


def _lt(a: Any, b: Any) -> bool:
    ka, kb = _kind(a), _kind(b)
    if ka in ("bool", "other") or kb in ("bool", "other"):
        raise _FunctionError("invalid type for comparison")
    if ka != kb:
        raise _FunctionError("incompatible types for comparison")
    return bool(a < b)


def _le(a: Any, b: Any) -> bool:
    return _lt(a, b) or _eq(a, b)


def _gt(a: Any, b: Any) -> bool:
    return not _le(a, b)


def _ge(a: Any, b: Any) -> bool:
    return not _lt(a, b)


def _text_of(args: Sequence[Any]) -> str:
    if len(args) == 1 and isinstance(args[0], str):
        return args[0]
    return fmt.sprint_values(args)


def _html(*args: Any) -> str:
    text = _text_of(args)
    return html_lib.escape(text).replace("&#x27;", "&#39;").replace("&quot;", "&#34;").replace("\0", "\ufffd")


_JS = {"\\": "\\\\", "'": "\\'", '"': '\\"', "<": "\\u003C", ">": "\\u003E", "&": "\\u0026", "=": "\\u003D"}


def _js(*args: Any) -> str:
    out: list[str] = []
    for ch in _text_of(args):
        if ch in _JS:
            out.append(_JS[ch])
        elif ord(ch) < 0x20 or (ord(ch) >= 0x80 and not ch.isprintable()):
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return "".join(out)


def _urlquery(*args: Any) -> str:
    return urllib.parse.quote_plus(_text_of(args), safe="")


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "and": lambda *a: a[-1],
    "or": lambda *a: a[-1],
    "not": _not,
    "len": _len,
    "index": _index,
    "slice": _slice,
    "eq": _eq,
    "ne": _ne,
    "lt": _lt,
    "le": _le,
    "gt": _gt,
    "ge": _ge,
    "print": lambda *a: fmt.sprint_values(a),
    "printf": lambda f, *a: fmt.sprintf(f, a),
    "println": lambda *a: fmt.sprintln_values(a),
    "html": _html,
    "js": _js,
    "urlquery": _urlquery,
}

# name → (fixed argument count, variadic)
SIGNATURES: dict[str, tuple[int, bool]] = {
    "and": (1, True),
    "or": (1, True),
    "not": (1, False),
    "len": (1, False),
    "index": (1, True),
    "slice": (1, True),
    "eq": (1, True),
    "ne": (2, False),
    "lt": (2, False),
    "le": (2, False),
    "gt": (2, False),
    "ge": (2, False),
    "print": (0, True),
    "printf": (1, True),
    "println": (0, True),
    "html": (0, True),
    "js": (0, True),
    "urlquery": (0, True),
}
