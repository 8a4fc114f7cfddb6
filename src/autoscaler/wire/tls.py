"""The TLS context of an HTTPS server, with errors that name the file at fault.

OpenSSL's defaults are wrong for a server started by systemd or a script: an encrypted key makes
it ask `Enter PEM pass phrase:` on the terminal (or fail with `[Errno 22]` without one), and a
file that is not PEM reads `[SSL] PEM lib (_ssl.c:...)` without saying which. The password
callback here never prompts: it answers with the passphrase file's content, or refuses.
"""

from __future__ import annotations

import ssl
from pathlib import Path

PASSPHRASE_FLAG = "--tls-key-passphrase-file"


class TLSError(ValueError):
    """The certificate or key cannot be used; `str()` names the file and the reason."""


class _Encrypted(Exception):
    pass


def _reason(exc: OSError) -> str:
    return (exc.strerror or str(exc)).lower()


def read_passphrase(path: str) -> bytes:
    """The passphrase in `path`: its first line, without the line break."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise TLSError(f"{PASSPHRASE_FLAG}: open {path}: {_reason(exc)}") from None
    return data.splitlines()[0] if data else b""


def server_context(cert: str, key: str, passphrase_file: str = "") -> ssl.SSLContext:
    """A server context with `cert` and `key` loaded; raises TLSError."""
    passphrase = read_passphrase(passphrase_file) if passphrase_file else None
    asked = False

    def password() -> bytes:
        nonlocal asked
        asked = True
        if passphrase is None:
            raise _Encrypted
        return passphrase

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(cert, key, password=password)
    except _Encrypted:
        raise TLSError(
            f"{key}: the private key is encrypted; give its passphrase in a file with {PASSPHRASE_FLAG}"
        ) from None
    except ssl.SSLError as exc:
        raise TLSError(_diagnose(cert, key, exc, asked, passphrase_file)) from None
    except OSError as exc:
        name = cert if not Path(cert).is_file() else key
        raise TLSError(f"open {name}: {_reason(exc)}") from None
    return context


def _diagnose(cert: str, key: str, exc: ssl.SSLError, asked: bool, passphrase_file: str) -> str:
    try:
        ssl.create_default_context().load_verify_locations(cafile=cert)
    except ssl.SSLError:
        return f"{cert}: no PEM certificate in the file"
    if exc.reason == "KEY_VALUES_MISMATCH":
        return f"{key}: the private key does not belong to the certificate in {cert}"
    if asked:
        return f"{key}: the passphrase in {passphrase_file} does not decrypt the private key"
    return f"{key}: no PEM private key in the file"
