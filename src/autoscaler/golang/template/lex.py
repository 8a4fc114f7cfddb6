"""Tokens of a Go `text/template`: text between actions, and the words inside `{{ }}`.

Follows Go's lexer: `{{- ` and ` -}}` trim the white space around an action, `{{/* */}}` is
a comment, and inside an action come fields (`.Name`), variables (`$x`), identifiers,
literals (strings, raw strings, characters, numbers, booleans), `(`, `)`, `|`, `:=`, `=`, `,`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

LEFT_DELIM = "{{"
RIGHT_DELIM = "}}"
SPACE_CHARS = " \t\r\n"
KEYWORDS = frozenset(
    {"block", "break", "continue", "define", "else", "end", "if", "range", "nil", "template", "with"}
)


class T(enum.Enum):
    TEXT = "text"
    LEFT = "{{"
    RIGHT = "}}"
    SPACE = "space"
    FIELD = "field"
    VARIABLE = "variable"
    IDENT = "identifier"
    KEYWORD = "keyword"
    BOOL = "bool"
    STRING = "string"
    RAW_STRING = "raw string"
    CHAR = "char"
    NUMBER = "number"
    DOT = "."
    PIPE = "|"
    LPAREN = "("
    RPAREN = ")"
    DECLARE = ":="
    ASSIGN = "="
    COMMA = ","
    ERROR = "error"
    EOF = "EOF"


@dataclass(frozen=True)
class Token:
    kind: T
    value: str
    pos: int  # offset in the template text (errors show it as line and byte column)

    def describe(self) -> str:
        """How Go's parser names the token in `unexpected ...` errors."""
        if self.kind is T.EOF:
            return "EOF"
        if self.kind is T.KEYWORD:
            return f"<{self.value}>"
        if self.kind is T.SPACE:
            return "space"
        return '"' + self.value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class LexError(Exception):
    def __init__(self, message: str, pos: int) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos


def _is_space(ch: str) -> bool:
    return ch != "" and ch in SPACE_CHARS


def _is_alnum(ch: str) -> bool:
    return ch == "_" or ch.isalnum()


def tokenize(text: str) -> list[Token]:
    """The tokens of `text`; a lexical error ends the list with an ERROR token, so the parser
    reports whichever problem comes first, as Go's does."""
    lexer = _Lexer(text)
    try:
        return lexer.run()
    except LexError as exc:
        return [*lexer.tokens, Token(T.ERROR, exc.message, exc.pos)]


