"""The job journal in one SQLite file (stdlib sqlite3, WAL, one transaction per record).

- Durable: a record whose call returned survives the Core's death (SIGKILL, an OOM kill, a
  crash) and an orderly reboot: it is committed to the WAL (`synchronous=NORMAL`). With
  `fsync=True` (`autoscaler.journal.fsync`), each intent and each job's end is also flushed to
  the disk before the call returns (`synchronous=FULL` for those commits), so a power cut or a
  kernel crash cannot lose it either; that costs one disk flush per cloud step (measured in
  bench/README.md). Another process may read the file while the Core writes (WAL).
- One writer: the Core holds an exclusive `flock` on `<file>.lock` (released by the kernel
  when the process dies, even by SIGKILL) and writes its pid, host and address into it; a
  second Core on the same file is refused with those.
- Cheap: a commit to the WAL takes tens of microseconds and runs inline; with `fsync` (a disk
  flush per intent, milliseconds) statements run on one worker thread instead, in call order,
  so the event loop never waits for the disk.

Anyone can look inside: `sqlite3 core-….sqlite3 'select * from jobs order by accepted_at'`.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import fcntl
import json
import os
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from ..history import JobRecord
from .records import (
    DONE,
    FAILED,
    INTENT,
    RECOVERY_PENDING,
    Interrupted,
    Owner,
    ResourceEntry,
    StepEntry,
)
from .store import JournalBusy, JournalError

T = TypeVar("T")
SCHEMA_VERSION = 1
OPEN_STATUSES = ("JOB_ACCEPTED", "JOB_RUNNING")

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    run_id TEXT PRIMARY KEY,
    resource_name TEXT NOT NULL,
    request TEXT NOT NULL,
    source TEXT NOT NULL,
    desired_state_name TEXT NOT NULL,
    sync INTEGER NOT NULL,
    status TEXT NOT NULL,
    accepted_at TEXT NOT NULL,
    finished_at TEXT,
    error TEXT NOT NULL DEFAULT '',
    recovery TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS jobs_by_resource ON jobs (resource_name, accepted_at);
CREATE INDEX IF NOT EXISTS jobs_open ON jobs (status, recovery);
CREATE TABLE IF NOT EXISTS resources (
    run_id TEXT NOT NULL REFERENCES jobs (run_id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    zone TEXT NOT NULL,
    name TEXT NOT NULL,
    cloud_id TEXT NOT NULL,
    instruction TEXT NOT NULL,
    handled INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, seq)
);
CREATE TABLE IF NOT EXISTS steps (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL REFERENCES jobs (run_id) ON DELETE CASCADE,
    step TEXT NOT NULL,
    kind TEXT NOT NULL,
    zone TEXT NOT NULL,
    target TEXT NOT NULL,
    cloud_id TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL,
    state TEXT NOT NULL,
    outcome TEXT NOT NULL DEFAULT '{}',
    error TEXT NOT NULL DEFAULT '',
    at TEXT NOT NULL,
    done_at TEXT
);
CREATE INDEX IF NOT EXISTS steps_by_run ON steps (run_id, id);
"""


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return str(exc)


