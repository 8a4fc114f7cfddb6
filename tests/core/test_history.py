"""The in-memory job history: newest first, bounded, updated in place."""

from __future__ import annotations

from datetime import UTC, datetime

from autoscaler.core.history import JobRecord, MemoryHistory


def record(job_id: str, name: str = "web") -> JobRecord:
    return JobRecord(job_id, name, "Up", "test", "", "JOB_ACCEPTED", datetime.now(UTC))


def test_newest_first_bounded_and_updated() -> None:
    history = MemoryHistory(keep=2)
    for job_id in ("a", "b", "c"):
        history.add(record(job_id))
    history.add(record("x", "other"))
    history.update("c", "web", status="JOB_DONE")
    assert [(r.job_id, r.status) for r in history.recent("web")] == [("c", "JOB_DONE"), ("b", "JOB_ACCEPTED")]
    assert [r.job_id for r in history.recent("web", limit=1)] == ["c"]
    assert history.recent("none") == []
