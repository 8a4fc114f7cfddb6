"""The picture of examples/grafana/autoscaler-dashboard.json in docs/, drawn from a real run.

No Grafana server can be installed here (none is in the package registries this project uses),
so the dashboard's own queries are evaluated over metrics scraped from real processes and drawn
with matplotlib, one plot per panel, in the dashboard's layout:

    .venv/bin/python tools/dashboard_picture.py collect run.json      # about 2 minutes
    .venv/bin/python -m pip install matplotlib                        # the drawing only
    .venv/bin/python tools/dashboard_picture.py render run.json docs/dashboard.png

`collect` starts the fake cloud, a local-exec handler (a script that takes 0.1-0.6 s and fails
now and then), the Core and `inputs grafana`, each with its `/metrics` exporter; sends webhooks
(up and down in turn, some resolved alerts, some bad requests) and scrapes the three exporters
every two seconds. `render` evaluates each panel's PromQL — the three shapes the dashboard
uses: `sum by (...) (increase(m[$__rate_interval]))`, `histogram_quantile(q, sum by (le, ...)
(rate(m_bucket[$__rate_interval])))` and `sum(m)` — as Prometheus would, with a 10 s window.
"""

from __future__ import annotations

import json
import math
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parent.parent
DASHBOARD = ROOT / "examples" / "grafana" / "autoscaler-dashboard.json"
LEGEND_ROWS = 5  # series drawn in a panel whose legend is sorted by max
WINDOW = 10.0  # seconds: Grafana's $__rate_interval for a 2 s scrape is 8 s at least

SEED = """
servers:
  - name: web
    zone: is1a
    plan: {core: 1, memory: 1}
    power: up
    disks: [{os_type: ubuntu, size: 20}]
    nics: [{upstream: shared}]
"""
CONFIG = """
resources:
  - type: Server
    name: web
    selector: {names: [web], zones: [is1a]}
    plans:
      - {core: 1, memory: 1}
      - {core: 2, memory: 4}
handlers:
  - name: ansible
    endpoint: unix:handler.sock
autoscaler:
  cooldown: 1
  exporter_config: {enabled: true, address: "127.0.0.1:%d"}
"""
# A post-handle step that takes a while and fails one time in eight.
SCRIPT = """#!/bin/sh
cat > /dev/null
sleep 0.$(( $(od -An -N1 -tu1 /dev/urandom) % 6 + 1 ))
[ $(( $(od -An -N1 -tu1 /dev/urandom) % 8 )) -ne 0 ] || { echo "playbook failed"; exit 2; }
echo "playbook ok"
"""

