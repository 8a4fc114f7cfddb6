"""The OpenTelemetry SDK set up as upstream's go-otelsetup does, with the Python SDK's pieces.

- Resource: `service.name=autoscaler`, `service.namespace=sacloud`, `service.version`,
  `service.instance.id` (the host name) over `OTEL_RESOURCE_ATTRIBUTES`, plus host, OS and
  process facts (never the command line: it can hold the inputs' `--token`).
- Traces: a batch span processor and the OTLP/gRPC span exporter. The exporter, the sampler and
  the batching read the standard variables themselves (`OTEL_EXPORTER_OTLP_*` endpoint, headers,
  timeout, insecure, certificate, compression; `OTEL_TRACES_SAMPLER[_ARG]`; `OTEL_BSP_*`).
- Metrics: a meter provider with the OTLP/gRPC metric exporter (for instrumentation that records
  OpenTelemetry metrics), and the Prometheus registry bridge (`bridge.py`) for our own metrics.
- Propagation: the API's default, W3C trace context and baggage (`OTEL_PROPAGATORS` honoured).
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from opentelemetry import metrics, trace
from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.resources import OsResourceDetector, ProcessResourceDetector, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from ..version import VERSION
from .bridge import RegistryBridge
from .names import ENDPOINT_VARIABLE, TelemetryError

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

SERVICE_NAME = "autoscaler"
SERVICE_NAMESPACE = "sacloud"
# Process facts that may carry secrets given on the command line.
_PRIVATE_PROCESS_KEYS = ("process.command_line", "process.command_args", "process.command")
# Numbers the exporters parse without naming the variable when one is wrong.
_NUMERIC_VARIABLES = (
    "OTEL_EXPORTER_OTLP_TIMEOUT",
    "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
    "OTEL_EXPORTER_OTLP_METRICS_TIMEOUT",
    "OTEL_METRIC_EXPORT_INTERVAL",
    "OTEL_METRIC_EXPORT_TIMEOUT",
)


def service_resource() -> Resource:
    """The resource of every span and metric this process sends."""
    host = socket.gethostname()
    process = ProcessResourceDetector().detect()
    facts = {k: v for k, v in process.attributes.items() if k not in _PRIVATE_PROCESS_KEYS}
    detected = Resource(facts).merge(OsResourceDetector().detect()).merge(Resource({"host.name": host}))
    # As upstream: what the environment says first, then our service attributes over it.
    ours = Resource.create(
        {
            "service.name": SERVICE_NAME,
            "service.namespace": SERVICE_NAMESPACE,
            "service.version": VERSION,
            "service.instance.id": host,
        }
    )
    return detected.merge(ours)


def _check_numbers() -> None:
    for name in _NUMERIC_VARIABLES:
        value = os.environ.get(name, "")
        if not value:
            continue
        try:
            float(value)
        except ValueError:
            raise TelemetryError(f"{name}={value!r}: not a number") from None


@dataclass
class Session:
    """The providers of one process, and what the rest of the program borrows from them."""

    tracer_provider: TracerProvider
    meter_provider: MeterProvider
    resource: Resource
    grpc_client_interceptors: list[Any] = field(default_factory=list)
    grpc_server_interceptors: list[Any] = field(default_factory=list)
    bridges: list[RegistryBridge] = field(default_factory=list)

    def export_registry(self, registry: CollectorRegistry) -> None:
        if any(b.registry is registry for b in self.bridges):
            return
        bridge = RegistryBridge(registry, self.resource, OTLPMetricExporter())
        bridge.start()
        self.bridges.append(bridge)

    def shutdown(self) -> None:
        for bridge in self.bridges:
            bridge.shutdown()
        self.tracer_provider.shutdown()
        self.meter_provider.shutdown()


def start() -> Session:
    """Set the global providers; raises TelemetryError when the configuration is unusable."""
    _check_numbers()
    resource = service_resource()
    try:
        span_exporter = OTLPSpanExporter()
        metric_exporter = OTLPMetricExporter()
    except ValueError as exc:
        endpoint = os.environ.get(ENDPOINT_VARIABLE, "")
        raise TelemetryError(f"OTLP exporter for {ENDPOINT_VARIABLE}={endpoint!r}: {exc}") from None
    tracer_provider = TracerProvider(resource=resource)
    tracer_provider.add_span_processor(BatchSpanProcessor(span_exporter))
    meter_provider = MeterProvider(
        resource=resource, metric_readers=[PeriodicExportingMetricReader(metric_exporter)]
    )
    trace.set_tracer_provider(tracer_provider)
    metrics.set_meter_provider(meter_provider)
    from .instrument import grpc_client_interceptors, grpc_server_interceptors

    return Session(
        tracer_provider,
        meter_provider,
        resource,
        grpc_client_interceptors=grpc_client_interceptors(),
        grpc_server_interceptors=grpc_server_interceptors(),
    )
