"""Names shared with upstream and the OpenTelemetry conventions, and the set-up error (no
OpenTelemetry import: anyone may read these)."""

from __future__ import annotations

# Upstream's instrumentation scope (its `otel.Tracer(AppName)`).
TRACER_NAME = "github.com/sacloud/autoscaler"
# Upstream's span attribute prefix.
PREFIX = "sacloud.autoscaler."

ENDPOINT_VARIABLE = "OTEL_EXPORTER_OTLP_ENDPOINT"
DISABLED_VARIABLE = "OTEL_SDK_DISABLED"


class TelemetryError(Exception):
    """The SDK could not be set up; `str()` follows upstream's `Error in initializing OTel SDK: `."""
