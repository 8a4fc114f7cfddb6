"""Client options and where they come from (cloud-api.md §1.1).

Three sources, merged in this order — a later non-empty value wins, a boolean once true stays
true:

1. the environment (`options_from_env`): `SAKURA[CLOUD]_ACCESS_TOKEN`, `…_SECRET`,
   `SAKURACLOUD_API_ROOT_URL`, `SAKURACLOUD_DEFAULT_ZONE`, `SAKURACLOUD_ZONES`, retries,
   timeouts, rate limit, trace, gzip, `SAKURACLOUD_FAKE_MODE`, `SAKURACLOUD_FAKE_STORE_PATH`, the
   fake's delays (`SAKURACLOUD_FAKE_DELAY` and the `…_BOOT`, `…_SHUTDOWN`, `…_DISK_COPY` apart);
2. a usacloud profile (`options_from_profile`): `~/.usacloud/<name>/config.json`, the name from
   the argument, `SAKURA_PROFILE` / `SAKURACLOUD_PROFILE` / `USACLOUD_PROFILE`, or
   `~/.usacloud/current`; the base directory from `SAKURA_PROFILE_DIR` (and its two older
   spellings) or the home directory. Skipped in strict mode;
3. the caller's own values (the Core config's `sakuracloud.token` / `secret`, its User-Agent).

`CloudOptions.from_env(...)` performs exactly that and fills the defaults. Options are a frozen
dataclass: pass them around, never mutate them (`dataclasses.replace` makes a variant).
"""

from __future__ import annotations

import math
import os
import platform
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from ..golang import jsondepth
from ..version import VERSION

DEFAULT_API_ROOT = "https://secure.sakura.ad.jp/cloud/zone"
DEFAULT_ZONE = "is1a"
DEFAULT_ZONES = ("tk1a", "tk1b", "is1a", "is1b", "is1c", "tk1v")
DEFAULT_TIMEOUT = 300
DEFAULT_RATE_LIMIT = 10
DEFAULT_RETRY_MAX = 10
DEFAULT_RETRY_WAIT_MIN = 1
DEFAULT_RETRY_WAIT_MAX = 64
DEFAULT_PROFILE = "default"
# The delay of each kind of fake transition; unset, each one is `SAKURACLOUD_FAKE_DELAY`.
FAKE_DELAY = "SAKURACLOUD_FAKE_DELAY"
FAKE_DELAY_BOOT = "SAKURACLOUD_FAKE_DELAY_BOOT"
FAKE_DELAY_SHUTDOWN = "SAKURACLOUD_FAKE_DELAY_SHUTDOWN"
FAKE_DELAY_DISK_COPY = "SAKURACLOUD_FAKE_DELAY_DISK_COPY"


class ProfileError(ValueError):
    """A usacloud profile that cannot be used (missing, unreadable, not JSON)."""


@dataclass(frozen=True)
class CloudOptions:
    """Everything the client needs; empty values mean "not set" until `with_defaults()`."""

    access_token: str = ""
    access_token_secret: str = field(default="", repr=False)
    api_root_url: str = ""
    default_zone: str = ""
    zones: tuple[str, ...] = ()
    accept_language: str = ""
    gzip: bool = False
    http_request_timeout: int = 0  # seconds
    http_request_rate_limit: int = 0  # requests per second
    retry_max: int = 0
    retry_wait_min: float = 0  # seconds
    retry_wait_max: float = 0  # seconds
    user_agent: str = ""
    trace: bool = False
    trace_only_error: bool = False
    fake_mode: bool = False
    fake_store_path: str = ""
    # Seconds a fake transition takes; < 0 = not set. `with_defaults()` fills each specific
    # delay that is not set with the general one (itself 0 when not set).
    fake_delay: float = -1.0
    fake_delay_boot: float = -1.0
    fake_delay_shutdown: float = -1.0
    fake_delay_disk_copy: float = -1.0

    @classmethod
    def from_env(
        cls,
        *,
        profile: str = "",
        token: str = "",
        secret: str = "",
        user_agent: str = "",
        strict: bool = False,
        environ: Mapping[str, str] | None = None,
    ) -> CloudOptions:
        """Environment, then the profile (unless `strict`), then the given values; defaults filled."""
        env = os.environ if environ is None else environ
        sources = [options_from_env(env)]
        if not strict:
            sources.append(options_from_profile(profile, env))
        sources.append(cls(access_token=token, access_token_secret=secret, user_agent=user_agent))
        return merge_options(*sources).with_defaults()

    def with_defaults(self) -> CloudOptions:
        """A copy with every unset value replaced by the library default."""
        general = max(self.fake_delay, 0.0)
        return replace(
            self,
            api_root_url=(self.api_root_url or DEFAULT_API_ROOT).rstrip("/"),
            default_zone=self.default_zone or DEFAULT_ZONE,
            zones=self.zones or DEFAULT_ZONES,
            http_request_timeout=self.http_request_timeout or DEFAULT_TIMEOUT,
            http_request_rate_limit=self.http_request_rate_limit or DEFAULT_RATE_LIMIT,
            retry_max=self.retry_max or DEFAULT_RETRY_MAX,
            retry_wait_min=self.retry_wait_min or DEFAULT_RETRY_WAIT_MIN,
            retry_wait_max=self.retry_wait_max or DEFAULT_RETRY_WAIT_MAX,
            user_agent=self.user_agent or default_user_agent(),
            fake_delay=general,
            fake_delay_boot=_or_delay(self.fake_delay_boot, general),
            fake_delay_shutdown=_or_delay(self.fake_delay_shutdown, general),
            fake_delay_disk_copy=_or_delay(self.fake_delay_disk_copy, general),
        )


