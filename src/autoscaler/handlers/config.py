"""The handlers' additional configuration file (`--config`): strict YAML, upstream's schema."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from ..exporter_config import ExporterConfig
from ..yamlconf import load_file, validate


class HandlersConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    exporter_config: ExporterConfig | None = None


def load(path: str) -> HandlersConfig:
    """Load and validate; raises yamlconf.ConfigError naming the file, line and key."""
    return validate(HandlersConfig, load_file(path))
