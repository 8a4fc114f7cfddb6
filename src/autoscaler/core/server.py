"""The Core's life: load and validate the configuration, serve ScalingService, drain on a signal.

`serve()` is what `autoscaler start` runs. On SIGTERM/SIGINT the Core refuses new requests,
waits for every running job (up to `autoscaler.shutdown_grace_period`), stops the gRPC
server, removes its socket file and exits 0 — or 1 when jobs were still running at the end of
the grace period, as upstream reports it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from .. import telemetry
from ..cloud.errors import message_of
from ..golang.duration import go_duration
from ..log import Logger
from ..proto import request_pb2, request_pb2_grpc, status_pb2, status_pb2_grpc
from ..wire.address import AddressError
from ..wire.server import (
    SOCKET_MODE,
    GrpcDrain,
    Listener,
    add_standard_services,
    bind,
    new_server,
    run_until_signal,
)
from .cloud import CoreCloud
from .config.load import load_config
from .config.model import Config
from .config.problems import Problem, invalid
from .config.validate import validate_config
from .handler_health import ping_all
from .handler_refs import CustomRef, HandlerRef
from .history import JobHistory, MemoryHistory
from .history_recorder import HistoryRecorder
from .job_events import JobEvents
from .metrics import CoreMetrics
from .reporter import JobReporter, LogReporter, Reporters
from .service import CoreState, ScalingService
from .status import StatusService

if TYPE_CHECKING:
    from ..handlers.builtin.registry import IntentRecorder
    from .journal.location import JournalSettings
    from .journal.recorder import JournalRecorder
    from .journal.recovery import Recovery
    from .journal.sqlite import SQLiteJournal

# In-flight RPCs (sync requests) get this long once the jobs are done or abandoned.
RPC_DRAIN_GRACE = 5.0


class CoreError(Exception):
    """A start-up failure; the CLI prints `Error: <text>` and exits 1."""


@dataclass(frozen=True)
class CoreServerConfig:
    """What the Core is started with (the configuration file's contents come from `load`)."""

    address: str = "unix:autoscaler.sock"
    config_path: str = "autoscaler.yaml"
    strict: bool = False
    handlers_wait: float = 0.0  # retry the custom-handler health checks this long
    socket_mode: int = SOCKET_MODE  # of the unix socket file (`--socket-mode`)
    journal_path: str = ""  # --journal: the job journal's file (default: derived, see core/journal)


async def load_and_validate(
    options: CoreServerConfig, logger: Logger, metrics: CoreMetrics | None = None
) -> tuple[Config, CoreCloud]:
    """Load and validate (the cloud and the custom handlers included); raises DecodeError or
    ConfigProblems."""
    logger.debug("loading config", ("config-path", options.config_path))
    config = load_config(options.config_path, options.strict)
    logger.debug("validating config")
    cloud = CoreCloud(config, logger)
    on_handler_error = metrics.handler_errors.inc if metrics is not None else lambda: None

    async def handler_check() -> list[Problem]:
        handlers = [(h.name, h.endpoint) for h in config.custom_handlers]

        def waiting(names: list[str]) -> None:
            logger.info(
                "waiting for custom handlers to answer",
                handlers=",".join(names),
                wait=go_duration(options.handlers_wait),
            )

        problems = await ping_all(handlers, options.handlers_wait, on_handler_error, waiting)
        return [invalid(t) for t in problems]

    try:
        await validate_config(
            config,
            cloud.zones,
            logger,
            cloud.account_check,
            handler_check,
            lambda definition: cloud.check_definition(definition, logger.warn),
        )
    except BaseException:
        await cloud.close()
        raise
    return config, cloud


def handler_refs(
    config: Config, cloud: CoreCloud, metrics: CoreMetrics | None, intents: IntentRecorder | None = None
) -> list[HandlerRef]:
    """Builtins in their fixed order (fresh objects per job), then custom handlers in file order."""
    on_error = metrics.handler_errors.inc if metrics is not None else lambda: None
    refs: list[HandlerRef] = list(cloud.builtin_handlers(config.autoscaler.enabled_builtins(), intents))
    refs += [CustomRef(h.name, h.endpoint, on_error) for h in config.custom_handlers]
    return refs


def tracing_reporters() -> list[JobReporter]:
    """With tracing on, the reporter that makes the spans of every request and job."""
    if not telemetry.active():
        return []
    from .tracing import TraceReporter

    return [TraceReporter()]


class CoreServer:
    """The Core on one address: a `wire.server.Service`."""

    def __init__(
        self,
        address: str,
        config: Config,
        cloud: CoreCloud,
        logger: Logger,
        metrics: CoreMetrics,
        socket_mode: int = SOCKET_MODE,
        journal: JournalSettings | None = None,
    ) -> None:
        self.address = address
        self.socket_mode = socket_mode
        self.config = config
        self.cloud = cloud
        self.logger = logger
        self.registry = metrics.registry
        self.metrics = metrics
        self.events = JobEvents()
        self.journal_settings = journal if journal is not None and journal.path is not None else None
        self.journal: SQLiteJournal | None = None
        self.recorder: JournalRecorder | None = None
        self.recovery: Recovery | None = None
        log_reporter = LogReporter(metrics)
        reporter: JobReporter
        self.history: JobHistory
        if self.journal_settings is not None:
            reporter = self._journal_parts(self.journal_settings, log_reporter)
        else:
            history = MemoryHistory()
            self.history = history
            reporter = Reporters(log_reporter, HistoryRecorder(history), self.events, *tracing_reporters())
        recorder = self.recorder
        self.state = CoreState(
            config,
            cloud,
            lambda: handler_refs(config, cloud, self.metrics, recorder),
            logger,
            reporter,
            recover=self.recovery.after_failure if self.recovery is not None else None,
        )
        telemetry.export_registry(self.registry)
        self.server = new_server(telemetry.grpc_server_interceptors())
        request_pb2_grpc.add_ScalingServiceServicer_to_server(ScalingService(self.state), self.server)
        status_service = StatusService(config, cloud, self.state, self.history, self.events)
        status_pb2_grpc.add_StatusServiceServicer_to_server(status_service, self.server)
        add_standard_services(
            self.server,
            [
                request_pb2.DESCRIPTOR.services_by_name["ScalingService"].full_name,
                status_pb2.DESCRIPTOR.services_by_name["StatusService"].full_name,
            ],
        )
        self.listener: Listener | None = None
        self.exporter: object | None = None
        self._drain = GrpcDrain(self.server)
        self._stopping_jobs: asyncio.Future[bool] | None = None
        self._recovering: asyncio.Future[None] | None = None

    def _journal_parts(self, settings: JournalSettings, log_reporter: LogReporter) -> JobReporter:
        """The journal, its recorder (history and intents) and recovery; opened by `start`."""
        from .journal.fault import Fault
        from .journal.recorder import JournalRecorder
        from .journal.recovery import Recovery
        from .journal.sqlite import SQLiteJournal

        assert settings.path is not None
        try:
            fault = Fault.from_env()
        except ValueError as exc:
            raise CoreError(str(exc)) from None
        self.journal = SQLiteJournal(settings.path, fsync=settings.fsync)
        self.recorder = JournalRecorder(
            self.journal, self.logger, fault, prune=(settings.keep_jobs, settings.keep_days)
        )
        self.history = self.recorder.history
        recorder = self.recorder
        self.recovery = Recovery(
            journal=self.journal,
            recorder=recorder,
            config=self.config,
            cloud=self.cloud,
            handlers=lambda: handler_refs(self.config, self.cloud, self.metrics, recorder),
            reporter=log_reporter,
            logger=self.logger,
            timeout=settings.recovery_timeout,
        )
        return Reporters(log_reporter, recorder, self.events, *tracing_reporters())

    async def _open_journal(self) -> None:
        """Open and lock the journal, load the history, recover interrupted jobs, prune."""
        from .journal.records import Owner
        from .journal.store import JournalBusy, JournalError

        settings, journal, recorder = self.journal_settings, self.journal, self.recorder
        assert settings is not None and journal is not None and recorder is not None
        assert self.recovery is not None
        owner = Owner(os.getpid(), socket.gethostname(), self.address, datetime.now().astimezone())
        try:
            await journal.open()
            await journal.acquire(owner)
        except JournalBusy as exc:
            await journal.close()
            raise CoreError(
                f"the job journal {journal.location} is in use by another Core ({exc}): each Core needs a "
                f"journal of its own {settings.hint}"
            ) from None
        except JournalError as exc:
            await journal.close()
            raise CoreError(f"cannot use the job journal {journal.location}: {exc} {settings.hint}") from None
        self.logger.info("journal opened", path=journal.location)
        try:
            await recorder.load_history()
            try:
                await self.recovery.at_startup()
            except JournalError:
                raise
            except Exception as exc:  # the jobs stay in the journal for the next start
                self.logger.error("recovery failed", error=message_of(exc) or type(exc).__name__)
            await journal.prune(settings.keep_jobs, datetime.now(UTC) - timedelta(days=settings.keep_days))
        except JournalError as exc:
            await journal.close()
            raise CoreError(f"cannot use the job journal {journal.location}: {exc} {settings.hint}") from None

    async def start(self) -> str:
        if self.journal_settings is not None:
            try:
                await self._open_journal()
            except BaseException:
                await self.cloud.close()
                raise
        try:
            self.listener = bind(self.server, self.address, self.logger, self.socket_mode)
        except AddressError as exc:
            await self.cloud.close()
            await self._close_journal()
            raise CoreError(str(exc)) from None
        await self.server.start()
        if self.config.autoscaler.exporter_enabled:
            from ..wire.metrics import Exporter

            exporter = Exporter(self.config.autoscaler.exporter_address, self.registry, self.logger)
            try:
                await exporter.start()
            except OSError as exc:
                await self._release(RPC_DRAIN_GRACE)
                raise CoreError(str(exc)) from None  # bind_tcp's: `listen tcp ADDR: bind: <reason>`
            self.exporter = exporter
        self.logger.info("started", address=self.listener.shown)
        return self.listener.shown

    async def shutdown(self, grace: float) -> None:
        """Drain: jobs first (within the grace period), then the gRPC server.

        Raises CoreError when jobs were still running at the end of the grace period (exit 1,
        as upstream), after everything was released.
        """
        self._stopping_jobs = asyncio.ensure_future(self.state.stop(grace))
        try:
            clean = await self._stopping_jobs
        except asyncio.CancelledError:
            clean = False
        if not clean:
            self.logger.error("failed to stop core instance: context deadline exceeded")
            tasks = list(self.state.running)
            for task in tasks:
                task.cancel()
            if self.recovery is not None:
                # Instead of abandoning them, bring what they touched to a safe state (a second
                # signal cuts this short too: the journal keeps them for the next start).
                await asyncio.gather(*tasks, return_exceptions=True)
                self._recovering = asyncio.ensure_future(self.recovery.after_cancel())
                with contextlib.suppress(asyncio.CancelledError):
                    await self._recovering
        self.logger.info("shutting down", error="context canceled")
        self.events.close()  # watchers' streams end, so the drain need not wait for them
        await self._release(RPC_DRAIN_GRACE)
        if not clean:
            raise CoreError("failed to stop core instance: context deadline exceeded")

    def force(self) -> None:
        if self._stopping_jobs is not None and not self._stopping_jobs.done():
            self._stopping_jobs.cancel()
        elif self._recovering is not None and not self._recovering.done():
            self._recovering.cancel()
        else:
            self._drain.force()

    async def _release(self, grace: float) -> None:
        try:
            await self._drain(grace)
        finally:
            if self.listener is not None:
                self.listener.cleanup()
            if self.exporter is not None:
                from ..wire.metrics import Exporter

                assert isinstance(self.exporter, Exporter)
                await self.exporter.stop()
            await self.cloud.close()
            await self._close_journal()

    async def _close_journal(self) -> None:
        if self.journal is None:
            return
        if self.recorder is not None:
            await self.recorder.writer.flush()
        await self.journal.close()
        self.journal = None


async def serve(options: CoreServerConfig, logger: Logger) -> int:
    """Run the Core until a signal; returns the exit status. Raises CoreError."""
    from ..wire.metrics import new_registry
    from .config.problems import ConfigProblems, DecodeError

    logger.info("starting...")
    metrics = CoreMetrics(new_registry())
    attributes: telemetry.Attributes = {
        "sacloud.autoscaler.config.path": options.config_path,
        "sacloud.autoscaler.config.strict": options.strict,
    }
    try:
        with telemetry.command_span("Core#New", attributes, kind="internal"):
            config, cloud = await load_and_validate(options, logger, metrics)
    except (DecodeError, ConfigProblems) as exc:
        raise CoreError(str(exc)) from None
    from .journal.location import journal_settings

    settings = journal_settings(
        options.journal_path, config.autoscaler.journal, options.address, options.config_path
    )
    try:
        core = CoreServer(
            options.address, config, cloud, logger, metrics, options.socket_mode, journal=settings
        )
    except CoreError:
        await cloud.close()
        raise
    await run_until_signal(core, float(config.autoscaler.shutdown_grace))
    return 0


async def resources_tree(options: CoreServerConfig, logger: Logger) -> str:
    """The `resources` command's tree of every definition's cloud resources."""
    from .request import TREE_REQUEST
    from .tree import build

    config, cloud = await load_and_validate(options, logger)
    try:
        groups: list[tuple[str | None, list[str]]] = []
        for definition in config.definitions:
            found = await definition.resources(cloud.client, TREE_REQUEST)
            if not found:
                continue
            groups.append((found[0].parent_label(), [r.label() for r in found]))
        return build(groups).render()
    finally:
        await cloud.close()
