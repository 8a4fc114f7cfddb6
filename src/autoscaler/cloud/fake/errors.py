"""Errors the fake answers with, in the API's error envelope."""

from __future__ import annotations

import secrets
from http import HTTPStatus
from typing import Any


class ApiError(Exception):
    """An API error: HTTP status, `error_code`, `error_msg`."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def envelope(self) -> dict[str, Any]:
        return {
            "is_fatal": True,
            "serial": secrets.token_hex(16),
            "status": f"{self.status} {HTTPStatus(self.status).phrase}",
            "error_code": self.code,
            "error_msg": self.message,
        }


def not_found(kind: str, id_: int | str) -> ApiError:
    return ApiError(404, "not_found", f"{kind}[ID:{id_}] is not found")


def bad_request(message: str) -> ApiError:
    return ApiError(400, "bad_request", message)


def conflict(message: str, code: str = "conflict") -> ApiError:
    return ApiError(409, code, message)
