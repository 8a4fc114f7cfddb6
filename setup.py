"""Build steps pyproject.toml cannot express: what a built package carries besides the code.

- `autoscaler/_revision.txt`: the git commit the build comes from, so `autoscaler version -a`
  of an installed wheel names it. Taken from the checkout, else from the sdist (which records
  it), else from AUTOSCALER_BUILD_REVISION (a container build without .git).
- `autoscaler/_examples/`: a copy of examples/ (handler scripts, systemd units, configurations),
  which `autoscaler example --write-to DIR` writes out for users who installed a wheel.

An editable install (`pip install -e .`) gets neither: it reads both from the checkout.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

HERE = Path(__file__).resolve().parent
REVISION_FILE = Path("src", "autoscaler", "_revision.txt")
# Not shipped as examples: the demo drives a checkout (make demo).
SKIPPED_EXAMPLES = shutil.ignore_patterns("__pycache__", "*.pyc", "demo.py")


def _revision() -> str | None:
    from_env = os.environ.get("AUTOSCALER_BUILD_REVISION", "").strip()
    if from_env:
        return from_env
    # The same git question `version -a` asks of a checkout; the module needs only the stdlib.
    spec = importlib.util.spec_from_file_location("_autoscaler_version", HERE / "src/autoscaler/version.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    found: str | None = module.git_revision(HERE)
    if found:
        return found
    recorded = HERE / REVISION_FILE  # present in an unpacked sdist
    return recorded.read_text(encoding="utf-8").strip() if recorded.is_file() else None


def _write(path: Path, text: str) -> None:
    # The release tree may hard-link source files: replace, never write through a link.
    path.unlink(missing_ok=True)
    path.write_text(text + "\n", encoding="utf-8")


class BuildPy(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        package = Path(self.build_lib, "autoscaler")
        revision = _revision()
        if revision:
            _write(package / "_revision.txt", revision)
        examples = package / "_examples"
        shutil.rmtree(examples, ignore_errors=True)
        shutil.copytree(HERE / "examples", examples, ignore=SKIPPED_EXAMPLES)


class Sdist(sdist):
    def make_release_tree(self, base_dir: str, files: list[str]) -> None:
        super().make_release_tree(base_dir, files)
        revision = _revision()
        if revision:
            _write(Path(base_dir, REVISION_FILE), revision)


setup(cmdclass={"build_py": BuildPy, "sdist": Sdist})
