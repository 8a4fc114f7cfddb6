"""What a new fake cloud contains: zones, the product catalogue and public archives.

- zones `is1a is1b is1c tk1a tk1b tk1v` (with their regions);
- server plans in every zone: standard plans (generations 100 and 200, CPU model
  `uncategorized`) for a grid of core counts and memory sizes, GPU plans and dedicated-CPU
  plans (`amd_epyc_7713p`);
- router (Internet) plans 100–5000 Mbps, disk plans HDD (2) and SSD (4) with their sizes;
- public archives per zone carrying the tags the autoscaler's `os_type` search uses, for every
  OS type it knows (AlmaLinux 8/9/10, Rocky Linux 8/9/10, MIRACLE LINUX 8/9, Ubuntu
  22.04/24.04, Debian 11/12, KUSANAGI), and a few public ISO images.

IDs of catalogue items are fixed (zone prefix + number), far below the range new resources
get, so they are the same in every store.
"""

from __future__ import annotations

from typing import Any

from .clock import now, rfc3339
from .store import GLOBAL, Tx

Record = dict[str, Any]

ZONES: dict[str, tuple[int, str, int, str]] = {
    # name: (zone ID, description, region ID, region name)
    "is1a": (31001, "石狩第1ゾーン", 310, "石狩"),
    "is1b": (31002, "石狩第2ゾーン", 310, "石狩"),
    "is1c": (31003, "石狩第3ゾーン", 310, "石狩"),
    "tk1a": (21001, "東京第1ゾーン", 210, "東京"),
    "tk1b": (21002, "東京第2ゾーン", 210, "東京"),
    "tk1v": (29001, "Sandbox", 290, "Sandbox"),
}
NAME_SERVERS = ["210.188.224.10", "210.188.224.11"]
ZONE_PREFIX = {"tk1a": 111, "is1b": 112, "is1a": 113, "tk1b": 114, "is1c": 115, "tk1v": 119}

CORES = (1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 24, 32)
MEMORY_GB = (1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 24, 28, 32, 48, 64, 96, 128, 192, 224, 256)
DEDICATED = (
    (2, 4),
    (2, 8),
    (4, 8),
    (4, 16),
    (8, 16),
    (8, 32),
    (16, 32),
    (16, 64),
    (32, 64),
    (32, 120),
    (64, 240),
)
GPU_PLANS = ((4, 56, 1, "nvidia_v100"), (8, 112, 2, "nvidia_v100"), (4, 96, 1, "nvidia_h100"))
BANDWIDTHS = (100, 250, 500, 1000, 1500, 2000, 2500, 3000, 5000)
DISK_SIZES_GB = (20, 40, 100, 250, 500, 750, 1024, 2048, 4096)

# (name, tags): tags follow the public catalogue's conventions.
ARCHIVES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("AlmaLinux 10.0 64bit", ("alma-10-latest", "current-stable", "distro-alma", "distro-ver-10.0")),
    ("AlmaLinux 9.6 64bit", ("alma-9-latest", "distro-alma", "distro-ver-9.6")),
    ("AlmaLinux 8.10 64bit", ("alma-8-latest", "distro-alma", "distro-ver-8.10")),
    ("Rocky Linux 10.0 64bit", ("current-stable", "distro-rocky", "distro-ver-10.0", "rocky-10-latest")),
    ("Rocky Linux 9.6 64bit", ("distro-rocky", "distro-ver-9.6", "rocky-9-latest")),
    ("Rocky Linux 8.10 64bit", ("distro-rocky", "distro-ver-8.10", "rocky-8-latest")),
    ("MIRACLE LINUX 9.6 64bit", ("current-stable", "distro-miracle", "distro-ver-9.6", "miracle-9-latest")),
    ("MIRACLE LINUX 8.10 64bit", ("distro-miracle", "distro-ver-8.10", "miracle-8-latest")),
    (
        "Ubuntu Server 24.04.2 LTS 64bit",
        ("current-stable", "distro-ubuntu", "distro-ver-24.04.2", "ubuntu-24.04-latest"),
    ),
    ("Ubuntu Server 22.04.5 LTS 64bit", ("distro-ubuntu", "distro-ver-22.04.5", "ubuntu-22.04-latest")),
    (
        "Debian GNU/Linux 12.11 64bit",
        ("current-stable", "debian-12-latest", "distro-debian", "distro-ver-12.11"),
    ),
    ("Debian GNU/Linux 11.11 64bit", ("debian-11-latest", "distro-debian", "distro-ver-11.11")),
    ("KUSANAGI 9 (AlmaLinux 9)", ("current-stable", "distro-alma", "pkg-kusanagi")),
)
ISO_IMAGES = (
    "Ubuntu Server 24.04.2 LTS 64bit",
    "Debian GNU/Linux 12.11 netinst",
    "AlmaLinux 9.6 minimal",
    "Rocky Linux 9.6 minimal",
)


