"""The Core's metrics: upstream's gRPC error counter, plus job and handler-call figures."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

from ..wire.metrics import grpc_errors
from .job import status_name

# Handler calls range from milliseconds (a no-op builtin) to many minutes (a server boot).
CALL_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800)


class CoreMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        errors = grpc_errors(registry)
        self.core_errors = errors.labels("core")
        self.handler_errors = errors.labels("core_to_handlers")
        self._jobs = Counter(
            "sacloud_autoscaler_core_jobs",
            "Scaling jobs that reached a status, by status",
            ["status"],
            registry=registry,
        )
        self._calls = Histogram(
            "sacloud_autoscaler_core_handler_call_duration_seconds",
            "Duration of calls from the Core to handlers, by handler and step",
            ["handler", "step"],
            buckets=CALL_BUCKETS,
            registry=registry,
        )

    def job_status(self, status: int) -> None:
        self._jobs.labels(status_name(status)).inc()

    def handler_call(self, handler: str, step: str, seconds: float) -> None:
        self._calls.labels(handler, step).observe(seconds)
