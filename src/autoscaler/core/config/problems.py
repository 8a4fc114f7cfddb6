"""Configuration problems and how they are reported.

Upstream sorts every configuration problem into one of two classes: a *validation* problem
(the file says something wrong; `validate` exits 65) and a *system* problem (the cloud API, a
file, YAML syntax...; exit 1). A list of problems prints in go-multierror's format.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ...golang.errors import multierror


@dataclass(frozen=True)
class Problem:
    text: str
    system: bool = False

    def prefixed(self, prefix: str) -> Problem:
        return Problem(f"{prefix} {self.text}", self.system)


def invalid(text: str) -> Problem:
    return Problem(text)


def system(text: str) -> Problem:
    return Problem(text, system=True)


def prefix_all(problems: Iterable[Problem], prefix: str) -> list[Problem]:
    return [p.prefixed(prefix) for p in problems]


class ConfigProblems(Exception):
    """Validation failed; `str()` is the multi-error text, `system` tells the exit class."""

    def __init__(self, problems: Sequence[Problem], as_list: bool = True) -> None:
        self.problems = list(problems)
        self.system = any(p.system for p in self.problems)
        # A single check that stops validation early (account check) prints as a plain message.
        self.as_list = as_list
        super().__init__(str(self))

    def __str__(self) -> str:
        texts = [p.text for p in self.problems]
        if not self.as_list and len(texts) == 1:
            return texts[0]
        return multierror(texts)


class DecodeError(ValueError):
    """The file could not be decoded (YAML syntax, unknown key, wrong type); a system problem."""


class Invalid(Exception):
    """A check failed because of what the file says (the validation class)."""


def classify(exc: Exception) -> Problem:
    from ...cloud.errors import message_of

    return Problem(message_of(exc), system=not isinstance(exc, Invalid))
