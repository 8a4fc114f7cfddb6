"""The SQLite job journal on real files: records, the one-writer lock, pruning, locations, and
the `autoscaler.journal` configuration key."""

from __future__ import annotations

import asyncio
import io
import re
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from autoscaler.cloud.errors import CloudConnectionError, CloudError
from autoscaler.core.config.load import load_text
from autoscaler.core.config.problems import DecodeError
from autoscaler.core.history import JobRecord
from autoscaler.core.journal.location import default_path, journal_settings
from autoscaler.core.journal.records import Owner, ResourceEntry
from autoscaler.core.journal.recovery import retryable, touched
from autoscaler.core.journal.sqlite import SQLiteJournal
from autoscaler.core.journal.store import JournalBusy, JournalError

OWNER = Owner(4242, "host-a", "unix:/run/core.sock", datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC))


def job(run_id: str, name: str = "web", status: str = "JOB_ACCEPTED", age_days: float = 0) -> JobRecord:
    at = datetime.now(UTC) - timedelta(days=age_days)
    return JobRecord(run_id, name, "Up", "test", "", status, at)


async def opened(path: Path) -> SQLiteJournal:
    journal = SQLiteJournal(path)
    await journal.open()
    await journal.acquire(OWNER)
    return journal


def test_an_interrupted_job_is_read_back_with_its_resources_and_steps(tmp_path: Path) -> None:
    async def main() -> None:
        journal = await opened(tmp_path / "j.sqlite3")
        await journal.add_job(job("r1"), sync=True)
        await journal.set_status("r1", "JOB_RUNNING")
        await journal.add_resource(ResourceEntry("r1", 1, "Server", "is1a", "web", "11", "UPDATE"))
        step = await journal.add_step(
            "r1", "Handle", "Server", "is1a", "web", "11", "shutdown", {"force": False}
        )
        await journal.step_done(step, {})
        plan = await journal.add_step("r1", "Handle", "Server", "is1a", "web", "11", "change_plan", {"to": 4})
        await journal.add_job(job("r2", "other"), sync=False)
        await journal.set_status("r2", "JOB_DONE", finished_at=datetime.now(UTC))

        (item,) = await journal.interrupted()
        assert (item.job.job_id, item.job.status, item.recovery) == ("r1", "JOB_RUNNING", "")
        assert [(r.kind, r.name, r.instruction, r.handled) for r in item.resources] == [
            ("Server", "web", "UPDATE", False)
        ]
        assert [(s.action, s.state, s.detail) for s in item.steps] == [
            ("shutdown", "done", {"force": False}),
            ("change_plan", "intent", {"to": 4}),
        ]
        assert item.steps[1].id == plan
        ((res, steps),) = touched(item)
        assert res.name == "web" and len(steps) == 2
        await journal.close()

        # Another process (here: a plain connection) reads the same file.
        with sqlite3.connect(tmp_path / "j.sqlite3") as db:
            assert db.execute("SELECT run_id, status FROM jobs ORDER BY run_id").fetchall() == [
                ("r1", "JOB_RUNNING"),
                ("r2", "JOB_DONE"),
            ]

    asyncio.run(main())


def test_a_second_writer_is_refused_naming_the_first(tmp_path: Path) -> None:
    async def main() -> None:
        first = await opened(tmp_path / "j.sqlite3")
        second = SQLiteJournal(tmp_path / "j.sqlite3")
        await second.open()
        with pytest.raises(JournalBusy) as caught:
            await second.acquire(OWNER)
        assert (
            str(caught.value)
            == "pid 4242 on host-a, listening on unix:/run/core.sock, since 2030-01-02 03:04:05 UTC"
        )
        await second.close()
        await first.close()  # releases the lock: a new writer may take it
        third = await opened(tmp_path / "j.sqlite3")
        await third.close()

    asyncio.run(main())