class _Lexer:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.tokens: list[Token] = []
        self.paren_depth = 0

    def at(self, offset: int = 0) -> str:
        i = self.pos + offset
        return self.text[i] if i < len(self.text) else ""

    def emit(self, kind: T, start: int, end: int | None = None) -> None:
        self.tokens.append(Token(kind, self.text[start : self.pos if end is None else end], start))

    def run(self) -> list[Token]:
        while self.pos < len(self.text):
            self.lex_text()
        self.tokens.append(Token(T.EOF, "", len(self.text)))
        return self.tokens

    # --- outside actions ---------------------------------------------------------------------

    def lex_text(self) -> None:
        start = self.pos
        found = self.text.find(LEFT_DELIM, self.pos)
        if found < 0:
            self.pos = len(self.text)
            if self.pos > start:
                self.emit(T.TEXT, start)
            return
        trim = self.text[found + 2 : found + 3] == "-" and _is_space(self.text[found + 3 : found + 4])
        end = found
        if trim:
            while end > start and self.text[end - 1] in SPACE_CHARS:
                end -= 1
        if end > start:
            self.tokens.append(Token(T.TEXT, self.text[start:end], start))
        self.pos = found
        self.lex_left_delim(trim)

    def lex_left_delim(self, trim: bool) -> None:
        start = self.pos
        self.pos += len(LEFT_DELIM)
        after_marker = self.pos + (2 if trim else 0)
        if self.text.startswith("/*", after_marker):
            self.pos = after_marker
            self.lex_comment(start)
            return
        self.emit(T.LEFT, start)
        self.pos = after_marker
        self.paren_depth = 0
        self.lex_inside_action(start)

    def lex_comment(self, action_start: int) -> None:
        close = self.text.find("*/", self.pos + 2)
        if close < 0:
            raise LexError("unclosed comment", action_start)
        self.pos = close + 2
        delim, trim = self.at_right_delim()
        if not delim:
            raise LexError("comment ends before closing delimiter", action_start)
        self.skip_right_delim(trim, emit=False)

    def at_right_delim(self) -> tuple[bool, bool]:
        rest = self.text[self.pos :]
        if len(rest) >= 2 and _is_space(rest[0]) and rest[1] == "-" and rest.startswith(RIGHT_DELIM, 2):
            return True, True
        return rest.startswith(RIGHT_DELIM), False

    def skip_right_delim(self, trim: bool, emit: bool = True) -> None:
        if trim:
            self.pos += 2
        start = self.pos
        self.pos += len(RIGHT_DELIM)
        if emit:
            self.emit(T.RIGHT, start)
        if trim:
            while self.pos < len(self.text) and self.text[self.pos] in SPACE_CHARS:
                self.pos += 1

    # --- inside an action --------------------------------------------------------------------

    def lex_inside_action(self, action_start: int) -> None:
        while True:
            delim, trim = self.at_right_delim()
            if delim and self.paren_depth == 0:
                self.skip_right_delim(trim)
                return
            if delim:
                raise LexError("unclosed left paren", action_start)
            ch = self.at()
            start = self.pos
            if ch == "":
                raise LexError("unclosed action", action_start)
            if _is_space(ch):
                # Stop before a space that starts a trim-marked right delimiter.
                while _is_space(self.at()) and not self.at_right_delim()[1]:
                    self.pos += 1
                if self.pos == start:
                    continue
                self.emit(T.SPACE, start)
            elif ch == "=":
                self.pos += 1
                self.emit(T.ASSIGN, start)
            elif ch == ":":
                if self.at(1) != "=":
                    raise LexError("expected :=", start)
                self.pos += 2
                self.emit(T.DECLARE, start)
            elif ch == "|":
                self.pos += 1
                self.emit(T.PIPE, start)
            elif ch == ",":
                self.pos += 1
                self.emit(T.COMMA, start)
            elif ch == '"':
                self.lex_quote(start)
            elif ch == "`":
                close = self.text.find("`", self.pos + 1)
                if close < 0:
                    raise LexError("unterminated raw quoted string", start)
                self.pos = close + 1
                self.emit(T.RAW_STRING, start)
            elif ch == "'":
                self.lex_char(start)
            elif ch == "$":
                self.pos += 1
                while _is_alnum(self.at()):
                    self.pos += 1
                self.check_terminator()
                self.emit(T.VARIABLE, start)
            elif ch == ".":
                if self.at(1).isdigit():
                    self.lex_number(start)
                elif _is_alnum(self.at(1)):
                    self.pos += 1
                    while _is_alnum(self.at()):
                        self.pos += 1
                    self.check_terminator()
                    self.emit(T.FIELD, start)
                else:
                    self.pos += 1
                    self.emit(T.DOT, start)
            elif ch in "+-" or ch.isdigit():
                self.lex_number(start)
            elif _is_alnum(ch):
                while _is_alnum(self.at()):
                    self.pos += 1
                self.check_terminator()
                word = self.text[start : self.pos]
                if word in KEYWORDS:
                    self.emit(T.KEYWORD, start)
                elif word in ("true", "false"):
                    self.emit(T.BOOL, start)
                else:
                    self.emit(T.IDENT, start)
            elif ch == "(":
                self.pos += 1
                self.paren_depth += 1
                self.emit(T.LPAREN, start)
            elif ch == ")":
                self.pos += 1
                self.emit(T.RPAREN, start)
                self.paren_depth -= 1
                if self.paren_depth < 0:
                    raise LexError(f"unexpected right paren {_go_rune(ch)}", start)
            else:
                raise LexError(f"unrecognized character in action: {_go_rune(ch)}", start)

    def check_terminator(self) -> None:
        """A word must end at a space, punctuation or the end of the action."""
        ch = self.at()
        if ch == "" or _is_space(ch) or ch in ".,|:()" or self.text.startswith(RIGHT_DELIM, self.pos):
            return
        raise LexError(f"bad character {_go_rune(ch)}", self.pos)

    def lex_quote(self, start: int) -> None:
        self.pos += 1
        while True:
            ch = self.at()
            if ch == "\\":
                self.pos += 2
                continue
            if ch in ("", "\n"):
                raise LexError("unterminated quoted string", start)
            self.pos += 1
            if ch == '"':
                break
        self.emit(T.STRING, start)

    def lex_char(self, start: int) -> None:
        self.pos += 1
        while True:
            ch = self.at()
            if ch == "\\":
                self.pos += 2
                continue
            if ch in ("", "\n"):
                raise LexError("unterminated character constant", start)
            self.pos += 1
            if ch == "'":
                break
        self.emit(T.CHAR, start)

    def lex_number(self, start: int) -> None:
        # Accept anything number-shaped; the parser reports what does not parse.
        if self.at() in "+-":
            self.pos += 1
        while (
            _is_alnum(self.at())
            or self.at() == "."
            or (self.at() in "+-" and self.text[self.pos - 1] in "eEpP")
        ):
            self.pos += 1
        if not self.text[start : self.pos].lstrip("+-"):
            raise LexError(f"bad number syntax: {self.text[start : self.pos + 1]!r}", start)
        self.emit(T.NUMBER, start)


def _go_rune(ch: str) -> str:
    return f"U+{ord(ch):04X} '{ch}'"
