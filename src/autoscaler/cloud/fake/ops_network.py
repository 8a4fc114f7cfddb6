"""NICs, switches, packet filters and routers (`internet`, with their backing switch)."""

from __future__ import annotations

import copy
import ipaddress
from typing import Any

from . import pool
from .context import Ctx, Reply, Request, done, found, int_param, ok, route
from .errors import bad_request, conflict
from .ops_servers import check_ref
from .query import apply

Record = dict[str, Any]


# --- interfaces ----------------------------------------------------------------------------------


@route("GET", "interface")
def find_interfaces(ctx: Ctx, req: Request) -> Reply:
    views = [ctx.views.nic(n, with_server=True) for n in ctx.views.nics()]
    total, page = apply(views, req.find)
    return found("Interfaces", total, req.find.from_, page)


@route("GET", "interface/{id}")
def read_interface(ctx: Ctx, req: Request) -> Reply:
    nic = ctx.get("Interface", int_param(req, "id", "Interface"))
    return ok("Interface", ctx.views.nic(nic, with_server=True))


@route("PUT", "interface/{id}")
def update_interface(ctx: Ctx, req: Request) -> Reply:
    nic = ctx.get("Interface", int_param(req, "id", "Interface"))
    body = req.body.obj("Interface", required=True)
    if body.has("UserIPAddress"):
        address = body.text("UserIPAddress")
        if address:
            try:
                ipaddress.IPv4Address(address)
            except ValueError:
                raise bad_request(f"Interface.UserIPAddress: {address!r} is not an IPv4 address") from None
        nic["UserIPAddress"] = address
    ctx.tx.put("Interface", ctx.zone, ctx.touch(nic))
    return ok("Interface", ctx.views.nic(nic, with_server=True))


@route("PUT", "interface/{id}/to/packetfilter/{pf}")
def connect_packet_filter(ctx: Ctx, req: Request) -> Reply:
    nic = ctx.get("Interface", int_param(req, "id", "Interface"))
    pf = ctx.get("PacketFilter", int_param(req, "pf", "PacketFilter"))
    if nic.get("_packet_filter"):
        raise conflict(f"Interface[ID:{nic['ID']}] already has PacketFilter[ID:{nic['_packet_filter']}]")
    nic["_packet_filter"] = pf["ID"]
    ctx.tx.put("Interface", ctx.zone, ctx.touch(nic))
    return done()


@route("DELETE", "interface/{id}/to/packetfilter")
def disconnect_packet_filter(ctx: Ctx, req: Request) -> Reply:
    nic = ctx.get("Interface", int_param(req, "id", "Interface"))
    nic["_packet_filter"] = 0
    ctx.tx.put("Interface", ctx.zone, ctx.touch(nic))
    return done()


def _plug(ctx: Ctx, req: Request, target: str | int) -> Reply:
    nic = ctx.get("Interface", int_param(req, "id", "Interface"))
    if nic.get("_switch"):
        raise conflict(f"Interface[ID:{nic['ID']}] is already connected")
    nic["_switch"] = target
    if target == "shared":
        try:
            nic["IPAddress"] = pool.next_shared_ip(ctx.tx, ctx.zone)
        except pool.PoolExhausted as exc:
            raise conflict(str(exc)) from None
    ctx.tx.put("Interface", ctx.zone, ctx.touch(nic))
    return done()


@route("PUT", "interface/{id}/to/switch/shared")
def connect_shared(ctx: Ctx, req: Request) -> Reply:
    return _plug(ctx, req, "shared")


@route("PUT", "interface/{id}/to/switch/{sw}")
def connect_switch(ctx: Ctx, req: Request) -> Reply:
    switch = ctx.get("Switch", int_param(req, "sw", "Switch"))
    return _plug(ctx, req, int(switch["ID"]))


@route("DELETE", "interface/{id}/to/switch")
def disconnect_switch(ctx: Ctx, req: Request) -> Reply:
    nic = ctx.get("Interface", int_param(req, "id", "Interface"))
    nic["_switch"] = None
    nic["IPAddress"] = ""
    ctx.tx.put("Interface", ctx.zone, ctx.touch(nic))
    return done()


# --- switches and packet filters -----------------------------------------------------------------