def _or_delay(value: float, default: float) -> float:
    return value if value >= 0 else default


def default_user_agent(append: str | None = None) -> str:
    """Upstream's Core User-Agent, with `SAKURACLOUD_APPEND_USER_AGENT` appended."""
    extra = os.environ.get("SAKURACLOUD_APPEND_USER_AGENT", "") if append is None else append
    machine = platform.machine().lower()
    arch = {"x86_64": "amd64", "aarch64": "arm64", "i686": "386"}.get(machine, machine)
    home = "+https://github.com/sacloud/autoscaler"
    return f"sacloud/autoscaler/v{VERSION} ({sys.platform}/{arch}; {home}) {extra}"


def merge_options(*options: CloudOptions) -> CloudOptions:
    """Later non-empty values win; booleans once true stay true."""
    merged: dict[str, Any] = {}
    for opt in options:
        for f in fields(CloudOptions):
            value = getattr(opt, f.name)
            if isinstance(value, bool):
                merged[f.name] = merged.get(f.name, False) or value
            elif f.name.startswith("fake_delay"):
                if value >= 0:
                    merged[f.name] = value
            elif value:
                merged[f.name] = value
    return CloudOptions(**merged)


# --- the environment -------------------------------------------------------------------------


def _first(env: Mapping[str, str], *names: str) -> str:
    for name in names:
        value = env.get(name, "")
        if value:
            return value
    return ""


def _int(env: Mapping[str, str], *names: str) -> int:
    """An integer variable; an unparsable value counts as unset (as upstream)."""
    text = _first(env, *names)
    try:
        return int(text.strip()) if text else 0
    except ValueError:
        return 0


def parse_delay(text: str, name: str = FAKE_DELAY) -> float:
    """A fake delay variable (`name`): a Go duration (`500ms`, `2s`) or plain seconds (`0.5`);
    -1 when empty. A negative value counts as 0; anything else is a ValueError naming `name`."""
    text = text.strip()
    if not text:
        return -1.0
    try:
        seconds = float(text)
    except ValueError:
        from ..golang.duration import parse_duration

        try:
            seconds = parse_duration(text)
        except ValueError as exc:
            raise ValueError(f"{name}: {exc}") from None
    if not math.isfinite(seconds):
        raise ValueError(f'{name}: not a finite number of seconds: "{text}"')
    return max(seconds, 0.0)


def options_from_env(env: Mapping[str, str] | None = None) -> CloudOptions:
    env = os.environ if env is None else env
    trace = _first(env, "SAKURA_TRACE", "SAKURACLOUD_TRACE")
    zones = tuple(z.strip() for z in env.get("SAKURACLOUD_ZONES", "").split(",") if z.strip())
    return CloudOptions(
        access_token=_first(env, "SAKURA_ACCESS_TOKEN", "SAKURACLOUD_ACCESS_TOKEN"),
        access_token_secret=_first(env, "SAKURA_ACCESS_TOKEN_SECRET", "SAKURACLOUD_ACCESS_TOKEN_SECRET"),
        api_root_url=env.get("SAKURACLOUD_API_ROOT_URL", ""),
        default_zone=env.get("SAKURACLOUD_DEFAULT_ZONE", ""),
        zones=zones,
        accept_language=_first(env, "SAKURA_ACCEPT_LANGUAGE", "SAKURACLOUD_ACCEPT_LANGUAGE"),
        gzip=bool(_first(env, "SAKURA_GZIP", "SAKURACLOUD_GZIP")),
        http_request_timeout=_int(env, "SAKURA_API_REQUEST_TIMEOUT", "SAKURACLOUD_API_REQUEST_TIMEOUT"),
        http_request_rate_limit=_int(
            env, "SAKURA_API_REQUEST_RATE_LIMIT", "SAKURACLOUD_API_REQUEST_RATE_LIMIT"
        ),
        retry_max=_int(env, "SAKURA_RETRY_MAX", "SAKURACLOUD_RETRY_MAX"),
        retry_wait_min=_int(env, "SAKURA_RETRY_WAIT_MIN", "SAKURACLOUD_RETRY_WAIT_MIN"),
        retry_wait_max=_int(env, "SAKURA_RETRY_WAIT_MAX", "SAKURACLOUD_RETRY_WAIT_MAX"),
        trace=bool(trace),
        trace_only_error=trace.lower() == "error",
        fake_mode=bool(env.get("SAKURACLOUD_FAKE_MODE", "")),
        fake_store_path=env.get("SAKURACLOUD_FAKE_STORE_PATH", ""),
        fake_delay=parse_delay(env.get(FAKE_DELAY, ""), FAKE_DELAY),
        fake_delay_boot=parse_delay(env.get(FAKE_DELAY_BOOT, ""), FAKE_DELAY_BOOT),
        fake_delay_shutdown=parse_delay(env.get(FAKE_DELAY_SHUTDOWN, ""), FAKE_DELAY_SHUTDOWN),
        fake_delay_disk_copy=parse_delay(env.get(FAKE_DELAY_DISK_COPY, ""), FAKE_DELAY_DISK_COPY),
    )


