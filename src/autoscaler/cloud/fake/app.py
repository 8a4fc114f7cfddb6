"""The fake cloud's ASGI app: the API's URLs, auth, envelopes and errors.

Requests look like the real API's: `<anything>/<zone>/api/cloud/1.1/<resource path>`, HTTP
Basic auth (any token and secret are accepted; missing credentials are not, unless the app
answers in-process for fake mode), a JSON body on
writes, a find condition as the raw query string on finds. Answers are the API's envelopes;
failures use its error envelope (`is_fatal`, `serial`, `status`, `error_code`, `error_msg`):
an unknown path is 404, a known path with another method 405, a malformed body or query 400,
an unknown zone 404, and a store that cannot be used 500 naming the file.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import traceback
from collections.abc import Awaitable, Callable, MutableMapping
from typing import TYPE_CHECKING, Any

from . import ops_network, ops_servers, ops_services, ops_storage  # noqa: F401 - they register routes
from .body import Body, parse_body
from .clock import now
from .context import ROUTES, Ctx, Reply, Request
from .errors import ApiError
from .query import Find, parse_query
from .store import GLOBAL, StoreError

if TYPE_CHECKING:
    from . import FakeCloud

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

API = re.compile(r"^(?:.*/)?(?P<zone>[^/]+)/api/cloud/1\.1/(?P<path>.*?)/?$")
MAX_BODY = 16 * 1024 * 1024


def _json(status: int, body: dict[str, Any]) -> tuple[int, bytes]:
    return status, json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def _authorized(headers: dict[bytes, bytes]) -> bool:
    value = headers.get(b"authorization", b"")
    scheme, _, encoded = value.partition(b" ")
    if scheme.lower() != b"basic":
        return False
    try:
        user, sep, _secret = base64.b64decode(encoded, validate=True).partition(b":")
    except (binascii.Error, ValueError):
        return False
    return bool(sep) and bool(user)


class FakeApp:
    """ASGI 3 application over one `FakeCloud`."""

    def __init__(self, cloud: FakeCloud, *, require_auth: bool = True) -> None:
        self.cloud = cloud
        # Served over HTTP the fake asks for credentials like the API; in fake mode (in-process)
        # it does not, as upstream's fake mode never looks at them.
        self.require_auth = require_auth
        self._zones: set[str] | None = None

    def zones(self) -> set[str]:
        if self._zones is None:
            with self.cloud.store.read() as tx:
                self._zones = {str(z.get("Name")) for z in tx.all("Zone", GLOBAL)}
        return self._zones

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        chunks = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size <= MAX_BODY:
                chunks.append(chunk)
            if not message.get("more_body"):
                break
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        if size > MAX_BODY:
            status, payload = _json(413, ApiError(413, "too_large", "request body is too large").envelope())
        else:
            status, payload = self.handle(
                scope["method"],
                scope.get("raw_path") or scope["path"].encode(),
                scope.get("query_string", b""),
                b"".join(chunks),
                headers,
            )
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json; charset=UTF-8"),
                    (b"content-length", str(len(payload)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})

    def handle(
        self, method: str, raw_path: bytes, query: bytes, body: bytes, headers: dict[bytes, bytes]
    ) -> tuple[int, bytes]:
        path = raw_path.split(b"?", 1)[0].decode("utf-8", errors="replace")
        try:
            if self.require_auth and not _authorized(headers):
                raise ApiError(
                    401, "unauthorized", "API key is required: send the token and secret with Basic auth"
                )
            reply = self.dispatch(method.upper(), path, query, body)
        except ApiError as exc:
            return _json(exc.status, exc.envelope())
        except StoreError as exc:
            return _json(500, ApiError(500, "fake_store_error", str(exc)).envelope())
        except Exception as exc:  # a bug in the fake must still answer like the API does
            detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            return _json(500, ApiError(500, "internal_server_error", f"fake cloud: {detail}").envelope())
        return _json(reply.status, reply.body)

    def dispatch(self, method: str, path: str, query: bytes, raw_body: bytes) -> Reply:
        match = API.match(path)
        if match is None:
            raise ApiError(
                404,
                "not_found",
                f"unknown API endpoint: {method} {path} (expected .../<zone>/api/cloud/1.1/...)",
            )
        zone, op = match.group("zone"), match.group("path")
        known = [(r, m) for r in ROUTES if (m := r.pattern.match(op))]
        if not known:
            raise ApiError(404, "not_found", f"unknown API endpoint: {method} {op}")
        chosen = next(((r, m) for r, m in known if r.method == method), None)
        if chosen is None:
            allowed = ", ".join(sorted({r.method for r, _ in known}))
            raise ApiError(405, "method_not_allowed", f"{method} is not allowed on {op} (allowed: {allowed})")
        route, found = chosen
        if zone not in self.zones():
            raise ApiError(
                404, "not_found", f"zone {zone!r} is not served (zones: {', '.join(sorted(self.zones()))})"
            )
        params = found.groupdict()
        body = Body(parse_body(raw_body)) if method != "GET" else Body(None)
        find = parse_query(query) if method == "GET" else Find()
        request = Request(params=params, body=body, find=find)
        store = self.cloud.store
        with store.write() if route.writes else store.read() as tx:
            ctx = Ctx(tx=tx, zone=zone, at=now(), delays=self.cloud.delays)
            return route.handler(ctx, request)
