"""The inputs' additional configuration file (`--config`): strict YAML, upstream's schema.

Upstream knows only `exporter_config`; `token` is an addition (the shared secret of `--token`,
kept out of the process list and shell history by living in a file).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, field_validator

from ..wire.exporter_config import ExporterConfig
from ..yamlconf import load_file, validate


class InputsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    exporter_config: ExporterConfig | None = None
    token: str = ""

    @field_validator("token")
    @classmethod
    def _printable(cls, value: str) -> str:
        # It travels in an HTTP header and a URL, where only printable ASCII is safe.
        if not all(0x21 <= ord(c) <= 0x7E for c in value):
            raise ValueError("must be printable ASCII without spaces")
        return value

    @property
    def exporter_address(self) -> str | None:
        """Where the exporter listens (used verbatim; "" = any port), None when disabled."""
        conf = self.exporter_config
        return conf.address if conf is not None and conf.enabled else None


def load(path: str) -> InputsConfig:
    """Load and validate `path` ("" = no file); raises yamlconf.ConfigError naming file and line."""
    if not path:
        return InputsConfig()
    return validate(InputsConfig, load_file(path))
