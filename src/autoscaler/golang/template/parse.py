"""The parse tree of a Go `text/template`, built as Go's parser builds it.

Checks made while parsing, as Go does: functions must exist, variables must be declared
before use (`$` is always there), `{{break}}`/`{{continue}}` only inside `{{range}}`, every
`{{if}}`/`{{with}}`/`{{range}}` closed by `{{end}}`. `{{define}}`, `{{template}}` and
`{{block}}` are not supported (a startup script is one template).
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass, field

from .lex import T, Token, tokenize


class ParseError(Exception):
    def __init__(self, message: str, pos: int) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos


@dataclass
class Node:
    pos: int


@dataclass
class TextNode(Node):
    text: str

    def __str__(self) -> str:
        return self.text


@dataclass
class ListNode(Node):
    nodes: list[Node] = field(default_factory=list)

    def __str__(self) -> str:
        return "".join(str(n) for n in self.nodes)


@dataclass
class FieldNode(Node):
    idents: list[str]

    def __str__(self) -> str:
        return "".join("." + i for i in self.idents)


@dataclass
class VariableNode(Node):
    idents: list[str]  # the variable's name ($x) then fields

    def __str__(self) -> str:
        return ".".join(self.idents)


@dataclass
class IdentifierNode(Node):
    ident: str

    def __str__(self) -> str:
        return self.ident


@dataclass
class DotNode(Node):
    def __str__(self) -> str:
        return "."


@dataclass
class NilNode(Node):
    def __str__(self) -> str:
        return "nil"


@dataclass
class BoolNode(Node):
    value: bool

    def __str__(self) -> str:
        return "true" if self.value else "false"


@dataclass
class NumberNode(Node):
    text: str
    value: int | float

    def __str__(self) -> str:
        return self.text


@dataclass
class StringNode(Node):
    quoted: str
    value: str

    def __str__(self) -> str:
        return self.quoted


@dataclass
class CommandNode(Node):
    args: list[Node] = field(default_factory=list)

    def __str__(self) -> str:
        return " ".join(f"({a})" if isinstance(a, PipeNode) else str(a) for a in self.args)


@dataclass
class PipeNode(Node):
    decl: list[VariableNode] = field(default_factory=list)
    is_assign: bool = False
    cmds: list[CommandNode] = field(default_factory=list)

    def __str__(self) -> str:
        head = ""
        if self.decl:
            head = ", ".join(str(v) for v in self.decl) + (" = " if self.is_assign else " := ")
        return head + " | ".join(str(c) for c in self.cmds)


@dataclass
class ChainNode(Node):
    node: Node
    fields: list[str]

    def __str__(self) -> str:
        base = f"({self.node})" if isinstance(self.node, PipeNode) else str(self.node)
        return base + "".join("." + f for f in self.fields)


@dataclass
class ActionNode(Node):
    pipe: PipeNode

    def __str__(self) -> str:
        return "{{" + str(self.pipe) + "}}"


@dataclass
class BranchNode(Node):
    keyword: str  # if, with, range
    pipe: PipeNode
    list: ListNode
    else_list: ListNode | None = None

    def __str__(self) -> str:
        out = "{{" + self.keyword + " " + str(self.pipe) + "}}" + str(self.list)
        if self.else_list is not None:
            out += "{{else}}" + str(self.else_list)
        return out + "{{end}}"


@dataclass
class BreakNode(Node):
    def __str__(self) -> str:
        return "{{break}}"


@dataclass
class ContinueNode(Node):
    def __str__(self) -> str:
        return "{{continue}}"


@dataclass
class _End(Node):
    pass


@dataclass
class _Else(Node):
    chained: str = ""  # "if"/"with" for {{else if ...}} / {{else with ...}}


def parse(text: str, functions: Container[str]) -> ListNode:
    return _Parser(tokenize(text), functions).parse()


_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\"}


def unquote(literal: str, quote: str) -> str:
    """Go's strconv.Unquote for a "double-quoted" string or a 'c'haracter literal."""
    body = literal[1:-1]
    out: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        code = body[i + 1 : i + 2]
        if code in _ESCAPES:
            out.append(_ESCAPES[code])
            i += 2
        elif code == quote:
            out.append(quote)
            i += 2
        elif code in ("x", "u", "U"):
            size = {"x": 2, "u": 4, "U": 8}[code]
            digits = body[i + 2 : i + 2 + size]
            if len(digits) != size or any(c not in "0123456789abcdefABCDEF" for c in digits):
                raise ValueError("invalid syntax")
            value = int(digits, 16)
            out.append(chr(value) if code != "x" else bytes([value]).decode("latin-1"))
            i += 2 + size
        elif code and code in "01234567":
            digits = body[i + 1 : i + 4]
            if len(digits) != 3 or any(c not in "01234567" for c in digits):
                raise ValueError("invalid syntax")
            out.append(chr(int(digits, 8)))
            i += 4
        else:
            raise ValueError("invalid syntax")
    return "".join(out)