Series = dict[str, Any]  # {"name": ..., "labels": {...}, "points": [[t, value], ...]}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def processes(workdir: Path, env: dict[str, str], ports: dict[str, int]) -> Iterator[None]:
    def start(name: str, *args: str) -> subprocess.Popen[bytes]:
        log = open(workdir / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        return subprocess.Popen(
            [sys.executable, "-m", "autoscaler", *args], cwd=workdir, env=env, stderr=log, stdout=log
        )

    (workdir / "seed.yaml").write_text(SEED)
    subprocess.run(
        [sys.executable, "-m", "autoscaler", "fake-cloud", "seed", "seed.yaml"],
        cwd=workdir,
        env=env,
        check=True,
    )
    script = workdir / "playbook.sh"
    script.write_text(SCRIPT)
    script.chmod(0o755)
    (workdir / "handler.yaml").write_text(
        f"exporter_config: {{enabled: true, address: '127.0.0.1:{ports['handler']}'}}\n"
    )
    (workdir / "inputs.yaml").write_text(
        f"exporter_config: {{enabled: true, address: '127.0.0.1:{ports['inputs']}'}}\n"
    )
    (workdir / "autoscaler.yaml").write_text(CONFIG % ports["core"])
    procs = [
        start(
            "handler",
            "handlers",
            "local-exec",
            "--addr",
            "unix:handler.sock",
            "--config",
            "handler.yaml",
            "--executable-path",
            "playbook.sh",
            "--handler-type",
            "post-handle",
        )
    ]
    try:
        wait_for(lambda: (workdir / "handler.sock").exists(), "the handler")
        procs.append(start("core", "start", "--addr", "unix:core.sock", "--config", "autoscaler.yaml"))
        wait_for(lambda: (workdir / "core.sock").exists(), "the Core")
        procs.append(
            start(
                "inputs",
                "inputs",
                "grafana",
                "--addr",
                f"127.0.0.1:{ports['webhook']}",
                "--dest",
                "unix:core.sock",
                "--config",
                "inputs.yaml",
                "--enable-sync",
            )
        )
        wait_for(lambda: _answers(f"http://127.0.0.1:{ports['webhook']}/healthz"), "the input")
        yield
    finally:
        for proc in reversed(procs):
            proc.send_signal(signal.SIGTERM)
            proc.wait(60)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def wait_for(ready: Any, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            raise SystemExit(f"{what} did not start")
        time.sleep(0.05)


def scrape(urls: list[str], into: dict[tuple[str, str], Series], t: float) -> None:
    for url in urls:
        for family in text_string_to_metric_families(httpx.get(url, timeout=5).text):
            for sample in family.samples:
                key = (sample.name, json.dumps(sample.labels, sort_keys=True))
                series = into.setdefault(key, {"name": sample.name, "labels": sample.labels, "points": []})
                series["points"].append([t, sample.value])


def collect(out: Path, seconds: float) -> None:
    ports = {name: free_port() for name in ("core", "handler", "inputs", "webhook")}
    with tempfile.TemporaryDirectory(prefix="dashboard-") as tmp:
        workdir = Path(tmp)
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("OTEL_")},
            "SAKURACLOUD_FAKE_MODE": "1",
            "SAKURACLOUD_FAKE_STORE_PATH": str(workdir / "fake.sqlite3"),
        }
        urls = [f"http://127.0.0.1:{ports[n]}/metrics" for n in ("core", "handler", "inputs")]
        series: dict[tuple[str, str], Series] = {}
        webhook = f"http://127.0.0.1:{ports['webhook']}"
        with processes(workdir, env, ports), httpx.Client(timeout=60) as client:
            started = time.monotonic()
            stop = threading.Event()

            def scraper() -> None:  # beside the webhooks, which wait for their jobs (sync=true)
                while not stop.wait(2.0):
                    scrape(urls, series, time.monotonic() - started)

            thread = threading.Thread(target=scraper)
            thread.start()
            turn = 0
            rng = random.Random(15)
            while time.monotonic() - started < seconds:
                turn += 1
                kind = rng.random()
                if kind < 0.1:
                    client.post(f"{webhook}/up?resource-name=web&bogus=1", content=b"{}")  # 400
                elif kind < 0.25:
                    client.post(f"{webhook}/down?resource-name=web", content=b'{"state":"ok"}')  # ignored
                else:
                    route = "up" if turn % 2 else "down"
                    client.post(
                        f"{webhook}/{route}?resource-name=web&sync=true", content=b'{"state":"alerting"}'
                    )
                time.sleep(rng.uniform(0.6, 1.6))
            stop.set()
            thread.join()
    out.write_text(json.dumps(list(series.values())) + "\n")
    print(f"{len(series)} series, {seconds:.0f} s, written to {out}")


# --- evaluating the dashboard's queries ----------------------------------------------------

SUM_INCREASE = re.compile(r"sum by \(([^)]*)\) \(increase\((\w+)\[\$__rate_interval\]\)\)$")
QUANTILE = re.compile(
    r"histogram_quantile\(([\d.]+), sum by \(([^)]*)\) \(rate\((\w+)\[\$__rate_interval\]\)\)\)$"
)
SUM = re.compile(r"sum\((\w+)\)$")


def _at(points: list[list[float]], t: float) -> float | None:
    """The last sample at or before `t`."""
    found = None
    for when, value in points:
        if when > t + 1e-9:
            break
        found = value
    return found


def _increase(points: list[list[float]], t: float) -> float | None:
    now, before = _at(points, t), _at(points, t - WINDOW)
    return None if now is None or before is None else max(now - before, 0.0)


def _grouped(
    series: list[Series], name: str, by: list[str], times: list[float], rate: bool
) -> dict[tuple[str, ...], list[float]]:
    groups: dict[tuple[str, ...], list[float]] = {}
    for s in series:
        if s["name"] != name:
            continue
        key = tuple(s["labels"].get(label, "") for label in by)
        values = groups.setdefault(key, [0.0] * len(times))
        for i, t in enumerate(times):
            inc = _increase(s["points"], t)
            values[i] += (inc / WINDOW if rate else inc) if inc is not None else 0.0
    return groups


def _quantile(q: float, buckets: list[tuple[float, float]]) -> float:
    """Prometheus' histogram_quantile over (upper bound, cumulative count) pairs."""
    buckets.sort()
    total = buckets[-1][1] if buckets else 0.0
    if total <= 0:
        return math.nan
    rank = q * total
    lower, below = 0.0, 0.0
    for upper, count in buckets:
        if count >= rank:
            if math.isinf(upper):
                return lower
            return lower + (upper - lower) * (rank - below) / (count - below) if count > below else upper
        lower, below = upper, count
    return lower


