"""`exporter_config` — the metrics exporter section shared by handler and Core configuration."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ExporterConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    enabled: bool = False
    # host:port; empty means a random port for handlers (as upstream) and ":8081" for the Core.
    address: str = ""