# --- usacloud profiles -----------------------------------------------------------------------


def profile_base_dir(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    custom = _first(env, "SAKURA_PROFILE_DIR", "SAKURACLOUD_PROFILE_DIR", "USACLOUD_PROFILE_DIR")
    if custom:
        if os.pathsep in custom:
            raise ProfileError(f"loading ProfileDir from path[{custom}] is failed: invalid path")
        return Path(os.path.normpath(custom))
    return Path.home()


def _check_name(name: str) -> None:
    if os.sep in name or os.pathsep in name:
        raise ProfileError(f"got invalid profile name: {name}")


def current_profile_name(env: Mapping[str, str] | None = None) -> str:
    """The name in `<base>/.usacloud/current`, or `default`."""
    path = profile_base_dir(env) / ".usacloud" / "current"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return DEFAULT_PROFILE
    except OSError as exc:
        raise ProfileError(f"reading current profile is failed: {exc}") from None
    _check_name(text)
    name = text.replace("\u3000", "").replace("\t", "").replace("\n", "").strip(" ")
    return name or DEFAULT_PROFILE


def profile_path(name: str, env: Mapping[str, str] | None = None) -> Path:
    _check_name(name)
    return profile_base_dir(env) / ".usacloud" / (name or DEFAULT_PROFILE) / "config.json"


def load_profile(name: str, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The profile's JSON object; a missing `default` profile is empty, any other is an error."""
    path = profile_path(name, env)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        if (name or DEFAULT_PROFILE) == DEFAULT_PROFILE:
            return {}
        raise ProfileError(f'profile "{name}" is not exists') from None
    except OSError as exc:
        raise ProfileError(f'loading config from "{path}" is failed: {exc}') from None
    try:
        data = jsondepth.loads(raw)
    except ValueError as exc:
        raise ProfileError(f"parsing config is failed: {path}: {exc}") from None
    if not isinstance(data, dict):
        raise ProfileError(f"parsing config is failed: {path}: not a JSON object")
    # Go's encoding/json matches keys case-insensitively.
    return {str(k).lower(): v for k, v in data.items()}


def _get(data: Mapping[str, Any], key: str, kind: type) -> Any:
    value = data.get(key.lower())
    if kind is bool:
        return bool(value) if isinstance(value, bool) else False
    if kind is int:
        return value if isinstance(value, int) and not isinstance(value, bool) else 0
    if kind is list:
        return tuple(str(v) for v in value) if isinstance(value, list) else ()
    return value if isinstance(value, str) else ""


def options_from_profile(name: str = "", env: Mapping[str, str] | None = None) -> CloudOptions:
    env = os.environ if env is None else env
    if not name:
        name = _first(env, "SAKURA_PROFILE", "SAKURACLOUD_PROFILE", "USACLOUD_PROFILE")
    if not name:
        name = current_profile_name(env)
    data = load_profile(name, env)
    trace_mode = _get(data, "TraceMode", str).strip().lower()
    return CloudOptions(
        access_token=_get(data, "AccessToken", str),
        access_token_secret=_get(data, "AccessTokenSecret", str),
        api_root_url=_get(data, "APIRootURL", str),
        default_zone=_get(data, "DefaultZone", str),
        zones=_get(data, "Zones", list),
        accept_language=_get(data, "AcceptLanguage", str),
        gzip=_get(data, "Gzip", bool),
        http_request_timeout=_get(data, "HTTPRequestTimeout", int),
        http_request_rate_limit=_get(data, "HTTPRequestRateLimit", int),
        retry_max=_get(data, "RetryMax", int),
        retry_wait_min=_get(data, "RetryWaitMin", int),
        retry_wait_max=_get(data, "RetryWaitMax", int),
        trace=trace_mode not in ("", "api"),
        trace_only_error=trace_mode == "error",
        fake_mode=_get(data, "FakeMode", bool),
        fake_store_path=_get(data, "FakeStorePath", str),
    )


def default_fake_store_path(env: Mapping[str, str] | None = None) -> Path:
    """`$XDG_STATE_HOME/sacloud-autoscaler/fake-cloud.sqlite3` (else under `~/.local/state`)."""
    env = os.environ if env is None else env
    base = env.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "sacloud-autoscaler" / "fake-cloud.sqlite3"


def fake_store_path(options: CloudOptions, env: Mapping[str, str] | None = None) -> Path:
    """The fake cloud's store for these options (`~` expanded), or the per-user default."""
    if options.fake_store_path:
        return Path(os.path.expanduser(options.fake_store_path))
    return default_fake_store_path(env)
