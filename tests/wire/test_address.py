from __future__ import annotations

import pytest

from autoscaler.wire.address import Address, AddressError, parse, split_host_port


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("unix:autoscaler-handlers-local-exec.sock", Address("unix", "autoscaler-handlers-local-exec.sock")),
        ("unix:./run/x.sock", Address("unix", "./run/x.sock")),
        ("unix:/var/run/x.sock", Address("unix", "/var/run/x.sock")),
        ("unix:///var/run/x.sock", Address("unix", "/var/run/x.sock")),
        ("unix://host/x.sock", Address("unix", "/x.sock")),
        ("unix:foo%20bar.sock", Address("unix", "foo%20bar.sock")),
        ("unix:/foo%20bar.sock", Address("unix", "/foo bar.sock")),
        ("unix:x.sock?a=1#f", Address("unix", "x.sock")),
        ("unix-abstract:foo", Address("unix", "foo", abstract=True)),
        ("unix:@foo", Address("unix", "foo", abstract=True)),
        (":8080", Address("tcp", ":8080")),
        ("localhost:8080", Address("tcp", "localhost:8080")),
        ("[::1]:8080", Address("tcp", "[::1]:8080")),
        ("0.0.0.0:80#x", Address("tcp", "0.0.0.0:80")),
        ("UNIX:x.sock", Address("tcp", "UNIX:x.sock")),
    ],
)
def test_parse_follows_upstream_table(raw: str, expected: Address) -> None:
    assert parse(raw) == expected


def test_bad_escape_names_the_address() -> None:
    with pytest.raises(
        AddressError, match=r'^ParseTarget failed: parse "unix:/x%zz": invalid URL escape "%zz"$'
    ):
        parse("unix:/x%zz")


@pytest.mark.parametrize(
    ("hostport", "message"),
    [
        ("/abs/x.sock", "address /abs/x.sock: missing port in address"),
        ("localhost", "address localhost: missing port in address"),
        ("tcp://0.0.0.0:1", "address tcp://0.0.0.0:1: too many colons in address"),
        ("[::1", "address [::1: missing ']' in address"),
    ],
)
def test_split_host_port_errors_are_gos(hostport: str, message: str) -> None:
    with pytest.raises(AddressError, match=f"^{message}$".replace("[", r"\[").replace("]", r"\]")):
        split_host_port(hostport)