def _zone_record(name: str) -> Record:
    zone_id, description, region_id, region = ZONES[name]
    return {
        "ID": zone_id,
        "Name": name,
        "Description": description,
        "DisplayOrder": zone_id,
        "IsDummy": name == "tk1v",
        "Region": {"ID": region_id, "Name": region, "Description": region, "NameServers": NAME_SERVERS},
    }


def server_plans() -> list[Record]:
    plans: list[Record] = []
    for generation in (100, 200):
        for cpu in CORES:
            for mem in MEMORY_GB:
                if mem * 4 < cpu or mem > cpu * 16:
                    continue
                plans.append(_plan(generation * 1_000_000 + mem * 1000 + cpu, cpu, mem, generation))
    for cpu, mem, gpu, model in GPU_PLANS:
        plan = _plan(1_200_000_000 + mem * 1000 + cpu, cpu, mem, 200, prefix="GPUプラン")
        plan.update(GPU=gpu, GPUModel=model, Name=f"GPUプラン/{cpu}Core-{mem}GB-{gpu}GPU")
        plans.append(plan)
    for cpu, mem in DEDICATED:
        plan = _plan(2_200_000_000 + mem * 1000 + cpu, cpu, mem, 200, prefix="コア専有プラン")
        plan.update(Commitment="dedicatedcpu", CPUModel="amd_epyc_7713p")
        plans.append(plan)
    return plans


def _plan(id_: int, cpu: int, mem: int, generation: int, prefix: str = "プラン") -> Record:
    return {
        "ID": id_,
        "Name": f"{prefix}/{cpu}Core-{mem}GB",
        "CPU": cpu,
        "MemoryMB": mem * 1024,
        "GPU": 0,
        "GPUModel": "",
        "CPUModel": "uncategorized",
        "Commitment": "standard",
        "Generation": generation,
        "ConfidentialVM": False,
        "Availability": "available",
        "ServiceClass": f"cloud/plan/{cpu}core-{mem}gb",
    }


def seed_builtin(tx: Tx) -> None:
    """Fill an empty store with the catalogue (called in the store's creating transaction)."""
    created = rfc3339(now())
    for name in ZONES:
        tx.put("Zone", GLOBAL, _zone_record(name))
    plans = server_plans()
    for zone in ZONES:
        prefix = ZONE_PREFIX[zone] * 1_000_000_000
        for plan in plans:
            tx.put("ServerPlan", zone, plan)
        for mbps in BANDWIDTHS:
            tx.put(
                "InternetPlan",
                zone,
                {"ID": mbps, "Name": f"{mbps}Mbps共有", "BandWidthMbps": mbps, "Availability": "available"},
            )
        for plan_id, name in ((2, "HDDプラン"), (4, "SSDプラン")):
            sizes = [
                {"SizeMB": gb * 1024, "DisplaySize": gb, "DisplaySuffix": "GB", "Availability": "available"}
                for gb in DISK_SIZES_GB
            ]
            tx.put(
                "DiskPlan",
                zone,
                {
                    "ID": plan_id,
                    "Name": name,
                    "StorageClass": "iscsi1204",
                    "Availability": "available",
                    "Size": sizes,
                },
            )
        for n, (name, tags) in enumerate(ARCHIVES, start=1):
            tx.put(
                "Archive",
                zone,
                {
                    "ID": prefix + 100_000_000 + n,
                    "Name": name,
                    "Description": "public archive (fake cloud)",
                    "Tags": sorted({"@size-extendable", "arch-64bit", "os-linux", *tags}),
                    "Icon": {},
                    "Availability": "available",
                    "Scope": "shared",
                    "SizeMB": 20480,
                    "Plan": {"ID": 2, "Name": "HDDプラン", "StorageClass": "iscsi1204"},
                    "CreatedAt": created,
                    "ModifiedAt": created,
                },
            )
        for n, name in enumerate(ISO_IMAGES, start=1):
            tx.put(
                "CDROM",
                zone,
                {
                    "ID": prefix + 200_000_000 + n,
                    "Name": name,
                    "Description": "public ISO image (fake cloud)",
                    "Tags": ["arch-64bit", "os-linux"],
                    "Icon": {},
                    "Availability": "available",
                    "Scope": "shared",
                    "SizeMB": 5120,
                    "CreatedAt": created,
                },
            )
