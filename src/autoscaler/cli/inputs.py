"""`autoscaler inputs ...` (alias `input`): direct, and the four webhook inputs.

Flag validation follows upstream's pre-run: the log flags first, then every check of the
command, all errors merged into one multi-error. The webhook inputs then run the shared HTTP
server (autoscaler.inputs.server) until SIGTERM/SIGINT, and exit 0 after draining.
"""

from __future__ import annotations

import asyncio
import csv
import sys
from collections.abc import Sequence
from typing import Any

import click

from .. import telemetry
from ..wire.dial import CORE_SOCKET_CANDIDATES
from .cobra import Command, CommandError, Flag, Group, fail
from .flags import (
    GoDuration,
    GoInt,
    Rule,
    check,
    collect,
    file_path,
    global_options,
    not_one_of,
    oneof,
    optional,
    printascii,
    required,
    validate,
)

MAX_FIELD = 1024
EXIT_JOB_FAILED = 1  # --fail-on-error
REQUEST_TYPES = ("up", "down", "keep")
HTTP_METHODS = ("GET", "POST", "PUT", "DELETE", "HEAD")

DEST_HELP = (
    "Address of the gRPC endpoint of AutoScaler Core. If no value is specified, the first of "
    f"[{', '.join(CORE_SOCKET_CANDIDATES)}] whose socket file exists is used"
)
CONFIG_HELP = "Filepath to Inputs additional configuration file"


def max_length(limit: int) -> Rule:
    def rule(name: str, value: str) -> str | None:
        return None if len(value) <= limit else f"{name}: max={limit}"

    return rule


def canonical_path(ctx: click.Context) -> str:
    """The command path by canonical names, as cobra prints it even when `input` was typed."""
    names: list[str] = []
    node: click.Context | None = ctx
    while node is not None:
        names.append(node.command.name or "")
        node = node.parent
    return " ".join(reversed(names))


class InputsGroup(Group):
    def command_path(self, ctx: click.Context) -> str:
        return canonical_path(ctx)


class GoFlagsCommand(Command):
    """An inputs command (its path shown as upstream's, whatever alias was typed)."""

    def command_path(self, ctx: click.Context) -> str:
        return canonical_path(ctx)


def _dest_flag() -> Flag:
    return Flag(["--dest"], default="", usage=DEST_HELP)


def _config_flag() -> Flag:
    return Flag(["--config"], default="", usage=CONFIG_HELP)


# --- direct ------------------------------------------------------------------------------------


def _run_direct(**kw: Any) -> None:
    ctx = click.get_current_context()
    args: Sequence[str] = kw["args"]
    if len(args) != 1:
        raise CommandError(f"accepts 1 arg(s), received {len(args)}")
    if args[0] not in REQUEST_TYPES:
        raise CommandError(f'invalid argument "{args[0]}" for "{canonical_path(ctx)}"')
    global_options(ctx)
    text = (printascii, max_length(MAX_FIELD))
    params: list[str | None] = list(
        collect(
            check("--source", kw["source"], required, *text),
            check("--resource-name", kw["resource_name"], required, *text),
            check("--desired-state-name", kw["desired_state_name"], optional(*text)),
        )
    )
    # Upstream checks --config only when every parameter is valid.
    dest: list[str | None] = [check("--dest", kw["dest"], optional(printascii))]
    validate(dest + (params or [check("--config", kw["config"], optional(file_path))]))
    from ..inputs.request import ScalingRequest

    if kw["output"] not in ("text", "json"):
        fail([not_one_of("--output", kw["output"], ("text", "json"))])
    request = ScalingRequest(
        source=kw["source"],
        resource_name=kw["resource_name"],
        request_type=args[0],
        desired_state_name=kw["desired_state_name"],
        sync=kw["sync"],
    )
    ctx.exit(_direct_extras(request, kw) if _wants_extras(kw) else _direct_plain(request, kw))


def _wants_extras(kw: dict[str, Any]) -> bool:
    return bool(kw["dry_run"] or kw["progress"] or kw["fail_on_error"]) or (
        kw["sync"] and sys.stderr.isatty()
    )


def _direct_plain(request: Any, kw: dict[str, Any]) -> int:
    """Upstream's request, with the refusal reason (from our Core's trailers) on stderr."""
    from ..inputs.direct import exit_code, reply_line
    from ..inputs.direct_watch import send
    from ..inputs.forward import ForwardError

    try:
        with telemetry.command_span("commands/inputs/direct#run"):
            outcome = asyncio.run(send(kw["dest"], request))
    except ForwardError as exc:
        raise CommandError(str(exc)) from None
    click.echo(reply_line(outcome.response))
    if outcome.reason:
        click.echo(outcome.reason, err=True)
    return exit_code(outcome.response)


