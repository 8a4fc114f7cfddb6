"""The real `autoscaler handlers local-exec` process, called over its unix socket."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import grpc
import pytest

from autoscaler.golang import json as gojson
from autoscaler.proto import handler_pb2 as pb
from autoscaler.proto import handler_pb2_grpc

from .conftest import StartHandler
from .harness import SOCKET, running_pids_with, wait_until, write_script

ROOT = Path(__file__).resolve().parents[2]
GRPCURL = shutil.which("grpcurl") or str(Path(os.sys.executable).parent / "grpcurl")  # type: ignore[attr-defined]


def post_request(**kw: object) -> pb.PostHandleRequest:
    req = pb.PostHandleRequest(source="example", resource_name="example", scaling_job_id="job-1", **kw)  # type: ignore[arg-type]
    req.current.server.id = "113600000001"
    req.current.server.zone = "is1a"
    return req


def test_seed_cat_script_output_comes_back_as_one_done(tmp_path: Path, start_handler: StartHandler) -> None:
    shutil.copy(ROOT / "examples" / "handlers" / "echo.sh", tmp_path / "handler.sh")
    handler = start_handler("--executable-path", "handler.sh", "--handler-type", "post-handle")
    request = post_request(result=pb.PostHandleRequest.CREATED)

    outcome = handler.call("post-handle", request)

    assert outcome.code == grpc.StatusCode.OK
    assert [(r.status, r.scaling_job_id) for r in outcome.responses] == [(pb.HandleResponse.DONE, "job-1")]
    assert outcome.logs == [gojson.render(request).decode()]
    assert handler.stop() == 0
    log = handler.log()
    # A relative socket is shown by its absolute path: where the Core has to look for it.
    assert (
        f"level=INFO msg=started from=autoscaler-handlers-local-exec address={handler.socket_path.resolve()}"
        in log
    )
    assert (
        'msg="PostHandle() received request" from=autoscaler-handlers-local-exec scaling-job-id=job-1 '
        "step=PostHandle handler=autoscaler-handlers-local-exec status=RECEIVED"
    ) in log
    assert "msg=execute() from=autoscaler-handlers-local-exec status=DONE output=" in log
    assert 'msg="shutting down" from=autoscaler-handlers-local-exec error="context canceled"' in log
    assert not handler.socket_path.exists()


def test_stdin_and_argv1_carry_the_same_bytes(tmp_path: Path, start_handler: StartHandler) -> None:
    write_script(
        tmp_path / "dump.sh",
        '#!/bin/bash\ncat > "$PWD/stdin.bin"\nprintf %s "$1" > "$PWD/argv1.bin"\necho "$#" > "$PWD/argc"\n'
        'printf %s "$0" > "$PWD/argv0"\n',
    )
    handler = start_handler("--executable-path", "dump.sh", "--handler-type", "handle")
    request = pb.HandleRequest(source="a<b>&c é", scaling_job_id="j", instruction=pb.UPDATE)
    request.desired.router.band_width = 250

    assert handler.call("handle", request).code == grpc.StatusCode.OK

    expected = gojson.render(request)
    assert (tmp_path / "stdin.bin").read_bytes() == expected
    assert (tmp_path / "argv1.bin").read_bytes() == expected
    assert (tmp_path / "argc").read_text().strip() == "1"
    # A bare name runs the file in the working directory (upstream searched $PATH instead).
    assert (tmp_path / "argv0").read_text() == "./dump.sh"


def test_other_steps_are_ignored_without_running_anything(
    tmp_path: Path, start_handler: StartHandler
) -> None:
    write_script(tmp_path / "h.sh", '#!/bin/sh\ntouch "$PWD/ran"\necho ran\n')
    handler = start_handler("--executable-path", "h.sh", "--handler-type", "post-handle")

    pre = handler.call("pre-handle", pb.HandleRequest(scaling_job_id="j"))
    handle = handler.call("handle", pb.HandleRequest(scaling_job_id="j"))

    assert (pre.code, pre.responses) == (grpc.StatusCode.OK, [])
    assert (handle.code, handle.responses) == (grpc.StatusCode.OK, [])
    assert not (tmp_path / "ran").exists()
    log = handler.log()
    assert 'msg="PreHandle() received request but ignored" from=autoscaler-handlers-local-exec\n' in log
    assert 'msg="Handle() received request but ignored" from=autoscaler-handlers-local-exec\n' in log


def test_several_steps_in_one_process(tmp_path: Path, start_handler: StartHandler) -> None:
    write_script(tmp_path / "h.sh", '#!/bin/sh\necho "step=$AUTOSCALER_HANDLER_TYPE"\n')
    handler = start_handler("--executable-path", "h.sh", "--handler-type", "pre-handle,post-handle")

    assert handler.call("pre-handle", pb.HandleRequest()).logs == ["step=pre-handle\n"]
    assert handler.call("handle", pb.HandleRequest()).logs == []
    assert handler.call("post-handle", pb.PostHandleRequest()).logs == ["step=post-handle\n"]


def test_non_zero_exit_fails_with_upstream_message_and_keeps_stdout_in_the_log(
    tmp_path: Path, start_handler: StartHandler
) -> None:
    write_script(tmp_path / "fail.sh", "#!/bin/sh\necho 'partial work done'\necho oops >&2\nexit 3\n")
    handler = start_handler("--executable-path", "./fail.sh", "--handler-type", "handle")

    outcome = handler.call("handle", pb.HandleRequest(scaling_job_id="j"))

    assert outcome.code == grpc.StatusCode.UNKNOWN
    assert outcome.details == 'command "./fail.sh" returned non zero status: exit status 3'
    # The output goes to the Core as one RUNNING message before the error (upstream drops it).
    assert [(r.status, r.log) for r in outcome.responses] == [
        (pb.HandleResponse.RUNNING, "partial work done\n")
    ]
    log = handler.log()
    assert (
        'level=ERROR msg="command \\"./fail.sh\\" returned non zero status: exit status 3" '
        'from=autoscaler-handlers-local-exec output="partial work done\\n"'
    ) in log
    assert "oops" not in log  # stderr is ignored, as the seed says


def test_a_script_without_shebang_gets_gos_error_and_a_hint_in_the_log(
    tmp_path: Path, start_handler: StartHandler
) -> None:
    write_script(tmp_path / "plain.sh", "echo no interpreter line\n")
    handler = start_handler("--executable-path", "plain.sh", "--handler-type", "handle")
    outcome = handler.call("handle", pb.HandleRequest())
    assert (
        outcome.details
        == 'command "plain.sh" returned non zero status: fork/exec plain.sh: exec format error'
    )
    assert (
        'level=ERROR msg="command \\"plain.sh\\" returned non zero status: fork/exec plain.sh: exec format error" '
        'from=autoscaler-handlers-local-exec hint="a script needs a first line such as #!/bin/sh"'
    ) in handler.log()


def test_killed_by_signal_uses_gos_wording(tmp_path: Path, start_handler: StartHandler) -> None:
    write_script(tmp_path / "die.sh", "#!/bin/sh\nkill -9 $$\n")
    handler = start_handler("--executable-path", "die.sh", "--handler-type", "handle")
    outcome = handler.call("handle", pb.HandleRequest())
    assert outcome.details == 'command "die.sh" returned non zero status: signal: killed'


def test_seed_terraform_refresh_script_runs_only_for_results_1_2_3(
    tmp_path: Path, start_handler: StartHandler
) -> None:
    if shutil.which("jq") is None:
        pytest.fail("jq is required by the seed's example script (.ci/run installs it)")
    shutil.copy(ROOT / "examples" / "handlers" / "refresh-terraform.sh", tmp_path / "refresh.sh")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    write_script(bindir / "terraform", '#!/bin/sh\necho "$@" >> "$TF_RECORD"\necho "Apply complete!"\n')
    record = tmp_path / "terraform-calls"
    env = {"PATH": f"{bindir}:{os.environ['PATH']}", "TF_RECORD": str(record)}
    handler = start_handler("--executable-path", "refresh.sh", "--handler-type", "post-handle", env=env)

    for result in (1, 2, 3):
        outcome = handler.call("post-handle", post_request(result=result))
        assert (outcome.code, outcome.logs) == (grpc.StatusCode.OK, [""])
    for result in (0, 4):
        outcome = handler.call("post-handle", post_request(result=result))
        assert (outcome.code, outcome.logs) == (grpc.StatusCode.OK, ["ignored\n"])

    calls = record.read_text().splitlines()
    assert calls == [f"-chdir={tmp_path} apply -refresh-only -auto-approve"] * 3


def test_timeout_kills_the_script_and_its_grandchildren(tmp_path: Path, start_handler: StartHandler) -> None:
    marker = f"sleep-marker-{time.monotonic_ns()}"
    write_script(
        tmp_path / "hang.sh",
        f"#!/bin/bash\nbash -c 'exec -a {marker} sleep 300' &\necho started\nwait\n",
    )
    handler = start_handler(
        "--executable-path", "hang.sh", "--handler-type", "handle", "--timeout", "1s", "--kill-grace", "1s"
    )

    outcome = handler.call("handle", pb.HandleRequest(scaling_job_id="j"))

    assert outcome.code == grpc.StatusCode.DEADLINE_EXCEEDED
    assert outcome.details == 'command "hang.sh" did not finish within the --timeout of 1s and was killed'
    assert wait_until(lambda: not running_pids_with(marker), timeout=5)
    assert 'output="started\\n"' in handler.log()


def test_caller_cancelling_kills_the_process_group(tmp_path: Path, start_handler: StartHandler) -> None:
    marker = f"cancel-marker-{time.monotonic_ns()}"
    write_script(tmp_path / "hang.sh", f"#!/bin/bash\nexec -a {marker} sleep 300\n")
    handler = start_handler("--executable-path", "hang.sh", "--handler-type", "handle", "--kill-grace", "1s")

    outcome = handler.call("handle", pb.HandleRequest(), timeout=1.0)

    assert outcome.code == grpc.StatusCode.DEADLINE_EXCEEDED
    assert wait_until(lambda: not running_pids_with(marker), timeout=5)
    assert wait_until(lambda: "execution cancelled" in handler.log())


def test_sigterm_lets_a_running_script_finish_then_exits_zero(
    tmp_path: Path, start_handler: StartHandler
) -> None:
    write_script(tmp_path / "slow.sh", '#!/bin/sh\ntouch "$PWD/started"\nsleep 1\necho finished\n')
    handler = start_handler("--executable-path", "slow.sh", "--handler-type", "handle")

    import threading

    result: list[object] = []
    caller = threading.Thread(target=lambda: result.append(handler.call("handle", pb.HandleRequest())))
    caller.start()
    assert wait_until(lambda: (tmp_path / "started").exists())
    handler.send(signal.SIGTERM)
    caller.join(30)

    outcome = result[0]
    assert outcome.code == grpc.StatusCode.OK  # type: ignore[attr-defined]
    assert outcome.logs == ["finished\n"]  # type: ignore[attr-defined]
    assert handler.stop() == 0
    assert not handler.socket_path.exists()


def test_sigterm_kills_what_outlives_the_shutdown_grace(tmp_path: Path, start_handler: StartHandler) -> None:
    marker = f"grace-marker-{time.monotonic_ns()}"
    write_script(tmp_path / "hang.sh", f'#!/bin/bash\ntouch "$PWD/started"\nexec -a {marker} sleep 300\n')
    handler = start_handler(
        "--executable-path",
        "hang.sh",
        "--handler-type",
        "handle",
        "--shutdown-grace",
        "500ms",
        "--kill-grace",
        "1s",
    )
    import threading

    result: list[object] = []
    caller = threading.Thread(target=lambda: result.append(handler.call("handle", pb.HandleRequest())))
    caller.start()
    assert wait_until(lambda: (tmp_path / "started").exists())

    assert handler.stop(signal.SIGTERM) == 0
    caller.join(30)
    assert result[0].code != grpc.StatusCode.OK  # type: ignore[attr-defined]
    assert not running_pids_with(marker)
    assert not handler.socket_path.exists()


def test_sigint_exits_zero_and_removes_the_socket(start_handler: StartHandler, tmp_path: Path) -> None:
    write_script(tmp_path / "h.sh", "#!/bin/sh\n")
    handler = start_handler("--executable-path", "h.sh", "--handler-type", "handle")
    assert handler.stop(signal.SIGINT) == 0
    assert not handler.socket_path.exists()


def test_stale_socket_is_replaced_and_live_one_refused(tmp_path: Path, start_handler: StartHandler) -> None:
    write_script(tmp_path / "h.sh", "#!/bin/sh\necho ok\n")
    crashed = start_handler("--executable-path", "h.sh", "--handler-type", "handle")
    crashed.proc.send_signal(signal.SIGKILL)  # type: ignore[union-attr]
    crashed.proc.wait()  # type: ignore[union-attr]
    assert crashed.socket_path.exists()  # a crash leaves the file behind

    live = start_handler("--executable-path", "h.sh", "--handler-type", "handle")
    assert "removed stale socket file" in live.log()
    assert live.call("handle", pb.HandleRequest()).logs == ["ok\n"]

    second = start_handler("--executable-path", "h.sh", "--handler-type", "handle", wait=False)
    assert second.proc is not None
    assert second.proc.wait(15) == 1
    assert (
        f'level=ERROR msg="net.Listen failed: listen unix {crashed.socket_path.resolve()}: bind: '
        'address already in use (another process is already listening on it)"'
    ) in second.log()
    assert live.call("handle", pb.HandleRequest()).logs == ["ok\n"]  # the live one was left alone
    assert live.stop() == 0


def test_a_gigabyte_of_stdout_is_capped(tmp_path: Path, start_handler: StartHandler) -> None:
    write_script(tmp_path / "flood.sh", "#!/bin/sh\nhead -c 1073741824 /dev/zero | tr '\\0' 'x'\necho END\n")
    handler = start_handler(
        "--executable-path", "flood.sh", "--handler-type", "handle", "--max-output-bytes", "65536"
    )

    outcome = handler.call("handle", pb.HandleRequest(), timeout=120)

    assert outcome.code == grpc.StatusCode.OK
    (log,) = outcome.logs
    dropped = 1073741824 + 4 - 65536
    assert log.startswith("x" * 32768 + f"\n[... {dropped} bytes of output dropped ...]\n")
    assert log.endswith("x" * (32768 - 4) + "END\n")
    assert f"total_bytes=1073741828 dropped_bytes={dropped}" in handler.log()


def test_request_larger_than_one_argument_goes_on_stdin(tmp_path: Path, start_handler: StartHandler) -> None:
    write_script(tmp_path / "size.sh", '#!/bin/sh\necho "args=$#"\nwc -c\n')
    handler = start_handler("--executable-path", "size.sh", "--handler-type", "handle")
    request = pb.HandleRequest(source="x" * 200_000)

    outcome = handler.call("handle", request)

    size = len(gojson.render(request))
    assert outcome.code == grpc.StatusCode.OK
    assert outcome.logs == [f"args=0\n{size}\n"]
    assert (
        f'msg="request too large for a command-line argument; passed on stdin only" from=autoscaler-handlers-local-exec bytes={size}'
        in handler.log()
    )


def test_stream_output_sends_running_lines_then_done(tmp_path: Path, start_handler: StartHandler) -> None:
    write_script(tmp_path / "progress.sh", "#!/bin/sh\necho one\nsleep 0.2\necho two\nprintf three\n")
    handler = start_handler("--executable-path", "progress.sh", "--handler-type", "handle", "--stream-output")

    outcome = handler.call("handle", pb.HandleRequest(scaling_job_id="j"))

    statuses = [pb.HandleResponse.Status.Name(r.status) for r in outcome.responses]
    assert statuses == ["RUNNING", "RUNNING", "RUNNING", "DONE"]
    assert outcome.logs == ["one", "two", "three", ""]
    assert {r.scaling_job_id for r in outcome.responses} == {"j"}


def test_environment_variables_describe_the_request(tmp_path: Path, start_handler: StartHandler) -> None:
    write_script(tmp_path / "env.sh", "#!/bin/sh\nenv | grep '^AUTOSCALER_' | sort\n")
    handler = start_handler("--executable-path", "env.sh", "--handler-type", "handle,post-handle")
    handle = pb.HandleRequest(
        source="grafana",
        resource_name="web",
        scaling_job_id="web",
        instruction=pb.UPDATE,
        setup_grace_period=60,
    )
    handle.desired.server.id, handle.desired.server.zone, handle.desired.server.name = "11", "is1a", "web-001"
    post = pb.PostHandleRequest(result=pb.PostHandleRequest.DELETED)
    post.current.elb.id, post.current.elb.region = "22", "is1"

    (handle_env,) = handler.call("handle", handle).logs
    (post_env,) = handler.call("post-handle", post).logs

    assert dict(line.split("=", 1) for line in handle_env.splitlines()) == {
        "AUTOSCALER_HANDLER_TYPE": "handle",
        "AUTOSCALER_SOURCE": "grafana",
        "AUTOSCALER_RESOURCE_NAME": "web",
        "AUTOSCALER_SCALING_JOB_ID": "web",
        "AUTOSCALER_SETUP_GRACE_PERIOD": "60",
        "AUTOSCALER_INSTRUCTION": "UPDATE",
        "AUTOSCALER_RESULT": "",
        "AUTOSCALER_RESOURCE_TYPE": "Server",
        "AUTOSCALER_RESOURCE_ID": "11",
        "AUTOSCALER_RESOURCE_NAME_IN_CLOUD": "web-001",
        "AUTOSCALER_ZONE": "is1a",
    }
    post_vars = dict(line.split("=", 1) for line in post_env.splitlines())
    assert post_vars["AUTOSCALER_RESULT"] == "DELETED"
    assert post_vars["AUTOSCALER_RESOURCE_TYPE"] == "Elb"
    assert post_vars["AUTOSCALER_ZONE"] == "is1"


def test_max_concurrency_runs_one_at_a_time_in_order(tmp_path: Path, start_handler: StartHandler) -> None:
    write_script(
        tmp_path / "one.sh",
        '#!/bin/sh\nmkdir "$PWD/lock" || { echo overlap; exit 1; }\necho "$AUTOSCALER_SCALING_JOB_ID" >> "$PWD/order"\n'
        'sleep 0.2\nrmdir "$PWD/lock"\n',
    )
    handler = start_handler(
        "--executable-path", "one.sh", "--handler-type", "handle", "--max-concurrency", "1"
    )
    import threading

    outcomes: dict[str, object] = {}

    def call(job: str) -> None:
        outcomes[job] = handler.call("handle", pb.HandleRequest(scaling_job_id=job))

    threads = []
    for i in range(4):
        t = threading.Thread(target=call, args=(f"job-{i}",))
        t.start()
        threads.append(t)
        time.sleep(0.05)  # arrival order
    for t in threads:
        t.join(30)

    assert all(o.code == grpc.StatusCode.OK for o in outcomes.values())  # type: ignore[attr-defined]
    assert (tmp_path / "order").read_text().split() == ["job-0", "job-1", "job-2", "job-3"]


def test_non_utf8_stdout_does_not_fail_the_call(tmp_path: Path, start_handler: StartHandler) -> None:
    write_script(tmp_path / "bytes.sh", "#!/bin/sh\nprintf 'ok \\377\\n'\n")
    handler = start_handler("--executable-path", "bytes.sh", "--handler-type", "handle")
    outcome = handler.call("handle", pb.HandleRequest())
    assert (outcome.code, outcome.logs) == (grpc.StatusCode.OK, ["ok \ufffd\n"])
    assert 'output="ok \\xff\\n"' in handler.log()


def test_json_log_format(tmp_path: Path, start_handler: StartHandler) -> None:
    write_script(tmp_path / "h.sh", "#!/bin/sh\necho hello\n")
    handler = start_handler("--executable-path", "h.sh", "--handler-type", "handle", "--log-format", "json")
    handler.call("handle", pb.HandleRequest())
    records = [json.loads(line) for line in handler.log().splitlines()]
    done = next(r for r in records if r["msg"] == "execute()")
    assert list(done) == ["time", "level", "msg", "from", "status", "output"]
    assert (done["level"], done["from"], done["status"], done["output"]) == (
        "INFO",
        "autoscaler-handlers-local-exec",
        "DONE",
        "hello\n",
    )


def test_debug_logs_the_request_json(tmp_path: Path, start_handler: StartHandler) -> None:
    write_script(tmp_path / "h.sh", "#!/bin/sh\n")
    handler = start_handler("--executable-path", "h.sh", "--handler-type", "handle", "--log-level", "debug")
    request = pb.HandleRequest(scaling_job_id="router", instruction=pb.NOOP)
    request.desired.router.SetInParent()
    handler.call("handle", request)
    assert (
        'level=DEBUG msg="handle() received request" from=autoscaler-handlers-local-exec status=RECEIVED '
        'request="{\\"scaling_job_id\\":\\"router\\",\\"instruction\\":4,\\"desired\\":{\\"Resource\\":{\\"Router\\":{}}}}"'
    ) in handler.log()


# --- a real peer: grpcurl -----------------------------------------------------------------------


def grpcurl(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [GRPCURL, "-plaintext", "-unix", *args], cwd=cwd, capture_output=True, text=True, timeout=30
    )


def test_grpcurl_sees_reflection_health_and_handle(tmp_path: Path, start_handler: StartHandler) -> None:
    write_script(tmp_path / "h.sh", '#!/bin/sh\necho "hello from $AUTOSCALER_RESOURCE_NAME"\n')
    start_handler("--executable-path", "h.sh", "--handler-type", "handle")

    listed = grpcurl(tmp_path, SOCKET, "list")
    assert listed.stdout.split() == [
        "autoscaler.HandleService",
        "grpc.health.v1.Health",
        "grpc.reflection.v1.ServerReflection",
        "grpc.reflection.v1alpha.ServerReflection",
    ]
    described = grpcurl(tmp_path, SOCKET, "describe", "autoscaler.HandleService")
    assert (
        "rpc PostHandle ( .autoscaler.PostHandleRequest ) returns ( stream .autoscaler.HandleResponse );"
        in described.stdout
    )
    health = grpcurl(tmp_path, SOCKET, "grpc.health.v1.Health/Check")
    assert json.loads(health.stdout) == {"status": "SERVING"}
    handled = grpcurl(
        tmp_path,
        "-d",
        '{"resource_name": "web", "scaling_job_id": "j"}',
        SOCKET,
        "autoscaler.HandleService/Handle",
    )
    assert handled.returncode == 0, handled.stderr
    assert json.loads(handled.stdout) == {"scaling_job_id": "j", "status": "DONE", "log": "hello from web\n"}


def test_tcp_and_abstract_addresses(tmp_path: Path, start_handler: StartHandler) -> None:
    write_script(tmp_path / "h.sh", "#!/bin/sh\necho via $AUTOSCALER_SOURCE\n")
    tcp = start_handler("--executable-path", "h.sh", "--handler-type", "handle", "--addr", "127.0.0.1:0")
    match = re.search(
        r"msg=started from=autoscaler-handlers-local-exec address=127\.0\.0\.1:(\d+)", tcp.log()
    )
    assert match is not None
    with grpc.insecure_channel(f"127.0.0.1:{match.group(1)}") as channel:
        stub = handler_pb2_grpc.HandleServiceStub(channel)
        assert [r.log for r in stub.Handle(pb.HandleRequest(source="tcp"))] == ["via tcp\n"]
    assert tcp.stop() == 0

    name = f"autoscaler-test-{os.getpid()}-{time.monotonic_ns()}"
    abstract = start_handler(
        "--executable-path", "h.sh", "--handler-type", "handle", "--addr", f"unix-abstract:{name}"
    )
    assert f"address=@{name}" in abstract.log()
    assert not (tmp_path / name).exists()  # no file: a real abstract socket
    with grpc.insecure_channel(f"unix-abstract:{name}") as channel:
        stub = handler_pb2_grpc.HandleServiceStub(channel)
        assert [r.log for r in stub.Handle(pb.HandleRequest(source="abstract"))] == ["via abstract\n"]
    assert abstract.stop() == 0


def test_executable_may_be_given_after_the_flags(tmp_path: Path, start_handler: StartHandler) -> None:
    write_script(tmp_path / "h.sh", "#!/bin/sh\necho positional\n")
    handler = start_handler("--handler-type", "handle", "h.sh")
    assert handler.call("handle", pb.HandleRequest()).logs == ["positional\n"]
