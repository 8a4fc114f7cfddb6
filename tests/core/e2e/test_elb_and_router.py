"""Vertical scaling of an ELB (by CPS) and a router (by bandwidth) through the builtin scalers."""

from __future__ import annotations

import time
from typing import Any

from autoscaler.cloud import CloudClient

from .harness import RECORDING_SCRIPT, Stack, done, requests_seen

SEED = """
elbs:
  - name: web-elb
    plan: 100
    servers: [{ip_address: 192.0.2.10, port: 80}]
routers:
  - {name: web-rt, band_width_mbps: 100}
"""

CONFIG = """
resources:
  - type: ELB
    name: elb
    selector: {names: [web-elb]}
  - type: Router
    name: router
    selector: {names: [web-rt], zones: [is1a]}
    plans:
      - {band_width: 100}
      - {band_width: 250}
      - {band_width: 500}
handlers:
  - name: script
    endpoint: unix:handler.sock
autoscaler:
  cooldown: 1
"""


async def _state(client: CloudClient) -> dict[str, Any]:
    (elb,) = await client.elb.find()
    (router,) = await client.internet.find("is1a")
    return {
        "elb": (elb.id, elb.plan, elb.tags, [(s.ip_address, s.port) for s in elb.servers]),
        "router": (router.id, router.band_width_mbps, router.tags),
    }


def test_elb_and_router_plans_change_and_are_found_again(stack: Stack) -> None:
    stack.seed(SEED)
    before = stack.cloud(_state)
    elb_id, router_id = before["elb"][0], before["router"][0]
    stack.handler(stack.script("script.sh", RECORDING_SCRIPT))
    core = stack.core(CONFIG)
    stack.past_cooldown(1)

    assert done(stack.request("Up", "elb"))
    assert done(stack.request("Up", "router"))

    after = stack.cloud(_state)
    assert after["elb"] == (elb_id, 500, [f"@previous-id={elb_id}"], [("192.0.2.10", 80)])
    new_router_id, band_width, tags = after["router"]
    assert new_router_id != router_id  # the fake, as the real API, gives a new router
    assert (band_width, tags) == (250, [f"@previous-id={router_id}"])

    log = core.log()
    assert f'handler=elb-vertical-scaler status=DONE log="plan changed: {{ID:{elb_id}, CPS:500}}"' in log
    assert f'log="plan changed: {{ID:{new_router_id}, BandWidth:250Mbps}}"' in log
    elb_post, router_post = requests_seen(stack.dir / "requests.jsonl")
    assert elb_post["result"] == 2 and router_post["result"] == 2  # UPDATED
    assert elb_post["current"]["Resource"]["Elb"]["plan"] == 500
    # The refresh followed the router to its new ID through the @previous-id tag.
    router = router_post["current"]["Resource"]["Router"]
    assert (router["id"], router["band_width"]) == (str(new_router_id), 250)

    time.sleep(1.1)  # the cooldown counts from the ELB's last change
    assert done(stack.request("Down", "elb"))
    assert stack.cloud(_state)["elb"][1] == 100
