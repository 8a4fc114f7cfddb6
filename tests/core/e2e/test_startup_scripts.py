"""Startup scripts of a ServerGroup template, executed as Go templates by the horizontal scaler."""

from __future__ import annotations

import subprocess

from .harness import JOB, RECORDING_SCRIPT, Stack, autoscaler_cmd, done
from .test_scaling import GROUP_CONFIG

TEMPLATED = """
      edit_parameter:
        startup_scripts:
          - |
            #!/bin/sh
            hostnamectl set-hostname {{ .Name }}
            {{- range $i, $nic := .NetworkInterfaces }}
            echo "nic{{ $i }}: {{ $nic.Upstream }}{{ if $nic.AssignedNetwork }} {{ $nic.AssignedNetwork.IpAddress }}{{ end }}"
            {{- end }}
            echo {{ printf "%s/%d cores" .Zone .Core | printf "%q" }}
handlers:"""


def test_startup_scripts_reach_the_disk_rendered(stack: Stack) -> None:
    stack.handler(stack.script("script.sh", RECORDING_SCRIPT))
    start = GROUP_CONFIG.index("      edit_parameter:")
    end = GROUP_CONFIG.index("handlers:") + len("handlers:")
    stack.core(GROUP_CONFIG[:start] + TEMPLATED.lstrip("\n") + GROUP_CONFIG[end:])

    assert done(stack.request("Up", "group"))

    server = stack.servers()["group-001"]
    disk = stack.private_record("Disk", "is1a", server.disks[0].id)
    assert disk["_edit"]["Scripts"] == [
        '#!/bin/sh\nhostnamectl set-hostname group-001\necho "nic0: shared"\necho "is1a/1 cores"\n'
    ]


def test_startup_script_template_errors_fail_the_job_with_their_position(stack: Stack) -> None:
    stack.handler(stack.script("script.sh", RECORDING_SCRIPT))
    core = stack.core(GROUP_CONFIG.replace("{{ .Name }}", "{{ .Nmae }}"))

    assert stack.request("Up", "group").status == JOB.JOB_FAILED

    core.wait_log("status=JOB_FAILED")
    assert (
        'template: group-001:2:28: executing \\"group-001\\" at <.Nmae>: can\'t evaluate field Nmae'
        in core.log()
    )
    assert "group-001" not in stack.servers()  # checked before anything is created


def test_validate_reports_a_script_that_does_not_parse(stack: Stack) -> None:
    config = stack.write("autoscaler.yaml", GROUP_CONFIG.replace("{{ .Name }}", "{{ if .Name }}"))
    done_ = subprocess.run(
        autoscaler_cmd("validate", "--config", str(config), "--handlers-wait", "0"),
        env=stack.env,
        capture_output=True,
        text=True,
        cwd=stack.dir,
    )
    assert done_.returncode == 65, done_.stdout + done_.stderr
    assert (
        "* resource=ServerGroup edit_parameter.startup_scripts[0]: template: group-001:3:0: unexpected EOF"
        in done_.stdout
    )
