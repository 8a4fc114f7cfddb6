"""Reading a client's request body, with errors that name the offending member."""

from __future__ import annotations

from typing import Any

from ...golang import jsondepth
from .errors import bad_request


def parse_body(raw: bytes) -> Any:
    if not raw.strip():
        return None
    try:
        return jsondepth.loads(raw)
    except ValueError as exc:
        raise bad_request(f"request body is not valid JSON: {exc}") from None


class Body:
    """A JSON object from the request, addressed by dotted paths (`Server.ServerPlan.CPU`)."""

    def __init__(self, data: Any, where: str = "") -> None:
        if data is not None and not isinstance(data, dict):
            raise bad_request(f"request body{' ' + where if where else ''} must be a JSON object")
        self.data: dict[str, Any] = data or {}
        self.where = where

    def _name(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def has(self, key: str) -> bool:
        return key in self.data and self.data[key] is not None

    def obj(self, key: str, required: bool = False) -> Body:
        value = self.data.get(key)
        if value is None:
            if required:
                raise bad_request(f"request body has no {self._name(key)!r} object")
            return Body({}, self._name(key))
        if not isinstance(value, dict):
            raise bad_request(f"{self._name(key)} must be a JSON object")
        return Body(value, self._name(key))

    def text(self, key: str, default: str = "") -> str:
        value = self.data.get(key)
        if value is None:
            return default
        if not isinstance(value, str):
            raise bad_request(f"{self._name(key)} must be a string")
        return value

    def number(self, key: str, default: int = 0) -> int:
        value = self.data.get(key)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            raise bad_request(f"{self._name(key)} must be a number")
        if isinstance(value, int):
            return value
        if isinstance(value, str) and value.strip().isdigit():
            return int(value)
        raise bad_request(f"{self._name(key)} must be a number")

    def flag(self, key: str, default: bool = False) -> bool:
        value = self.data.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise bad_request(f"{self._name(key)} must be true or false")
        return value

    def id(self, key: str) -> int:
        """The `ID` inside a nested reference object (`Icon: {ID: n}`), 0 when absent."""
        return self.obj(key).number("ID")

    def array(self, key: str) -> list[Any]:
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise bad_request(f"{self._name(key)} must be an array")
        return value

    def tags(self, key: str = "Tags") -> list[str]:
        items = self.array(key)
        if not all(isinstance(t, str) for t in items):
            raise bad_request(f"{self._name(key)} must be an array of strings")
        return sorted(items)

    def raw(self, key: str) -> Any:
        return self.data.get(key)
