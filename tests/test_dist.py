"""What `make dist` makes: the sdist and the wheel carry what they should, and autoscaler.pyz runs
on a plain python3 outside the venv, in a clean environment and a temporary working directory.

The build (about 30 s with a warm pip cache) runs once for the module. The round trips run the
interpreter with `-I -S`: no site-packages at all, so whatever the .pyz needs must be inside it.
Other interpreters found on the machine (python3.12, ...) run the same checks; those missing
are skipped.
"""

from __future__ import annotations

import os
import platform
import signal
import subprocess
import sys
import tarfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from autoscaler.shipped_examples import listing
from autoscaler.version import UNKNOWN_REVISION, VERSION, __version__, revision

pytestmark = [pytest.mark.dist, pytest.mark.timeout(900)]

ROOT = Path(__file__).resolve().parents[1]
RESOURCE = '{"Server":{"id":"113600000001","zone":"is1a","name":"web-001"}}'


def _probe(executable: str) -> tuple[str, str] | None:
    """(`3.12`, the real executable) of an interpreter that runs, or None."""
    try:
        done = subprocess.run(
            [executable, "-I", "-c", "import sys; print('%d.%d' % sys.version_info[:2], sys.executable)"],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0 or len(done.stdout.split()) != 2:
        return None
    version, real = done.stdout.split()
    return version, real


def _plain_python() -> tuple[str, str]:
    """The system's python3 (as a host without a venv has it), else the venv's base interpreter."""
    for candidate in ("/usr/bin/python3", "/usr/local/bin/python3"):
        found = _probe(candidate)
        if found and tuple(int(p) for p in found[0].split(".")) >= (3, 11):
            return found
    base = _probe(getattr(sys, "_base_executable", sys.executable))
    assert base is not None
    return base


def _find(version: str) -> str | None:
    """The real executable of Python `version` (`3.12`), wherever this machine keeps one."""
    candidates = [f"/usr/bin/python{version}", f"/usr/local/bin/python{version}"]
    candidates += [
        str(p) for p in sorted(Path.home().glob(f".pyenv/versions/{version}.*/bin/python{version}"))
    ]
    for candidate in candidates:
        probed = _probe(candidate) if Path(candidate).exists() else None
        if probed and probed[0] == version:
            return probed[1]
    return None


def _other_pythons(plain: str) -> dict[str, str]:
    """The other minor versions the .pyz carries, those this machine has."""
    found = {v: _find(v) for v in ("3.11", "3.12", "3.13", "3.14") if v != plain}
    return {v: exe for v, exe in found.items() if exe}


def _older_python() -> str | None:
    return _find("3.10") or _find("3.9")


PLAIN = _plain_python()
INTERPRETERS = {PLAIN[0]: PLAIN[1], **_other_pythons(PLAIN[0])}


@dataclass(frozen=True)
class Built:
    sdist: Path
    wheel: Path
    pyz: Path
    revision: str
    home: Path

    def env(self) -> dict[str, str]:
        """A clean environment: no venv, no PYTHON* variables; shiv unpacks into the test's home."""
        return {
            "PATH": "/usr/bin:/bin",
            "HOME": str(self.home),
            "SHIV_ROOT": str(self.home / "shiv"),
            "LANG": "C.UTF-8",
        }

    def run(
        self, python: str, *args: str, cwd: Path, isolated: bool = True
    ) -> subprocess.CompletedProcess[str]:
        flags = ["-I", "-S"] if isolated else []
        return subprocess.run(
            [python, *flags, str(self.pyz), *args],
            capture_output=True,
            text=True,
            cwd=cwd,
            env=self.env(),
            timeout=120,
        )


def _one(folder: Path, pattern: str) -> Path:
    found = sorted(folder.glob(pattern))
    assert len(found) == 1, f"{pattern}: {found}"
    return found[0]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    out = tmp_path_factory.mktemp("dist")
    # What this checkout reports is what the build must bake in.
    built_from = revision()
    # Without isolation: the build tools of this venv (test extra), no download of setuptools.
    done = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    wheel = _one(out, "*.whl")
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "build_pyz.py"), str(wheel), "-o", str(out / "autoscaler.pyz")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return Built(
        _one(out, "*.tar.gz"), wheel, out / "autoscaler.pyz", built_from, tmp_path_factory.mktemp("home")
    )


def test_wheel_carries_license_revision_and_examples(built: Built) -> None:
    assert built.wheel.name == f"sacloud_autoscaler-{__version__}-py3-none-any.whl"
    with zipfile.ZipFile(built.wheel) as wheel:
        names = set(wheel.namelist())
        info = f"sacloud_autoscaler-{__version__}.dist-info"
        assert f"{info}/licenses/LICENSE" in names
        metadata = wheel.read(f"{info}/METADATA").decode()
        if built.revision == UNKNOWN_REVISION:
            assert "autoscaler/_revision.txt" not in names
        else:
            assert wheel.read("autoscaler/_revision.txt").decode().strip() == built.revision
        packaged = sorted(
            n.removeprefix("autoscaler/_examples/") for n in names if n.startswith("autoscaler/_examples/")
        )
        mode = wheel.getinfo("autoscaler/_examples/handlers/echo.sh").external_attr >> 16
    assert f"Version: {__version__}\n" in metadata
    assert "License-Expression: Apache-2.0\n" in metadata
    assert "Project-URL: Upstream, https://github.com/sacloud/autoscaler\n" in metadata
    # The checkout's examples/, less the demo that drives a checkout.
    assert packaged == listing(ROOT / "examples")
    assert "demo.py" not in packaged and "handlers/echo.sh" in packaged
    assert mode & 0o111


