"""The fake cloud's durable state: one SQLite file, one row per resource.

Several processes may use one store at once (the Core with its in-process fake, a user's
`autoscaler fake-cloud list`, a `fake-cloud serve`): the database runs in WAL mode, every
operation that writes is one `BEGIN IMMEDIATE` transaction (read, modify, write — nobody else
writes in between, so no update is lost), and readers see a consistent snapshot.

Tables: `resources(kind, zone, id, data)` — `data` is the resource's wire JSON (plus private
`_…` keys the fake keeps for itself); global resources use the zone `""` — and
`meta(key, value)` for counters (next ID, MAC address) and the schema version.

A file that is not a store of this kind (another SQLite database, an upstream JSON store, a
damaged file) or that cannot be written is refused with a `StoreError` naming the path; it is
never overwritten.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

SCHEMA_VERSION = "1"
GLOBAL = ""  # the zone of global resources
MEMORY = ":memory:"


class StoreError(Exception):
    """The store cannot be used; the message names the file and what to do."""


Record = dict[str, Any]


class Tx:
    """One transaction's view of the store."""

    def __init__(self, db: sqlite3.Connection, where: str) -> None:
        self.db = db
        self.where = where
        self.version = 0  # counts writes, so cached reads know when they are stale

    def _decode(self, kind: str, zone: str, id_: int, raw: str) -> Record:
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise StoreError(
                f"{self.where}: {kind} {id_} (zone {zone or 'global'}) is not valid JSON: {exc}"
            ) from None
        if not isinstance(data, dict):
            raise StoreError(f"{self.where}: {kind} {id_} (zone {zone or 'global'}) is not a JSON object")
        return data

    def get(self, kind: str, zone: str, id_: int) -> Record | None:
        row = self.db.execute(
            "SELECT data FROM resources WHERE kind = ? AND zone = ? AND id = ?", (kind, zone, id_)
        ).fetchone()
        return None if row is None else self._decode(kind, zone, id_, row[0])

    def all(self, kind: str, zone: str | None = None) -> list[Record]:
        """Records of a kind (in one zone, or in all when `zone` is None), by ascending ID."""
        if zone is None:
            rows = self.db.execute(
                "SELECT zone, id, data FROM resources WHERE kind = ? ORDER BY zone, id", (kind,)
            ).fetchall()
        else:
            rows = self.db.execute(
                "SELECT zone, id, data FROM resources WHERE kind = ? AND zone = ? ORDER BY id", (kind, zone)
            ).fetchall()
        return [self._decode(kind, z, i, d) for z, i, d in rows]

    def put(self, kind: str, zone: str, record: Record) -> None:
        id_ = int(record["ID"])
        text = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
        self.db.execute(
            "INSERT INTO resources (kind, zone, id, data) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (kind, zone, id) DO UPDATE SET data = excluded.data",
            (kind, zone, id_, text),
        )
        self.version += 1

    def delete(self, kind: str, zone: str, id_: int) -> bool:
        cur = self.db.execute(
            "DELETE FROM resources WHERE kind = ? AND zone = ? AND id = ?", (kind, zone, id_)
        )
        self.version += 1
        return cur.rowcount > 0

    def counts(self) -> list[tuple[str, str, int]]:
        return [
            (k, z, n)
            for k, z, n in self.db.execute(
                "SELECT kind, zone, COUNT(*) FROM resources GROUP BY kind, zone ORDER BY kind, zone"
            ).fetchall()
        ]

    def meta(self, key: str, default: str = "") -> str:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return default if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def counter(self, key: str, start: int) -> int:
        """Increment a counter (first value `start + 1`) and return it."""
        value = int(self.meta(key, str(start))) + 1
        self.set_meta(key, str(value))
        return value


