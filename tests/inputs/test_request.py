"""The request record, its field rules (upstream's request_test cases) and Go query parsing."""

from __future__ import annotations

import pytest

from autoscaler.golang.errors import multierror
from autoscaler.inputs.request import (
    RequestError,
    ScalingRequest,
    first,
    from_query,
    parse_query,
    unknown_keys,
)

PUNCTUATION = " !\"#%$&'()*+,-./@[\\]^_{|}~"


def request(source: str = "1", resource: str = "1", kind: str = "up", desired: str = "1") -> ScalingRequest:
    return ScalingRequest(
        source=source, resource_name=resource, request_type=kind, desired_state_name=desired
    )


def test_valid_requests() -> None:
    assert request().problems() == []
    assert request(PUNCTUATION, PUNCTUATION, "up", PUNCTUATION).problems() == []
    assert request("", "", "down", "").problems() == []  # the text fields are optional


@pytest.mark.parametrize("kind", ["", "foo", "あ", "\n"])
def test_request_type_must_be_up_or_down(kind: str) -> None:
    expected = "request-type: required" if not kind else "request-type: oneof=up down"
    assert request(kind=kind).problems() == [expected]


def test_keep_is_a_type_only_where_allowed() -> None:
    assert request(kind="keep").problems() == ["request-type: oneof=up down"]
    assert request(kind="keep").problems(("up", "down", "keep")) == []


def test_text_rules_in_field_order() -> None:
    long = "x" * 1025
    assert request(source="é", resource=long, desired="\t").problems() == [
        "source: printascii",
        "resource-name: max=1024",
        "desired-state-name: printascii",
    ]
    assert request(resource="x" * 1024).problems() == []


def test_multierror_text() -> None:
    assert multierror(["a"]) == "1 error occurred:\n\t* a\n\n"
    assert multierror(["a", "b"]) == "2 errors occurred:\n\t* a\n\t* b\n\n"


def test_query_parsing_follows_go() -> None:
    query = parse_query(b"source=a+b&resource-name=%E3%81%82&x;y=1&bad=%zz&&=v&flag&source=second")
    assert query == [("source", "a b"), ("resource-name", "あ"), ("flag", ""), ("source", "second")]
    assert first(query, "source") == "a b"
    assert first(query, "missing") == ""


def test_unknown_keys_once_each_in_order() -> None:
    query = parse_query(b"resource_name=x&source=s&foo=1&resource_name=y&sync=true")
    assert unknown_keys(query, ["source"]) == [
        "invalid parameter key: resource_name",
        "invalid parameter key: foo",
        "invalid parameter key: sync",
    ]


def test_from_query_fills_defaults() -> None:
    built = from_query("up", parse_query(b"resource-name=&source=grafana"))
    assert built == ScalingRequest("grafana", "default", "up", "default", False)


def test_from_query_errors_are_multierror_texts() -> None:
    with pytest.raises(RequestError) as caught:
        from_query("down", parse_query(b"foo=1"))
    assert str(caught.value) == "1 error occurred:\n\t* invalid parameter key: foo\n\n"
    with pytest.raises(RequestError) as caught:
        from_query("down", parse_query(b"resource-name=%E3%81%82&source=" + b"x" * 1025))
    assert str(caught.value) == "2 errors occurred:\n\t* source: max=1024\n\t* resource-name: printascii\n\n"


def test_sync_only_when_allowed() -> None:
    with pytest.raises(RequestError, match="invalid parameter key: sync"):
        from_query("up", parse_query(b"sync=true"))
    assert from_query("up", parse_query(b"sync=true"), allow_sync=True).sync is True
    assert from_query("up", parse_query(b"sync=0"), allow_sync=True).sync is False
    assert from_query("up", parse_query(b""), allow_sync=True).sync is False
    with pytest.raises(RequestError, match="sync=maybe"):
        from_query("up", parse_query(b"sync=maybe"), allow_sync=True)
