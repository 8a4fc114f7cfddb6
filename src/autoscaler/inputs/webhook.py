"""The generic input: the user's executable decides. Exit status 0 forwards the webhook.

The executable runs as local-exec runs scripts (`autoscaler.script`): no shell, the body as
argv[1] and on stdin, its own process group, killed with everything it started when
`--timeout` passes or the server shuts down. Any other outcome is an error, answered 400 with
upstream's text (`command "<path>" returned non zero status: exit status 4`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .. import telemetry
from ..golang.duration import go_duration
from ..log import go_quote
from ..script import RunSpec, ScriptRunner, SpawnError
from .contract import InputError

METHODS = ("GET", "POST", "PUT", "DELETE", "HEAD")
DEFAULT_METHODS = ("POST", "PUT")
# The decision is the exit status; keep a little of stdout for the log of a failed run.
OUTPUT_KEPT = 4096


@dataclass(frozen=True)
class WebhookConfig:
    executable_path: str  # as the user gave it: argv[0] and the name in error texts
    program: str  # what is executed (script.resolve_executable)
    methods: Sequence[str] = DEFAULT_METHODS
    timeout: float | None = None  # None: wait as long as it takes (upstream)
    kill_grace: float = 2.0


class WebhookInput:
    name = "webhook"

    def __init__(self, options: WebhookConfig) -> None:
        if not options.methods:
            raise ValueError("acceptHTTPMethod: required")
        self.options = options
        self._runner = ScriptRunner()

    async def should_accept(self, method: str, body: bytes) -> bool:
        options = self.options
        if method not in options.methods:
            return False
        path = options.executable_path
        failed = f"command {go_quote(path)} returned non zero status: "
        if b"\0" in body:
            # A NUL byte cannot be part of an argument; exec fails as it does for upstream.
            raise InputError(failed + f"fork/exec {path}: invalid argument")
        spec = RunSpec(
            program=options.program,
            argv0=path,
            payload=body,
            env=telemetry.script_environment() or None,  # TRACEPARENT of the webhook's span
            timeout=options.timeout,
            capture_limit=OUTPUT_KEPT,
            kill_grace=options.kill_grace,
        )
        try:
            result = await self._runner.run(spec)
        except SpawnError as exc:
            raise InputError(failed + exc.cause) from None
        if result.timed_out:
            assert options.timeout is not None
            raise InputError(
                f"command {go_quote(path)} did not finish within --timeout "
                f"{go_duration(options.timeout)}: its process group was killed",
                result.output,
            )
        if result.returncode != 0:
            raise InputError(failed + result.cause, result.output)
        return True

    async def close(self) -> None:
        await self._runner.close(self.options.kill_grace)
