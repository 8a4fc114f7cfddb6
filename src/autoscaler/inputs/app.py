"""The HTTP server every webhook input shares: routes, the request pipeline, start and stop.

Routes (exact paths, any method, as Go's ServeMux): `/up`, `/down` (and `/keep` with
`--enable-keep`) run the pipeline; `/healthz` answers `ok`; anything else is Go's
`404 page not found`. The pipeline for one webhook:

1. log `webhook received`; with a token configured, refuse (401) a request without it;
2. read the body, at most 64 KiB (more: 400 `http: request body too large`); DEBUG-log a dump;
3. check the query keys and values (400 with the multi-error text) — before the input decides,
   so a bad URL never runs a webhook executable;
4. ask the input (400 with its error; "no": 200 `{"message":"ignored"}`);
5. send the request to the Core (any failure: ERROR log, 500 with an empty body);
6. 200 with `{"id":..., "status":..., "message":...}`.
Each response of step 1–6 is counted under upstream's metric names.
"""

from __future__ import annotations

import asyncio
import hmac
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus

from starlette.responses import Response
from starlette.routing import Route, Router
from starlette.types import Receive, Scope, Send

from ..log import LEVELS, Logger, Whole, secret_pattern
from ..proto import request_pb2
from ..wire.http_limits import HttpLimits
from .contract import Input, InputError
from .forward import CoreClient, ForwardError, status_name
from .metrics import WebhookMetrics
from .request import TOKEN_KEY, Query, RequestError, ScalingRequest, first, from_query, parse_query

BODY_LIMIT = 64 * 1024
DEFAULT_ADDRESS = ":8080"
DEFAULT_SHUTDOWN_GRACE = 60.0
IDLE_TIMEOUT = 120.0
# How long cut-off requests get to kill their executables and answer before uvicorn cancels them.
CUT_OFF_ALLOWANCE = 10.0


_TEXT = "text/plain; charset=utf-8"
_JSON = "application/json"
_IGNORED = b'{"message":"ignored"}'


@dataclass(frozen=True)
class InputsServerConfig:
    """Everything a webhook server is started with; defaults are upstream's behaviour."""

    address: str = DEFAULT_ADDRESS
    dest: str = ""  # Core address; "" = search the default socket candidates per request
    token: str = ""  # shared secret required on /up, /down, /keep ("" = none, as upstream)
    enable_keep: bool = False  # serve /keep
    enable_sync: bool = False  # honour the `sync` query parameter
    tls_cert: str = ""
    tls_key: str = ""
    tls_key_passphrase_file: str = ""  # the passphrase of an encrypted --tls-key
    shutdown_grace: float = DEFAULT_SHUTDOWN_GRACE
    exporter_address: str | None = None  # None: no exporter
    body_limit: int = BODY_LIMIT
    limits: HttpLimits = field(default_factory=HttpLimits)  # header/body deadlines, connection cap

    @property
    def routes(self) -> tuple[str, ...]:
        return ("up", "down", "keep") if self.enable_keep else ("up", "down")


class _TooLarge(Exception):
    pass


class _Incomplete(Exception):
    """The connection closed before the body ended (the client left, or missed --body-timeout)."""


async def read_body(scope: Scope, receive: Receive, limit: int) -> bytes:
    """The whole body; _TooLarge as soon as it exceeds `limit` bytes, _Incomplete if cut short."""
    for name, value in scope["headers"]:
        if name == b"content-length" and value.isdigit() and int(value) > limit:
            raise _TooLarge
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _Incomplete  # never act on part of a body
        body += message.get("body", b"")
        if len(body) > limit:
            raise _TooLarge
        if not message.get("more_body", False):
            break
    return bytes(body)


def _canonical_header(name: bytes) -> str:
    return "-".join(part[:1].upper() + part[1:].lower() for part in name.decode("latin-1").split("-"))