class SQLiteJournal:
    """`Journal` on one SQLite file. `open()` creates the file (and its directory) if needed
    and checks it can be written; JournalError otherwise."""

    def __init__(self, path: Path, fsync: bool = False) -> None:
        self.path = path
        self.fsync = fsync
        self.location = str(path)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="journal")
        self._db: sqlite3.Connection | None = None
        self._lock_fd: int | None = None

    # --- opening -----------------------------------------------------------------------------

    async def open(self) -> None:
        await self._run(self._open)

    def _open(self) -> None:
        blocked = next((p for p in self.path.parents if p.exists()), None)
        if blocked is not None and not blocked.is_dir():
            raise JournalError(f"{blocked} is not a directory")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise JournalError(f"cannot create the directory {self.path.parent}: {_reason(exc)}") from None
        if self.path.is_dir():
            raise JournalError(f"{self.path} is a directory")
        try:
            db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=10)
        except sqlite3.Error as exc:
            raise JournalError(f"cannot open {self.path}: {exc}") from None
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA foreign_keys=ON")
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise JournalError(
                    f"{self.path} was written by a newer autoscaler (schema {version}, this one knows "
                    f"{SCHEMA_VERSION})"
                )
            with _transaction(db):
                for statement in SCHEMA.split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        except sqlite3.DatabaseError as exc:
            db.close()
            raise JournalError(f"cannot write {self.path}: {exc}") from None
        except BaseException:
            db.close()
            raise
        with contextlib.suppress(OSError):
            os.chmod(self.path, 0o600)
        self._db = db

    # --- leadership --------------------------------------------------------------------------

    @property
    def lock_path(self) -> Path:
        return self.path.with_name(self.path.name + ".lock")

    async def acquire(self, owner: Owner) -> None:
        await self._run(lambda: self._acquire(owner))

    def _acquire(self, owner: Owner) -> None:
        try:
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError as exc:
            raise JournalError(f"cannot open the lock file {self.lock_path}: {_reason(exc)}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            holder = os.pread(fd, 4096, 0).decode(errors="replace").strip()
            os.close(fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise JournalBusy(holder or "another process") from None
            raise JournalError(f"cannot lock {self.lock_path}: {_reason(exc)}") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, (owner.describe() + "\n").encode(), 0)
        self._lock_fd = fd

    async def release(self) -> None:
        await self._run(self._release)

    def _release(self) -> None:
        if self._lock_fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self._lock_fd, 0)
            os.close(self._lock_fd)  # closing drops the flock
            self._lock_fd = None

    async def close(self) -> None:
        def close() -> None:
            self._release()
            if self._db is not None:
                self._db.close()
                self._db = None

        await self._run(close)
        self._pool.shutdown(wait=True)

    # --- writing -----------------------------------------------------------------------------

    async def _run(self, call: Callable[[], T]) -> T:
        if not self.fsync and self._db is not None:
            return call()
        return await asyncio.get_running_loop().run_in_executor(self._pool, call)

    def _write(self, sql: str, params: Sequence[Any], flush: bool = False) -> int:
        """One statement in its own transaction; `flush`: to the disk too (in fsync mode)."""
        db = self._conn()
        flush = flush and self.fsync
        try:
            if flush:
                db.execute("PRAGMA synchronous=FULL")
            try:
                with _transaction(db):
                    cursor = db.execute(sql, params)
            finally:
                if flush:
                    db.execute("PRAGMA synchronous=NORMAL")
        except sqlite3.DatabaseError as exc:
            raise JournalError(f"cannot write {self.path}: {exc}") from None
        return int(cursor.lastrowid or 0)

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            raise JournalError(f"{self.path} is not open")
        return self._db

    async def add_job(self, job: JobRecord, sync: bool) -> None:
        await self._run(
            lambda: self._write(
                "INSERT INTO jobs (run_id, resource_name, request, source, desired_state_name, sync, "
                "status, accepted_at, finished_at, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    job.job_id,
                    job.resource_name,
                    job.request,
                    job.source,
                    job.desired_state_name,
                    int(sync),
                    job.status,
                    job.accepted_at.isoformat(),
                    job.finished_at.isoformat() if job.finished_at else None,
                    job.error,
                ),
            )
        )

    async def set_status(
        self, run_id: str, status: str, *, error: str = "", finished_at: datetime | None = None
    ) -> None:
        finished = finished_at.isoformat() if finished_at else None
        await self._run(
            lambda: self._write(
                "UPDATE jobs SET status = ?, error = ?, finished_at = COALESCE(?, finished_at) "
                "WHERE run_id = ?",
                (status, error, finished, run_id),
                flush=finished is not None,
            )
        )

    async def set_recovery(self, run_id: str, state: str) -> None:
        await self._run(lambda: self._write("UPDATE jobs SET recovery = ? WHERE run_id = ?", (state, run_id)))

    async def add_resource(self, entry: ResourceEntry) -> None:
        await self._run(
            lambda: self._write(
                "INSERT OR REPLACE INTO resources (run_id, seq, kind, zone, name, cloud_id, instruction, "
                "handled) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    entry.run_id,
                    entry.seq,
                    entry.kind,
                    entry.zone,
                    entry.name,
                    entry.cloud_id,
                    entry.instruction,
                    int(entry.handled),
                ),
            )
        )

    async def resource_handled(self, run_id: str, seq: int) -> None:
        await self._run(
            lambda: self._write(
                "UPDATE resources SET handled = 1 WHERE run_id = ? AND seq = ?", (run_id, seq)
            )
        )

    async def add_step(
        self,
        run_id: str,
        step: str,
        kind: str,
        zone: str,
        target: str,
        cloud_id: str,
        action: str,
        detail: Mapping[str, Any],
    ) -> int:
        text = json.dumps(dict(detail), sort_keys=True)
        return await self._run(
            lambda: self._write(
                "INSERT INTO steps (run_id, step, kind, zone, target, cloud_id, action, detail, state, at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (run_id, step, kind, zone, target, cloud_id, action, text, INTENT, _now()),
                flush=True,  # the step is taken once this returns
            )
        )

    async def step_done(self, step_id: int, outcome: Mapping[str, Any]) -> None:
        text = json.dumps(dict(outcome), sort_keys=True)
        await self._run(
            lambda: self._write(
                "UPDATE steps SET state = ?, outcome = ?, done_at = ? WHERE id = ?",
                (DONE, text, _now(), step_id),
            )
        )

    async def step_failed(self, step_id: int, error: str) -> None:
        await self._run(
            lambda: self._write(
                "UPDATE steps SET state = ?, error = ?, done_at = ? WHERE id = ?",
                (FAILED, error, _now(), step_id),
            )
        )

    async def prune(self, keep_jobs: int, older_than: datetime) -> int:
        def prune() -> int:
            db = self._conn()
            open_marks = ", ".join("?" * len(OPEN_STATUSES))
            try:
                with _transaction(db):
                    cursor = db.execute(
                        f"DELETE FROM jobs WHERE status NOT IN ({open_marks}) AND recovery != ? AND "
                        "(accepted_at < ? OR run_id NOT IN "
                        "(SELECT run_id FROM jobs ORDER BY accepted_at DESC LIMIT ?))",
                        (*OPEN_STATUSES, RECOVERY_PENDING, older_than.isoformat(), keep_jobs),
                    )
            except sqlite3.DatabaseError as exc:
                raise JournalError(f"cannot write {self.path}: {exc}") from None
            return cursor.rowcount

        return await self._run(prune)

    # --- reading -----------------------------------------------------------------------------

    async def interrupted(self, run_ids: Sequence[str] | None = None) -> list[Interrupted]:
        def read() -> list[Interrupted]:
            db = self._conn()
            if run_ids is None:
                rows = db.execute(
                    f"SELECT * FROM jobs WHERE status IN ({', '.join('?' * len(OPEN_STATUSES))}) "
                    "OR recovery = ? ORDER BY accepted_at",
                    (*OPEN_STATUSES, RECOVERY_PENDING),
                ).fetchall()
            else:
                marks = ", ".join("?" * len(run_ids))
                rows = db.execute(
                    f"SELECT * FROM jobs WHERE run_id IN ({marks}) ORDER BY accepted_at",
                    tuple(run_ids),
                ).fetchall()
            out = []
            for row in rows:
                run_id = row["run_id"]
                resources = [
                    ResourceEntry(
                        run_id,
                        r["seq"],
                        r["kind"],
                        r["zone"],
                        r["name"],
                        r["cloud_id"],
                        r["instruction"],
                        bool(r["handled"]),
                    )
                    for r in db.execute("SELECT * FROM resources WHERE run_id = ? ORDER BY seq", (run_id,))
                ]
                steps = [
                    StepEntry(
                        id=s["id"],
                        run_id=run_id,
                        step=s["step"],
                        kind=s["kind"],
                        zone=s["zone"],
                        target=s["target"],
                        cloud_id=s["cloud_id"],
                        action=s["action"],
                        detail=json.loads(s["detail"]),
                        state=s["state"],
                        outcome=json.loads(s["outcome"]),
                        error=s["error"],
                        at=_time(s["at"]),
                    )
                    for s in db.execute("SELECT * FROM steps WHERE run_id = ? ORDER BY id", (run_id,))
                ]
                out.append(Interrupted(_job(row), row["recovery"], resources, steps))
            return out

        return await self._run(lambda: self._reading(read))

    async def recent(self, per_resource: int) -> list[JobRecord]:
        def read() -> list[JobRecord]:
            rows = self._conn().execute(
                "SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY resource_name "
                "ORDER BY accepted_at DESC) AS n FROM jobs) WHERE n <= ? ORDER BY accepted_at",
                (per_resource,),
            )
            return [_job(row) for row in rows]

        return await self._run(lambda: self._reading(read))

    def _reading(self, read: Callable[[], T]) -> T:
        db = self._conn()
        db.row_factory = sqlite3.Row
        try:
            return read()
        except sqlite3.DatabaseError as exc:
            raise JournalError(f"cannot read {self.path}: {exc}") from None
        finally:
            db.row_factory = None


def _job(row: sqlite3.Row) -> JobRecord:
    accepted = _time(row["accepted_at"])
    assert accepted is not None
    return JobRecord(
        job_id=row["run_id"],
        resource_name=row["resource_name"],
        request=row["request"],
        source=row["source"],
        desired_state_name=row["desired_state_name"],
        status=row["status"],
        accepted_at=accepted,
        finished_at=_time(row["finished_at"]),
        error=row["error"],
    )


@contextlib.contextmanager
def _transaction(db: sqlite3.Connection) -> Iterator[None]:
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
