"""Generate the Python gRPC code (and type stubs) from proto/*.proto.

The descriptors must keep the bare file names `handler.proto` / `request.proto` (reflection
clients compare them with upstream's; `status.proto` is ours), so protoc runs with `-I proto`;
the generated modules then import each other as top-level modules, which we rewrite to
package-relative imports.

Usage: python tools/genproto.py [OUT_DIR]   (default: src/autoscaler/proto)
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROTO_DIR = ROOT / "proto"
DEFAULT_OUT = ROOT / "src" / "autoscaler" / "proto"
PROTOS = ("handler.proto", "request.proto", "status.proto")
_TOP_LEVEL_IMPORT = re.compile(r"^import (\w+_pb2) as (\w+)$", re.MULTILINE)


def generate(out_dir: Path) -> list[Path]:
    """Run protoc into out_dir and return the generated files."""
    from grpc_tools import protoc  # dev-only dependency

    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        include = Path(protoc.__file__).parent / "_proto"
        args = [
            "protoc",
            f"-I{PROTO_DIR}",
            f"-I{include}",
            f"--python_out={tmp}",
            f"--grpc_python_out={tmp}",
            f"--mypy_out={tmp}",
            f"--mypy_grpc_out={tmp}",
            *PROTOS,
        ]
        if protoc.main(args) != 0:
            raise RuntimeError("protoc failed")
        produced = []
        for src in sorted(Path(tmp).iterdir()):
            text = _TOP_LEVEL_IMPORT.sub(r"from . import \1 as \2", src.read_text())
            dst = out_dir / src.name
            dst.write_text(text)
            produced.append(dst)
    return produced


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUT
    if not shutil.which("protoc-gen-mypy"):
        # mypy-protobuf installs its plugins next to the interpreter.
        bindir = Path(sys.executable).parent
        import os

        os.environ["PATH"] = f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}"
    for path in generate(out):
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)


if __name__ == "__main__":
    main()