def test_a_journal_that_cannot_be_written_is_named(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")

    async def main() -> None:
        where = blocker / "state"
        with pytest.raises(JournalError, match=re.escape(f"{blocker} is not a directory")):
            await SQLiteJournal(where / "j.sqlite3").open()
        (tmp_path / "dir.sqlite3").mkdir()
        with pytest.raises(JournalError, match="is a directory"):
            await SQLiteJournal(tmp_path / "dir.sqlite3").open()
        garbage = tmp_path / "garbage.sqlite3"
        garbage.write_bytes(b"this is not a database" * 100)
        with pytest.raises(JournalError, match=r"cannot write .*garbage\.sqlite3: file is not a database"):
            await SQLiteJournal(garbage).open()

    asyncio.run(main())


def test_pruning_keeps_the_newest_and_every_job_still_to_recover(tmp_path: Path) -> None:
    async def main() -> None:
        journal = await opened(tmp_path / "j.sqlite3")
        for i in range(5):
            await journal.add_job(job(f"done{i}", age_days=5 - i), sync=False)
            await journal.set_status(f"done{i}", "JOB_DONE", finished_at=datetime.now(UTC))
        await journal.add_job(job("running", age_days=40), sync=False)
        await journal.add_job(job("pending", age_days=40), sync=False)
        await journal.set_status("pending", "JOB_FAILED")
        await journal.set_recovery("pending", "pending")
        await journal.add_job(job("old", age_days=40), sync=False)
        await journal.set_status("old", "JOB_FAILED")

        removed = await journal.prune(keep_jobs=3, older_than=datetime.now(UTC) - timedelta(days=30))
        left = {r.job_id for r in await journal.recent(per_resource=100)}
        assert left == {"done2", "done3", "done4", "running", "pending"}
        assert removed == 3
        assert [r.job_id for r in await journal.recent(per_resource=2)] == ["done3", "done4"]
        await journal.close()

    asyncio.run(main())


def test_the_default_location_is_one_per_address_and_configuration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.chdir(tmp_path)
    one = default_path("unix:autoscaler.sock", "autoscaler.yaml")
    assert one.parent == tmp_path / "state" / "sacloud-autoscaler"
    assert one.name.startswith("core-") and one.suffix == ".sqlite3"
    assert default_path(f"unix:{tmp_path}/autoscaler.sock", str(tmp_path / "autoscaler.yaml")) == one
    assert default_path("unix:other.sock", "autoscaler.yaml") != one
    assert default_path("unix:autoscaler.sock", "other.yaml") != one
    monkeypatch.setenv("XDG_STATE_HOME", "relative/ignored")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_path("unix:autoscaler.sock", "autoscaler.yaml").parent == (
        tmp_path / "home" / ".local" / "state" / "sacloud-autoscaler"
    )


def test_the_flag_wins_over_the_key_and_the_key_over_the_default(tmp_path: Path) -> None:
    config = load_text(
        "resources: []\nautoscaler:\n  journal:\n    path: /var/lib/as/j.sqlite3\n    keep_jobs: 10\n"
    ).autoscaler.journal
    by_key = journal_settings("", config, "unix:a.sock", "a.yaml")
    assert (str(by_key.path), by_key.given_by, by_key.keep_jobs, by_key.keep_days) == (
        "/var/lib/as/j.sqlite3",
        "autoscaler.journal.path",
        10,
        30,
    )
    by_flag = journal_settings(str(tmp_path / "f.sqlite3"), config, "unix:a.sock", "a.yaml")
    assert (by_flag.path, by_flag.given_by) == (tmp_path / "f.sqlite3", "--journal")
    off = load_text("resources: []\nautoscaler:\n  journal: {disabled: true}\n").autoscaler.journal
    assert journal_settings("", off, "unix:a.sock", "a.yaml").path is None
    default = journal_settings("", None, "unix:a.sock", "a.yaml")
    assert default.given_by == "" and default.recovery_timeout == 600


def test_journal_keys_are_checked_with_their_position() -> None:
    with pytest.raises(DecodeError) as caught:
        load_text("resources: []\nautoscaler:\n  journal:\n    keep_days: -1\n")
    assert (
        str(caught.value)
        == "autoscaler.yaml:4:16: autoscaler.journal.keep_days: must not be negative, got -1"
    )
    with pytest.raises(
        DecodeError, match=re.escape('autoscaler.yaml:4:5: autoscaler.journal.file: unknown field "file"')
    ):
        load_text("resources: []\nautoscaler:\n  journal:\n    file: x\n")


def test_what_recovery_waits_for() -> None:
    assert retryable(CloudConnectionError("GET x: ConnectError"))
    assert retryable(CloudError(503)) and retryable(CloudError(429))
    assert not retryable(CloudError(404)) and not retryable(CloudError(409))
    try:
        try:
            raise CloudConnectionError("down")
        except CloudConnectionError:
            raise RuntimeError("computing status failed: down") from None
    except RuntimeError as exc:
        assert retryable(exc)  # the cause is still there as the context
    assert not retryable(ValueError("bad"))


def test_the_recorder_keeps_the_history_across_restarts(tmp_path: Path) -> None:
    from autoscaler.core.config.model import Cooldown
    from autoscaler.core.job import DONE, Job
    from autoscaler.core.journal.recorder import JournalRecorder
    from autoscaler.core.request import RequestInfo, RequestType
    from autoscaler.log import new_logger

    logger = new_logger("info", "logfmt", io.StringIO())

    async def main() -> None:
        journal = await opened(tmp_path / "j.sqlite3")
        recorder = JournalRecorder(journal, logger)
        job = Job("web", Cooldown())
        recorder.accepted(job, RequestInfo(RequestType.UP, "grafana", "web", sync=True), logger)
        recorder.running(job, logger)
        recorder.finished(job, DONE, None, logger)
        await recorder.writer.flush()
        (live,) = recorder.history.recent("web")
        assert (live.request, live.source, live.status) == ("Up", "grafana", "JOB_DONE")
        assert live.finished_at is not None
        await journal.close()

        journal = await opened(tmp_path / "j.sqlite3")
        again = JournalRecorder(journal, logger)
        await again.load_history()
        assert again.history.recent("web") == [live]
        assert await journal.interrupted() == []
        await journal.close()

    asyncio.run(main())
