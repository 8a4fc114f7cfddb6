"""`autoscaler handlers ...`: list-builtins, local-exec, and the `call` tool."""

from __future__ import annotations

import asyncio
from typing import Any

import click

from .. import telemetry
from ..handlers.builtin.registry import BUILTIN_HANDLERS
from ..handlers.contract import STEPS, Step
from ..script import DEFAULT_CAPTURE_LIMIT
from .cobra import Command, CommandError, Flag, Group, complete_values
from .flags import (
    GlobalOptions,
    GoDuration,
    GoInt,
    check,
    file_path,
    global_options,
    not_one_of,
    required,
    validate,
)
from .handler_command import exporter_address, handler_command

LOCAL_EXEC_ADDR = "unix:autoscaler-handlers-local-exec.sock"
# gRPC's default receive limit on the Core's side; a DONE log must fit in one message.
MAX_OUTPUT_LIMIT = 4 * 1024 * 1024 - 64 * 1024


def handler_type_rule(name: str, value: str) -> str | None:
    """Upstream's oneof rule, extended to a comma-separated list of steps."""
    bad = [s for s in (part.strip() for part in value.split(",")) if s not in STEPS]
    return not_one_of(name, bad[0], STEPS) if bad else None


def _list_builtins(**_: Any) -> None:
    click.echo("\n".join(BUILTIN_HANDLERS))


list_builtins = Command(
    "list-builtins",
    use="list-builtins [flags]...",
    short="list builtin handlers",
    args="any",
    callback=lambda **kw: _list_builtins(),
)


def _run_local_exec(globals_: GlobalOptions, kw: dict[str, Any], shared: list[str | None]) -> int:
    path, types = kw["executable_path"], kw["handler_type"]
    # The executable may also be named after the flags, as the handler's usage line shows.
    (positional,) = kw["args"] or ("",)
    if positional and path and positional != path:
        raise CommandError(
            f'--executable-path "{path}" and the argument "{positional}" name different executables'
        )
    path = path or positional
    validate(
        [
            check("--executable-path", path, required, file_path),
            check("--handler-type", types, required, handler_type_rule),
            *shared,
        ]
    )
    max_output = kw["max_output_bytes"]
    extra: list[str | None] = [
        f"--max-output-bytes: must be between 1 and {MAX_OUTPUT_LIMIT} (one gRPC message to the Core)"
        if not 0 < max_output <= MAX_OUTPUT_LIMIT
        else None,
    ]

    from ..script import ExecutableError, resolve_executable

    program = ""
    try:
        program = resolve_executable(path)
    except ExecutableError as exc:
        extra.insert(0, f"--executable-path: {exc}")
    validate(extra)

    from ..handlers.local_exec import LocalExecConfig, LocalExecHandler, LocalExecMetrics
    from ..handlers.server import HandlerServerConfig, new_registry, serve

    logger = globals_.logger().bind(("from", "autoscaler-handlers-local-exec"))
    exporter = exporter_address(kw["config"])
    options = LocalExecConfig(
        executable_path=path,
        program=program,
        handler_types=frozenset(Step(s.strip()) for s in types.split(",")),
        timeout=kw["timeout"] or None,
        stream_output=kw["stream_output"],
        max_concurrency=kw["max_concurrency"] or None,
        capture_limit=max_output,
        kill_grace=kw["kill_grace"],
    )
    serve_options = HandlerServerConfig(
        kw["addr"],
        shutdown_grace=kw["shutdown_grace"],
        socket_mode=kw["socket_mode"],
        exporter_address=exporter,
    )

    async def main() -> int:
        # Metrics only when something reads them: the exporter, or OTLP.
        registry = new_registry() if exporter is not None or telemetry.active() else None
        metrics = LocalExecMetrics(registry) if registry is not None else None
        handler = LocalExecHandler(options, logger, metrics)
        return await serve(handler, serve_options, logger, registry)

    return asyncio.run(main())


