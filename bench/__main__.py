"""`make bench`: run every benchmark and print its table (details in bench/README.md)."""

from __future__ import annotations

import importlib
import sys

# Module name -> what it measures. Each module has `main()`.
BENCHMARKS = {
    "bench.local_exec": "local-exec handler: round trip, concurrency, memory",
    "bench.core_latency": "Core: Up→DONE latency of a sync job on the fake cloud",
    "bench.inputs_http": "webhook inputs: latency and requests/s of /up",
    "bench.cloud_concurrency": "cloud client shared by concurrent tasks: request rate, limit on vs off",
    "bench.group_capacity": "time to capacity: 4 new ServerGroup members, parallelism 1 vs 4",
    "bench.yaml_bomb": "the YAML loader against a billion-laughs file: refusal time and peak RSS",
    "bench.tracing": "local-exec round trip with OpenTelemetry tracing on vs off",
}


def main() -> None:
    selected = sys.argv[1:] or list(BENCHMARKS)
    for name in selected:
        module = name if name.startswith("bench.") else f"bench.{name}"
        print(f"\n## {module}: {BENCHMARKS.get(module, '')}\n", flush=True)
        importlib.import_module(module).main()


if __name__ == "__main__":
    main()
