"""Bounded capture of a script's stdout: its head and tail within a limit, with a marker for
what was dropped between them; and lines cut out of the stream for live streaming.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from .child import READ_CHUNK

MAX_LINE = 64 * 1024  # a streamed "line" longer than this is sent in pieces


@dataclass
class BoundedCapture:
    """Keeps the first and last bytes of a stream within `limit`, counting what it drops."""

    limit: int
    head: bytearray = field(default_factory=bytearray)
    tail: bytearray = field(default_factory=bytearray)
    total: int = 0

    def add(self, chunk: bytes) -> None:
        self.total += len(chunk)
        room = self.limit // 2 - len(self.head)
        if room > 0:
            self.head += chunk[:room]
            chunk = chunk[room:]
        if not chunk:
            return
        self.tail += chunk
        keep = self.limit - len(self.head)
        # Trim only when well over, so trimming stays amortised O(1) per byte.
        if len(self.tail) > 2 * keep + READ_CHUNK:
            del self.tail[: len(self.tail) - keep]

    @property
    def dropped(self) -> int:
        kept = len(self.head) + min(len(self.tail), self.limit - len(self.head))
        return self.total - kept

    def value(self) -> bytes:
        keep = self.limit - len(self.head)
        tail = self.tail[len(self.tail) - keep :] if len(self.tail) > keep else self.tail
        dropped = self.dropped
        if not dropped:
            return bytes(self.head + tail)
        marker = f"\n[... {dropped} bytes of output dropped ...]\n".encode()
        return bytes(self.head) + marker + bytes(tail)


LineCallback = Callable[[bytes], Awaitable[None]]


class LineSplitter:
    def __init__(self, on_line: LineCallback) -> None:
        self._on_line = on_line
        self._pending = bytearray()

    async def feed(self, chunk: bytes) -> None:
        self._pending += chunk
        while True:
            cut = self._pending.find(b"\n")
            if cut < 0:
                if len(self._pending) >= MAX_LINE:
                    cut = MAX_LINE - 1
                else:
                    return
            line = bytes(self._pending[: cut + 1])
            del self._pending[: cut + 1]
            await self._on_line(line)

    async def flush(self) -> None:
        if self._pending:
            line = bytes(self._pending)
            self._pending.clear()
            await self._on_line(line)