def evaluate(
    expr: str, series: list[Series], times: list[float]
) -> dict[tuple[str, ...], tuple[list[str], list[float]]]:
    """{group key: (label names, values at `times`)}."""
    if m := SUM_INCREASE.match(expr):
        by = [label.strip() for label in m[1].split(",")]
        return {k: (by, v) for k, v in _grouped(series, m[2], by, times, rate=False).items()}
    if m := QUANTILE.match(expr):
        by = [label.strip() for label in m[2].split(",")]
        rates = _grouped(series, m[3], by, times, rate=True)
        others = [label for label in by if label != "le"]
        out: dict[tuple[str, ...], tuple[list[str], list[float]]] = {}
        for key in {tuple(v for label, v in zip(by, k, strict=True) if label != "le") for k in rates}:
            values = []
            for i in range(len(times)):
                buckets = [
                    (float(k[by.index("le")]), v[i])
                    for k, v in rates.items()
                    if tuple(x for label, x in zip(by, k, strict=True) if label != "le") == key
                ]
                values.append(_quantile(float(m[1]), buckets))
            out[key] = (others, values)
        return out
    if m := SUM.match(expr):
        total = [0.0] * len(times)
        for s in series:
            if s["name"] == m[1]:
                for i, t in enumerate(times):
                    total[i] += _at(s["points"], t) or 0.0
        return {(): ([], total)}
    raise SystemExit(f"query shape not supported by this renderer: {expr}")


def render(data: Path, png: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    series: list[Series] = json.loads(data.read_text())
    end = max(p[0] for s in series for p in s["points"])
    times = [WINDOW + i * 2.0 for i in range(int((end - WINDOW) / 2.0) + 1)]
    panels = json.loads(DASHBOARD.read_text())["panels"]
    rows = math.ceil(len(panels) / 2)
    fig, axes = plt.subplots(rows, 2, figsize=(14, 2.9 * rows), squeeze=False)
    fig.patch.set_facecolor("#181b1f")
    for ax in axes.flat:
        ax.set_visible(False)
    for panel in panels:
        ax = axes[panel["gridPos"]["y"] // 8][panel["gridPos"]["x"] // 12]
        ax.set_visible(True)
        ax.set_facecolor("#111217")
        ax.set_title(panel["title"], color="#ccccdc", loc="left", fontsize=11)
        ax.tick_params(colors="#8e8e8e", labelsize=8)
        for spine in ax.spines.values():
            spine.set_color("#2c3235")
        ax.grid(color="#2c3235", linewidth=0.6)
        bars = panel["fieldConfig"]["defaults"]["custom"]["drawStyle"] == "bars"
        bottom = [0.0] * len(times)
        drawn: list[tuple[float, str, list[float]]] = []
        for target in panel["targets"]:
            for key, (labels, values) in sorted(evaluate(target["expr"], series, times).items()):
                legend = target["legendFormat"]
                for label, value in zip(labels, key, strict=True):
                    legend = legend.replace("{{" + label + "}}", value)
                drawn.append((max((v for v in values if not math.isnan(v)), default=0.0), legend, values))
        # As the panel's legend (a table sorted by max, when it has one): the largest first.
        by_max = panel["options"]["legend"].get("sortBy") == "Max"
        shown = sorted(drawn, key=lambda d: -d[0])[:LEGEND_ROWS] if by_max else drawn
        for _, legend, values in shown:
            if bars:
                ax.bar(times, values, width=1.6, bottom=bottom, label=legend)
                bottom = [b + v for b, v in zip(bottom, values, strict=True)]
            else:
                ax.plot(times, values, label=legend, linewidth=1.4)
        if len(shown) < len(drawn):
            rest = max(d[0] for d in sorted(drawn, key=lambda d: -d[0])[LEGEND_ROWS:])
            ax.text(
                0.99,
                0.96,
                f"{len(drawn) - len(shown)} more series, each below {rest * 1000:.0f} ms",
                transform=ax.transAxes,
                ha="right",
                va="top",
                color="#8e8e8e",
                fontsize=7,
            )
        unit = panel["fieldConfig"]["defaults"]["unit"]
        ax.set_xlabel("seconds into the run", color="#8e8e8e", fontsize=8)
        if unit == "s":
            ax.set_ylabel("seconds", color="#8e8e8e", fontsize=8)
        ax.legend(
            fontsize=7, loc="upper left", facecolor="#181b1f", labelcolor="#ccccdc", edgecolor="#2c3235"
        )
    fig.suptitle(
        "SAKURA Cloud AutoScaler — examples/grafana/autoscaler-dashboard.json, from a real run's /metrics",
        color="#ccccdc",
        fontsize=12,
    )
    fig.tight_layout()
    fig.savefig(png, dpi=80, facecolor=fig.get_facecolor())
    print(f"written {png}")


def main() -> None:
    if len(sys.argv) >= 3 and sys.argv[1] == "collect":
        collect(Path(sys.argv[2]), float(sys.argv[3]) if len(sys.argv) > 3 else 120.0)
    elif len(sys.argv) == 4 and sys.argv[1] == "render":
        render(Path(sys.argv[2]), Path(sys.argv[3]))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
