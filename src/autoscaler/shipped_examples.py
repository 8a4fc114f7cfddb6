"""The example files shipped with the package: handler scripts, systemd units, configurations.

A wheel carries a copy of the repository's examples/ as `autoscaler/_examples` (setup.py puts
it there); a checkout (editable install) reads examples/ itself. `write_to` copies them out, so
users who installed with pip or pipx, or run the .pyz, get the same files as a clone has.
"""

from __future__ import annotations

import contextlib
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

_PACKAGED = "_examples"
_CHECKOUT = Path(__file__).resolve().parents[2] / "examples"
# Left out of a checkout's listing as the build leaves them out of the wheel.
_SKIPPED = {"demo.py", "__pycache__"}


class ExamplesError(Exception):
    """What went wrong, naming the file; nothing was left behind."""


def root() -> Traversable:
    packaged = files("autoscaler").joinpath(_PACKAGED)
    if packaged.is_dir():
        return packaged
    if _CHECKOUT.is_dir():
        return _CHECKOUT
    raise ExamplesError("no example files in this installation (autoscaler/_examples is missing)")


def listing(top: Traversable | None = None) -> list[str]:
    """The relative paths of every example file, sorted (`handlers/echo.sh`, ...)."""
    found: list[str] = []

    def walk(folder: Traversable, prefix: str) -> None:
        for entry in folder.iterdir():
            if entry.name in _SKIPPED or entry.name.endswith(".pyc"):
                continue
            if entry.is_dir():
                walk(entry, f"{prefix}{entry.name}/")
            else:
                found.append(prefix + entry.name)

    walk(top or root(), "")
    return sorted(found)


def write_to(dest: Path) -> list[Path]:
    """Write every example file under `dest`, keeping the layout; scripts (`#!`) get mode 0755.

    Refuses before writing anything when a file would be overwritten; removes what it wrote
    when writing fails part way."""
    top = root()
    names = listing(top)
    for folder in sorted({dest / name.rpartition("/")[0] for name in names}):
        for path in (folder, *folder.parents):
            if path.exists() and not path.is_dir():
                raise ExamplesError(f"{path}: exists and is not a directory")
    taken = [name for name in names if (dest / name).exists() or (dest / name).is_symlink()]
    if taken:
        more = f" (and {len(taken) - 1} more)" if len(taken) > 1 else ""
        raise ExamplesError(f"{dest / taken[0]}: already exists{more}; choose another directory")
    written: list[Path] = []
    made: list[Path] = []
    try:
        for name in names:
            target = dest / name
            for parent in reversed(target.parents):
                if not parent.exists():
                    parent.mkdir()
                    made.append(parent)
            data = top.joinpath(*name.split("/")).read_bytes()
            with open(target, "xb") as out:
                written.append(target)
                out.write(data)
            target.chmod(0o755 if data.startswith(b"#!") else 0o644)
    except OSError as exc:
        for path in written:
            path.unlink(missing_ok=True)
        for folder in reversed(made):
            with contextlib.suppress(OSError):
                folder.rmdir()
        where = exc.filename or dest
        raise ExamplesError(f"{where}: {exc.strerror or exc}") from None
    return written