@route("GET", "switch")
def find_switches(ctx: Ctx, req: Request) -> Reply:
    total, page = apply([ctx.views.switch(s) for s in ctx.tx.all("Switch", ctx.zone)], req.find)
    return found("Switches", total, req.find.from_, page)


@route("GET", "switch/{id}")
def read_switch(ctx: Ctx, req: Request) -> Reply:
    return ok("Switch", ctx.views.switch(ctx.get("Switch", int_param(req, "id", "Switch"))))


def new_switch(ctx: Ctx, name: str, description: str = "", tags: list[str] | None = None) -> Record:
    switch: Record = {
        "ID": pool.next_id(ctx.tx),
        "Name": name,
        "Description": description,
        "Tags": sorted(tags or []),
        "Icon": {},
        "Scope": "user",
        "Subnets": [],
    }
    return ctx.stamp_new(switch)


@route("POST", "switch")
def create_switch(ctx: Ctx, req: Request) -> Reply:
    body = req.body.obj("Switch", required=True)
    if not body.text("Name"):
        raise bad_request("Switch.Name is required")
    switch = new_switch(ctx, body.text("Name"), body.text("Description"), body.tags())
    subnet = body.obj("UserSubnet")
    if subnet.data:
        switch["UserSubnet"] = {
            "DefaultRoute": subnet.text("DefaultRoute"),
            "NetworkMaskLen": subnet.number("NetworkMaskLen"),
        }
    ctx.tx.put("Switch", ctx.zone, switch)
    return ok("Switch", ctx.views.switch(switch), 201)


@route("DELETE", "switch/{id}")
def delete_switch(ctx: Ctx, req: Request) -> Reply:
    switch = ctx.get("Switch", int_param(req, "id", "Switch"))
    view = ctx.views.switch(switch)
    if view["ServerCount"]:
        raise conflict(f"Switch[ID:{switch['ID']}] still has {view['ServerCount']} NICs connected")
    if switch.get("Internet"):
        raise conflict(f"Switch[ID:{switch['ID']}] belongs to Internet[ID:{switch['Internet'].get('ID')}]")
    ctx.tx.delete("Switch", ctx.zone, int(switch["ID"]))
    return ok("Switch", view)


@route("GET", "packetfilter")
def find_packet_filters(ctx: Ctx, req: Request) -> Reply:
    total, page = apply([ctx.views.plain(p) for p in ctx.tx.all("PacketFilter", ctx.zone)], req.find)
    return found("PacketFilters", total, req.find.from_, page)


@route("GET", "packetfilter/{id}")
def read_packet_filter(ctx: Ctx, req: Request) -> Reply:
    return ok("PacketFilter", ctx.views.plain(ctx.get("PacketFilter", int_param(req, "id", "PacketFilter"))))


# --- routers -------------------------------------------------------------------------------------


def new_router(
    ctx: Ctx,
    name: str,
    *,
    band_width_mbps: int = 100,
    network_mask_len: int = 28,
    description: str = "",
    tags: list[str] | None = None,
) -> Record:
    """A router and its backing switch with one subnet from the pool."""
    _check_bandwidth(ctx, band_width_mbps)
    try:
        network = pool.next_subnet(ctx.tx, network_mask_len)
    except pool.PoolExhausted as exc:
        raise bad_request(f"Internet.NetworkMaskLen: {exc}") from None
    hosts = list(network.hosts())
    router: Record = {
        "ID": pool.next_id(ctx.tx),
        "Name": name,
        "Description": description,
        "Tags": sorted(tags or []),
        "Icon": {},
        "Scope": "user",
        "ServiceClass": f"cloud/internet/router/{band_width_mbps}m",
        "BandWidthMbps": band_width_mbps,
        "NetworkMaskLen": network_mask_len,
    }
    router["CreatedAt"] = ctx.now_text  # routers have no ModifiedAt
    switch = new_switch(ctx, name)
    switch["Subnets"] = [
        {
            "ID": pool.next_id(ctx.tx),
            "NetworkAddress": str(network.network_address),
            "NetworkMaskLen": network_mask_len,
            "DefaultRoute": str(hosts[0]),
            "NextHop": "",
            "StaticRoute": "",
            "IPAddresses": {
                "Min": str(hosts[3]) if len(hosts) > 4 else str(hosts[-1]),
                "Max": str(hosts[-1]),
            },
        }
    ]
    switch["Internet"] = {"ID": router["ID"], "Name": name, "BandWidthMbps": band_width_mbps}
    router["_switch"] = switch["ID"]
    ctx.tx.put("Switch", ctx.zone, switch)
    ctx.tx.put("Internet", ctx.zone, router)
    return router


