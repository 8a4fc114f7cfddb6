"""What an HTTP input is: a name and one decision, "should this webhook reach the Core?"."""

from __future__ import annotations

from typing import Protocol


class InputError(Exception):
    """The input could not decide; the request is answered 400 with `str(error)` as the body.

    `output` is what a user's executable printed, for the log (never sent to the client).
    """

    def __init__(self, text: str, output: bytes = b"") -> None:
        super().__init__(text)
        self.output = output


class Input(Protocol):
    """One monitoring tool's webhook format. The server does everything else."""

    name: str

    async def should_accept(self, method: str, body: bytes) -> bool:
        """True: forward to the Core; False: answer "ignored". Raises InputError (400)."""
        ...

    async def close(self) -> None:
        """Release what the input holds (running children); called once at shutdown."""
        ...
