"""Listen and dial addresses in upstream's syntax, mapped onto gRPC targets.

Accepted forms: `unix:PATH` (relative or absolute, also `unix:///abs`), `unix:@NAME` and
`unix-abstract:NAME` (Linux abstract sockets), `host:port`, `:port`, `[v6]:port`.
The parsing follows upstream (a URL parse after prefixing `tcp:` to anything that is not a unix
form); its error texts are Go's, because users and scripts see them.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit


class AddressError(ValueError):
    """An address that cannot be listened on or dialled; the text is what the user sees."""


@dataclass(frozen=True)
class Address:
    """A parsed address: `network` is "unix" or "tcp"; `abstract` marks a Linux abstract socket."""

    network: str
    endpoint: str
    abstract: bool = False

    @property
    def is_unix_file(self) -> bool:
        return self.network == "unix" and not self.abstract

    def grpc_target(self) -> str:
        """The target string grpc's core understands, for binding or dialling."""
        if self.network == "unix":
            if self.abstract:
                return f"unix-abstract:{self.endpoint}"
            if self.endpoint.startswith("/"):
                return f"unix://{self.endpoint}"
            return f"unix:{self.endpoint}"
        return self.endpoint

    def display(self) -> str:
        """How log lines and errors show the address: a unix socket file by its absolute path
        (upstream shows the path as given; a relative one is resolved in each process's own
        working directory, the usual reason two processes miss each other)."""
        if self.network == "unix":
            return f"@{self.endpoint}" if self.abstract else os.path.abspath(self.endpoint)
        return self.endpoint


def _url_error(raw: str, reason: str) -> AddressError:
    return AddressError(f'ParseTarget failed: parse "{raw}": {reason}')


def _check_escapes(raw: str, text: str) -> None:
    i = 0
    while True:
        i = text.find("%", i)
        if i < 0:
            return
        code = text[i + 1 : i + 3]
        if len(code) < 2 or any(c not in "0123456789abcdefABCDEF" for c in code):
            raise _url_error(raw, f'invalid URL escape "{text[i : i + 3]}"')
        i += 3


def parse(raw: str) -> Address:
    """Parse an `--addr`/`--dest`/endpoint value as upstream's grpcutil does."""
    if raw.startswith(("unix:", "unix-abstract:")):
        scheme, rest = raw.split(":", 1)
    else:
        scheme, rest = "tcp", raw
    rest = rest.split("#", 1)[0]
    if rest.startswith("//"):
        # An authority part (`unix://host/x.sock`) is dropped, as Go's URL parser does.
        parts = urlsplit(f"{scheme}:{rest}")
        _check_escapes(raw, parts.path)
        endpoint = unquote(parts.path)
    else:
        opaque = rest.split("?", 1)[0]
        if opaque.startswith("/"):
            _check_escapes(raw, opaque)
            endpoint = unquote(opaque)
        else:
            endpoint = opaque
    if scheme == "unix-abstract":
        return Address("unix", endpoint, abstract=True)
    if scheme == "unix":
        if endpoint.startswith("@"):
            return Address("unix", endpoint[1:], abstract=True)
        return Address("unix", endpoint)
    return Address("tcp", endpoint)


def split_host_port(hostport: str) -> tuple[str, str]:
    """Go's net.SplitHostPort, with its error texts."""

    def err(reason: str) -> AddressError:
        return AddressError(f"address {hostport}: {reason}")

    if hostport.startswith("["):
        end = hostport.find("]")
        if end < 0:
            raise err("missing ']' in address")
        host, after = hostport[1:end], hostport[end + 1 :]
        if not after:
            raise err("missing port in address")
        if not after.startswith(":"):
            raise err("missing port in address" if "]" not in after else "unexpected ']' in address")
        port = after[1:]
        if ":" in port:
            raise err("too many colons in address")
        return host, port
    colon = hostport.rfind(":")
    if colon < 0:
        raise err("missing port in address")
    host, port = hostport[:colon], hostport[colon + 1 :]
    if ":" in host:
        raise err("too many colons in address")
    if "[" in host or "]" in host:
        raise err("unexpected '[' in address")
    return host, port


def resolve_tcp(endpoint: str) -> tuple[str, int]:
    """Resolve a TCP `host:port` to a bindable (ip, port) the way Go's net.Listen would.

    An empty host means all interfaces (dual stack); a name resolves to its first address.
    """
    try:
        host, port_text = split_host_port(endpoint)
    except AddressError as exc:
        raise AddressError(f"listen tcp: {exc}") from None
    try:
        port = int(port_text) if port_text else 0
        if not 0 <= port <= 65535:
            raise ValueError
    except ValueError:
        try:
            port = socket.getservbyname(port_text, "tcp")
        except OSError:
            raise AddressError(f"listen tcp: lookup tcp/{port_text}: unknown port") from None
    if not host:
        return "::", port
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise AddressError(f"listen tcp: lookup {host}: {exc.strerror}") from None
    # Go prefers IPv4 for names that resolve to both.
    infos.sort(key=lambda info: 0 if info[0] == socket.AF_INET else 1)
    return str(infos[0][4][0]), port


def host_port(ip: str, port: int) -> str:
    """`ip:port`, IPv6 in brackets, as Go prints listener addresses."""
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


def is_loopback(ip: str) -> bool:
    """True for an address only this host can reach (127.0.0.0/8, ::1, and ::ffff:127.x)."""
    import ipaddress

    try:
        address = ipaddress.ip_address(ip.split("%", 1)[0])
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return bool(address.is_loopback or (mapped is not None and mapped.is_loopback))
