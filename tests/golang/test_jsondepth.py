"""Deep JSON is a positioned error at a fixed depth, never a RecursionError (issue 12, item 3)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from autoscaler.golang import json as gojson
from autoscaler.golang.jsondepth import MAX_DEPTH, DepthError, check_depth, loads
from autoscaler.golang.jsonfield import JSONError, string_field
from autoscaler.proto import handler_pb2 as pb


def test_the_first_bracket_beyond_the_bound_is_named() -> None:
    document = '{"a":\n  ' + "[" * 1000 + "]" * 1000 + "}"
    with pytest.raises(DepthError) as err:
        check_depth(document)
    assert (err.value.line, err.value.column, err.value.offset) == (2, 3 + MAX_DEPTH - 1, 8 + MAX_DEPTH - 1)
    assert str(err.value) == f"nesting deeper than {MAX_DEPTH} levels at line 2, column {MAX_DEPTH + 2}"


def test_brackets_inside_strings_do_not_count() -> None:
    text = '["' + "[{" * 2000 + '\\"]]]", "\\\\", [1]]'
    check_depth(text, limit=2)
    assert loads(text, limit=2)[2] == [1]
    with pytest.raises(DepthError):
        check_depth('[[["\\\\"]]]', limit=2)


def test_up_to_the_bound_decodes() -> None:
    assert loads("[" * MAX_DEPTH + "]" * MAX_DEPTH) is not None


def test_request_json_of_a_thousand_levels() -> None:
    deep = '{"resource_name": ' + "[" * 1000 + "]" * 1000 + "}"
    with pytest.raises(
        gojson.GoJSONError, match=r"^invalid JSON: nesting deeper than 500 levels at line 1, column 518$"
    ):
        gojson.parse(pb.HandleRequest, deep)


def test_webhook_body_of_a_thousand_levels_keeps_gos_words() -> None:
    with pytest.raises(
        JSONError, match=r"^exceeded max depth: nesting deeper than 500 levels at line 1, column 506$"
    ):
        string_field(b'{"a": ' + b"[" * 1000 + b"]" * 1000 + b"}", "state", "grafana.body")


def test_handlers_call_with_a_deep_request_file(tmp_path: Path) -> None:
    request = tmp_path / "request.json"
    request.write_text("[" * 1000 + "]" * 1000)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "autoscaler",
            "handlers",
            "call",
            "--endpoint",
            f"unix:{tmp_path}/none.sock",
            "--step",
            "handle",
            "--request",
            str(request),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert (
        result.stderr
        == "Error: invalid request: invalid JSON: nesting deeper than 500 levels at line 1, column 501\n"
    )


def test_the_fake_clouds_request_body_and_the_profile_are_bounded_too(tmp_path: Path) -> None:
    from autoscaler.cloud.config import ProfileError, load_profile
    from autoscaler.cloud.fake.body import parse_body

    with pytest.raises(Exception, match="request body is not valid JSON: nesting deeper than 500 levels"):
        parse_body(b"[" * 1000 + b"]" * 1000)
    profile = tmp_path / ".usacloud" / "deep" / "config.json"
    profile.parent.mkdir(parents=True)
    profile.write_text("[" * 1000 + "]" * 1000)
    with pytest.raises(ProfileError, match="nesting deeper than 500 levels at line 1, column 501"):
        load_profile("deep", {"HOME": str(tmp_path), "USACLOUD_PROFILE_DIR": str(tmp_path)})
