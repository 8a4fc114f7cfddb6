"""ELB (ProxyLB), GSLB and DNS under `commonserviceitem` (global), and LoadBalancer appliances.

Settings updates are conditional, as on the real API: an update quoting a `SettingsHash`
other than the current one is refused (409), and every accepted change gives a new hash and
a new ModifiedAt. Health reports follow the fake servers: a real server whose address belongs
to a fake server that is not up is reported `DOWN`.
"""

from __future__ import annotations

import copy
import ipaddress
from typing import Any

from . import pool
from .body import Body
from .clock import start_power
from .context import Ctx, Reply, Request, done, found, int_param, ok, route
from .errors import ApiError, bad_request, conflict, not_found
from .ops_servers import check_ref, zone_info
from .query import apply
from .store import GLOBAL
from .views import settings_hash

Record = dict[str, Any]
PROVIDERS = ("proxylb", "gslb", "dns")
ELB_PLANS = (100, 500, 1000, 5000, 10000, 50000, 100000, 400000)
DNS_TYPES = ("A", "AAAA", "ALIAS", "CNAME", "NS", "MX", "TXT", "SRV", "CAA", "PTR", "HTTPS", "SVCB")
LB_PROTOCOLS = ("http", "https", "ping", "tcp")


# --- validation of settings ----------------------------------------------------------------------


