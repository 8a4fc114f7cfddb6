"""Reading `state`/`status` as Go's encoding/json reads them: matches, types, error texts."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autoscaler.golang.jsonfield import JSONError, string_field

GO_TYPE = "grafana.grafanaWebhookBody"


def state(body: bytes | str) -> str:
    return string_field(body.encode() if isinstance(body, str) else body, "state", GO_TYPE)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('{"state":"alerting"}', "alerting"),
        ('{"STATE":"alerting"}', "alerting"),
        ('{"State":"ok"}', "ok"),
        ('{"\u017ftate":"alerting"}', "alerting"),  # Go folds the long s to s
        ('{"st\\u0061te":"alerting"}', "alerting"),
        ('{"state":"alerting","STATE":"ok"}', "ok"),  # the last match wins
        ('{"state":"alerting","state":null}', "alerting"),  # null keeps the earlier value
        ('{"other":1,"nested":{"state":"alerting"}}', ""),
        ('{"\ufb06ate":"alerting"}', ""),  # full case folding (ﬆ -> st) is not Go's
        ("null", ""),
        ("  {}  ", ""),
    ],
)
def test_decoding(body: str, expected: str) -> None:
    assert state(body) == expected


@pytest.mark.parametrize(
    ("body", "text"),
    [
        (b"", "unexpected end of JSON input"),
        (b"   ", "unexpected end of JSON input"),
        (b'{"state":"alerting"', "unexpected end of JSON input"),
        (b"x", "invalid character 'x' looking for beginning of value"),
        (b'{"state":"alerting"}x', "invalid character 'x' after top-level value"),
        (b"[]", f"json: cannot unmarshal array into Go value of type {GO_TYPE}"),
        (b'"alerting"', f"json: cannot unmarshal string into Go value of type {GO_TYPE}"),
        (b"1", f"json: cannot unmarshal number into Go value of type {GO_TYPE}"),
        (b"true", f"json: cannot unmarshal bool into Go value of type {GO_TYPE}"),
        (
            b'{"state":1}',
            "json: cannot unmarshal number into Go struct field grafanaWebhookBody.state of type string",
        ),
        (
            b'{"State":{},"state":"alerting"}',
            "json: cannot unmarshal object into Go struct field grafanaWebhookBody.state of type string",
        ),
        (b'{"a" 1}', "invalid character '1' after object key"),
        (b'{"a":1 "b":2}', "invalid character '\"' after object key:value pair"),
        (b"[1 2]", "invalid character '2' after array element"),
        (b"{'a':1}", "invalid character '\\'' looking for beginning of object key string"),
        (b'"a\nb"', "invalid character '\\n' in string literal"),
        (b'{"a":"\\q"}', "invalid character 'q' in string escape code"),
        (b"NaN", "invalid character 'N' looking for beginning of value"),
        ("あ".encode(), "invalid character 'ã' looking for beginning of value"),  # Go reports bytes
    ],
)
def test_go_error_texts(body: bytes, text: str) -> None:
    with pytest.raises(JSONError) as caught:
        state(body)
    assert str(caught.value) == text


_KEYS = st.sampled_from(["state", "STATE", "State", "sTaTe", "states", "status"]) | st.text(
    st.characters(max_codepoint=127), max_size=6
)


@given(st.dictionaries(_KEYS, st.text(max_size=8) | st.none(), max_size=6))
def test_agrees_with_a_plain_decoder_when_keys_are_distinct(obj: dict[str, str | None]) -> None:
    # With distinct ASCII keys, Go's rule is "the last non-null value of a key equal to `state`
    # ignoring case", which a plain decoder can compute.
    matches = [v for k, v in obj.items() if k.lower() == "state" and v is not None]
    expected = matches[-1] if matches else ""
    assert state(json.dumps(obj)) == expected
