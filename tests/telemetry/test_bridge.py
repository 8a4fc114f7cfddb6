"""The Prometheus registry as OTLP metrics: names, kinds, buckets; sent to a real receiver."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter
from opentelemetry.sdk.metrics.export import Gauge, Histogram, Sum
from opentelemetry.sdk.resources import Resource
from prometheus_client import CollectorRegistry, Counter
from prometheus_client import Histogram as PromHistogram

from autoscaler.core.metrics import CoreMetrics
from autoscaler.inputs.metrics import WebhookMetrics
from autoscaler.telemetry.bridge import RegistryBridge, convert
from autoscaler.wire.metrics import new_registry

from .receiver import Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver().start()
    try:
        yield r
    finally:
        r.stop()


def _registry() -> CollectorRegistry:
    registry = new_registry()
    core = CoreMetrics(registry)
    core.job_status(1)  # ACCEPTED
    core.job_status(3)  # DONE
    core.handler_call("script", "Handle", 0.2)
    core.handler_call("script", "Handle", 7.0)
    return registry


def _webhook_registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    WebhookMetrics(registry).count("up", 200)
    return registry


def test_counters_histograms_and_gauges_keep_their_prometheus_names() -> None:
    metrics = {m.name: m for m in convert(_registry(), 1, 2)}

    jobs = metrics["sacloud_autoscaler_core_jobs_total"]
    assert isinstance(jobs.data, Sum) and jobs.data.is_monotonic
    assert {dict(p.attributes or {})["status"]: p.value for p in jobs.data.data_points} == {
        "JOB_ACCEPTED": 1,
        "JOB_DONE": 1,
    }
    # The webhook counters have no `_total`, as upstream's (and no `_created` anywhere).
    up = {m.name: m for m in convert(_webhook_registry(), 1, 2)}["sacloud_autoscaler_webhook_requests_up"]
    assert isinstance(up.data, Sum)
    assert {dict(p.attributes or {})["code"]: p.value for p in up.data.data_points} == {
        "200": 1,
        "400": 0,
        "500": 0,
    }
    assert not [name for name in metrics if name.endswith("_created")]

    calls = metrics["sacloud_autoscaler_core_handler_call_duration_seconds"]
    assert isinstance(calls.data, Histogram)
    (point,) = calls.data.data_points
    assert point.attributes == {"handler": "script", "step": "Handle"}
    assert point.count == 2 and point.sum == pytest.approx(7.2)
    # Cumulative Prometheus buckets become per-bucket counts, +Inf last.
    assert len(point.bucket_counts) == len(point.explicit_bounds) + 1
    assert sum(point.bucket_counts) == 2
    assert point.bucket_counts[point.explicit_bounds.index(0.25)] == 1  # 0.2 s
    assert point.bucket_counts[point.explicit_bounds.index(10)] == 1  # 7 s

    assert isinstance(metrics["process_resident_memory_bytes"].data, Gauge)


def test_a_histogram_with_no_observation_and_a_plain_counter() -> None:
    registry = CollectorRegistry()
    PromHistogram("empty_seconds", "nothing yet", buckets=(1, 2), registry=registry)
    Counter("things", "counted", registry=registry).inc(3)
    metrics = {m.name: m for m in convert(registry, 1, 2)}
    histogram, counter = metrics["empty_seconds"].data, metrics["things_total"].data
    assert isinstance(histogram, Histogram) and isinstance(counter, Sum)
    (point,) = histogram.data_points
    assert (point.count, list(point.bucket_counts), list(point.explicit_bounds)) == (0, [0, 0, 0], [1.0, 2.0])
    (total,) = counter.data_points
    assert total.value == 3


def test_the_bridge_exports_to_a_collector_and_once_more_at_shutdown(receiver: Receiver) -> None:
    registry = _registry()
    exporter = OTLPMetricExporter(endpoint=f"127.0.0.1:{receiver.port}", insecure=True)
    bridge = RegistryBridge(registry, Resource({"service.name": "autoscaler"}), exporter)
    bridge.interval = 3600.0  # only the export at shutdown
    bridge.start()
    bridge.shutdown()
    exported = receiver.metrics()
    names = {metric.name for _, metric in exported}
    assert {
        "sacloud_autoscaler_core_jobs_total",
        "sacloud_autoscaler_core_handler_call_duration_seconds",
    } <= names
    assert {resource["service.name"] for resource, _ in exported} == {"autoscaler"}
    histogram = next(
        m for _, m in exported if m.name == "sacloud_autoscaler_core_handler_call_duration_seconds"
    )
    (point,) = histogram.histogram.data_points
    assert point.count == 2 and not point.HasField("min")  # Prometheus does not know the minimum
