"""The published API works end to end against the in-process fake."""

from __future__ import annotations

from autoscaler.cloud import CloudClient, CloudError, PlanChange, ServerCreate, by_names, helpers


async def test_server_lifecycle(client: CloudClient) -> None:
    created = await client.servers.create(
        "is1a", ServerCreate(name="web-001", cpu=2, memory_mb=4096, connected_switches=["shared"])
    )
    assert created.interfaces[0].upstream_type == "shared"
    assert [s.name for s in await client.servers.find("is1a", by_names("web"))] == ["web-001"]
    new = await helpers.change_server_plan(client, "is1a", created.id, PlanChange(cpu=4, memory_mb=8192))
    assert new.id != created.id
    assert f"@previous-id={created.id}" in new.tags
    assert (await helpers.read_server(client, "is1a", created.id)).id == new.id
    await client.servers.delete_with_disks("is1a", new.id, [])
    try:
        await client.servers.read("is1a", new.id)
    except CloudError as exc:
        assert exc.status == 404
    else:
        raise AssertionError("deleted server still readable")
