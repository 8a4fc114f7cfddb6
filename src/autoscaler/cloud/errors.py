"""Errors of the cloud client.

`CloudError` is what a non-success HTTP status becomes: it carries the status, the API's
`error_code`, `error_msg`, `serial` and `is_fatal`, and the request it answers. Connection-level
failures (after retries) are `CloudConnectionError`. Helpers raise `NoResultsError` when a find
that must hit finds nothing and `WaitTimeout` when a state wait runs out of time.
"""

from __future__ import annotations

from typing import Any


class CloudClientError(Exception):
    """Base of every error raised by `autoscaler.cloud`."""


class CloudError(CloudClientError):
    """The API answered with a non-success status."""

    def __init__(
        self,
        status: int,
        code: str = "",
        message: str = "",
        *,
        serial: str = "",
        is_fatal: bool = False,
        method: str = "",
        url: str = "",
        raw: str | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.serial = serial
        self.is_fatal = is_fatal
        self.method = method
        self.url = url
        self.raw = raw  # the body when it was not the JSON error envelope
        super().__init__(str(self))

    @classmethod
    def from_envelope(cls, status: int, body: dict[str, Any], method: str = "", url: str = "") -> CloudError:
        return cls(
            status,
            str(body.get("error_code") or ""),
            str(body.get("error_msg") or ""),
            serial=str(body.get("serial") or ""),
            is_fatal=bool(body.get("is_fatal")),
            method=method,
            url=url,
        )

    def __str__(self) -> str:
        if self.raw is not None:
            return f"error in response: {self.raw}"
        where = f"{self.method} {self.url}: " if self.method else ""
        text = f"{where}{self.status}"
        if self.code:
            text += f" {self.code}"
        if self.message:
            text += f": {self.message}"
        return text

    @property
    def is_not_found(self) -> bool:
        return self.status == 404

    @property
    def is_still_creating(self) -> bool:
        return self.status == 409 and self.code == "still_creating"

    @property
    def is_conflict(self) -> bool:
        return self.status == 409


class CloudConnectionError(CloudClientError):
    """The request never got an HTTP answer (after the configured retries)."""


class NoResultsError(CloudClientError):
    """A find that had to return something returned nothing."""


class WaitTimeout(CloudClientError, TimeoutError):
    """A state wait did not reach its goal in time."""


def message_of(exc: BaseException) -> str:
    """The text a user is shown for a failure: the API's own `error_msg` when it sent one,
    else the whole description (a connection failure, a response that is not JSON, ...)."""
    if isinstance(exc, CloudError) and exc.message:
        return exc.message
    return str(exc)


def is_not_found(exc: BaseException) -> bool:
    return isinstance(exc, CloudError) and exc.is_not_found
