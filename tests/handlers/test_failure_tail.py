"""The end of a failing script's output, as local-exec sends it to the Core."""

from __future__ import annotations

from autoscaler.handlers.local_exec import failure_tail


def test_short_output_goes_as_printed() -> None:
    assert failure_tail(b"Error: x\n", 9, limit=16) == "Error: x\n"


def test_long_output_keeps_its_end_from_a_line_start() -> None:
    output = b"".join(b"line %02d\n" % i for i in range(1, 11))
    sent = failure_tail(output, len(output), limit=20)
    assert sent == f"[the last 16 of {len(output)} bytes of output]\nline 09\nline 10\n"


def test_never_starts_inside_a_utf8_character() -> None:
    output = "é" * 40  # two bytes each, no newline
    sent = failure_tail(output.encode(), 80, limit=9)
    assert sent == "[the last 8 of 80 bytes of output]\néééé"