def test_sdist_carries_what_it_takes_to_test_and_rebuild(built: Built) -> None:
    top = f"sacloud_autoscaler-{__version__}/"
    with tarfile.open(built.sdist) as sdist:
        names = {n.removeprefix(top) for n in sdist.getnames()}
        if built.revision != UNKNOWN_REVISION:
            recorded = sdist.extractfile(top + "src/autoscaler/_revision.txt")
            assert recorded is not None
            assert recorded.read().decode().strip() == built.revision
    for wanted in (
        "LICENSE",
        "CHANGELOG.md",
        "Containerfile",
        "Makefile",
        "setup.py",
        "proto/handler.proto",
        "tests/test_dist.py",
        "tools/build_pyz.py",
        "examples/systemd/autoscaler_core.service",
        "docs/compatibility.md",
    ):
        assert wanted in names, wanted
    assert not [n for n in names if "__pycache__" in n or n.startswith(".venv") or n.endswith(".sock")]


@pytest.fixture(params=sorted(INTERPRETERS), ids=lambda v: f"python{v}")
def python(request: pytest.FixtureRequest) -> str:
    return INTERPRETERS[request.param]


def test_pyz_prints_upstreams_version_and_names_its_build(built: Built, python: str, tmp_path: Path) -> None:
    plain = built.run(python, "--version", cwd=tmp_path, isolated=False)
    assert (plain.returncode, plain.stdout, plain.stderr) == (0, f"v{VERSION}\n", "")
    full = built.run(python, "version", "-a", cwd=tmp_path)
    assert full.returncode == 0, full.stderr
    release = subprocess.run(
        [python, "-I", "-c", "import platform; print(platform.python_version())"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    machine = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
    assert full.stdout == (
        f"v{VERSION} linux/{machine}, build {built.revision} (Python implementation {__version__}, CPython {release})\n"
    )


def test_pyz_local_exec_round_trip(built: Built, python: str, tmp_path: Path) -> None:
    script = tmp_path / "handler.sh"
    script.write_text("#!/bin/sh\ncat\n")
    script.chmod(0o755)
    sock = tmp_path / "local-exec.sock"
    log = tmp_path / "handler.log"
    with open(log, "wb") as err:
        handler = subprocess.Popen(
            [python, "-I", "-S", str(built.pyz), "handlers", "local-exec", "--executable-path", "handler.sh",
             "--handler-type", "post-handle", "--addr", f"unix:{sock}"],
            cwd=tmp_path,
            env=built.env(),
            stdout=subprocess.DEVNULL,
            stderr=err,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        while "msg=started" not in log.read_text():
            assert handler.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        call = built.run(
            python, "handlers", "call", "--endpoint", f"unix:{sock}", "--step", "post-handle",
            "--result", "CREATED", "--resource", RESOURCE, cwd=tmp_path,
        )  # fmt: skip
        assert call.returncode == 0, call.stderr
        assert call.stdout == f'[DONE] {{"result":1,"current":{{"Resource":{RESOURCE}}}}}\n'
        handler.send_signal(signal.SIGTERM)
        assert handler.wait(60) == 0, log.read_text()
    finally:
        if handler.poll() is None:
            handler.kill()
            handler.wait()
    assert not sock.exists()
    assert "msg=execute() from=autoscaler-handlers-local-exec status=DONE output=" in log.read_text()


def test_pyz_writes_the_packaged_examples(built: Built, tmp_path: Path) -> None:
    done = built.run(PLAIN[1], "example", "--write-to", "ex", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    expected = listing(ROOT / "examples")
    assert done.stdout.splitlines() == [f"ex/{name}" for name in expected]
    echo = tmp_path / "ex" / "handlers" / "echo.sh"
    assert echo.read_bytes() == (ROOT / "examples" / "handlers" / "echo.sh").read_bytes()
    assert os.access(echo, os.X_OK)
    assert not os.access(tmp_path / "ex" / "systemd" / "core.config", os.X_OK)


def test_pyz_refuses_an_interpreter_it_has_no_modules_for(built: Built, tmp_path: Path) -> None:
    older = _older_python()
    if older is None:
        pytest.skip("no Python older than 3.11 on this machine")
    done = built.run(older, "--version", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.startswith("Error: this autoscaler.pyz carries compiled modules for Python 3.11, ")
    assert "Traceback" not in done.stderr