class Store:
    """A fake cloud store on `path` (`:memory:` for a private in-process one)."""

    def __init__(self, path: str | os.PathLike[str], seed: Callable[[Tx], None] | None = None) -> None:
        self.path = str(path)
        self.where = f"fake cloud store {self.path}"
        self.db = self._open()
        try:
            self._init(seed)
        except BaseException:
            self.db.close()
            raise

    # --- opening -------------------------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        if self.path != MEMORY:
            p = Path(self.path)
            if p.is_dir():
                raise StoreError(f"{self.where}: is a directory")
            try:
                p.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(
                    f"{self.where}: cannot create its directory: {exc.strerror or exc}"
                ) from None
            if p.exists() and not os.access(p, os.R_OK | os.W_OK):
                raise StoreError(f"{self.where}: not readable and writable by this user")
            if not os.access(p.parent, os.W_OK | os.X_OK):
                raise StoreError(
                    f"{self.where}: directory {p.parent} is not writable (SQLite needs it for its journal)"
                )
        try:
            db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise StoreError(f"{self.where}: cannot open: {exc}") from None
        return db

    def _init(self, seed: Callable[[Tx], None] | None) -> None:
        try:
            self.db.execute("PRAGMA busy_timeout = 30000")
            tables = {r[0] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.DatabaseError as exc:
            raise StoreError(
                f"{self.where}: not a fake cloud store ({exc}); move the file away or point "
                "SAKURACLOUD_FAKE_STORE_PATH elsewhere"
            ) from None
        if tables and not {"meta", "resources"} <= tables:
            raise StoreError(
                f"{self.where}: an SQLite database of another kind (tables: {', '.join(sorted(tables))}); "
                "refusing to touch it"
            )
        try:
            if self.path != MEMORY:
                mode = self.db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                if str(mode).lower() != "wal":
                    raise StoreError(f"{self.where}: cannot switch to WAL mode (got {mode})")
                self.db.execute("PRAGMA synchronous = NORMAL")
            check = self.db.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise StoreError(f"{self.where}: damaged database: {check}")
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.where}: {exc}") from None
        with self.write() as tx:
            tx.db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            tx.db.execute(
                "CREATE TABLE IF NOT EXISTS resources (kind TEXT NOT NULL, zone TEXT NOT NULL, "
                "id INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (kind, zone, id))"
            )
            version = tx.meta("schema_version")
            if version and version != SCHEMA_VERSION:
                raise StoreError(
                    f"{self.where}: schema version {version}, this program reads {SCHEMA_VERSION}"
                )
            if not version:
                tx.set_meta("schema_version", SCHEMA_VERSION)
            if tx.meta("seeded") != "1":
                if seed is not None:
                    seed(tx)
                tx.set_meta("seeded", "1")

    # --- transactions --------------------------------------------------------------------------

    @contextlib.contextmanager
    def _tx(self, begin: str) -> Iterator[Tx]:
        try:
            self.db.execute(begin)
        except sqlite3.OperationalError as exc:
            raise StoreError(f"{self.where}: {exc}") from None
        try:
            yield Tx(self.db, self.where)
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        try:
            self.db.execute("COMMIT")
        except sqlite3.Error as exc:
            with contextlib.suppress(sqlite3.Error):
                self.db.execute("ROLLBACK")
            raise StoreError(f"{self.where}: cannot commit: {exc}") from None

    def write(self) -> contextlib.AbstractContextManager[Tx]:
        """A read-modify-write transaction; other writers wait until it ends."""
        return self._wrap(self._tx("BEGIN IMMEDIATE"))

    def read(self) -> contextlib.AbstractContextManager[Tx]:
        """A consistent snapshot for reading."""
        return self._wrap(self._tx("BEGIN"))

    @contextlib.contextmanager
    def _wrap(self, inner: contextlib.AbstractContextManager[Tx]) -> Iterator[Tx]:
        try:
            with inner as tx:
                yield tx
        except sqlite3.Error as exc:
            raise StoreError(f"{self.where}: {exc}") from None

    def reset(self, seed: Callable[[Tx], None] | None = None) -> None:
        """Drop every resource and counter, then seed again (one transaction)."""
        with self.write() as tx:
            tx.db.execute("DELETE FROM resources")
            tx.db.execute("DELETE FROM meta")
            tx.set_meta("schema_version", SCHEMA_VERSION)
            if seed is not None:
                seed(tx)
            tx.set_meta("seeded", "1")

    def close(self) -> None:
        self.db.close()
