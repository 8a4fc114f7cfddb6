"""Log records in the shape of Go's slog text and JSON handlers."""

from __future__ import annotations

import io
import json
import re
import time
from collections.abc import Iterator

import pytest

from autoscaler import log


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


NS = 1_767_927_605_120_456_789  # 2026-01-09T03:00:05.120456789Z


@pytest.mark.parametrize(
    ("value", "rendered"),
    [
        ("started", "started"),
        ("execute()", "execute()"),
        ("Handle() received request", '"Handle() received request"'),
        ("", '""'),
        ("hi\n", '"hi\\n"'),
        ("a=b", '"a=b"'),
        ('say "x"', '"say \\"x\\""'),
        ("back\\slash", "back\\slash"),
        ("del\x7f", "del\x7f"),
        ("del\x7f ", '"del\\x7f "'),
        ("tab\there", '"tab\\there"'),
        ("bell\a", '"bell\\a"'),
        ("nul\x00", '"nul\\x00"'),
        ("nbsp\u00a0x", '"nbsp\\u00a0x"'),
        ("日本語", "日本語"),
        ("zwsp\u200b", '"zwsp\\u200b"'),
        ("bad\udcff", '"bad\\xff"'),
    ],
)
def test_logfmt_quoting(value: str, rendered: str) -> None:
    assert log.logfmt_value(value) == rendered


@pytest.mark.parametrize(
    ("value", "rendered"),
    [
        ("<b>&", '"<b>&"'),
        ("\b\f", '"\\u0008\\u000c"'),
        ("\\b", '"\\\\b"'),
        ("\n\r\t", '"\\n\\r\\t"'),
        ("\x01", '"\\u0001"'),
        ("\u2028\u2029", '"\\u2028\\u2029"'),
        ("bad\udcff", '"bad\ufffd"'),
        ("é", '"é"'),
    ],
)
def test_json_escaping(value: str, rendered: str) -> None:
    assert log.json_string(value) == rendered


def test_text_record_matches_upstream_shape() -> None:
    line = log.format_text(
        NS,
        20,
        "execute()",
        [("from", "autoscaler-handlers-local-exec"), ("status", "DONE"), ("output", "hello\n")],
    )
    assert line == (
        "time=2026-01-09T03:00:05.120Z level=INFO msg=execute() "
        'from=autoscaler-handlers-local-exec status=DONE output="hello\\n"'
    )


def test_json_record_matches_upstream_shape() -> None:
    line = log.format_json(NS, 20, "execute()", [("from", "x"), ("status", "DONE"), ("output", "hello\n")])
    assert line == (
        '{"time":"2026-01-09T03:00:05.120456789Z","level":"INFO","msg":"execute()",'
        '"from":"x","status":"DONE","output":"hello\\n"}'
    )
    assert json.loads(line)["output"] == "hello\n"


def test_json_time_trims_zeros_and_keeps_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    assert log.json_time(1_767_927_600_000_000_000) == "2026-01-09T03:00:00Z"
    assert log.json_time(1_767_927_605_180_000_000) == "2026-01-09T03:00:05.18Z"
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    assert log.text_time(1_767_927_600_000_000_000) == "2026-01-09T12:00:00.000+09:00"
    assert log.json_time(1_767_927_600_123_456_789) == "2026-01-09T12:00:00.123456789+09:00"


def test_bound_attributes_come_before_record_attributes_and_levels_filter() -> None:
    out = io.StringIO()
    logger = log.new_logger("info", "logfmt", out).bind(("from", "f"))
    call = logger.bind(("scaling-job-id", "job"), ("step", "Handle"))
    call.debug("hidden")
    call.info("Handle() received request", status="RECEIVED")
    lines = out.getvalue().splitlines()
    assert len(lines) == 1
    assert re.fullmatch(
        r'time=\S+ level=INFO msg="Handle\(\) received request" from=f scaling-job-id=job step=Handle status=RECEIVED',
        lines[0],
    )


def test_levels_and_formats_are_validated() -> None:
    with pytest.raises(ValueError, match="log level"):
        log.new_logger("trace")
    with pytest.raises(ValueError, match="log format"):
        log.new_logger("info", "text")


# --- guards: oversized values, one JSON type per key (issue 12, item 11) ----------------------


def test_an_oversized_value_is_cut_and_says_how_long_it_was() -> None:
    stream = io.StringIO()
    logger = log.new_logger("info", "logfmt", stream)
    logger.info("request received", resource="x" * 1_000_000, small="ok")
    line = stream.getvalue()
    assert len(line) < log.FIELD_LIMIT + 200
    assert f'resource="{"x" * log.FIELD_LIMIT}…[truncated: 1000000 bytes]" small=ok' in line


def test_a_whole_value_and_a_long_message_are_treated_apart() -> None:
    stream = io.StringIO()
    logger = log.new_logger("info", "json", stream)
    logger.info("m" * 5000, output=log.Whole("y" * 5000))
    record = json.loads(stream.getvalue())
    assert record["output"] == "y" * 5000  # bounded where it comes from (the capture limit)
    assert record["msg"] == "m" * log.FIELD_LIMIT + "…[truncated: 5000 bytes]"


def test_named_numbers_are_names_in_json_as_in_logfmt() -> None:
    from autoscaler.core.reporter import BuiltinStatus
    from autoscaler.core.request import RequestType
    from autoscaler.proto.handler_pb2 import HandleResponse

    done = BuiltinStatus(HandleResponse.Status.Value("DONE"))

    line = log.format_json(NS, 20, "", [("request", RequestType.UP), ("status", done), ("n", 3)])
    record = json.loads(line)
    assert (record["request"], record["status"], record["n"]) == ("Up", "DONE", 3)
    assert "request=Up status=DONE n=3" in log.format_text(
        NS, 20, "", [("request", RequestType.UP), ("status", done), ("n", 3)]
    )
