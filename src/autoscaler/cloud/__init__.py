"""The SAKURA Cloud IaaS API client, and the fake cloud that speaks the same HTTP API.

Importing this package has no side effects (no environment is read, nothing is opened).

Entry points:

- `CloudOptions.from_env(profile=, token=, secret=, user_agent=, strict=)` — options from the
  environment, a usacloud profile and the caller (config.py documents the precedence);
- `open_client(options)` → `CloudClient` for the real API, or, in fake mode
  (`SAKURACLOUD_FAKE_MODE`), backed in-process by `autoscaler.cloud.fake` over SQLite;
- `CloudClient` attributes: `servers`, `server_plans`, `disks`, `interfaces`, `switches`,
  `packet_filters`, `archives`, `cdroms`, `private_hosts`, `icons`, `notes`, `elb`, `gslb`,
  `dns`, `internet` (= `routers`), `internet_plans`, `load_balancers`, `auth_status`;
  zoned families take `zone` first (`client.servers.read("is1a", id_)`), global ones do not
  (`client.elb.read(id_)`);
- find conditions: `FindCondition`, `partial_match`, `exact_match`, `tags_and`, `scalar`,
  `by_id`, `by_names`, `by_tags`, `by_selector` (a resource selector's id + names + tags);
- `power`: boot, shutdown and readiness waits; `plans`: plan changes with `@previous-id`
  tags and the server plan search; `lookup`: reads with previous-ID fallback, archive by OS type;
- errors: `CloudError` (status, code, message), `CloudConnectionError`, `NoResultsError`,
  `WaitTimeout`, all `CloudClientError`; `message_of(exc)` is the text users are shown.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .client import FAKE_TIMINGS, REAL_TIMINGS, CloudClient, Timings, open_client
    from .conditions import (
        FindCondition,
        by_id,
        by_names,
        by_selector,
        by_tags,
        exact_match,
        partial_match,
        scalar,
        tags_and,
    )
    from .config import CloudOptions, ProfileError
    from .errors import (
        CloudClientError,
        CloudConnectionError,
        CloudError,
        NoResultsError,
        WaitTimeout,
        message_of,
    )
    from .ops.base import FindResult
    from .ops.disks import DiskCreate, DiskEdit, disk_plan_id
    from .ops.servers import SHARED, PlanChange, ServerCreate, ServerUpdate

# Exported name → module. Loaded on first use, so `autoscaler.cloud.fake` (and a command that
# only needs the store) does not pay for the client's models.
_EXPORTS = {
    "FAKE_TIMINGS": ".client",
    "REAL_TIMINGS": ".client",
    "CloudClient": ".client",
    "Timings": ".client",
    "open_client": ".client",
    "FindCondition": ".conditions",
    "by_id": ".conditions",
    "by_names": ".conditions",
    "by_selector": ".conditions",
    "by_tags": ".conditions",
    "exact_match": ".conditions",
    "partial_match": ".conditions",
    "scalar": ".conditions",
    "tags_and": ".conditions",
    "CloudOptions": ".config",
    "ProfileError": ".config",
    "CloudClientError": ".errors",
    "CloudConnectionError": ".errors",
    "CloudError": ".errors",
    "NoResultsError": ".errors",
    "WaitTimeout": ".errors",
    "message_of": ".errors",
    "FindResult": ".ops.base",
    "DiskCreate": ".ops.disks",
    "DiskEdit": ".ops.disks",
    "disk_plan_id": ".ops.disks",
    "SHARED": ".ops.servers",
    "PlanChange": ".ops.servers",
    "ServerCreate": ".ops.servers",
    "ServerUpdate": ".ops.servers",
}

__all__ = [
    "FAKE_TIMINGS",
    "REAL_TIMINGS",
    "SHARED",
    "CloudClient",
    "CloudClientError",
    "CloudConnectionError",
    "CloudError",
    "CloudOptions",
    "DiskCreate",
    "DiskEdit",
    "FindCondition",
    "FindResult",
    "NoResultsError",
    "PlanChange",
    "ProfileError",
    "ServerCreate",
    "ServerUpdate",
    "Timings",
    "WaitTimeout",
    "by_id",
    "by_names",
    "by_selector",
    "by_tags",
    "disk_plan_id",
    "exact_match",
    "message_of",
    "open_client",
    "partial_match",
    "scalar",
    "tags_and",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value
