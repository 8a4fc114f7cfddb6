"""The billion-laughs YAML against the shared loader, each against a baseline of the same run.

    .venv/bin/python -m bench.yaml_bomb [--quick]

1. In-process: `yamlconf.parse_text` refusing the bomb (ten anchors, each a list of nine
   aliases of the previous: 9**10 strings once expanded) vs parsing upstream's example config.
2. The command a user runs: `autoscaler validate --config bomb.yaml` — wall time and peak RSS
   of the process — vs the same command on a file with a syntax error (same start-up, refused
   at once).
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autoscaler.yamlconf import ConfigError, parse_text

ROOT = Path(__file__).resolve().parents[1]
NAMES = "abcdefghij"
BOMB = "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9) if prev else ', '.join(['lol'] * 9)}]\n"
    for prev, name in zip(["", *NAMES[:-1]], NAMES, strict=True)
)
EXAMPLE = ROOT / "tests" / "core" / "fixtures" / "upstream_example.yaml"


def in_process(rounds: int) -> dict[str, float]:
    example = EXAMPLE.read_text()

    def refuse() -> float:
        start = time.perf_counter()
        try:
            parse_text(BOMB, "bomb.yaml")
        except ConfigError:
            return time.perf_counter() - start
        raise AssertionError("the bomb was accepted")

    def ordinary() -> float:
        start = time.perf_counter()
        parse_text(example, "example.yaml")
        return time.perf_counter() - start

    bomb, base = [], []
    for _ in range(rounds):
        bomb.append(refuse())
        base.append(ordinary())
    return {
        "bomb_parse_ms": statistics.median(bomb) * 1000,
        "example_parse_ms": statistics.median(base) * 1000,
    }


def command(path: Path) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MiB) and output of `autoscaler validate --config path`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "autoscaler", "validate", "--config", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    wall = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    assert done.returncode == 1, done
    # ru_maxrss of children is the largest of any child so far: run the larger one first.
    return wall, max(peak, before) / 1024, done.stdout + done.stderr


def processes(rounds: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="bench-yaml-") as tmp:
        bomb = Path(tmp) / "bomb.yaml"
        bomb.write_text(BOMB)
        broken = Path(tmp) / "broken.yaml"
        broken.write_text("resources: [\n")
        walls, base_walls = [], []
        peak = 0.0
        output = ""
        for _ in range(rounds):
            wall, peak, output = command(bomb)
            walls.append(wall)
            base_walls.append(command(broken)[0])
    # The baseline's RSS, measured in a fresh process so the bomb's peak cannot hide it.
    base_rss = _fresh_peak(broken)
    return {
        "bomb_bytes": len(BOMB),
        "validate_bomb_wall_s": statistics.median(walls),
        "validate_broken_wall_s": statistics.median(base_walls),
        "validate_bomb_peak_rss_mib": peak,
        "validate_broken_peak_rss_mib": base_rss,
        "message": output.strip(),  # type: ignore[dict-item]
    }


def _fresh_peak(path: Path) -> float:
    code = (
        "import resource, subprocess, sys; subprocess.run([sys.executable, '-m', 'autoscaler', 'validate', "
        f"'--config', {str(path)!r}], capture_output=True); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(out.stdout) / 1024


def main() -> None:
    quick = "--quick" in sys.argv
    rounds = 3 if quick else 7
    r = {**in_process(rounds), **processes(rounds)}
    bomb_ms, example_ms = r["bomb_parse_ms"], r["example_parse_ms"]
    wall, base_wall = r["validate_bomb_wall_s"], r["validate_broken_wall_s"]
    rss, base_rss = r["validate_bomb_peak_rss_mib"], r["validate_broken_peak_rss_mib"]
    rows = [
        ("measure", "value", "baseline (same run)", "ratio", "target"),
        ("---",) * 5,
        (
            f"parse_text refuses the {r['bomb_bytes']:.0f}-byte bomb",
            f"{bomb_ms:.0f} ms",
            f"upstream's example config parsed {example_ms:.1f} ms",
            f"{bomb_ms / example_ms:.0f}×",
            "—",
        ),
        (
            "`autoscaler validate` on the bomb, wall",
            f"{wall:.2f} s",
            f"on a syntax error {base_wall:.2f} s",
            f"{wall / base_wall:.2f}×",
            "refused < 1 s",
        ),
        ("same, peak RSS", f"{rss:.1f} MiB", f"{base_rss:.1f} MiB", f"{rss / base_rss:.2f}×", "< 100 MiB"),
    ]
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print(f"\nmessage: {r['message']}")
    out = Path(__file__).resolve().parent / "results"
    out.mkdir(exist_ok=True)
    (out / "yaml_bomb.json").write_text(json.dumps(r, indent=2) + "\n")
    print(f"(raw numbers in {out / 'yaml_bomb.json'}; machine: {os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
