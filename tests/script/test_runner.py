"""The executable runner with real child processes."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autoscaler import script as runner
from autoscaler.golang.errors import go_exit_cause
from autoscaler.script import ScriptRunner


def script(tmp_path: Path, body: str, name: str = "s.sh", mode: int = 0o755) -> str:
    path = tmp_path / name
    path.write_text(body)
    path.chmod(mode)
    return str(path)


def spec(program: str, payload: bytes = b"{}", **kw: object) -> runner.RunSpec:
    return runner.RunSpec(program=program, argv0=program, payload=payload, **kw)  # type: ignore[arg-type]


@given(st.lists(st.binary(max_size=300), max_size=30), st.integers(min_value=2, max_value=400))
def test_bounded_capture_keeps_head_and_tail(chunks: list[bytes], limit: int) -> None:
    capture = runner.BoundedCapture(limit)
    for chunk in chunks:
        capture.add(chunk)
    data = b"".join(chunks)
    value = capture.value()
    assert capture.total == len(data)
    if len(data) <= limit:
        assert (value, capture.dropped) == (data, 0)
    else:
        head, tail = data[: limit // 2], data[len(data) - (limit - limit // 2) :]
        marker = f"\n[... {len(data) - limit} bytes of output dropped ...]\n".encode()
        assert value == head + marker + tail
        assert capture.dropped == len(data) - limit


@pytest.mark.parametrize(
    ("returncode", "cause"),
    [
        (3, "exit status 3"),
        (-9, "signal: killed"),
        (-15, "signal: terminated"),
        (-6, "signal: aborted"),
        (-40, "signal: signal 40"),
    ],
)
def test_exit_causes_use_gos_wording(returncode: int, cause: str) -> None:
    assert go_exit_cause(returncode) == cause


async def test_spawn_errors_use_gos_wording(tmp_path: Path) -> None:
    no_shebang = script(tmp_path, "echo hi\n", "plain.txt")
    with pytest.raises(runner.SpawnError, match=r"^fork/exec .*/plain.txt: exec format error$") as failed:
        await ScriptRunner().run(spec(no_shebang))
    assert failed.value.hint == "a script needs a first line such as #!/bin/sh"
    not_exec = script(tmp_path, "#!/bin/sh\n", "noexec.sh", mode=0o644)
    with pytest.raises(runner.SpawnError, match=r"^fork/exec .*/noexec.sh: permission denied$"):
        await ScriptRunner().run(spec(not_exec))
    missing_interpreter = script(tmp_path, "#!/no/such/interpreter\n", "bad.sh")
    with pytest.raises(runner.SpawnError, match=r"^fork/exec .*/bad.sh: no such file or directory$"):
        await ScriptRunner().run(spec(missing_interpreter))


def test_resolve_executable_checks_at_start_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    script(tmp_path, "#!/bin/sh\n", "ok.sh")
    script(tmp_path, "#!/bin/sh\n", "off.sh", mode=0o644)
    (tmp_path / "dir").mkdir()
    assert runner.resolve_executable("ok.sh") == "./ok.sh"
    assert runner.resolve_executable(str(tmp_path / "ok.sh")) == str(tmp_path / "ok.sh")
    with pytest.raises(
        runner.ExecutableError, match=r"^off.sh: the file is not executable \(run: chmod \+x off.sh\)$"
    ):
        runner.resolve_executable("off.sh")
    with pytest.raises(runner.ExecutableError, match=r"^dir: is a directory$"):
        runner.resolve_executable("dir")
    with pytest.raises(runner.ExecutableError, match=r"^gone\.sh: no such file or directory$"):
        runner.resolve_executable("gone.sh")


async def test_child_that_does_not_read_stdin_is_fine(tmp_path: Path) -> None:
    program = script(tmp_path, "#!/bin/sh\necho done\n")
    result = await ScriptRunner().run(spec(program, payload=b"x" * 1_000_000))
    assert (result.returncode, result.output) == (0, b"done\n")


async def test_grandchild_holding_stdout_delays_completion_until_it_closes(tmp_path: Path) -> None:
    program = script(tmp_path, "#!/bin/sh\n(sleep 0.5; echo late) &\necho early\n")
    result = await ScriptRunner().run(spec(program))
    assert result.output == b"early\nlate\n"
    assert result.duration >= 0.5


async def test_cancellation_kills_the_group(tmp_path: Path) -> None:
    pidfile = tmp_path / "pids"
    program = script(tmp_path, f"#!/bin/sh\nsleep 300 &\necho $! > {pidfile}\nwait\n")
    owner = ScriptRunner()
    task = asyncio.ensure_future(owner.run(spec(program, kill_grace=0.5)))
    for _ in range(200):
        if pidfile.exists() and pidfile.read_text().strip():
            break
        await asyncio.sleep(0.01)
    grandchild = int(pidfile.read_text())
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    with pytest.raises(ProcessLookupError):
        for _ in range(100):
            os.kill(grandchild, 0)
            await asyncio.sleep(0.02)
    assert owner.live_count == 0


async def test_a_runner_kills_only_its_own_children(tmp_path: Path) -> None:
    program = script(tmp_path, "#!/bin/sh\nexec sleep 300\n")
    mine, theirs = ScriptRunner(), ScriptRunner()
    first = asyncio.ensure_future(mine.run(spec(program, kill_grace=0.5)))
    second = asyncio.ensure_future(theirs.run(spec(program, kill_grace=0.5)))
    for _ in range(500):
        if mine.live_count and theirs.live_count:
            break
        await asyncio.sleep(0.01)
    assert await mine.terminate_all(0.5) == 1
    killed = await first
    assert killed.cause == "signal: terminated"
    assert theirs.live_count == 1 and not second.done()
    await theirs.terminate_all(0.5)
    assert (await second).cause == "signal: terminated"


async def test_timeout_sends_term_first(tmp_path: Path) -> None:
    program = script(
        tmp_path, "#!/bin/bash\ntrap 'echo got TERM; exit 0' TERM\nwhile :; do sleep 0.05; done\n"
    )
    result = await ScriptRunner().run(spec(program, timeout=0.5, kill_grace=5))
    assert result.timed_out
    assert result.output == b"got TERM\n"
    assert result.returncode in (0, -signal.SIGKILL)


async def test_too_large_environment_value_reports_gos_error(tmp_path: Path) -> None:
    program = script(tmp_path, "#!/bin/sh\n")
    with pytest.raises(runner.SpawnError, match="argument list too long"):
        await ScriptRunner().run(spec(program, env={"HUGE": "x" * 200_000}))