def _redact_query(query: bytes) -> bytes:
    """The query with the value of every `token` parameter replaced, however it is encoded."""
    pairs = []
    for pair in query.split(b"&"):
        key, eq, _value = pair.partition(b"=")
        if eq and unquote_plus(key.decode("latin-1")) == TOKEN_KEY:
            pair = key + b"=[redacted]"
        pairs.append(pair)
    return b"&".join(pairs)


def dump_request(scope: Scope, body: bytes, redact: str = "") -> str:
    """The request as Go's httputil.DumpRequest shows it (request line, Host, headers, body).

    With `redact` (the token): the `token` query parameter and the credentials of the
    Authorization header are replaced, and so is the secret wherever else it appears, verbatim
    or percent-encoded."""
    target = scope.get("raw_path") or scope["path"].encode()
    if scope.get("query_string"):
        query = scope["query_string"]
        target += b"?" + (_redact_query(query) if redact else query)
    lines = [f"{scope['method']} {target.decode('latin-1')} HTTP/{scope.get('http_version', '1.1')}"]
    headers = [(_canonical_header(k), v.decode("latin-1")) for k, v in scope["headers"]]
    if redact:
        headers = [(k, _redact_credentials(v) if k == "Authorization" else v) for k, v in headers]
    host = next((v for k, v in headers if k == "Host"), "")
    lines.append(f"Host: {host}")
    excluded = ("Host", "Transfer-Encoding", "Trailer")
    lines += [f"{k}: {v}" for k, v in sorted(headers, key=lambda h: h[0]) if k not in excluded]
    text = "\r\n".join(lines) + "\r\n\r\n" + body.decode("utf-8", "replace")
    return secret_pattern(redact).sub("[redacted]", text) if redact else text


def _redact_credentials(value: str) -> str:
    scheme, space, _credentials = value.strip().partition(" ")
    return f"{scheme} [redacted]" if space else "[redacted]"


def success_body(response: request_pb2.ScalingResponse) -> bytes:
    """Upstream's reply layout (a space after each comma), with the values JSON-escaped."""

    def q(text: str) -> str:
        return json.dumps(text, ensure_ascii=False)

    return (
        f'{{"id":{q(response.scaling_job_id)}, "status":{q(status_name(response.status))}, '
        f'"message":{q(response.message)}}}'
    ).encode()


