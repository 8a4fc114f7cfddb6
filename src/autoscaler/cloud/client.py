"""`CloudClient`: one typed entry point per resource family, over one `Caller`.

    options = CloudOptions.from_env(profile=cfg.profile, token=cfg.token, secret=cfg.secret)
    async with open_client(options) as client:
        servers = await client.servers.find("is1a", by_names("web"))
        elb = await client.elb.read(elb_id)

`open_client(options)` gives a client for the real API, or — when `options.fake_mode` is set
(`SAKURACLOUD_FAKE_MODE`) — one whose transport is the fake cloud's ASGI app in-process, on the
store `SAKURACLOUD_FAKE_STORE_PATH` (or the per-user default). The code path is the same in
both cases: every request is built, sent and parsed as HTTP.

`open_client` decides once what depends on the kind of cloud, and the client only carries it:
`client.timings` (the wait/poll intervals `cloud.power` uses and the setup grace cap the builtin
scalers honour: upstream's real values, or short ones in fake mode) and whether requests are
rate-limited (not against the in-process fake). Nothing above the client asks whether the cloud
is fake.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from types import TracebackType

import httpx

from .config import DEFAULT_API_ROOT, CloudOptions
from .ops.appliances import LoadBalancerOps
from .ops.catalog import ArchiveOps, AuthStatusOps, CDROMOps, IconOps, NoteOps, PrivateHostOps
from .ops.disks import DiskOps
from .ops.network import InterfaceOps, InternetOps, InternetPlanOps, PacketFilterOps, SwitchOps
from .ops.servers import ServerOps, ServerPlanOps
from .ops.services import DNSOps, GSLBOps, ProxyLBOps
from .transport import Caller

FAKE_API_ROOT = "http://fake-cloud.invalid/cloud/zone"


@dataclass(frozen=True)
class Timings:
    """Intervals and timeouts (seconds) of the power and readiness helpers (§3.6)."""

    poll_interval: float = 5.0
    poll_timeout: float = 60 * 60.0  # Core's override of the library default
    power_retry_interval: float = 20.0  # between first power requests answered "still creating"
    power_retry_timeout: float = 30 * 60.0
    power_rerequest_interval: float = 20.0  # between repeated boot/shutdown requests while waiting
    # The longest a setup grace period lasts (None: as long as the definition asks), and what to
    # call that limit in the RUNNING message when it cuts a wait short.
    setup_grace_cap: float | None = None
    setup_grace_cap_reason: str = "capped"

    def setup_grace(self, seconds: int) -> float:
        """How long a setup grace period of `seconds` really lasts."""
        if self.setup_grace_cap is None:
            return float(seconds)
        return min(float(seconds), max(self.setup_grace_cap, 0.0))


REAL_TIMINGS = Timings()
FAKE_TIMINGS = Timings(
    poll_interval=0.01,
    poll_timeout=60 * 60.0,
    power_retry_interval=0.01,
    power_retry_timeout=1.0,
    power_rerequest_interval=0.01,
    setup_grace_cap_reason="fake cloud",
)


def fake_timings(options: CloudOptions) -> Timings:
    """The fake's timings: short waits, and a setup grace period no longer than the fake's boot
    delay (`SAKURACLOUD_FAKE_DELAY_BOOT`, by default `SAKURACLOUD_FAKE_DELAY`): a fake server has
    no software to set up, the time it takes to come up stands for it.

    Waits poll about ten times per transition (the shortest non-zero delay / 10, at least
    10 ms), the proportion upstream's 5 s interval has to a real boot: polling much faster only
    spends the request rate limit that several members of one job share.
    """
    full = options.with_defaults()
    delays = [d for d in (full.fake_delay_boot, full.fake_delay_shutdown, full.fake_delay_disk_copy) if d > 0]
    poll = max(FAKE_TIMINGS.poll_interval, min(delays) / 10) if delays else FAKE_TIMINGS.poll_interval
    return replace(FAKE_TIMINGS, setup_grace_cap=full.fake_delay_boot, poll_interval=min(poll, 5.0))


class CloudClient:
    """The SAKURA Cloud IaaS API, one attribute per resource family.

    Built by `open_client`, which picks `timings` and `rate_limit` for the kind of cloud; built
    directly, it has upstream's real timings and rate limit unless told otherwise.
    """

    def __init__(
        self,
        options: CloudOptions,
        transport: httpx.AsyncBaseTransport | None = None,
        *,
        timings: Timings = REAL_TIMINGS,
        rate_limit: bool = True,
    ) -> None:
        self.options = options
        self.zones = options.zones
        self.default_zone = options.default_zone
        self.timings = timings
        self.caller = Caller(options, transport, rate_limit=rate_limit)
        z = options.default_zone
        c = self.caller
        self.auth_status = AuthStatusOps(c, z)
        self.servers = ServerOps(c, z)
        self.server_plans = ServerPlanOps(c, z)
        self.disks = DiskOps(c, z)
        self.interfaces = InterfaceOps(c, z)
        self.switches = SwitchOps(c, z)
        self.packet_filters = PacketFilterOps(c, z)
        self.archives = ArchiveOps(c, z)
        self.cdroms = CDROMOps(c, z)
        self.private_hosts = PrivateHostOps(c, z)
        self.icons = IconOps(c, z)
        self.notes = NoteOps(c, z)
        self.elb = ProxyLBOps(c, z)
        self.gslb = GSLBOps(c, z)
        self.dns = DNSOps(c, z)
        self.internet = InternetOps(c, z)
        self.routers = self.internet
        self.internet_plans = InternetPlanOps(c, z)
        self.load_balancers = LoadBalancerOps(c, z)

    @classmethod
    def from_env(
        cls,
        *,
        profile: str = "",
        token: str = "",
        secret: str = "",
        user_agent: str = "",
        strict: bool = False,
    ) -> CloudClient:
        """`open_client(CloudOptions.from_env(...))`."""
        return open_client(
            CloudOptions.from_env(
                profile=profile, token=token, secret=secret, user_agent=user_agent, strict=strict
            )
        )

    async def aclose(self) -> None:
        await self.caller.aclose()

    async def __aenter__(self) -> CloudClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


def open_client(
    options: CloudOptions | None = None,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    timings: Timings | None = None,
) -> CloudClient:
    """A client for `options` (default: `CloudOptions.from_env()`); in fake mode, backed by the fake.

    The one place that tells the kinds of cloud apart. The real API (any `api_root_url`):
    upstream's timings, requests rate-limited. Fake mode: the fake's short timings
    (`fake_timings`) and no client-side rate limit, as there is no service to protect
    in-process — or, with `api_root_url` set (a fake served by `fake-cloud serve`), the fake's
    timings over real HTTP with the rate limit. `timings` replaces the whole set chosen here.

    Opening the fake's store can fail (`autoscaler.cloud.fake.StoreError`): a corrupt or
    unwritable file is reported, never replaced.
    """
    if options is None:
        options = CloudOptions.from_env()
    # (The real API's root is what "no root given" becomes once defaults are filled in.)
    served_fake = (
        options.fake_mode
        and transport is None
        and options.api_root_url.rstrip("/") not in ("", DEFAULT_API_ROOT)
    )
    if not options.api_root_url:
        options = options.with_defaults()
    if not options.fake_mode:
        return CloudClient(options, transport, timings=timings or REAL_TIMINGS, rate_limit=True)
    if served_fake:
        # Fake mode pointed at `fake-cloud serve`: real HTTP and the rate limit (a service on the
        # other end), with the fake's short timings.
        return CloudClient(options, None, timings=timings or fake_timings(options), rate_limit=True)
    if transport is None:
        from .fake import transport as fake_transport

        transport = fake_transport(options)
        options = replace(options, api_root_url=FAKE_API_ROOT)
    return CloudClient(options, transport, timings=timings or fake_timings(options), rate_limit=False)