def _direct_extras(request: Any, kw: dict[str, Any]) -> int:
    from ..inputs.direct import exit_code, reply_line
    from ..inputs.direct_watch import dry_run, dry_run_json, dry_run_text, send
    from ..inputs.forward import ForwardError
    from ..proto import request_pb2

    try:
        if kw["dry_run"]:
            reply = asyncio.run(dry_run(kw["dest"], request))
            click.echo(dry_run_json(reply) if kw["output"] == "json" else dry_run_text(reply))
            return 0
        progress = kw["progress"] or (request.sync and sys.stderr.isatty())
        watch = request.sync and (progress or kw["fail_on_error"])
        outcome = asyncio.run(
            send(
                kw["dest"],
                request,
                watch=watch,
                on_event=(lambda line: click.echo(line, err=True)) if progress else None,
            )
        )
    except ForwardError as exc:
        raise CommandError(str(exc)) from None
    click.echo(reply_line(outcome.response))
    if outcome.reason:
        click.echo(outcome.reason, err=True)
    if kw["fail_on_error"] and outcome.response.status == request_pb2.JOB_FAILED:
        click.echo(f"Error: job failed: {outcome.error or '(the Core did not say why)'}", err=True)
        return EXIT_JOB_FAILED
    return exit_code(outcome.response)


direct = GoFlagsCommand(
    "direct",
    use="direct {up | down | keep} [flags]...",
    short="Send Up/Down/Keep request directly to Core server",
    args="any",
    arg_values=REQUEST_TYPES,
    params=[
        _dest_flag(),
        _config_flag(),
        Flag(["--resource-name"], default="default", usage="Name of the target resource"),
        Flag(
            ["--source"],
            default="default",
            usage="A string representing the request source, passed to AutoScaler Core",
        ),
        Flag(
            ["--desired-state-name"],
            default="",
            usage="Name of the desired state defined in Core's configuration file",
        ),
        Flag(["--sync"], type_name="bool", usage="Flag for synchronous handling"),
        Flag(
            ["--dry-run"],
            type_name="bool",
            usage="print what the Core would do (and whether it would accept now) without doing it",
        ),
        Flag(
            ["--progress"],
            type_name="bool",
            usage="with --sync: print the job's events on stderr as they happen (default on a terminal)",
        ),
        Flag(
            ["--fail-on-error"],
            type_name="bool",
            usage="with --sync: exit 1 when the job ends JOB_FAILED, with its error on stderr",
        ),
        Flag(["--output"], default="text", usage="--dry-run output: text or json"),
    ],
    callback=_run_direct,
)


# --- the webhook inputs ------------------------------------------------------------------------


def _server_flags() -> list[click.Parameter]:
    return [
        _dest_flag(),
        _config_flag(),
        Flag(["--addr"], default=":8080", usage="the address for the server to listen on"),
        Flag(
            ["--token"],
            default="",
            usage="require this shared secret on /up, /down and /keep, as 'Authorization: Bearer "
            "<token>' or ?token=<token> (also settable as token: in --config)",
        ),
        Flag(["--enable-keep"], type_name="bool", usage="also serve /keep, which sends a Keep request"),
        Flag(
            ["--enable-sync"],
            type_name="bool",
            usage="accept the query parameter sync=true: answer when the Core has finished the job",
        ),
        Flag(
            ["--tls-cert"], default="", usage="serve HTTPS with this certificate file (PEM; needs --tls-key)"
        ),
        Flag(["--tls-key"], default="", usage="private key file (PEM) for --tls-cert"),
        Flag(
            ["--tls-key-passphrase-file"],
            default="",
            usage="file whose first line is the passphrase of an encrypted --tls-key "
            "(a passphrase is never asked on the terminal)",
        ),
        Flag(
            ["--header-timeout"],
            type=GoDuration(),
            default="10s",
            usage="close a connection whose request headers have not all arrived after this long (0: never)",
        ),
        Flag(
            ["--body-timeout"],
            type=GoDuration(),
            default="30s",
            usage="close a connection whose request body has not all arrived this long after its headers "
            "(0: never)",
        ),
        Flag(
            ["--max-connections"],
            type=GoInt(),
            default=1000,
            usage="open connections at most (lowered to fit the file limit); beyond, the longest-waiting "
            "idle or slow one is closed, or the newcomer gets 503",
        ),
        Flag(
            ["--shutdown-grace"],
            type=GoDuration(),
            default="1m",
            show_default_as="1m0s",
            usage="on SIGTERM/SIGINT, how long in-flight requests may finish",
        ),
    ]


def _webhook_flags() -> list[click.Parameter]:
    return [
        Flag(
            ["--accept-http-methods"],
            type_name="strings",
            multiple=True,
            default=(),
            show_default_as="[POST,PUT]",
            usage="List of HTTP methods to accept",
        ),
        Flag(
            ["--executable-path"],
            default="",
            usage="Path to the executable to determine if webhooks should be accepted",
        ),
        Flag(
            ["--timeout"],
            type=GoDuration(),
            default="0",
            show_default_as="",
            usage="kill the executable's whole process group after this long and answer 400 "
            "(e.g. 30s; 0 = no limit)",
        ),
    ]


def _string_slice(values: Sequence[str], default: Sequence[str]) -> list[str]:
    """pflag's StringSlice: CSV per use; the first use replaces the default, later ones append."""
    if not values:
        return list(default)
    items: list[str] = []
    for value in values:
        if value:
            items += next(csv.reader([value]))
    return items


