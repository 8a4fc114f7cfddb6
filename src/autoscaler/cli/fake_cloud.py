"""`autoscaler fake-cloud ...`: seed, inspect, serve and reset the embedded fake SAKURA Cloud.

The store is `--store`, else `SAKURACLOUD_FAKE_STORE_PATH`, else the per-user default — the
same file the Core uses in fake mode (`SAKURACLOUD_FAKE_MODE=1`), so what `seed` creates the
Core sees, and what the Core changes `list` shows.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..cloud.fake.listing import DEFAULT_TYPES, TYPES, list_rows, render_table
from .cobra import Command, CommandError, Flag, Group
from .flags import global_options

if TYPE_CHECKING:
    from ..cloud.fake import Delays, FakeCloud

STORE_FLAG_USAGE = "the fake cloud's store (default: $SAKURACLOUD_FAKE_STORE_PATH or a per-user file)"


def _store_path(flag: str) -> Path:
    from ..cloud.config import CloudOptions, fake_store_path

    if flag:
        return Path(os.path.expanduser(flag))
    return fake_store_path(CloudOptions(fake_store_path=os.environ.get("SAKURACLOUD_FAKE_STORE_PATH", "")))


def _open(flag: str, delays: Delays | None = None) -> FakeCloud:
    from ..cloud.fake import FakeCloud, StoreError

    try:
        return FakeCloud(_store_path(flag), delays=delays)
    except StoreError as exc:
        raise CommandError(str(exc)) from None


def _run_list(**kw: Any) -> None:
    global_options(click.get_current_context())
    (kind,) = kw["args"] or ("",)
    output = kw["output"]
    if output not in ("table", "json"):
        raise CommandError(f'--output: must be "table" or "json", got "{output}"')
    if kind and kind not in TYPES:
        raise CommandError(f'unknown type "{kind}"; types: {", ".join(TYPES)}')
    from ..cloud.fake import StoreError

    cloud = _open(kw["store"])
    try:
        zones = sorted(cloud.app.zones())
        if kw["zone"]:
            if kw["zone"] not in zones:
                raise CommandError(
                    f'--zone: "{kw["zone"]}" is not a zone of the fake cloud ({", ".join(zones)})'
                )
            zones = [kw["zone"]]
        kinds = [kind] if kind else list(DEFAULT_TYPES)
        data = {k: list_rows(cloud, k, zones) for k in kinds}
    except StoreError as exc:
        raise CommandError(str(exc)) from None
    finally:
        cloud.close()
    if output == "json":
        click.echo(json.dumps(data[kind] if kind else data, ensure_ascii=False, indent=2))
        return
    blocks = []
    for k in kinds:
        if kind or data[k]:
            blocks.append((f"{k}:\n" if not kind else "") + render_table(k, data[k]))
    click.echo(
        "\n\n".join(blocks) if blocks else "no resources (seed some with `autoscaler fake-cloud seed FILE`)"
    )


def _run_seed(**kw: Any) -> None:
    global_options(click.get_current_context())
    (path,) = kw["args"] or ("",)
    if not path:
        raise CommandError("requires the seed file: autoscaler fake-cloud seed FILE.yaml")
    from ..cloud.fake import StoreError
    from ..cloud.fake.seedfile import SeedError, apply_seed, load_seed

    try:
        doc, seed = load_seed(path)
    except SeedError as exc:
        raise CommandError(str(exc)) from None
    cloud = _open(kw["store"])
    try:
        created = apply_seed(cloud, doc, seed)
    except (SeedError, StoreError) as exc:
        raise CommandError(str(exc)) from None
    finally:
        cloud.close()
    summary = ", ".join(f"{n} {k}" for k, n in created.items()) or "nothing"
    click.echo(f"seeded {path} into {_store_path(kw['store'])}: {summary}")


def _run_reset(**kw: Any) -> None:
    global_options(click.get_current_context())
    from ..cloud.fake import StoreError

    path = _store_path(kw["store"])
    try:
        cloud = _open(kw["store"])
    except CommandError as exc:
        if not kw["force"] or not path.is_file():
            raise CommandError(f"{exc.text}\n(--force moves the file aside and starts a new store)") from None
        aside = path.with_name(f"{path.name}.broken-{time.strftime('%Y%m%d%H%M%S')}")
        path.rename(aside)
        for suffix in ("-wal", "-shm"):
            extra = path.with_name(path.name + suffix)
            if extra.exists():
                extra.rename(aside.with_name(aside.name + suffix))
        click.echo(f"moved the unusable store to {aside}")
        cloud = _open(kw["store"])
    try:
        cloud.reset()
    except StoreError as exc:
        raise CommandError(str(exc)) from None
    finally:
        cloud.close()
    click.echo(f"reset {path}: every resource removed, catalogue seeded")


def _run_serve(**kw: Any) -> None:
    ctx = click.get_current_context()
    logger = global_options(ctx).logger().bind(("from", "autoscaler-fake-cloud"))
    from dataclasses import replace

    from ..cloud.config import options_from_env
    from ..cloud.fake import Delays
    from ..golang.duration import parse_duration
    from ..wire.http import bind_tcp

    try:
        options = options_from_env()  # only the fake's delays can be invalid here
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    delay_text = kw["delay"]
    if delay_text:
        # --delay stands in for SAKURACLOUD_FAKE_DELAY; the per-kind variables still refine it.
        try:
            general = parse_duration(delay_text)
        except ValueError as exc:
            raise CommandError(f'invalid argument "{delay_text}" for "--delay" flag: {exc}') from None
        if general < 0:
            raise CommandError("--delay: must not be negative")
        options = replace(options, fake_delay=general)
    delays = Delays.of(options)
    cloud = _open(kw["store"], delays)
    try:
        try:
            sock = bind_tcp(kw["addr"])
        except (OSError, ValueError) as exc:
            raise CommandError(f"--addr: {exc}") from None

        async def main() -> None:
            from ..cloud.fake.server import FakeCloudServer
            from ..wire.server import run_until_signal

            server = FakeCloudServer(cloud, sock, delays, logger)
            root = f"http://{server.http.address}"
            click.echo(f"serving the fake SAKURA Cloud API: SAKURACLOUD_API_ROOT_URL={root}")
            await run_until_signal(server, grace=0.0)

        asyncio.run(main())
    finally:
        cloud.close()


list_command = Command(
    "list",
    use="list [TYPE] [flags]...",
    short="print the fake cloud's resources",
    long="print the fake cloud's resources as a table (or JSON).\n\nTYPE is one of: "
    + ", ".join(TYPES)
    + ".\nWithout TYPE: "
    + ", ".join(DEFAULT_TYPES)
    + ".",
    args=1,
    arg_values=tuple(TYPES),
    params=[
        Flag(["--store"], default="", usage=STORE_FLAG_USAGE),
        Flag(["--zone"], default="", usage="only this zone"),
        Flag(["-o", "--output"], default="table", usage="table or json"),
    ],
    callback=_run_list,
)

seed_command = Command(
    "seed",
    use="seed FILE.yaml [flags]...",
    short="create the resources described in a YAML file",
    args=1,
    params=[Flag(["--store"], default="", usage=STORE_FLAG_USAGE)],
    callback=_run_seed,
)

reset_command = Command(
    "reset",
    use="reset [flags]...",
    short="remove every resource (the catalogue is seeded again)",
    params=[
        Flag(["--store"], default="", usage=STORE_FLAG_USAGE),
        Flag(["--force"], type_name="bool", usage="move an unusable store file aside instead of failing"),
    ],
    callback=_run_reset,
)

serve_command = Command(
    "serve",
    use="serve [flags]...",
    short="serve the fake cloud's API over HTTP",
    params=[
        Flag(["--addr"], default="127.0.0.1:8800", usage="the address to listen on"),
        Flag(["--store"], default="", usage=STORE_FLAG_USAGE),
        Flag(
            ["--delay"],
            type_name="duration",
            default="",
            show_default_as="",
            usage="how long power changes and disk copies take (default: $SAKURACLOUD_FAKE_DELAY or 0; "
            "$SAKURACLOUD_FAKE_DELAY_BOOT, _SHUTDOWN, _DISK_COPY set one kind apart)",
        ),
    ],
    callback=_run_serve,
)

fake_cloud = Group(
    "fake-cloud",
    short="A local fake SAKURA Cloud: seed, list, serve, reset",
    long="A local fake SAKURA Cloud API over a SQLite store.\n\n"
    "The Core and the handlers use it in-process when SAKURACLOUD_FAKE_MODE is set; `serve` makes it "
    "reachable over HTTP (SAKURACLOUD_API_ROOT_URL) for any client.",
)
for _cmd in (list_command, seed_command, reset_command, serve_command):
    fake_cloud.add_command(_cmd)