def number_value(text: str) -> int | float:
    """A Go number literal; an integral value is an int, as Go's parser prefers."""
    body = text.replace("_", "")
    sign = -1 if body.startswith("-") else 1
    digits = body.lstrip("+-")
    lower = digits.lower()
    if lower.startswith(("0x", "0o", "0b")) and "p" not in lower and "." not in lower:
        return sign * int(digits, 0)
    if lower.isdigit():
        # Go reads a leading 0 as octal (0755).
        return sign * (int(digits, 8) if len(digits) > 1 and digits.startswith("0") else int(digits))
    if lower.startswith("0x"):
        return sign * float.fromhex(digits)
    value = float(digits)
    return sign * value


_OPERAND_START = frozenset(
    {T.BOOL, T.CHAR, T.DOT, T.FIELD, T.IDENT, T.NUMBER, T.RAW_STRING, T.STRING, T.VARIABLE, T.LPAREN}
)


def _go_quote(text: str) -> str:
    from ...log import go_quote

    return go_quote(text)


class _Parser:
    def __init__(self, tokens: list[Token], functions: Container[str]) -> None:
        self.tokens = tokens
        self.i = 0
        self.functions = functions
        self.vars = ["$"]
        self.range_depth = 0

    # --- token access ------------------------------------------------------------------------

    def next(self) -> Token:
        token = self.tokens[min(self.i, len(self.tokens) - 1)]  # EOF repeats forever
        if token.kind is T.ERROR:
            raise ParseError(token.value, token.pos)
        self.i += 1
        return token

    def backup(self) -> None:
        self.i -= 1

    def peek(self) -> Token:
        token = self.tokens[min(self.i, len(self.tokens) - 1)]
        if token.kind is T.ERROR:
            raise ParseError(token.value, token.pos)
        return token

    def next_non_space(self) -> Token:
        token = self.next()
        while token.kind is T.SPACE:
            token = self.next()
        return token

    def peek_non_space(self) -> Token:
        token = self.next_non_space()
        self.backup()
        return token

    def expect(self, kind: T, context: str) -> Token:
        token = self.next_non_space()
        if token.kind is not kind:
            self.unexpected(token, context)
        return token

    def unexpected(self, token: Token, context: str) -> None:
        if token.kind is T.EOF:
            raise ParseError(f"unexpected EOF in {context}", token.pos)
        raise ParseError(f"unexpected {token.describe()} in {context}", token.pos)

    # --- structure ---------------------------------------------------------------------------

    def parse(self) -> ListNode:
        root = ListNode(0)
        while self.peek().kind is not T.EOF:
            node = self.text_or_action()
            if isinstance(node, _End):
                raise ParseError("unexpected {{end}}", node.pos)
            if isinstance(node, _Else):
                raise ParseError("unexpected {{else}}", node.pos)
            root.nodes.append(node)
        return root

    def item_list(self) -> tuple[ListNode, Node]:
        items = ListNode(self.peek_non_space().pos)
        while self.peek_non_space().kind is not T.EOF:
            node = self.text_or_action()
            if isinstance(node, _End | _Else):
                return items, node
            items.nodes.append(node)
        raise ParseError("unexpected EOF", self.peek().pos)

    def text_or_action(self) -> Node:
        token = self.next_non_space()
        if token.kind is T.TEXT:
            return TextNode(token.pos, token.value)
        if token.kind is T.LEFT:
            return self.action()
        self.unexpected(token, "input")
        raise AssertionError("unreachable")

    def action(self) -> Node:
        token = self.next_non_space()
        if token.kind is T.KEYWORD:
            word = token.value
            if word in ("if", "with", "range"):
                return self.control(word, token.pos)
            if word == "end":
                self.expect(T.RIGHT, "end")
                return _End(token.pos)
            if word == "else":
                return self.else_control(token)
            if word in ("break", "continue"):
                if self.range_depth == 0:
                    raise ParseError(f"{{{{{word}}}}} outside {{{{range}}}}", token.pos)
                self.expect(T.RIGHT, word)
                return BreakNode(token.pos) if word == "break" else ContinueNode(token.pos)
            if word in ("define", "template", "block"):
                raise ParseError(f"{{{{{word}}}}} is not supported here", token.pos)
        self.backup()
        pipe = self.pipeline("command", T.RIGHT)
        return ActionNode(token.pos, pipe)

    def else_control(self, token: Token) -> _Else:
        following = self.peek_non_space()
        if following.kind is T.KEYWORD and following.value in ("if", "with"):
            # {{else if x}} is {{else}}{{if x}}...{{end}} sharing the outer {{end}}.
            return _Else(token.pos, following.value)
        self.expect(T.RIGHT, "else")
        return _Else(token.pos)

    def control(self, keyword: str, pos: int) -> BranchNode:
        mark = len(self.vars)
        try:
            pipe = self.pipeline(keyword, T.RIGHT)
            if keyword == "range":
                self.range_depth += 1
            body, end = self.item_list()
            if keyword == "range":
                self.range_depth -= 1
            else_list: ListNode | None = None
            if isinstance(end, _Else):
                if end.chained:
                    if end.chained != keyword:
                        raise ParseError(f"unexpected <{end.chained}> in else", end.pos)
                    chained_token = self.next_non_space()
                    else_list = ListNode(end.pos, [self.control(keyword, chained_token.pos)])
                else:
                    else_list, end = self.item_list()
                    if not isinstance(end, _End):
                        raise ParseError("expected end; found {{else}}", end.pos)
            return BranchNode(pos, keyword, pipe, body, else_list)
        finally:
            del self.vars[mark:]

    # --- pipelines ---------------------------------------------------------------------------

    def pipeline(self, context: str, end: T) -> PipeNode:
        pipe = PipeNode(self.peek_non_space().pos)
        self.declarations(pipe, context)
        while True:
            token = self.next_non_space()
            if token.kind is end:
                if not pipe.cmds:
                    raise ParseError(f"missing value for {context}", token.pos)
                for stage, cmd in enumerate(pipe.cmds[1:], start=2):
                    first = cmd.args[0]
                    if isinstance(first, BoolNode | DotNode | NilNode | NumberNode | StringNode):
                        raise ParseError(f"non executable command in pipeline stage {stage}", first.pos)
                return pipe
            if token.kind in _OPERAND_START or (token.kind is T.KEYWORD and token.value == "nil"):
                self.backup()
                pipe.cmds.append(self.command())
            else:
                self.unexpected(token, context)

    def declarations(self, pipe: PipeNode, context: str) -> None:
        token = self.peek_non_space()
        if token.kind is not T.VARIABLE:
            return
        start = self.i
        self.next_non_space()
        following = self.next_non_space()
        if following.kind in (T.DECLARE, T.ASSIGN):
            variable = VariableNode(token.pos, [token.value])
            pipe.decl.append(variable)
            pipe.is_assign = following.kind is T.ASSIGN
            if pipe.is_assign:
                self.use_var(token)
            else:
                self.vars.append(token.value)
            return
        if following.kind is T.COMMA and context == "range":
            second = self.next_non_space()
            assign = self.next_non_space()
            if second.kind is T.VARIABLE and assign.kind in (T.DECLARE, T.ASSIGN):
                pipe.is_assign = assign.kind is T.ASSIGN
                for var in (token, second):
                    pipe.decl.append(VariableNode(var.pos, [var.value]))
                    if pipe.is_assign:
                        self.use_var(var)
                    else:
                        self.vars.append(var.value)
                return
            message = "too many declarations in range" if second.kind is T.VARIABLE else "missing variable"
            raise ParseError(message, second.pos)
        self.i = start

    def command(self) -> CommandNode:
        cmd = CommandNode(self.peek_non_space().pos)
        while True:
            self.peek_non_space()
            operand = self.operand()
            if operand is not None:
                cmd.args.append(operand)
            token = self.next()
            if token.kind is T.SPACE:
                continue
            if token.kind in (T.RIGHT, T.RPAREN):
                self.backup()
            elif token.kind is not T.PIPE:
                self.unexpected(token, "operand")
            break
        if not cmd.args:
            raise ParseError("empty command", cmd.pos)
        return cmd

    def operand(self) -> Node | None:
        node = self.term()
        if node is None:
            return None
        if self.peek().kind is not T.FIELD:
            return node
        # As Go's parser does, a chain is positioned at its first chained field.
        chain_pos = self.peek().pos
        fields: list[str] = []
        while self.peek().kind is T.FIELD:
            fields.append(self.next().value[1:])
        if isinstance(node, FieldNode):
            return FieldNode(chain_pos, [*node.idents, *fields])
        if isinstance(node, VariableNode):
            return VariableNode(chain_pos, [*node.idents, *fields])
        if isinstance(node, BoolNode | StringNode | NumberNode | NilNode | DotNode):
            raise ParseError(f"unexpected . after term {_go_quote(str(node))}", chain_pos)
        return ChainNode(chain_pos, node, fields)

    def term(self) -> Node | None:
        token = self.next_non_space()
        kind = token.kind
        if kind is T.IDENT:
            if token.value not in self.functions:
                raise ParseError(f'function "{token.value}" not defined', token.pos)
            return IdentifierNode(token.pos, token.value)
        if kind is T.DOT:
            return DotNode(token.pos)
        if kind is T.KEYWORD and token.value == "nil":
            return NilNode(token.pos)
        if kind is T.VARIABLE:
            self.use_var(token)
            return VariableNode(token.pos, [token.value])
        if kind is T.FIELD:
            return FieldNode(token.pos, [token.value[1:]])
        if kind is T.BOOL:
            return BoolNode(token.pos, token.value == "true")
        if kind is T.NUMBER:
            try:
                return NumberNode(token.pos, token.value, number_value(token.value))
            except ValueError:
                raise ParseError(f"bad number syntax: {token.value!r}", token.pos) from None
        if kind is T.CHAR:
            try:
                text = unquote(token.value, "'")
            except ValueError:
                raise ParseError(f"malformed character constant: {token.value}", token.pos) from None
            if len(text) != 1:
                raise ParseError(f"malformed character constant: {token.value}", token.pos)
            return NumberNode(token.pos, token.value, ord(text))
        if kind is T.LPAREN:
            pipe = self.pipeline("parenthesized pipeline", T.RPAREN)
            return pipe
        if kind in (T.STRING, T.RAW_STRING):
            if kind is T.RAW_STRING:
                value = token.value[1:-1].replace("\r", "")
            else:
                try:
                    value = unquote(token.value, '"')
                except ValueError:
                    raise ParseError(f"invalid syntax: {token.value}", token.pos) from None
            return StringNode(token.pos, token.value, value)
        self.backup()
        return None

    def use_var(self, token: Token) -> None:
        if token.value not in self.vars:
            raise ParseError(f'undefined variable "{token.value}"', token.pos)
