"""Names the spans share with upstream (no OpenTelemetry import: anyone may read these)."""

from __future__ import annotations

# Upstream's instrumentation scope (its `otel.Tracer(AppName)`).
TRACER_NAME = "github.com/sacloud/autoscaler"
# Upstream's span attribute prefix.
PREFIX = "sacloud.autoscaler."
