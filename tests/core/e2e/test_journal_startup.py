"""The journal at the Core's start: one Core per journal, a clear refusal when it cannot be
written, and a journal naming resources the configuration no longer defines reported."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from autoscaler.core.history import JobRecord
from autoscaler.core.journal.records import Owner
from autoscaler.core.journal.sqlite import SQLiteJournal

from .harness import Stack

SEED = """
servers:
  - {name: web, zone: is1a, plan: {core: 1, memory: 1}, power: up, nics: [{upstream: shared}]}
"""
CONFIG = """
resources:
  - type: Server
    name: web
    selector: {names: [web], zones: [is1a]}
"""


def test_a_second_core_on_the_same_journal_is_refused(stack: Stack) -> None:
    stack.seed(SEED)
    journal = stack.dir / "journal.sqlite3"
    first = stack.core(CONFIG, "--journal", str(journal))
    assert f'msg="journal opened" path={journal}' in first.log()

    second = stack.start(
        "second", "start", "--addr", f"unix:{stack.dir / 'second.sock'}", "--config", "autoscaler.yaml",
        "--journal", str(journal),
    )  # fmt: skip
    assert second.wait() == 1
    assert first.proc is not None
    text = second.log()
    assert (
        f"Error: the job journal {journal} is in use by another Core (pid {first.proc.pid} on "
        f"{os.uname().nodename}, listening on unix:{stack.core_socket}, since "
    ) in text
    assert (
        "each Core needs a journal of its own (set by --journal; choose another file with --journal or "
        in text
    )
    assert "Traceback" not in text
    assert not (stack.dir / "second.sock").exists()
    assert first.stop() == 0
    assert not stack.core_socket.exists()


def test_a_journal_that_cannot_be_written_stops_the_start(stack: Stack) -> None:
    stack.seed(SEED)
    (stack.dir / "plain-file").write_text("")
    core = stack.core(CONFIG + "autoscaler:\n  journal: {path: plain-file/j.sqlite3}\n", wait=False)
    assert core.wait() == 1
    where = stack.dir / "plain-file"
    assert core.log().endswith(
        f"Error: cannot use the job journal {where / 'j.sqlite3'}: {where} is not a directory (set by autoscaler.journal.path; choose another file with --journal or "
        "autoscaler.journal.path)\n"
    )
    assert not stack.core_socket.exists()


def test_a_journal_naming_an_undefined_resource_is_reported_and_kept(stack: Stack) -> None:
    stack.seed(SEED)
    journal = stack.dir / "journal.sqlite3"

    async def leave_an_interrupted_job() -> None:
        store = SQLiteJournal(journal)
        await store.open()
        now = datetime.now(UTC)
        await store.acquire(Owner(os.getpid(), "test", "none", now))
        await store.add_job(JobRecord("run-1", "gone", "Up", "grafana", "", "JOB_RUNNING", now), sync=False)
        await store.add_step("run-1", "Handle", "Server", "is1a", "gone", "11", "shutdown", {})
        await store.close()

    asyncio.run(leave_an_interrupted_job())
    core = stack.core(CONFIG, "--journal", str(journal), "--strict")  # strict mode keeps the journal
    assert (
        'level=WARN msg="journal: an interrupted job names a resource the configuration no longer defines; '
        'kept in the journal, not recovered" job=run-1 resource=gone request=Up status=JOB_RUNNING '
        'steps="shutdown gone (intent)"'
    ) in core.log()
    assert core.stop() == 0
    with sqlite3.connect(journal) as db:
        assert db.execute("SELECT status FROM jobs WHERE run_id = 'run-1'").fetchone() == ("JOB_RUNNING",)


def test_without_a_journal_the_core_writes_none(stack: Stack, tmp_path: Path) -> None:
    stack.seed(SEED)
    state = tmp_path / "state"
    core = stack.start(
        "core", "start", "--addr", f"unix:{stack.core_socket}", "--config",
        str(stack.write("autoscaler.yaml", CONFIG + "autoscaler:\n  journal: {disabled: true}\n")),
        env={"XDG_STATE_HOME": str(state)},
    )  # fmt: skip
    core.wait_log("msg=started")
    assert 'msg="journal opened"' not in core.log()
    assert core.stop() == 0
    assert not state.exists()