class WebhookApp:
    """The ASGI application of one input. Use `app` as the ASGI callable."""

    def __init__(
        self,
        input_: Input,
        options: InputsServerConfig,
        logger: Logger,
        metrics: WebhookMetrics,
        client: CoreClient | None = None,
    ) -> None:
        self.input = input_
        self.options = options
        self.logger = logger
        self.metrics = metrics
        self.client = client or CoreClient(options.dest, on_rpc_error=metrics.grpc_errors.inc)
        if options.token:
            logger.sink.add_secret(options.token)  # out of every line, at every level
        self._debug = logger.enabled(LEVELS["debug"])
        self._extra_keys = (TOKEN_KEY,) if options.token else ()
        self._authorization = f"Bearer {options.token}".encode() if options.token else b""
        routes = [Route(f"/{name}", _Endpoint(self, name)) for name in options.routes]
        routes.append(Route("/healthz", _healthz))
        self.app = Router(routes, redirect_slashes=False, default=_not_found)
        self._in_flight: set[asyncio.Task[Any]] = set()
        self._cutting_off = False

    async def handle(self, route: str, scope: Scope, receive: Receive, send: Send) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._in_flight.add(task)
        try:
            try:
                response = await self._pipeline(route, scope, receive)
            except asyncio.CancelledError:
                if not self._cutting_off:
                    raise
                # Our own cut-off at the end of the grace period: answer like any failure.
                task.uncancel()
                self.logger.warn("webhook cut off: shutdown grace period exceeded")
                response = Response(b"", 500)
            except Exception as exc:  # an unexpected failure still gets an answer and a log line
                self.logger.error("webhook failed", error=f"{type(exc).__name__}: {exc}")
                response = Response(b"", 500)
            self.metrics.count(route, response.status_code)
            await response(scope, receive, send)
        finally:
            self._in_flight.discard(task)

    async def cut_off(self) -> None:
        """Stop the requests still running (their executables are killed) and let them answer 500."""
        self._cutting_off = True
        running = list(self._in_flight)
        for task in running:
            task.cancel()
        if running:
            await asyncio.wait(running)

    async def _pipeline(self, route: str, scope: Scope, receive: Receive) -> Response:
        self.logger.info("webhook received")
        query = parse_query(scope["query_string"])
        if self.options.token and not self._authorized(scope, query):
            return self._reject(401, "missing or wrong token", remote=_client(scope))
        try:
            body = await read_body(scope, receive, self.options.body_limit)
        except _TooLarge:
            return self._reject(400, "http: request body too large")
        except _Incomplete:
            # Nobody is left to answer; the HTTP server's rate-limited warning counts slow clients.
            self.logger.debug("webhook abandoned: the connection closed before the body ended")
            return Response(b"", 400)
        if self._debug:
            self.logger.debug("", request=Whole(dump_request(scope, body, self.options.token)))
        try:
            request = from_query(
                route,
                query,
                allow_sync=self.options.enable_sync,
                extra_keys=self._extra_keys,
                request_types=self.options.routes,
            )
        except RequestError as exc:
            return self._reject(400, str(exc))
        try:
            accepted = await self.input.should_accept(scope["method"], body)
        except InputError as exc:
            if exc.output:  # what a failed executable printed: for the log only
                return self._reject(400, str(exc), output=Whole(exc.output.decode("utf-8", "replace")))
            return self._reject(400, str(exc))
        if not accepted:
            self.logger.info("webhook ignored")
            return Response(_IGNORED, 200, media_type=_JSON)
        return await self._forward(request)

    async def _forward(self, request: ScalingRequest) -> Response:
        self.logger.info("sending request to the Core server", ("request-type", request.request_type))
        try:
            response = await self.client.send(request)
        except ForwardError as exc:
            self.logger.error(str(exc))
            return Response(b"", 500)
        self.logger.info(
            "webhook handled",
            ("status", status_name(response.status)),
            ("job-id", response.scaling_job_id),
            ("job-message", response.message),
        )
        return Response(success_body(response), 200, media_type=_JSON)

    def _authorized(self, scope: Scope, query: Query) -> bool:
        given = next((v for k, v in scope["headers"] if k == b"authorization"), b"")
        if given:
            scheme, _, credentials = given.partition(b" ")
            given = b"Bearer " + credentials.strip() if scheme.lower() == b"bearer" else given
            return hmac.compare_digest(given, self._authorization)
        token = first(query, TOKEN_KEY).encode("utf-8", "surrogateescape")
        return bool(token) and hmac.compare_digest(token, self.options.token.encode())

    def _reject(self, status: int, text: str, **attrs: Any) -> Response:
        # `status` is a string here as on `webhook handled`: one JSON type per log key.
        self.logger.warn("webhook rejected", status=str(status), error=text, **attrs)
        headers = {"WWW-Authenticate": 'Bearer realm="autoscaler"'} if status == 401 else None
        return Response(text.encode(), status, headers=headers, media_type=_TEXT)


class _Endpoint:
    """An ASGI endpoint, so that Route accepts every method (as Go's ServeMux does)."""

    def __init__(self, app: WebhookApp, route: str) -> None:
        self.app = app
        self.route = route

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app.handle(self.route, scope, receive, send)


def _client(scope: Scope) -> str:
    client = scope.get("client")
    return f"{client[0]}:{client[1]}" if client else ""


class _Healthz:
    """`ok` for any method and query; not logged, not counted."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await Response(b"ok", 200, media_type=_TEXT)(scope, receive, send)


_healthz = _Healthz()


async def _not_found(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] != "http":
        return
    response = Response(
        b"404 page not found\n", 404, headers={"X-Content-Type-Options": "nosniff"}, media_type=_TEXT
    )
    await response(scope, receive, send)