local_exec = handler_command(
    "local-exec",
    use="local-exec [flags]... {path/to/your/executable}",
    args=1,
    short="Handler for executing a shell script",
    default_addr=LOCAL_EXEC_ADDR,
    grace_usage="on SIGTERM/SIGINT, how long running executions may finish before they are killed",
    run=_run_local_exec,
    params=[
        Flag(["--executable-path"], default="", usage="Path to the executable"),
        Flag(
            ["--handler-type"],
            default="",
            usage="Handler type name: pre-handle, handle or post-handle (several: comma-separated)",
            shell_complete=complete_values(*STEPS, comma_list=True),
        ),
        Flag(
            ["--timeout"],
            type=GoDuration(),
            default="0",
            show_default_as="",
            usage="kill the executable's whole process group after this long (e.g. 10m; 0 = no limit)",
        ),
        Flag(
            ["--stream-output"],
            type_name="bool",
            usage="send each line of stdout to the Core as a RUNNING message while the executable runs",
        ),
        Flag(
            ["--max-concurrency"],
            type=GoInt(),
            default="0",
            show_default_as="",
            usage="run at most this many executions at once; the rest wait in order (0 = unlimited)",
        ),
        Flag(
            ["--max-output-bytes"],
            type=GoInt(minimum=None),
            default=str(DEFAULT_CAPTURE_LIMIT),
            show_default_as=str(DEFAULT_CAPTURE_LIMIT),
            usage="keep at most this much stdout for the DONE message (its beginning and end)",
        ),
        Flag(
            ["--kill-grace"],
            type=GoDuration(),
            default="5s",
            show_default_as="5s",
            usage="after SIGTERM to an executable's process group, wait this long before SIGKILL",
        ),
    ],
)


def _run_call(**kw: Any) -> None:
    ctx = click.get_current_context()
    global_options(ctx)
    from .handler_call import call_from_flags

    ctx.exit(call_from_flags(kw))


call = Command(
    "call",
    short="Call a handler once as the Core would, and print what it streams back",
    params=[
        Flag(
            ["--endpoint"],
            default=LOCAL_EXEC_ADDR,
            usage="the handler's address (as in the Core's handlers: endpoint)",
        ),
        Flag(["--step"], default="", usage="the step to call: pre-handle | handle | post-handle"),
        Flag(
            ["--request"],
            default="",
            usage="file with the request as JSON, the form a local-exec script receives ('-' = stdin)",
        ),
        Flag(["--source"], default="", usage="request field source"),
        Flag(["--resource-name"], default="", usage="request field resource_name"),
        Flag(["--scaling-job-id"], default="", usage="request field scaling_job_id"),
        Flag(
            ["--instruction"],
            default="",
            usage="pre-handle/handle: CREATE | UPDATE | DELETE | NOOP (or a number)",
        ),
        Flag(
            ["--result"],
            default="",
            usage="post-handle: CREATED | UPDATED | DELETED | NO_CHANGE (or a number)",
        ),
        Flag(
            ["--resource"],
            default="",
            usage='the desired/current resource as JSON, e.g. {"Server":{"id":"1"}}',
        ),
        Flag(
            ["--setup-grace-period"],
            type=GoInt(minimum=None),
            default="0",
            show_default_as="",
            usage="request field setup_grace_period",
        ),
        Flag(
            ["--output"],
            default="text",
            usage="text: each log as printed; json: one JSON object per response",
        ),
        Flag(
            ["--timeout"],
            type=GoDuration(),
            default="0",
            show_default_as="",
            usage="give up after this long (0 = wait)",
        ),
    ],
    callback=_run_call,
)

handlers = Group(
    "handlers",
    short="A set of sub commands to manage autoscaler's external handlers",
)
handlers.add_command(list_builtins)
handlers.add_command(local_exec)
handlers.add_command(call)
