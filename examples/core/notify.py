#!/usr/bin/env python3
"""A post-handle script for `autoscaler handlers local-exec`: says what the Core changed.

The request arrives on stdin as JSON (see docs/core.md); whatever is printed appears in the
Core's log (`handler=notify status=DONE log=...`).
"""

import json
import sys

RESULTS = {0: "UNKNOWN", 1: "CREATED", 2: "UPDATED", 3: "DELETED", 4: "NO_CHANGE"}

request = json.load(sys.stdin)
result = RESULTS.get(request.get("result", 0), "UNKNOWN")
for kind, resource in request.get("current", {}).get("Resource", {}).items():
    what = f"{request['resource_name']}: {kind} {resource.get('name', '')} (ID {resource.get('id', '')})"
    if result == "UNKNOWN":  # a resource the job did not touch (e.g. an existing group member)
        print(f"{what} unchanged")
    else:
        print(f"{what} {result}, now {resource.get('core', 0)} core / {resource.get('memory', 0)} GB")
