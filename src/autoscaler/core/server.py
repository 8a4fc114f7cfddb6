"""The Core's life: load and validate the configuration, serve ScalingService, drain on a signal.

`serve()` is what `autoscaler start` runs. On SIGTERM/SIGINT the Core refuses new requests,
waits for every running job (up to `autoscaler.shutdown_grace_period`), stops the gRPC
server, removes its socket file and exits 0 — or 1 when jobs were still running at the end of
the grace period, as upstream reports it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from ..log import Logger
from ..proto import request_pb2, request_pb2_grpc
from ..wire.address import AddressError
from ..wire.server import GrpcDrain, Listener, add_standard_services, bind, new_server, run_until_signal
from .binding import CloudBinding
from .config.load import load_config
from .config.model import Config
from .config.validate import validate_config
from .handlers import CustomRef, HandlerRef
from .metrics import CoreMetrics
from .resources.context import CloudContext
from .service import CoreState, Definitions, ScalingService

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


BindingFactory = Callable[[Config, Logger], CloudBinding]


def default_binding(config: Config, logger: Logger) -> CloudBinding:
    from .sakura import SakuraBinding

    binding: CloudBinding = SakuraBinding(config, logger)
    return binding


async def load_and_validate(
    options: CoreServerConfig,
    logger: Logger,
    metrics: CoreMetrics | None = None,
    binding_factory: BindingFactory = default_binding,
) -> tuple[Config, CloudBinding]:
    """Load and validate; raises DecodeError or ConfigProblems."""
    logger.debug("loading config", ("config-path", options.config_path))
    config = load_config(options.config_path, options.strict)
    logger.debug("validating config")
    binding = binding_factory(config, logger)
    try:
        ctx = CloudContext(cloud=binding, logger=logger, zones=binding.zones)
        await validate_config(
            config,
            ctx,
            binding.account_check,
            binding.check_definition,
            options.handlers_wait,
            metrics.handler_errors.inc if metrics is not None else lambda: None,
        )
    except BaseException:
        await binding.close()
        raise
    return config, binding


def handler_refs(config: Config, binding: CloudBinding, metrics: CoreMetrics | None) -> list[HandlerRef]:
    """Builtins in their fixed order (fresh objects per job), then custom handlers in file order."""
    on_error = metrics.handler_errors.inc if metrics is not None else lambda: None
    refs: list[HandlerRef] = list(binding.builtin_handlers(config.autoscaler.enabled_builtins()))
    refs += [CustomRef(h.name, h.endpoint, on_error) for h in config.custom_handlers]
    return refs


class CoreServer:
    """The Core on one address: a `wire.server.Service`."""

    def __init__(
        self, address: str, config: Config, binding: CloudBinding, logger: Logger, metrics: CoreMetrics
    ) -> None:
        self.address = address
        self.config = config
        self.binding = binding
        self.logger = logger
        self.registry = metrics.registry
        self.metrics = metrics
        self.state = CoreState(
            config,
            Definitions(binding.resources, binding.last_modified),
            lambda: handler_refs(config, binding, self.metrics),
            logger,
            self.metrics,
        )
        self.server = new_server()
        request_pb2_grpc.add_ScalingServiceServicer_to_server(ScalingService(self.state), self.server)
        add_standard_services(
            self.server, [request_pb2.DESCRIPTOR.services_by_name["ScalingService"].full_name]
        )
        self.listener: Listener | None = None
        self.exporter: object | None = None
        self._drain = GrpcDrain(self.server)
        self._stopping_jobs: asyncio.Future[bool] | None = None

    async def start(self) -> str:
        try:
            self.listener = bind(self.server, self.address, self.logger)
        except AddressError as exc:
            await self.binding.close()
            raise CoreError(str(exc)) from None
        await self.server.start()
        if self.config.autoscaler.exporter_enabled:
            from ..metrics import Exporter

            exporter = Exporter(self.config.autoscaler.exporter_address, self.registry, self.logger)
            try:
                await exporter.start()
            except OSError as exc:
                await self._release(RPC_DRAIN_GRACE)
                raise CoreError(
                    f"listen tcp {self.config.autoscaler.exporter_address}: {exc.strerror}"
                ) from None
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
            for task in list(self.state.running):
                task.cancel()
        self.logger.info("shutting down", error="context canceled")
        await self._release(RPC_DRAIN_GRACE)
        if not clean:
            raise CoreError("failed to stop core instance: context deadline exceeded")

    def force(self) -> None:
        if self._stopping_jobs is not None and not self._stopping_jobs.done():
            self._stopping_jobs.cancel()
        else:
            self._drain.force()

    async def _release(self, grace: float) -> None:
        try:
            await self._drain(grace)
        finally:
            if self.listener is not None:
                self.listener.cleanup()
            if self.exporter is not None:
                from ..metrics import Exporter

                assert isinstance(self.exporter, Exporter)
                await self.exporter.stop()
            await self.binding.close()


async def serve(
    options: CoreServerConfig, logger: Logger, binding_factory: BindingFactory = default_binding
) -> int:
    """Run the Core until a signal; returns the exit status. Raises CoreError."""
    from ..metrics import new_registry
    from .config.problems import ConfigProblems, DecodeError

    logger.info("starting...")
    metrics = CoreMetrics(new_registry())
    try:
        config, binding = await load_and_validate(options, logger, metrics, binding_factory)
    except (DecodeError, ConfigProblems) as exc:
        raise CoreError(str(exc)) from None
    core = CoreServer(options.address, config, binding, logger, metrics)
    await run_until_signal(core, float(config.autoscaler.shutdown_grace))
    return 0


async def resources_tree(
    options: CoreServerConfig, logger: Logger, binding_factory: BindingFactory = default_binding
) -> str:
    """The `resources` command's tree of every definition's cloud resources."""
    from .request import TREE_REQUEST
    from .tree import build

    config, binding = await load_and_validate(options, logger, None, binding_factory)
    try:
        groups: list[tuple[str | None, list[str]]] = []
        for definition in config.definitions:
            found = await binding.resources(definition, TREE_REQUEST, logger)
            if not found:
                continue
            groups.append((found[0].parent_label(), [r.label() for r in found]))
        return build(groups).render()
    finally:
        await binding.close()
