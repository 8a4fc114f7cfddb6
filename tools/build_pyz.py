"""Build dist/autoscaler.pyz: the wheel and everything it needs, in one file run by `python3`.

    python tools/build_pyz.py dist/sacloud_autoscaler-*.whl [-o dist/autoscaler.pyz]

grpcio and pydantic-core are C extensions, which Python cannot import from inside a zip, so a
plain zipapp cannot work: shiv's bootstrap unpacks the bundled site-packages once (into
~/.shiv, or $SHIV_ROOT) and runs from there. Compiled modules are built for one Python minor
version each, but their file names carry that version (`cygrpc.cpython-312-x86_64-linux-gnu.so`),
so the wheels for several versions can lie side by side: the dependencies are resolved once
for the running interpreter, then the same releases of the compiled ones are added for every
other version in --pythons. The file runs on this machine's platform (OS, architecture, libc)
with any of those versions; on another it says so and exits 1.
"""

from __future__ import annotations

import argparse
import email.parser
import platform
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

PYTHONS = ("3.11", "3.12", "3.13", "3.14")
PURE_TAGS = {"py3-none-any", "py2.py3-none-any"}

# Runs before the entry point: a clear message instead of an ImportError deep inside grpc.
PREAMBLE = """\
import platform
import sys

PYTHONS = {pythons!r}
MACHINE = {machine!r}
running = "%d.%d" % sys.version_info[:2]
if running not in PYTHONS or platform.machine() != MACHINE or sys.platform != "linux":
    sys.stderr.write(
        "Error: this autoscaler.pyz carries compiled modules for Python %s on linux/%s; "
        "this is Python %s on %s/%s. Run it with one of those, or install the wheel with pip "
        "(Python >= 3.11) or build a .pyz on this machine (make dist).\\n"
        % (", ".join(PYTHONS), MACHINE, running, sys.platform, platform.machine())
    )
    sys.exit(1)
"""


@dataclass(frozen=True)
class Dist:
    name: str
    version: str


def step(message: str) -> None:
    print(f"build_pyz: {message}", flush=True)


def pip(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *args]
    return subprocess.run(command, capture_output=True, text=True)


def compiled_dists(site_packages: Path) -> list[Dist]:
    """Installed distributions whose wheel is tied to one Python version (not pure, not abi3)."""
    found = []
    for info in sorted(site_packages.glob("*.dist-info")):
        wheel = email.parser.Parser().parsestr((info / "WHEEL").read_text(encoding="utf-8"))
        tags = set(wheel.get_all("Tag") or [])
        if tags <= PURE_TAGS or any("-abi3-" in tag for tag in tags):
            continue
        meta = email.parser.Parser().parsestr((info / "METADATA").read_text(encoding="utf-8"))
        found.append(Dist(meta["Name"], meta["Version"]))
    return found


def merge_missing(source: Path, target: Path) -> int:
    """Copy the files of `source` that `target` lacks (another version's compiled modules)."""
    added = 0
    for path in source.rglob("*"):
        destination = target / path.relative_to(source)
        if path.is_file() and not destination.exists():
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, destination)
            added += 1
    return added


def build(wheel: Path, output: Path, pythons: list[str], work: Path) -> list[str]:
    running = "{}.{}".format(*sys.version_info[:2])
    if running not in pythons:
        raise SystemExit(f"build_pyz: run me with one of Python {', '.join(pythons)} (this is {running})")
    site_packages = work / "site-packages"
    step(f"installing {wheel.name} and its dependencies for Python {running}")
    done = pip("--target", str(site_packages), "--only-binary=:all:", str(wheel))
    if done.returncode != 0:
        raise SystemExit(f"build_pyz: pip failed:\n{done.stderr}")
    shutil.rmtree(site_packages / "bin", ignore_errors=True)  # console scripts of the build venv

    compiled = compiled_dists(site_packages)
    pins = [f"{d.name}=={d.version}" for d in compiled]
    carried = [running]
    for version in (v for v in pythons if v != running):
        step(f"adding the compiled modules of {', '.join(pins)} for Python {version}")
        other = work / f"site-packages-{version}"
        done = pip(
            "--target",
            str(other),
            "--no-deps",
            "--only-binary=:all:",
            "--python-version",
            version,
            "--implementation",
            "cp",
            *pins,
        )
        if done.returncode != 0:
            last = done.stderr.strip().splitlines()[-1:] or ["(no message)"]
            step(f"leaving out Python {version}: {last[0]}")
            continue
        merge_missing(other, site_packages)
        carried.append(version)

    carried.sort(key=lambda v: tuple(int(part) for part in v.split(".")))
    preamble = work / "autoscaler_pyz_check.py"
    preamble.write_text(PREAMBLE.format(pythons=tuple(carried), machine=platform.machine()), encoding="utf-8")
    step(f"writing {output} (Python {', '.join(carried)}, linux/{platform.machine()})")
    output.parent.mkdir(parents=True, exist_ok=True)
    shiv = [
        sys.executable,
        "-m",
        "shiv",
        "--site-packages",
        str(site_packages),
        "--entry-point",
        "autoscaler.cli.main:main",
        "--python",
        "/usr/bin/env python3",
        "--preamble",
        str(preamble),
        "--reproducible",
        "--output-file",
        str(output),
    ]
    done = subprocess.run(shiv, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"build_pyz: shiv failed:\n{done.stdout}{done.stderr}")
    return carried


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Build the one-file autoscaler.pyz from a wheel.")
    parser.add_argument("wheel", type=Path, help="the sacloud-autoscaler wheel (make dist builds it)")
    parser.add_argument("-o", "--output", type=Path, default=Path("dist/autoscaler.pyz"))
    parser.add_argument(
        "--pythons",
        default=",".join(PYTHONS),
        help=f"Python versions to carry compiled modules for (default {','.join(PYTHONS)})",
    )
    args = parser.parse_args(argv)
    if not args.wheel.is_file():
        parser.error(f"wheel: no such file: {args.wheel}")
    pythons = [v.strip() for v in args.pythons.split(",") if v.strip()]
    with tempfile.TemporaryDirectory(prefix="autoscaler-pyz-") as work:
        build(args.wheel.resolve(), args.output.resolve(), pythons, Path(work))
    size = args.output.stat().st_size / 1e6
    step(f"done: {args.output} ({size:.1f} MB); run it with: python3 {args.output} --version")


if __name__ == "__main__":
    main()