def _ip(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise bad_request(f"{where} must be an IPv4 address")
    try:
        ipaddress.IPv4Address(value)
    except ValueError:
        raise bad_request(f"{where}: {value!r} is not an IPv4 address") from None
    return value


def _port(value: Any, where: str, *, as_text: bool) -> int:
    if (
        isinstance(value, bool)
        or (as_text and not isinstance(value, str))
        or (not as_text and not isinstance(value, int))
    ):
        kind = "a decimal string" if as_text else "a number"
        raise bad_request(f"{where} must be {kind}, got {value!r}")
    try:
        port = int(value)
    except ValueError:
        raise bad_request(f"{where}: {value!r} is not a port number") from None
    if not 1 <= port <= 65535:
        raise bad_request(f"{where}: {port} is not a port number")
    return port


def _flag(value: Any, where: str) -> None:
    if not isinstance(value, str) or value.lower() not in ("true", "false"):
        raise bad_request(f'{where} must be "True" or "False", got {value!r}')


def check_proxylb(settings: Body) -> Record:
    for i, raw in enumerate(settings.array("Servers")):
        where = f"Settings.ProxyLB.Servers[{i}]"
        server = Body(raw, where)
        _ip(server.raw("IPAddress"), f"{where}.IPAddress")
        _port(server.raw("Port"), f"{where}.Port", as_text=False)
        server.flag("Enabled")
        server.text("ServerGroup")
    for key in ("BindPorts", "Rules"):
        settings.array(key)
    return copy.deepcopy(settings.data)


def check_gslb(settings: Body) -> Record:
    for i, raw in enumerate(settings.array("Servers")):
        where = f"Settings.GSLB.Servers[{i}]"
        server = Body(raw, where)
        _ip(server.raw("IPAddress"), f"{where}.IPAddress")
        _flag(server.raw("Enabled"), f"{where}.Enabled")
        if server.has("Weight") and server.raw("Weight") != "":
            weight = server.raw("Weight")
            if not (isinstance(weight, str) and weight.isdigit()):
                raise bad_request(f"{where}.Weight must be a decimal string, got {weight!r}")
    if settings.has("Weighted"):
        _flag(settings.raw("Weighted"), "Settings.GSLB.Weighted")
    return copy.deepcopy(settings.data)


def check_dns(settings: Body) -> Record:
    records = settings.raw("ResourceRecordSets")
    if not isinstance(records, list):
        raise bad_request("Settings.DNS.ResourceRecordSets must be an array")
    for i, raw in enumerate(records):
        where = f"Settings.DNS.ResourceRecordSets[{i}]"
        record = Body(raw, where)
        if record.text("Type") not in DNS_TYPES:
            raise bad_request(f"{where}.Type: {record.text('Type')!r} is not a record type")
        if record.text("Type") == "A":
            _ip(record.raw("RData"), f"{where}.RData")
        record.number("TTL")
    return copy.deepcopy(settings.data)


def check_lb(vips: Any) -> list[Any]:
    if not isinstance(vips, list):
        raise bad_request("Settings.LoadBalancer must be an array")
    for i, raw in enumerate(vips):
        where = f"Settings.LoadBalancer[{i}]"
        vip = Body(raw, where)
        _ip(vip.raw("VirtualIPAddress"), f"{where}.VirtualIPAddress")
        _port(vip.raw("Port"), f"{where}.Port", as_text=True)
        servers = vip.raw("Servers")
        if not isinstance(servers, list):
            raise bad_request(f"{where}.Servers must be an array")
        for j, item in enumerate(servers):
            at = f"{where}.Servers[{j}]"
            server = Body(item, at)
            _ip(server.raw("IPAddress"), f"{at}.IPAddress")
            _port(server.raw("Port"), f"{at}.Port", as_text=True)
            _flag(server.raw("Enabled"), f"{at}.Enabled")
            check = server.obj("HealthCheck")
            if check.text("Protocol") not in LB_PROTOCOLS:
                raise bad_request(f"{at}.HealthCheck.Protocol must be one of {', '.join(LB_PROTOCOLS)}")
    return copy.deepcopy(vips)


# --- common service items ------------------------------------------------------------------------


def provider(record: Record) -> str:
    return str((record.get("Provider") or {}).get("Class", ""))


def _item(ctx: Ctx, req: Request) -> Record:
    return ctx.get_global("CommonServiceItem", int_param(req, "id", "CommonServiceItem"))


def _set_settings(record: Record, key: str, settings: Any) -> None:
    record["Settings"] = {key: settings}
    record["SettingsHash"] = settings_hash(record["Settings"])


def new_service_item(
    ctx: Ctx, kind: str, name: str, settings: Any, *, description: str = "", tags: list[str] | None = None
) -> Record:
    key = {"proxylb": "ProxyLB", "gslb": "GSLB", "dns": "DNS"}[kind]
    item: Record = {
        "ID": pool.next_id(ctx.tx),
        "Name": name,
        "Description": description,
        "Tags": sorted(tags or []),
        "Icon": {},
        "Availability": "available",
        "Provider": {"Class": kind},
    }
    _set_settings(item, key, settings)
    ctx.stamp_new(item)
    if kind == "gslb":
        item["ServiceClass"] = "cloud/gslb"
        item["Status"] = {"FQDN": f"site-{item['ID']}.gslb7.example.ne.jp"}
    elif kind == "dns":
        item["ServiceClass"] = "cloud/dns"
        item["Status"] = {"Zone": name, "NS": ["ns1.gslb4.sakura.ne.jp", "ns2.gslb4.sakura.ne.jp"]}
    return item


def new_proxylb(
    ctx: Ctx,
    name: str,
    settings: Record,
    *,
    plan: int = 100,
    region: str = "is1",
    vip: str = "",
    description: str = "",
    tags: list[str] | None = None,
) -> Record:
    if plan not in ELB_PLANS:
        raise bad_request(f"ProxyLB plan {plan} is not offered (plans: {', '.join(map(str, ELB_PLANS))})")
    item = new_service_item(ctx, "proxylb", name, settings, description=description, tags=tags)
    kind = "anycast" if region == "anycast" else "plain"
    item["ServiceClass"] = f"cloud/proxylb/{kind}/{plan}"
    try:
        proxy = pool.next_shared_ip(ctx.tx, "is1a")
    except pool.PoolExhausted:
        proxy = "192.0.2.254"
    item["Status"] = {
        "UseVIPFailover": not vip,
        "Region": region,
        "ProxyNetworks": [f"{proxy}/24"],
        "FQDN": f"site-{item['ID']}.proxylb1.sakura.ne.jp",
        "VirtualIPAddress": vip,
    }
    return item


@route("GET", "commonserviceitem")
def find_items(ctx: Ctx, req: Request) -> Reply:
    items = [ctx.views.plain(r) for r in ctx.tx.all("CommonServiceItem", GLOBAL)]
    total, page = apply(items, req.find)
    return found("CommonServiceItems", total, req.find.from_, page)


@route("GET", "commonserviceitem/{id}")
def read_item(ctx: Ctx, req: Request) -> Reply:
    return ok("CommonServiceItem", ctx.views.plain(_item(ctx, req)))


@route("POST", "commonserviceitem")
def create_item(ctx: Ctx, req: Request) -> Reply:
    body = req.body.obj("CommonServiceItem", required=True)
    kind = body.obj("Provider").text("Class")
    if kind not in PROVIDERS:
        raise bad_request(
            f"CommonServiceItem.Provider.Class must be one of {', '.join(PROVIDERS)}, got {kind!r}"
        )
    if not body.text("Name"):
        raise bad_request("CommonServiceItem.Name is required")
    settings = body.obj("Settings")
    if kind == "proxylb":
        plan = 100
        service_class = body.text("ServiceClass")
        if service_class:
            plan = _elb_plan(service_class)
        status = body.obj("Status")
        item = new_proxylb(
            ctx,
            body.text("Name"),
            check_proxylb(settings.obj("ProxyLB")),
            plan=plan,
            region=status.text("Region") or "is1",
            vip="" if status.flag("UseVIPFailover") else status.text("VirtualIPAddress"),
            description=body.text("Description"),
            tags=body.tags(),
        )
    elif kind == "gslb":
        item = new_service_item(
            ctx,
            kind,
            body.text("Name"),
            check_gslb(settings.obj("GSLB")),
            description=body.text("Description"),
            tags=body.tags(),
        )
    else:
        dns = settings.obj("DNS")
        if not dns.has("ResourceRecordSets"):
            dns.data["ResourceRecordSets"] = []
        item = new_service_item(
            ctx,
            kind,
            body.text("Name"),
            check_dns(dns),
            description=body.text("Description"),
            tags=body.tags(),
        )
    ctx.tx.put("CommonServiceItem", GLOBAL, item)
    return ok("CommonServiceItem", ctx.views.plain(item), 201)


@route("PUT", "commonserviceitem/{id}")
def update_item(ctx: Ctx, req: Request) -> Reply:
    item = _item(ctx, req)
    body = req.body.obj("CommonServiceItem", required=True)
    given_hash = body.text("SettingsHash")
    if body.has("Settings"):
        if given_hash and given_hash != item.get("SettingsHash"):
            raise conflict(
                f"CommonServiceItem[ID:{item['ID']}]: the settings were changed since they were read "
                "(SettingsHash does not match)"
            )
        kind = provider(item)
        settings = body.obj("Settings")
        if kind == "proxylb":
            _set_settings(item, "ProxyLB", check_proxylb(settings.obj("ProxyLB", required=True)))
        elif kind == "gslb":
            _set_settings(item, "GSLB", check_gslb(settings.obj("GSLB", required=True)))
        else:
            _set_settings(item, "DNS", check_dns(settings.obj("DNS", required=True)))
    if body.has("Name"):
        item["Name"] = body.text("Name")
    if body.has("Description"):
        item["Description"] = body.text("Description")
    if body.has("Tags"):
        item["Tags"] = body.tags()
    if body.has("Icon"):
        item["Icon"] = check_ref(ctx, "Icon", body.id("Icon"), "CommonServiceItem.Icon", global_=True)
    ctx.tx.put("CommonServiceItem", GLOBAL, ctx.touch(item))
    return ok("CommonServiceItem", ctx.views.plain(item))


def _elb_plan(service_class: str) -> int:
    parts = service_class.split("/")
    if len(parts) != 4 or parts[:2] != ["cloud", "proxylb"] or parts[2] not in ("plain", "anycast"):
        raise bad_request(f"ServiceClass {service_class!r} is not an ELB service class")
    if not parts[3].isdigit() or int(parts[3]) not in ELB_PLANS:
        plans = ", ".join(map(str, ELB_PLANS))
        raise bad_request(f"ServiceClass {service_class!r}: plan {parts[3]} is not offered (plans: {plans})")
    return int(parts[3])


@route("PUT", "commonserviceitem/{id}/plan")
def change_elb_plan(ctx: Ctx, req: Request) -> Reply:
    item = _item(ctx, req)
    if provider(item) != "proxylb":
        raise bad_request(f"CommonServiceItem[ID:{item['ID']}] is not an ELB; only ELBs change plans")
    service_class = req.body.obj("CommonServiceItem", required=True).text("ServiceClass")
    _elb_plan(service_class)
    item["ServiceClass"] = service_class
    ctx.tx.put("CommonServiceItem", GLOBAL, ctx.touch(item))
    return ok("CommonServiceItem", ctx.views.plain(item))


@route("GET", "commonserviceitem/{id}/health")
def elb_health(ctx: Ctx, req: Request) -> Reply:
    item = _item(ctx, req)
    if provider(item) != "proxylb":
        raise not_found("ProxyLB", item["ID"])
    states = ctx.views.address_states()
    servers = []
    for server in (item.get("Settings") or {}).get("ProxyLB", {}).get("Servers") or []:
        address = str(server.get("IPAddress", ""))
        up = states.get(address, "up") == "up"
        servers.append(
            {
                "ActiveConn": 0,
                "Status": "UP" if up else "DOWN",
                "IPAddress": address,
                "Port": str(server.get("Port", "")),
                "CPS": 0,
            }
        )
    current = (item.get("Status") or {}).get("VirtualIPAddress", "")
    return ok("ProxyLB", {"ActiveConn": 0, "CPS": 0, "CurrentVIP": current, "Servers": servers})


@route("DELETE", "commonserviceitem/{id}")
def delete_item(ctx: Ctx, req: Request) -> Reply:
    item = _item(ctx, req)
    ctx.tx.delete("CommonServiceItem", GLOBAL, int(item["ID"]))
    return ok("CommonServiceItem", ctx.views.plain(item))


# --- LoadBalancer appliances ---------------------------------------------------------------------


def new_load_balancer(
    ctx: Ctx,
    name: str,
    *,
    switch_id: int,
    addresses: list[str],
    network_mask_len: int,
    default_route: str,
    vips: list[Any],
    vrid: int = 1,
    plan_id: int = 1,
    description: str = "",
    tags: list[str] | None = None,
) -> Record:
    """A LoadBalancer on a switch (one or two addresses); it powers on like a server."""
    lb: Record = {
        "ID": pool.next_id(ctx.tx),
        "Name": name,
        "Description": description,
        "Tags": sorted(tags or []),
        "Icon": {},
        "Class": "loadbalancer",
        "Availability": "available",
        "Instance": {"Status": "down", "StatusChangedAt": ctx.now_text},
        "Remark": {
            "Network": {"DefaultRoute": default_route, "NetworkMaskLen": network_mask_len},
            "Switch": {"ID": switch_id},
            "VRRP": {"VRID": vrid},
            "Servers": [{"IPAddress": a} for a in addresses],
            "Zone": {"ID": zone_info(ctx).get("ID", 0)},
            "Plan": {"ID": plan_id},
        },
        "Interfaces": [],
    }
    _set_settings(lb, "LoadBalancer", vips)
    ctx.stamp_new(lb)
    nic_id = pool.next_id(ctx.tx)
    lb["Interfaces"] = [
        {
            "ID": nic_id,
            "MACAddress": pool.next_mac(ctx.tx),
            "IPAddress": addresses[0] if addresses else "",
            "UserIPAddress": addresses[0] if addresses else "",
            "Switch": {"ID": switch_id, "Scope": "user"},
        }
    ]
    start_power(lb, "up", "down", ctx.at, ctx.delays.boot)
    return lb


def _lb(ctx: Ctx, req: Request) -> Record:
    record = ctx.get("Appliance", int_param(req, "id", "Appliance"))
    if record.get("Class") != "loadbalancer":
        raise ApiError(404, "not_found", f"LoadBalancer[ID:{record['ID']}] is not found")
    return record


@route("GET", "appliance")
def find_appliances(ctx: Ctx, req: Request) -> Reply:
    items = [ctx.views.appliance(r) for r in ctx.tx.all("Appliance", ctx.zone)]
    total, page = apply(items, req.find)
    return found("Appliances", total, req.find.from_, page)


@route("GET", "appliance/{id}")
def read_appliance(ctx: Ctx, req: Request) -> Reply:
    return ok("Appliance", ctx.views.appliance(ctx.get("Appliance", int_param(req, "id", "Appliance"))))


@route("PUT", "appliance/{id}")
def update_appliance(ctx: Ctx, req: Request) -> Reply:
    lb = _lb(ctx, req)
    body = req.body.obj("Appliance", required=True)
    given_hash = body.text("SettingsHash")
    if body.has("Settings"):
        if given_hash and given_hash != lb.get("SettingsHash"):
            raise conflict(
                f"Appliance[ID:{lb['ID']}]: the settings were changed since they were read "
                "(SettingsHash does not match)"
            )
        _set_settings(lb, "LoadBalancer", check_lb(body.obj("Settings").raw("LoadBalancer")))
        lb["_applied"] = False
    for key in ("Name", "Description"):
        if body.has(key):
            lb[key] = body.text(key)
    if body.has("Tags"):
        lb["Tags"] = body.tags()
    ctx.tx.put("Appliance", ctx.zone, ctx.touch(lb))
    return ok("Appliance", ctx.views.appliance(lb))


@route("PUT", "appliance/{id}/config")
def apply_config(ctx: Ctx, req: Request) -> Reply:
    lb = _lb(ctx, req)
    lb["_applied"] = True
    ctx.tx.put("Appliance", ctx.zone, lb)
    return done()


@route("GET", "appliance/{id}/status")
def lb_status(ctx: Ctx, req: Request) -> Reply:
    lb = ctx.views.appliance(_lb(ctx, req))
    states = ctx.views.address_states()
    entries = []
    for vip in (lb.get("Settings") or {}).get("LoadBalancer") or []:
        servers = []
        for server in vip.get("Servers") or []:
            address = str(server.get("IPAddress", ""))
            up = states.get(address, "up") == "up"
            servers.append(
                {
                    "ActiveConn": "0",
                    "Status": "UP" if up else "DOWN",
                    "IPAddress": address,
                    "Port": str(server.get("Port", "")),
                    "CPS": "0",
                }
            )
        entries.append(
            {
                "VirtualIPAddress": vip.get("VirtualIPAddress", ""),
                "Port": str(vip.get("Port", "")),
                "CPS": "0",
                "Servers": servers,
            }
        )
    return Reply(200, {"is_ok": True, "LoadBalancer": entries})


@route("DELETE", "appliance/{id}")
def delete_appliance(ctx: Ctx, req: Request) -> Reply:
    lb = _lb(ctx, req)
    view = ctx.views.appliance(lb)
    ctx.tx.delete("Appliance", ctx.zone, int(lb["ID"]))
    return ok("Appliance", view)
