"""Contract: for every operation, the exact request the client sends and the envelope it parses.

The transport edge is an httpx MockTransport that records each request and answers with the
envelope cloud-api.md §1.3/§3/§4 describes; everything above it (URL building, query text,
bodies, headers, parsing) is the real client.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from autoscaler.cloud import (
    CloudClient,
    CloudOptions,
    DiskCreate,
    DiskEdit,
    FindCondition,
    PlanChange,
    ServerCreate,
    ServerUpdate,
    by_names,
    lookup,
    plans,
)
from autoscaler.cloud.models import (
    DNSRecord,
    GSLBServer,
    GSLBSettings,
    LBHealthCheck,
    LBServer,
    LBVirtualIP,
    ProxyLBServer,
    ProxyLBSettings,
)

ROOT = "https://api.example.test/cloud/zone"


@dataclass
class Recorder:
    """Answers every request with `reply` (status, JSON) and keeps the requests."""

    reply: tuple[int, Any] = (200, {"is_ok": True})
    requests: list[httpx.Request] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        status, body = self.reply
        return httpx.Response(status, json=body)


def make_client(recorder: Recorder, **overrides: Any) -> CloudClient:
    options = CloudOptions(
        access_token="tok",
        access_token_secret="sec",
        api_root_url=ROOT,
        retry_max=1,
        retry_wait_min=0.001,
        retry_wait_max=0.001,
        **overrides,
    ).with_defaults()
    return CloudClient(options, httpx.MockTransport(recorder), rate_limit=False)


def query_text(request: httpx.Request) -> str:
    """The query as the Go client writes it: httpx only escapes quotes (and spaces, none here)."""
    raw = request.url.query.decode()
    assert "%2525" not in raw  # an escape inside a value is never escaped again
    return raw.replace("%22", '"')


def body_of(request: httpx.Request) -> Any:
    return json.loads(request.content) if request.content else None


@dataclass
class Case:
    name: str
    call: Callable[[CloudClient], Awaitable[Any]]
    method: str
    path: str  # after <root>/
    query: str | None = None  # the JSON text as the Go client writes it
    body: Any = None  # exact JSON body, None = no body
    reply: Any = field(default_factory=lambda: {"is_ok": True})
    check: Callable[[Any], bool] = lambda _: True


SERVER = {
    "ID": 113400000001,
    "Name": "web-001",
    "Tags": ["web", "@group=a"],
    "Availability": "available",
    "ServerPlan": {"ID": 200004002, "CPU": 2, "MemoryMB": 4096, "Commitment": "standard", "Generation": 200},
    "Zone": {"ID": 31001, "Name": "is1a"},
    "Instance": {"Status": "up", "StatusChangedAt": "2024-01-02T03:04:05+09:00"},
    "Disks": [{"ID": "113400000010", "Availability": "available"}],
    "Interfaces": [
        {
            "ID": 113400000020,
            "IPAddress": "133.242.0.10",
            "Switch": {"ID": 1, "Scope": "shared", "Subnet": {}},
        },
        None,
        {"ID": 113400000021, "UserIPAddress": "192.168.0.11", "Switch": {"ID": 2, "Scope": "user"}},
    ],
    "ModifiedAt": "2024-01-02T03:04:05+09:00",
}
ELB = {
    "ID": 113400000100,
    "Name": "elb",
    "Tags": ["x"],
    "Icon": {"ID": 7},
    "Provider": {"Class": "proxylb"},
    "ServiceClass": "cloud\\/proxylb\\/plain\\/500",
    "Settings": {
        "ProxyLB": {
            "HealthCheck": {"Protocol": "http", "Path": "/"},
            "SorryServer": {},
            "BindPorts": [{"ProxyMode": "http", "Port": 80}],
            "Servers": [
                {
                    "IPAddress": "192.0.2.10",
                    "Port": 80,
                    "ServerGroup": "g",
                    "Enabled": True,
                    "ProxySSL": False,
                }
            ],
            "Rules": [],
            "StickySession": {"Enabled": False},
            "Timeout": {"InactiveSec": 10},
            "Gzip": {"Enabled": False},
            "ProxyProtocol": {"Enabled": False},
            "Syslog": {"Server": "", "Port": 514},
            "OriginGuard": {"Token": "t"},
        }
    },
    "SettingsHash": "abc",
    "Status": {"Region": "anycast", "UseVIPFailover": True, "FQDN": "site.example"},
}
GSLB = {
    "ID": 113400000200,
    "Provider": {"Class": "gslb"},
    "Settings": {
        "GSLB": {
            "DelayLoop": 10,
            "HealthCheck": {"Protocol": "http", "Path": "/", "Status": "200"},
            "Weighted": "True",
            "Servers": [{"IPAddress": "192.0.2.10", "Enabled": "True", "Weight": "3"}],
        }
    },
    "SettingsHash": "ghash",
    "Status": {"FQDN": "site-1.gslb7.example.ne.jp"},
}
DNS = {
    "ID": 113400000300,
    "Name": "example.com",
    "Provider": {"Class": "dns"},
    "Settings": {
        "DNS": {"ResourceRecordSets": [{"Name": "www", "Type": "A", "RData": "192.0.2.10", "TTL": 300}]}
    },
    "SettingsHash": "dhash",
    "Status": {"Zone": "example.com", "NS": ["ns1", "ns2"]},
}
LB = {
    "ID": 113400000400,
    "Class": "loadbalancer",
    "Remark": {"Network": {"NetworkMaskLen": 24, "DefaultRoute": "192.168.0.1"}},
    "Settings": {
        "LoadBalancer": [
            {
                "VirtualIPAddress": "192.168.0.100",
                "Port": "80",
                "DelayLoop": "10",
                "Description": "",
                "Servers": [
                    {
                        "IPAddress": "192.168.0.11",
                        "Port": "80",
                        "Enabled": "True",
                        "HealthCheck": {"Protocol": "http", "Path": "/", "Status": "200"},
                    }
                ],
            }
        ]
    },
    "SettingsHash": "lhash",
}


def _proxylb_settings() -> ProxyLBSettings:
    return ProxyLBSettings.from_wire(ELB["Settings"]["ProxyLB"])  # type: ignore[index]


CASES = [
    Case(
        "AuthStatus.Read",
        lambda c: c.auth_status.read(),
        "GET",
        "is1a/api/cloud/1.1/auth-status",
        reply={"Permission": "create", "Account": {"ID": "123", "Name": "acc"}, "IsAPIKey": True},
        check=lambda r: r.permission == "create" and r.account.id == 123 and r.is_api_key,
    ),
    Case(
        "Server.Find",
        lambda c: c.servers.find("is1a", by_names("web", "prod")),
        "GET",
        "is1a/api/cloud/1.1/server",
        query='{"Count":0,"From":0,"Filter":{"Name":"web%20prod"}}',
        reply={"Total": 1, "From": 0, "Count": 1, "Servers": [SERVER], "is_ok": True},
        check=lambda r: r.total == 1 and r[0].id == 113400000001 and r[0].disk_ids == [113400000010],
    ),
    Case(
        "Server.Find (no condition)",
        lambda c: c.servers.find("tk1a"),
        "GET",
        "tk1a/api/cloud/1.1/server",
        query='{"Count":0,"From":0}',
        reply={"Total": 0, "From": 0, "Count": 0},
        check=lambda r: len(r) == 0,
    ),
    Case(
        "Server.Read",
        lambda c: c.servers.read("is1a", 113400000001),
        "GET",
        "is1a/api/cloud/1.1/server/113400000001",
        reply={"is_ok": True, "Server": SERVER},
        check=lambda s: (
            s.is_up
            and s.memory_gb == 4
            and s.tags == ["@group=a", "web"]
            and [(n.index, n.upstream_type) for n in s.interfaces] == [(0, "shared"), (2, "switch")]
        ),
    ),
    Case(
        "Server.Create",
        lambda c: c.servers.create(
            "is1a",
            ServerCreate(
                name="web-001",
                description="d",
                tags=["b", "a"],
                icon_id=5,
                interface_driver="virtio",
                cpu=2,
                memory_mb=4096,
                commitment="standard",
                connected_switches=["shared", 113400000050, None],
            ),
        ),
        "POST",
        "is1a/api/cloud/1.1/server",
        body={
            "Server": {
                "Name": "web-001",
                "Description": "d",
                "Tags": ["a", "b"],
                "Icon": {"ID": 5},
                "InterfaceDriver": "virtio",
                "ServerPlan": {"CPU": 2, "MemoryMB": 4096, "Commitment": "standard", "ConfidentialVM": False},
                "PrivateHost": {},
                "WaitDiskMigration": False,
                "ConnectedSwitches": [{"Scope": "shared"}, {"ID": 113400000050}, None],
            }
        },
        reply={"is_ok": True, "Server": SERVER},
        check=lambda s: s.id == 113400000001,
    ),
    Case(
        "Server.Update",
        lambda c: c.servers.update(
            "is1a", 1, ServerUpdate(name="n", tags=["z", "@previous-id=1"], private_host_id=9)
        ),
        "PUT",
        "is1a/api/cloud/1.1/server/1",
        body={
            "Server": {
                "Name": "n",
                "Description": "",
                "Tags": ["@previous-id=1", "z"],
                "Icon": {},
                "PrivateHost": {"ID": 9},
                "WaitDiskMigration": False,
            }
        },
        reply={"is_ok": True, "Server": SERVER},
    ),
    Case(
        "Server.DeleteWithDisks",
        lambda c: c.servers.delete_with_disks("is1a", 1, [2, 3]),
        "DELETE",
        "is1a/api/cloud/1.1/server/1",
        body={"WithDisk": [2, 3]},
    ),
    Case(
        "Server.DeleteWithDisks (no disks)",
        lambda c: c.servers.delete_with_disks("is1a", 1, []),
        "DELETE",
        "is1a/api/cloud/1.1/server/1",
        body={},
    ),
    Case(
        "Server.ChangePlan",
        lambda c: c.servers.change_plan("is1a", 1, PlanChange(cpu=4, memory_mb=8192, commitment="standard")),
        "PUT",
        "is1a/api/cloud/1.1/server/1/plan",
        body={"CPU": 4, "MemoryMB": 8192, "Commitment": "standard"},
        reply={"is_ok": True, "Server": {**SERVER, "ID": 113400000099}},
        check=lambda s: s.id == 113400000099,
    ),
    Case("Server.Boot", lambda c: c.servers.boot("is1a", 1), "PUT", "is1a/api/cloud/1.1/server/1/power"),
    Case(
        "Server.BootWithVariables",
        lambda c: c.servers.boot("is1a", 1, user_data="#cloud-config\n"),
        "PUT",
        "is1a/api/cloud/1.1/server/1/power",
        body={"UserBootVariables": {"CloudInit": {"UserData": "#cloud-config\n"}}},
    ),
    Case(
        "Server.Shutdown (force)",
        lambda c: c.servers.shutdown("is1a", 1, force=True),
        "DELETE",
        "is1a/api/cloud/1.1/server/1/power",
        body={"Force": True},
    ),
    Case(
        "Server.Shutdown",
        lambda c: c.servers.shutdown("is1a", 1),
        "DELETE",
        "is1a/api/cloud/1.1/server/1/power",
        body={},
    ),
    Case(
        "Server.InsertCDROM",
        lambda c: c.servers.insert_cdrom("is1a", 1, 5),
        "PUT",
        "is1a/api/cloud/1.1/server/1/cdrom",
        body={"CDROM": {"ID": 5}},
    ),
    Case(
        "Server.EjectCDROM",
        lambda c: c.servers.eject_cdrom("is1a", 1, 5),
        "DELETE",
        "is1a/api/cloud/1.1/server/1/cdrom",
        body={"CDROM": {"ID": 5}},
    ),
    Case(
        "ServerPlan.Find (plan search)",
        lambda c: plans.find_server_plan(c, "is1a", core=2, memory_gb=4),
        "GET",
        "is1a/api/cloud/1.1/product/server",
        query='{"Count":1000,"From":0,"Sort":["-Generation"],"Filter":{"CPU":["2"],"Commitment":["standard"],'
        '"ConfidentialVM":["0"],"MemoryMB":["4096"]}}',
        reply={"Total": 1, "Count": 1, "ServerPlans": [{"ID": 200004002, "CPU": 2, "MemoryMB": 4096}]},
        check=lambda p: p.id == 200004002 and p.memory_gb == 4,
    ),
    Case(
        "ServerPlan.Find (dedicated, GPU, CPU model)",
        lambda c: plans.find_server_plan(
            c, "is1a", core=32, memory_gb=120, gpu=1, cpu_model="amd_epyc_7713p", dedicated_cpu=True
        ),
        "GET",
        "is1a/api/cloud/1.1/product/server",
        query='{"Count":1000,"From":0,"Sort":["-Generation"],"Filter":{"CPU":["32"],"CPUModel":["amd_epyc_7713p"],'
        '"Commitment":["dedicatedcpu"],"ConfidentialVM":["0"],"GPU":["1"],"MemoryMB":["122880"]}}',
        reply={"Total": 1, "Count": 1, "ServerPlans": [{"ID": 1}]},
    ),
    Case(
        "Disk.Read",
        lambda c: c.disks.read("is1a", 10),
        "GET",
        "is1a/api/cloud/1.1/disk/10",
        reply={"is_ok": True, "Disk": {"ID": 10, "Availability": "migrating", "Server": {"ID": "1"}}},
        check=lambda d: d.availability == "migrating" and d.server_id == 1,
    ),
    Case(
        "Disk.Find",
        lambda c: c.disks.find("is1a", FindCondition(filter={"Name": "x"})),
        "GET",
        "is1a/api/cloud/1.1/disk",
        query='{"Count":0,"From":0,"Filter":{"Name":"x"}}',
        reply={"Disks": [{"ID": 1}], "Total": 1, "Count": 1},
    ),
    Case(
        "Disk.Create",
        lambda c: c.disks.create(
            "is1a", DiskCreate(name="d1", plan_id=4, size_mb=20480, connection="virtio", server_id=1)
        ),
        "POST",
        "is1a/api/cloud/1.1/disk",
        body={
            "Disk": {
                "Name": "d1",
                "Description": "",
                "Tags": [],
                "Icon": {},
                "Plan": {"ID": 4},
                "Connection": "virtio",
                "SizeMB": 20480,
                "Server": {"ID": 1},
            },
            "KMSKey": {},
        },
        reply={"is_ok": True, "Disk": {"ID": 10}},
        check=lambda d: d.id == 10,
    ),
    Case(
        "Disk.CreateWithConfig",
        lambda c: c.disks.create_with_config(
            "is1a",
            DiskCreate(name="d1", plan_id=2, size_mb=40960, source_archive_id=77, server_id=1, tags=["t"]),
            DiskEdit(
                host_name="web-001",
                password="pw",
                ssh_keys=["ssh-ed25519 AAA"],
                ssh_key_ids=[0, 5],
                disable_pw_auth=True,
                note_ids=[8],
                user_ip_address="192.168.0.11",
                network_mask_len=24,
                default_route="192.168.0.1",
            ),
        ),
        "POST",
        "is1a/api/cloud/1.1/disk",
        body={
            "Disk": {
                "Name": "d1",
                "Description": "",
                "Tags": ["t"],
                "Icon": {},
                "Plan": {"ID": 2},
                "SizeMB": 40960,
                "SourceArchive": {"ID": 77},
                "Server": {"ID": 1},
            },
            "Config": {
                "Background": True,
                "Password": "pw",
                "SSHKeys": [{"PublicKey": "ssh-ed25519 AAA"}, {"ID": 5}],
                "DisablePWAuth": True,
                "HostName": "web-001",
                "Notes": [{"ID": 8}],
                "UserIPAddress": "192.168.0.11",
                "UserSubnet": {"DefaultRoute": "192.168.0.1", "NetworkMaskLen": 24},
            },
            "KMSKey": {},
        },
        reply={"is_ok": True, "Disk": {"ID": 10}},
    ),
    Case(
        "Interface.Update",
        lambda c: c.interfaces.update("is1a", 20, "192.168.0.11"),
        "PUT",
        "is1a/api/cloud/1.1/interface/20",
        body={"Interface": {"UserIPAddress": "192.168.0.11"}},
        reply={"is_ok": True, "Interface": {"ID": 20, "UserIPAddress": "192.168.0.11"}},
        check=lambda i: i.user_ip_address == "192.168.0.11",
    ),
    Case(
        "Interface.ConnectToPacketFilter",
        lambda c: c.interfaces.connect_to_packet_filter("is1a", 20, 30),
        "PUT",
        "is1a/api/cloud/1.1/interface/20/to/packetfilter/30",
    ),
    Case(
        "Interface.ConnectToSharedSegment",
        lambda c: c.interfaces.connect_to_shared_segment("is1a", 20),
        "PUT",
        "is1a/api/cloud/1.1/interface/20/to/switch/shared",
    ),
    Case(
        "Interface.ConnectToSwitch",
        lambda c: c.interfaces.connect_to_switch("is1a", 20, 5),
        "PUT",
        "is1a/api/cloud/1.1/interface/20/to/switch/5",
    ),
    Case(
        "Switch.Read",
        lambda c: c.switches.read("is1b", 5),
        "GET",
        "is1b/api/cloud/1.1/switch/5",
        reply={"is_ok": True, "Switch": {"ID": 5, "Subnets": None, "UserSubnet": {"NetworkMaskLen": 24}}},
        check=lambda s: s.subnets == [] and s.user_subnet.network_mask_len == 24,
    ),
    Case(
        "Switch.Find",
        lambda c: c.switches.find("is1a", FindCondition(filter={"ID": ["5"]})),
        "GET",
        "is1a/api/cloud/1.1/switch",
        query='{"Count":0,"From":0,"Filter":{"ID":["5"]}}',
        reply={"Switches": [{"ID": 5}]},
    ),
    Case(
        "PacketFilter.Read",
        lambda c: c.packet_filters.read("is1a", 30),
        "GET",
        "is1a/api/cloud/1.1/packetfilter/30",
        reply={"is_ok": True, "PacketFilter": {"ID": 30, "Name": "pf"}},
    ),
    Case(
        "PacketFilter.Find",
        lambda c: c.packet_filters.find("is1a"),
        "GET",
        "is1a/api/cloud/1.1/packetfilter",
        query='{"Count":0,"From":0}',
        reply={"PacketFilters": []},
    ),
    Case(
        "Archive.Find (OS type)",
        lambda c: lookup.find_archive_by_os_type(c, "is1a", "ubuntu"),
        "GET",
        "is1a/api/cloud/1.1/archive",
        query='{"Count":0,"From":0,"Filter":{"Scope":["shared"],"Tags.Name":[["current-stable","distro-ubuntu"]]}}',
        reply={"Archives": [{"ID": 1, "Name": "Ubuntu"}, {"ID": 2}], "Total": 2, "Count": 2},
        check=lambda a: a.id == 1,
    ),
    Case(
        "CDROM.Find",
        lambda c: c.cdroms.find("is1a", by_names("ubuntu")),
        "GET",
        "is1a/api/cloud/1.1/cdrom",
        query='{"Count":0,"From":0,"Filter":{"Name":"ubuntu"}}',
        reply={"CDROMs": [{"ID": 3}]},
        check=lambda r: r[0].id == 3,
    ),
    Case(
        "PrivateHost.Find",
        lambda c: c.private_hosts.find("tk1a", by_names("ph")),
        "GET",
        "tk1a/api/cloud/1.1/privatehost",
        query='{"Count":0,"From":0,"Filter":{"Name":"ph"}}',
        reply={"PrivateHosts": [{"ID": 4}]},
    ),
    Case(
        "Icon.Find (global: default zone)",
        lambda c: c.icons.find(FindCondition(filter={"Tags.Name": [["a"]]})),
        "GET",
        "is1a/api/cloud/1.1/icon",
        query='{"Count":0,"From":0,"Filter":{"Tags.Name":[["a"]]}}',
        reply={"Icons": [{"ID": 6}]},
    ),
    Case(
        "Note.Create",
        lambda c: c.notes.create("note-2024-01-02T03:04:05+09:00", "#!/bin/sh\necho hi\n"),
        "POST",
        "is1a/api/cloud/1.1/note",
        body={
            "Note": {
                "Name": "note-2024-01-02T03:04:05+09:00",
                "Class": "shell",
                "Content": "#!/bin/sh\necho hi\n",
                "Tags": [],
                "Icon": {},
            }
        },
        reply={"is_ok": True, "Note": {"ID": 8, "Class": "shell"}},
        check=lambda n: n.id == 8 and n.class_ == "shell",
    ),
    Case("Note.Delete", lambda c: c.notes.delete(8), "DELETE", "is1a/api/cloud/1.1/note/8"),
    Case(
        "ProxyLB.Find",
        lambda c: c.elb.find(by_names("elb")),
        "GET",
        "is1a/api/cloud/1.1/commonserviceitem",
        query='{"Count":0,"From":0,"Filter":{"Name":"elb","Provider.Class":"proxylb"}}',
        reply={"CommonServiceItems": [ELB], "Total": 1, "Count": 1},
        check=lambda r: r[0].plan == 500 and r[0].region == "anycast",
    ),
    Case(
        "ProxyLB.Read",
        lambda c: c.elb.read(113400000100),
        "GET",
        "is1a/api/cloud/1.1/commonserviceitem/113400000100",
        reply={"is_ok": True, "CommonServiceItem": ELB},
        check=lambda e: e.servers[0].enabled is True and e.servers[0].port == 80 and e.settings_hash == "abc",
    ),
    Case(
        "ProxyLB.UpdateSettings",
        lambda c: c.elb.update_settings(
            113400000100,
            _proxylb_settings().model_copy(
                update={
                    "servers": [
                        ProxyLBServer(ip_address="192.0.2.11", port=8080, server_group="", enabled=False)
                    ]
                }
            ),
            "abc",
        ),
        "PUT",
        "is1a/api/cloud/1.1/commonserviceitem/113400000100",
        body={
            "CommonServiceItem": {
                "Settings": {
                    "ProxyLB": {
                        "HealthCheck": {"Protocol": "http", "Path": "/"},
                        "SorryServer": {},
                        "BindPorts": [{"ProxyMode": "http", "Port": 80}],
                        "Servers": [
                            {
                                "IPAddress": "192.0.2.11",
                                "Port": 8080,
                                "ServerGroup": "",
                                "Enabled": False,
                                "ProxySSL": False,
                            }
                        ],
                        "Rules": [],
                        "StickySession": {"Enabled": False},
                        "Timeout": {"InactiveSec": 10},
                        "Gzip": {"Enabled": False},
                        "ProxyProtocol": {"Enabled": False},
                        "Syslog": {"Server": "", "Port": 514},
                        "OriginGuard": {"Token": "t"},
                    }
                },
                "SettingsHash": "abc",
            }
        },
        reply={"is_ok": True, "CommonServiceItem": ELB},
    ),
    Case(
        "ProxyLB.UpdateSettings (no servers left)",
        lambda c: c.elb.update_settings(1, ProxyLBSettings(), ""),
        "PUT",
        "is1a/api/cloud/1.1/commonserviceitem/1",
        body={
            "CommonServiceItem": {
                "Settings": {
                    "ProxyLB": {
                        "HealthCheck": {},
                        "SorryServer": {},
                        "BindPorts": [],
                        "Servers": [],
                        "Rules": [],
                        "StickySession": {},
                        "Timeout": {},
                        "Gzip": {},
                        "ProxyProtocol": {},
                        "Syslog": {"Port": 514},
                    }
                }
            }
        },
        reply={"is_ok": True, "CommonServiceItem": ELB},
    ),
    Case(
        "ProxyLB.Update (plan helper)",
        lambda c: c.elb.update(
            1,
            name="elb",
            tags=["@previous-id=1", "x"],
            icon_id=7,
            settings=ProxyLBSettings(),
            settings_hash="h",
        ),
        "PUT",
        "is1a/api/cloud/1.1/commonserviceitem/1",
        body={
            "CommonServiceItem": {
                "Name": "elb",
                "Description": "",
                "Tags": ["@previous-id=1", "x"],
                "Icon": {"ID": 7},
                "Settings": {
                    "ProxyLB": {
                        "HealthCheck": {},
                        "SorryServer": {},
                        "BindPorts": [],
                        "Servers": [],
                        "Rules": [],
                        "StickySession": {},
                        "Timeout": {},
                        "Gzip": {},
                        "ProxyProtocol": {},
                        "Syslog": {"Port": 514},
                    }
                },
                "SettingsHash": "h",
            }
        },
        reply={"is_ok": True, "CommonServiceItem": ELB},
    ),
    Case(
        "ProxyLB.ChangePlan",
        lambda c: c.elb.change_plan(1, 500),
        "PUT",
        "is1a/api/cloud/1.1/commonserviceitem/1/plan",
        body={"CommonServiceItem": {"ServiceClass": "cloud/proxylb/plain/500"}},
        reply={"is_ok": True, "CommonServiceItem": {**ELB, "ID": 2}},
        check=lambda e: e.id == 2,
    ),
    Case(
        "ProxyLB.ChangePlan (anycast)",
        lambda c: c.elb.change_plan(1, 1000, "anycast"),
        "PUT",
        "is1a/api/cloud/1.1/commonserviceitem/1/plan",
        body={"CommonServiceItem": {"ServiceClass": "cloud/proxylb/anycast/1000"}},
        reply={"is_ok": True, "CommonServiceItem": ELB},
    ),
    Case(
        "ProxyLB.HealthStatus",
        lambda c: c.elb.health_status(1),
        "GET",
        "is1a/api/cloud/1.1/commonserviceitem/1/health",
        reply={
            "is_ok": True,
            "ProxyLB": {
                "CurrentVIP": "1.2.3.4",
                "Servers": [{"IPAddress": "192.0.2.10", "Port": "80", "Status": "UP"}],
            },
        },
        check=lambda h: h.current_vip == "1.2.3.4" and h.servers[0].is_up and h.servers[0].port == 80,
    ),
    Case(
        "GSLB.Find",
        lambda c: c.gslb.find(),
        "GET",
        "is1a/api/cloud/1.1/commonserviceitem",
        query='{"Count":0,"From":0,"Filter":{"Provider.Class":"gslb"}}',
        reply={"CommonServiceItems": [GSLB]},
        check=lambda r: r[0].servers[0].weight == 3 and r[0].settings.weighted is True,
    ),
    Case(
        "GSLB.Read",
        lambda c: c.gslb.read(113400000200),
        "GET",
        "is1a/api/cloud/1.1/commonserviceitem/113400000200",
        reply={"is_ok": True, "CommonServiceItem": GSLB},
        check=lambda g: g.status.fqdn == "site-1.gslb7.example.ne.jp" and g.servers[0].enabled,
    ),
    Case(
        "GSLB.UpdateSettings",
        lambda c: c.gslb.update_settings(
            1,
            GSLBSettings(
                delay_loop=10,
                health_check={"Protocol": "http", "Path": "/", "Status": "200"},
                weighted=True,
                servers=[
                    GSLBServer(ip_address="192.0.2.10", enabled=False, weight=3),
                    GSLBServer(ip_address="192.0.2.11", enabled=True, weight=0),
                ],
            ),
            "ghash",
        ),
        "PUT",
        "is1a/api/cloud/1.1/commonserviceitem/1",
        body={
            "CommonServiceItem": {
                "Settings": {
                    "GSLB": {
                        "DelayLoop": 10,
                        "HealthCheck": {"Protocol": "http", "Path": "/", "Status": "200"},
                        "Weighted": "True",
                        "Servers": [
                            {"IPAddress": "192.0.2.10", "Enabled": "False", "Weight": "3"},
                            {"IPAddress": "192.0.2.11", "Enabled": "True"},
                        ],
                    }
                },
                "SettingsHash": "ghash",
            }
        },
        reply={"is_ok": True, "CommonServiceItem": GSLB},
    ),
    Case(
        "GSLB.UpdateSettings (no servers left)",
        lambda c: c.gslb.update_settings(1, GSLBSettings(weighted=False), "ghash"),
        "PUT",
        "is1a/api/cloud/1.1/commonserviceitem/1",
        body={
            "CommonServiceItem": {
                "Settings": {"GSLB": {"Weighted": "False", "Servers": None}},
                "SettingsHash": "ghash",
            }
        },
        reply={"is_ok": True, "CommonServiceItem": GSLB},
    ),
    Case(
        "DNS.Find",
        lambda c: c.dns.find(by_names("example.com")),
        "GET",
        "is1a/api/cloud/1.1/commonserviceitem",
        query='{"Count":0,"From":0,"Filter":{"Name":"example.com","Provider.Class":"dns"}}',
        reply={"CommonServiceItems": [DNS]},
        check=lambda r: r[0].records[0].rdata == "192.0.2.10" and r[0].status.ns == ["ns1", "ns2"],
    ),
    Case(
        "DNS.Read",
        lambda c: c.dns.read(113400000300),
        "GET",
        "is1a/api/cloud/1.1/commonserviceitem/113400000300",
        reply={"is_ok": True, "CommonServiceItem": DNS},
        check=lambda d: d.records[0].ttl == 300,
    ),
    Case(
        "DNS.UpdateSettings",
        lambda c: c.dns.update_settings(
            1,
            [
                DNSRecord(name="www", type="A", rdata="192.0.2.10", ttl=300),
                DNSRecord(type="A", rdata="1.1.1.1"),
            ],
            "dhash",
        ),
        "PUT",
        "is1a/api/cloud/1.1/commonserviceitem/1",
        body={
            "CommonServiceItem": {
                "Settings": {
                    "DNS": {
                        "ResourceRecordSets": [
                            {"Name": "www", "Type": "A", "RData": "192.0.2.10", "TTL": 300},
                            {"Type": "A", "RData": "1.1.1.1"},
                        ]
                    }
                },
                "SettingsHash": "dhash",
            }
        },
        reply={"is_ok": True, "CommonServiceItem": DNS},
    ),
    Case(
        "DNS.UpdateSettings (no records)",
        lambda c: c.dns.update_settings(1, [], "dhash"),
        "PUT",
        "is1a/api/cloud/1.1/commonserviceitem/1",
        body={
            "CommonServiceItem": {"Settings": {"DNS": {"ResourceRecordSets": []}}, "SettingsHash": "dhash"}
        },
        reply={"is_ok": True, "CommonServiceItem": DNS},
    ),
    Case(
        "Internet.Find",
        lambda c: c.internet.find("is1a", by_names("rt")),
        "GET",
        "is1a/api/cloud/1.1/internet",
        query='{"Count":0,"From":0,"Filter":{"Name":"rt"}}',
        reply={"Internet": [{"ID": 9, "BandWidthMbps": 100}], "Total": 1, "Count": 1},
        check=lambda r: r[0].band_width_mbps == 100,
    ),
    Case(
        "Internet.Read",
        lambda c: c.internet.read("is1a", 9),
        "GET",
        "is1a/api/cloud/1.1/internet/9",
        reply={
            "is_ok": True,
            "Internet": {"ID": 9, "CreatedAt": "2024-01-02T03:04:05+09:00", "Switch": {"ID": 3}},
        },
        check=lambda r: r.created_at is not None and r.switch.id == 3,
    ),
    Case(
        "Internet.Update",
        lambda c: c.internet.update("is1a", 9, name="rt", tags=["@previous-id=9"], icon_id=0),
        "PUT",
        "is1a/api/cloud/1.1/internet/9",
        body={"Internet": {"Name": "rt", "Description": "", "Tags": ["@previous-id=9"], "Icon": {}}},
        reply={"is_ok": True, "Internet": {"ID": 9}},
    ),
    Case(
        "Internet.UpdateBandWidth",
        lambda c: c.internet.update_bandwidth("is1a", 9, 250),
        "PUT",
        "is1a/api/cloud/1.1/internet/9/bandwidth",
        body={"Internet": {"BandWidthMbps": 250}},
        reply={"is_ok": True, "Internet": {"ID": 10, "BandWidthMbps": 250}},
        check=lambda r: r.id == 10 and r.band_width_mbps == 250,
    ),
    Case(
        "InternetPlan.Find",
        lambda c: c.internet_plans.find("is1a"),
        "GET",
        "is1a/api/cloud/1.1/product/internet",
        query='{"Count":0,"From":0}',
        reply={"InternetPlans": [{"ID": 100, "BandWidthMbps": 100, "Availability": "available"}]},
        check=lambda r: r[0].band_width_mbps == 100,
    ),
    Case(
        "LoadBalancer.Find",
        lambda c: c.load_balancers.find("is1a", by_names("lb")),
        "GET",
        "is1a/api/cloud/1.1/appliance",
        query='{"Count":0,"From":0,"Filter":{"Class":"loadbalancer","Name":"lb"}}',
        reply={"Appliances": [LB]},
        check=lambda r: r[0].network_mask_len == 24 and r[0].settings[0].servers[0].enabled,
    ),
    Case(
        "LoadBalancer.Read",
        lambda c: c.load_balancers.read("is1a", 113400000400),
        "GET",
        "is1a/api/cloud/1.1/appliance/113400000400",
        reply={"is_ok": True, "Appliance": LB},
        check=lambda lb: lb.settings[0].port == 80 and lb.settings[0].servers[0].health_check.status == 200,
    ),
    Case(
        "LoadBalancer.UpdateSettings",
        lambda c: c.load_balancers.update_settings(
            "is1a",
            4,
            [
                LBVirtualIP(
                    virtual_ip_address="192.168.0.100",
                    port=80,
                    delay_loop=10,
                    servers=[
                        LBServer(
                            ip_address="192.168.0.12",
                            port=80,
                            enabled=True,
                            health_check=LBHealthCheck(protocol="http", path="/", status=200),
                        )
                    ],
                ),
                LBVirtualIP(virtual_ip_address="192.168.0.101", port=443),
            ],
            "lhash",
        ),
        "PUT",
        "is1a/api/cloud/1.1/appliance/4",
        body={
            "Appliance": {
                "Settings": {
                    "LoadBalancer": [
                        {
                            "VirtualIPAddress": "192.168.0.100",
                            "Port": "80",
                            "DelayLoop": "10",
                            "Description": "",
                            "Servers": [
                                {
                                    "IPAddress": "192.168.0.12",
                                    "Port": "80",
                                    "Enabled": "True",
                                    "HealthCheck": {"Protocol": "http", "Path": "/", "Status": "200"},
                                }
                            ],
                        },
                        {
                            "VirtualIPAddress": "192.168.0.101",
                            "Port": "443",
                            "Description": "",
                            "Servers": [],
                        },
                    ]
                },
                "SettingsHash": "lhash",
            }
        },
        reply={"is_ok": True, "Appliance": LB},
    ),
    Case(
        "LoadBalancer.Config",
        lambda c: c.load_balancers.config("is1a", 4),
        "PUT",
        "is1a/api/cloud/1.1/appliance/4/config",
    ),
    Case(
        "LoadBalancer.Status",
        lambda c: c.load_balancers.status("is1a", 4),
        "GET",
        "is1a/api/cloud/1.1/appliance/4/status",
        reply={
            "is_ok": True,
            "LoadBalancer": [
                {
                    "VirtualIPAddress": "192.168.0.100",
                    "Port": "80",
                    "Servers": [{"IPAddress": "192.168.0.11", "Status": "UP"}],
                }
            ],
        },
        check=lambda st: st[0].port == 80 and st[0].servers[0].is_up,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
async def test_operation(case: Case) -> None:
    recorder = Recorder((200, case.reply))
    client = make_client(recorder)
    try:
        result = await case.call(client)
    finally:
        await client.aclose()
    assert len(recorder.requests) == 1
    request = recorder.requests[0]
    assert request.method == case.method
    assert str(request.url).split("?")[0] == f"{ROOT}/{case.path}"
    if case.query is None:
        assert request.url.query == b""
    else:
        assert query_text(request) == case.query
    if case.body is None:
        assert request.content == b""
        assert "content-type" not in request.headers
    else:
        assert body_of(request) == case.body
        assert request.headers["content-type"] == "application/json"
    assert case.check(result), result


async def test_headers_and_auth() -> None:
    recorder = Recorder((200, {"is_ok": True, "Server": SERVER}))
    client = make_client(recorder, accept_language="ja-JP", user_agent="ua/1")
    try:
        await client.servers.read("is1a", 1)
    finally:
        await client.aclose()
    headers = recorder.requests[0].headers
    assert headers["authorization"] == "Basic " + base64.b64encode(b"tok:sec").decode()
    assert headers["x-requested-with"] == "XMLHttpRequest"
    assert headers["x-sakura-bigint-as-int"] == "1"
    assert headers["user-agent"] == "ua/1"
    assert headers["accept-language"] == "ja-JP"


async def test_query_values_are_not_re_encoded() -> None:
    """Escaped words keep their single escape on the wire; the server decodes once."""
    recorder = Recorder((200, {"Servers": []}))
    client = make_client(recorder)
    try:
        await client.servers.find("is1a", by_names("a b", "100%", "x/y,z"))
    finally:
        await client.aclose()
    raw = recorder.requests[0].url.query.decode()
    assert "a%2520b" not in raw
    assert (
        query_text(recorder.requests[0])
        == '{"Count":0,"From":0,"Filter":{"Name":"a%20b%20100%25%20x%2Fy%2Cz"}}'
    )


async def test_global_resources_use_the_default_zone() -> None:
    recorder = Recorder((200, {"is_ok": True, "CommonServiceItem": ELB}))
    client = make_client(recorder, default_zone="tk1v")
    try:
        await client.elb.read(1)
        await client.notes.delete(2)
        await client.servers.boot("is1b", 3)
    finally:
        await client.aclose()
    paths = [r.url.path for r in recorder.requests]
    assert paths == [
        "/cloud/zone/tk1v/api/cloud/1.1/commonserviceitem/1",
        "/cloud/zone/tk1v/api/cloud/1.1/note/2",
        "/cloud/zone/is1b/api/cloud/1.1/server/3/power",
    ]
