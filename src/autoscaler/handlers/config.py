"""The handlers' additional configuration file (`--config`): strict YAML, upstream's schema."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from ..wire.exporter_config import ExporterConfig
from ..yamlconf import load_file, validate


class HandlersConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    exporter_config: ExporterConfig | None = None


def load(path: str) -> HandlersConfig:
    """Load and validate; raises yamlconf.ConfigError naming the file, line and key."""
    return validate(HandlersConfig, load_file(path))


def exporter_address(path: str) -> str | None:
    """Where the exporter listens per the file at `path`; None when there is no exporter."""
    if not path:
        return None
    conf = load(path).exporter_config
    return conf.address if conf is not None and conf.enabled else None