def _tls_problems(cert: str, key: str, passphrase_file: str) -> list[str | None]:
    if not cert and not key:
        return ["--tls-key-passphrase-file: only with --tls-key"] if passphrase_file else []
    if not cert or not key:
        return ["--tls-cert, --tls-key: give both or neither"]
    problems = [check("--tls-cert", cert, file_path), check("--tls-key", key, file_path)]
    if passphrase_file:
        problems.append(check("--tls-key-passphrase-file", passphrase_file, file_path))
    if any(problems):
        return problems
    from ..wire.tls import TLSError, server_context

    try:
        server_context(cert, key, passphrase_file)
    except TLSError as exc:
        return [f"--tls-cert, --tls-key: cannot load the certificate and key: {exc}"]
    return []


def _run_http_input(kind: str, kw: dict[str, Any]) -> None:
    ctx = click.get_current_context()
    globals_ = global_options(ctx)
    problems: list[str | None] = [
        check("--dest", kw["dest"], optional(printascii)),
        check("--addr", kw["addr"], required, printascii),
        check("--config", kw["config"], optional(file_path)),
    ]
    methods: list[str] = []
    if kind == "webhook":
        from ..inputs.webhook import DEFAULT_METHODS

        methods = _string_slice(kw["accept_http_methods"], DEFAULT_METHODS)
        if not methods:
            problems.append("--accept-http-methods: required")
        problems += [
            check(f"--accept-http-methods[{i}]", m, oneof(*HTTP_METHODS)) for i, m in enumerate(methods)
        ]
        problems.append(check("--executable-path", kw["executable_path"], required, file_path))
    problems.append(
        "--token: must be printable ASCII without spaces"
        if kw["token"] and not all(0x21 <= ord(c) <= 0x7E for c in kw["token"])
        else None
    )
    problems += _tls_problems(kw["tls_cert"], kw["tls_key"], kw["tls_key_passphrase_file"])
    problems.append("--max-connections: must be at least 1" if kw["max_connections"] < 1 else None)
    validate(problems)
    grace = kw["shutdown_grace"]

    from ..inputs import config as inputs_config
    from ..yamlconf import ConfigError

    try:
        conf = inputs_config.load(kw["config"])
    except ConfigError as exc:
        raise CommandError(str(exc)) from None
    input_ = _build_input(kind, kw, methods)

    from ..inputs.app import InputsServerConfig
    from ..inputs.server import ServeError, serve
    from ..wire.http_limits import HttpLimits

    options = InputsServerConfig(
        address=kw["addr"],
        dest=kw["dest"],
        token=kw["token"] or conf.token,
        enable_keep=kw["enable_keep"],
        enable_sync=kw["enable_sync"],
        tls_cert=kw["tls_cert"],
        tls_key=kw["tls_key"],
        tls_key_passphrase_file=kw["tls_key_passphrase_file"],
        shutdown_grace=grace,
        exporter_address=conf.exporter_address,
        limits=HttpLimits(kw["header_timeout"], kw["body_timeout"], kw["max_connections"]),
    )
    try:
        asyncio.run(serve(input_, options, globals_.logger()))
    except ServeError as exc:
        raise CommandError(str(exc)) from None
    ctx.exit(0)


def _build_input(kind: str, kw: dict[str, Any], methods: list[str]) -> Any:
    if kind == "grafana":
        from ..inputs.grafana import GrafanaInput

        return GrafanaInput()
    if kind == "alertmanager":
        from ..inputs.alertmanager import AlertmanagerInput

        return AlertmanagerInput()
    if kind == "zabbix":
        from ..inputs.zabbix import ZabbixInput

        return ZabbixInput()
    from ..inputs.webhook import WebhookConfig, WebhookInput
    from ..script import ExecutableError, resolve_executable

    path = kw["executable_path"]
    timeout = kw["timeout"]
    try:
        program = resolve_executable(path)
    except ExecutableError as exc:
        fail([f"--executable-path: {exc}"])
    return WebhookInput(
        WebhookConfig(executable_path=path, program=program, methods=methods, timeout=timeout or None)
    )


def _http_command(kind: str, short: str) -> Command:
    params = _server_flags() + (_webhook_flags() if kind == "webhook" else [])
    return GoFlagsCommand(
        kind,
        short=short,
        args="any",  # cobra's default for a leaf: extra words are accepted and ignored
        params=params,
        callback=lambda **kw: _run_http_input(kind, kw),
    )


inputs = InputsGroup(
    "inputs", short="A set of sub commands to manage autoscaler's inputs", aliases=("input",)
)
inputs.add_command(_http_command("alertmanager", "Start web server for handle webhooks from AlertManager"))
inputs.add_command(direct)
inputs.add_command(_http_command("grafana", "Start web server for handle webhooks from Grafana"))
inputs.add_command(_http_command("webhook", "Start web server for handle webhooks with command"))
inputs.add_command(_http_command("zabbix", "Start web server for handle webhooks from Zabbix"))
