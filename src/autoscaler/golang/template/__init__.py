"""Go `text/template` for the startup scripts of a ServerGroup template.

    script = Template.parse("web-001", "hostnamectl set-hostname {{ .Name }}")
    text = script.execute(instance)          # a handler_pb2.ServerGroupInstance

Upstream's horizontal scaler executes each startup script as a Go template against the
instance it creates, so scripts written for it use Go's syntax and Go's field names
(`.Name`, `.NetworkInterfaces`, `.AssignedNetwork.IpAddress`). This package implements what
such scripts need: text and actions with trim markers and comments, field chains, variables,
`if`/`else if`/`with`/`range` (with `else`, `break`, `continue`), pipelines, parenthesised
arguments, and the builtin functions `and or not len index slice eq ne lt le gt ge print
printf println html js urlquery`. Errors name the template, the line and the (byte) column.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .execute import SIGNATURES, ExecError, State, location
from .parse import ListNode, ParseError, parse


class TemplateError(ValueError):
    """A template that does not parse or fails to execute; the text says where and why."""


@dataclass(frozen=True)
class Template:
    name: str
    text: str
    root: ListNode

    @classmethod
    def parse(cls, name: str, text: str) -> Template:
        try:
            root = parse(text, SIGNATURES)
        except ParseError as exc:
            line, col = location(text, exc.pos)
            raise TemplateError(f"template: {name}:{line}:{col}: {exc.message}") from None
        return cls(name, text, root)

    def execute(self, data: Any) -> str:
        state = State(self.name, self.text, data)
        try:
            state.walk(data, self.root)
        except ExecError as exc:
            raise TemplateError(str(exc)) from None
        return "".join(state.out)


def render(name: str, text: str, data: Any) -> str:
    """Parse and execute in one go."""
    return Template.parse(name, text).execute(data)


__all__ = ["Template", "TemplateError", "render"]