def _check_bandwidth(ctx: Ctx, mbps: int) -> None:
    plans = ctx.tx.all("InternetPlan", ctx.zone)
    offered = sorted(int(p.get("BandWidthMbps") or 0) for p in plans if p.get("Availability") == "available")
    if mbps not in offered:
        raise bad_request(
            f"Internet.BandWidthMbps: {mbps} is not offered in zone {ctx.zone} "
            f"(plans: {', '.join(str(o) for o in offered)})"
        )


@route("GET", "internet")
def find_routers(ctx: Ctx, req: Request) -> Reply:
    total, page = apply([ctx.views.internet(r) for r in ctx.tx.all("Internet", ctx.zone)], req.find)
    return found("Internet", total, req.find.from_, page)


@route("GET", "internet/{id}")
def read_router(ctx: Ctx, req: Request) -> Reply:
    return ok("Internet", ctx.views.internet(ctx.get("Internet", int_param(req, "id", "Internet"))))


@route("POST", "internet")
def create_router(ctx: Ctx, req: Request) -> Reply:
    body = req.body.obj("Internet", required=True)
    if not body.text("Name"):
        raise bad_request("Internet.Name is required")
    router = new_router(
        ctx,
        body.text("Name"),
        band_width_mbps=body.number("BandWidthMbps", 100),
        network_mask_len=body.number("NetworkMaskLen", 28),
        description=body.text("Description"),
        tags=body.tags(),
    )
    return ok("Internet", ctx.views.internet(router), 201)


@route("PUT", "internet/{id}")
def update_router(ctx: Ctx, req: Request) -> Reply:
    router = ctx.get("Internet", int_param(req, "id", "Internet"))
    body = req.body.obj("Internet", required=True)
    if body.has("Name"):
        router["Name"] = body.text("Name")
    if body.has("Description"):
        router["Description"] = body.text("Description")
    if body.has("Tags"):
        router["Tags"] = body.tags()
    if body.has("Icon"):
        router["Icon"] = check_ref(ctx, "Icon", body.id("Icon"), "Internet.Icon", global_=True)
    ctx.tx.put("Internet", ctx.zone, router)
    return ok("Internet", ctx.views.internet(router))


@route("PUT", "internet/{id}/bandwidth")
def update_bandwidth(ctx: Ctx, req: Request) -> Reply:
    """The real API builds a new router for a new bandwidth: new ID, new CreatedAt, same subnets."""
    old = ctx.get("Internet", int_param(req, "id", "Internet"))
    mbps = req.body.obj("Internet", required=True).number("BandWidthMbps")
    _check_bandwidth(ctx, mbps)
    new = copy.deepcopy(old)
    new["ID"] = pool.next_id(ctx.tx)
    new["BandWidthMbps"] = mbps
    new["ServiceClass"] = f"cloud/internet/router/{mbps}m"
    new["CreatedAt"] = ctx.now_text
    ctx.tx.delete("Internet", ctx.zone, int(old["ID"]))
    ctx.tx.put("Internet", ctx.zone, new)
    switch = ctx.tx.get("Switch", ctx.zone, int(old.get("_switch") or 0))
    if switch is not None:
        switch["Internet"] = {"ID": new["ID"], "Name": new.get("Name", ""), "BandWidthMbps": mbps}
        ctx.tx.put("Switch", ctx.zone, ctx.touch(switch))
    return ok("Internet", ctx.views.internet(new))


@route("DELETE", "internet/{id}")
def delete_router(ctx: Ctx, req: Request) -> Reply:
    router = ctx.get("Internet", int_param(req, "id", "Internet"))
    view = ctx.views.internet(router)
    switch_id = int(router.get("_switch") or 0)
    if switch_id and any(n.get("_switch") == switch_id for n in ctx.views.nics()):
        raise conflict(f"Internet[ID:{router['ID']}]: servers are still connected to its switch")
    if switch_id:
        ctx.tx.delete("Switch", ctx.zone, switch_id)
    ctx.tx.delete("Internet", ctx.zone, int(router["ID"]))
    return ok("Internet", view)
