"""Upstream's own e2e configuration, unchanged, scaling on the fake cloud seeded for it."""

from __future__ import annotations

from pathlib import Path

from .harness import Stack, done

ROOT = Path(__file__).resolve().parents[3]


def test_upstream_horizontal_scaling_config_scales_to_a_named_size(stack: Stack) -> None:
    stack.seed((ROOT / "examples" / "fake-cloud" / "e2e.yaml").read_text())
    config = (ROOT / "tests" / "core" / "fixtures" / "upstream_e2e_horizontal_scaling.yaml").read_text()
    core = stack.core(config)
    name = "autoscaler-e2e-horizontal-scaling"

    assert done(stack.request("Up", name, desired="medium"))

    members = {
        n: s for zone in ("tk1b", "is1b") for n, s in stack.servers(zone).items() if n.startswith(name)
    }
    assert sorted(members) == [f"{name}-001", f"{name}-002", f"{name}-003"]
    assert [members[f"{name}-00{i}"].zone.name for i in (1, 2, 3)] == ["tk1b", "is1b", "tk1b"]
    addresses = {s.interfaces[0].ip_address for s in members.values()}
    assert {ip for ip, port, enabled in stack.elb_servers(name) if port == 80 and enabled} == addresses
    assert core.log().count("handler=server-horizontal-scaler status=DONE log=started") == 3
