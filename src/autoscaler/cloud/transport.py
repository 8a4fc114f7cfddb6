"""One HTTP exchange with the API: URL, auth, headers, retries, rate limit, errors (cloud-api.md §1.2).

`Caller.request(method, zone, path, body=..., query=...)` is the only place that touches HTTP.
Its transport is an `httpx.AsyncBaseTransport`: the network for the real API, or the fake
cloud's ASGI app in-process (`httpx.ASGITransport`), so every test runs this same code.

- URL = `<root>/<zone>/api/cloud/1.1/<path>`; a find's condition is appended after `?` as
  compact JSON (httpx escapes quotes and braces but keeps the `%XX` already in the values);
- Basic auth (token:secret), `X-Requested-With`, `X-Sakura-Bigint-As-Int: 1`, User-Agent,
  Accept-Language when configured; a JSON body on non-GET requests with parameters
  (DELETE included);
- 423 and 503 answers and connection failures are retried `retry_max` times, waiting
  `min(retry_wait_min × 2^attempt, retry_wait_max)` (or a 503's `Retry-After`);
- at most `http_request_rate_limit` requests per second (a leaky bucket that tolerates a short
  burst after idling, like upstream's limiter);
- any status other than 200/201/202/204 raises `CloudError` from the error envelope.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from .. import telemetry
from .conditions import FindCondition
from .config import CloudOptions
from .errors import CloudClientError, CloudConnectionError, CloudError

SUCCESS = frozenset({200, 201, 202, 204})
RETRY_STATUSES = frozenset({423, 503})
API_PATH = "api/cloud/1.1"


class RateLimiter:
    """Space requests 1/rate seconds apart, allowing up to `slack` saved-up slots."""

    def __init__(
        self,
        per_second: int,
        slack: int = 10,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.interval = 1.0 / per_second if per_second > 0 else 0.0
        self.slack = slack * self.interval
        self.clock = clock
        self.sleep = sleep
        self._last: float | None = None  # when the previous request was allowed to go

    def reserve(self) -> float:
        """Book the next slot; how long to wait for it."""
        if self.interval <= 0:
            return 0.0
        now = self.clock()
        # Idle time earns at most `slack` worth of immediate requests.
        slot = now if self._last is None else max(self._last + self.interval, now - self.slack)
        self._last = slot
        return max(slot - now, 0.0)

    async def take(self) -> None:
        wait = self.reserve()
        if wait > 0:
            await self.sleep(wait)


class Caller:
    """Sends requests for one set of options over one transport."""

    def __init__(
        self,
        options: CloudOptions,
        transport: httpx.AsyncBaseTransport | None = None,
        *,
        rate_limit: bool = True,
    ) -> None:
        self.options = options
        self.root = options.api_root_url.rstrip("/")
        self.host = httpx.URL(self.root).host
        headers = {
            "X-Requested-With": "XMLHttpRequest",
            "X-Sakura-Bigint-As-Int": "1",
            # Upstream's UA ends in a space when nothing is appended; HTTP forbids it at the end.
            "User-Agent": options.user_agent.strip(),
        }
        if options.accept_language:
            headers["Accept-Language"] = options.accept_language
        if options.gzip:
            headers["Accept-Encoding"] = "gzip"
        self.http = httpx.AsyncClient(
            transport=transport,
            auth=httpx.BasicAuth(options.access_token, options.access_token_secret),
            headers=headers,
            timeout=float(options.http_request_timeout),
        )
        # Off only where nothing needs protecting from a flood (`open_client` decides: the fake in-process).
        self.limiter = RateLimiter(options.http_request_rate_limit if rate_limit else 0)
        # Upstream serialises every power request of the process; one client per process here.
        self.power_lock = asyncio.Lock()
        # Told (what failed, seconds until the next attempt) before each retry, so that a long
        # backoff against an unreachable or busy API is visible in the caller's log.
        self.on_retry: Callable[[str, float], None] | None = None

    def url(self, zone: str, path: str) -> str:
        return f"{self.root}/{zone}/{API_PATH}/{path}"

    async def aclose(self) -> None:
        await self.http.aclose()

    async def request(
        self,
        method: str,
        zone: str,
        path: str,
        *,
        body: Any = None,
        query: FindCondition | None = None,
    ) -> dict[str, Any]:
        """Send one API request; the decoded JSON object of a success (`{}` when empty).

        With tracing on, each request (its retries included) is a client span named by its
        route template (`GET /server/{id}`), never by the IDs in it."""
        url = self.url(zone, path)
        if query is not None:
            url = f"{url}?{query.query()}"
        content = None
        headers = {}
        if body is not None:
            content = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
            headers["Content-Type"] = "application/json"
        template = route_template(path)
        attributes = {
            "http.request.method": method,
            "url.template": template,
            "server.address": self.host,
            "sacloud.api.arguments.zone": zone,
        }
        with telemetry.span(f"{method} {template}", attributes, kind="client") as span:
            response = await self._send(method, url, content, headers, span)
            span.set("http.response.status_code", response.status_code)
            if response.status_code not in SUCCESS:
                span.fail(f"HTTP {response.status_code}")
        text = response.content
        if response.status_code not in SUCCESS:
            raise _api_error(method, url, response.status_code, text)
        if not text.strip():
            return {}
        try:
            data = json.loads(text)
        except ValueError:
            raise CloudClientError(f"{method} {url}: response is not JSON: {_clip(text)}") from None
        if not isinstance(data, dict):
            raise CloudClientError(f"{method} {url}: response is not a JSON object: {_clip(text)}")
        return data

    async def _send(
        self,
        method: str,
        url: str,
        content: bytes | None,
        headers: dict[str, str],
        span: telemetry.SpanNote = telemetry.NO_SPAN,
    ) -> httpx.Response:
        opts = self.options
        attempt = 0
        while True:
            if attempt:
                span.set("http.request.resend_count", attempt)
            await self.limiter.take()
            try:
                response = await self.http.request(method, url, content=content, headers=headers)
            except httpx.TransportError as exc:
                if attempt >= opts.retry_max or not _retryable(exc):
                    raise CloudConnectionError(
                        f"{method} {url}: {type(exc).__name__}: {exc}"
                        + (f" (after {attempt} retries)" if attempt else "")
                    ) from exc
                await self._wait_retry(f"{method} {url}: {type(exc).__name__}: {exc}", attempt, None)
                attempt += 1
                continue
            self._trace(method, url, content, response)
            if response.status_code in RETRY_STATUSES and attempt < opts.retry_max:
                await self._wait_retry(f"{method} {url}: {response.status_code}", attempt, response)
                attempt += 1
                continue
            return response

    async def _wait_retry(self, failure: str, attempt: int, response: httpx.Response | None) -> None:
        wait = self._backoff(attempt, response)
        if self.on_retry is not None:
            self.on_retry(failure, wait)
        await asyncio.sleep(wait)

    def _backoff(self, attempt: int, response: httpx.Response | None) -> float:
        if response is not None and response.status_code in (429, 503):
            after = response.headers.get("Retry-After", "")
            if after.isdigit():
                return float(after)
        low, high = self.options.retry_wait_min, self.options.retry_wait_max
        return float(min(low * (2**attempt), high))

    def _trace(self, method: str, url: str, content: bytes | None, response: httpx.Response) -> None:
        opts = self.options
        if not opts.trace or (opts.trace_only_error and response.status_code in SUCCESS):
            return
        body = (content or b"").decode(errors="replace")
        print(
            f"[TRACE] {method} {url}\n{body}\n[TRACE] {response.status_code}\n"
            f"{response.content.decode(errors='replace')}",
            file=sys.stderr,
        )


def route_template(path: str) -> str:
    """The API path with its resource IDs replaced: `server/113300000001/power` -> `/server/{id}/power`."""
    return "/" + "/".join("{id}" if part.isdigit() else part for part in path.split("/"))


def _retryable(exc: httpx.TransportError) -> bool:
    # Malformed URLs and unsupported schemes will fail the same way again.
    return not isinstance(exc, httpx.UnsupportedProtocol | httpx.LocalProtocolError)


def _clip(raw: bytes, limit: int = 300) -> str:
    text = raw.decode(errors="replace")
    return text if len(text) <= limit else text[:limit] + "…"


def _api_error(method: str, url: str, status: int, raw: bytes) -> CloudError:
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return CloudError(status, method=method, url=url, raw=raw.decode(errors="replace"))
    return CloudError.from_envelope(status, body, method, url)
