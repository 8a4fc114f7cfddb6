"""The token never reaches the log, however the client encodes it (issue 12, item 4)."""

from __future__ import annotations

import io

import pytest

from autoscaler.inputs.alertmanager import AlertmanagerInput
from autoscaler.log import new_logger

from .conftest import RecordingCore, fixture
from .helpers import serving

TOKEN = "k/Zq+8w="  # base64 tokens carry `/`, `+` and `=`, which clients percent-encode
ENCODINGS = ["k%2FZq%2B8w%3D", "k%2fZq%2b8w%3d", "k%2FZq+8w%3D", "%6B%2FZq%2B8w%3D", "k/Zq%208w="]


@pytest.mark.parametrize("fmt", ["logfmt", "json"])
async def test_encoded_tokens_are_redacted_from_the_debug_dump(core: RecordingCore, fmt: str) -> None:
    payload = fixture("alertmanager_firing.json")
    async with serving(AlertmanagerInput(), "debug", dest=core.address, token=TOKEN) as served:
        served.web.logger.sink.fmt = fmt
        accepted = await served.client.post(f"/up?resource-name=web&token={ENCODINGS[0]}", content=payload)
        for encoded in ENCODINGS[1:]:
            await served.client.post(f"/up?token={encoded}&x={encoded}", content=payload + encoded.encode())
        for scheme in ("Bearer", "bearer", "BEARER"):
            await served.client.post("/down", content=payload, headers={"Authorization": f"{scheme} {TOKEN}"})
        await served.client.post("/down", content=TOKEN.encode(), headers={"X-Echo": ENCODINGS[0]})
    assert accepted.status_code == 200  # the percent-encoded token is the token
    log = served.log.getvalue()
    assert log.count("[redacted]") >= 10
    for form in (TOKEN, *ENCODINGS, "8w%3D", "Zq%2B8w"):
        assert form not in log, form
    assert "Authorization: Bearer [redacted]" in log.replace("\\r\\n", "\n")


@pytest.mark.parametrize("level", ["debug", "info", "warn", "error"])
def test_every_level_and_value_is_redacted(level: str) -> None:
    stream = io.StringIO()
    logger = new_logger("debug", "logfmt", stream)
    logger.sink.add_secret(TOKEN)
    getattr(logger, level)(f"url /up?token={ENCODINGS[0]}", error=f"bad {ENCODINGS[1]}", n=3)
    line = stream.getvalue()
    assert "token=[redacted]" in line and "bad [redacted]" in line and "n=3" in line
