"""`inputs direct`: one request to the Core from the command line, its output and exit status."""

from __future__ import annotations

from ..proto import request_pb2
from .forward import CoreClient, status_name
from .request import ScalingRequest

EXIT_DONE_NOOP = 129  # the job ran and had nothing to do
EXIT_NOT_ACCEPTED = 130  # the Core answered with a message (cooldown, running, shutting down)


async def send(dest: str, request: ScalingRequest) -> request_pb2.ScalingResponse:
    """Up, Down or Keep; raises ForwardError with Go's wording."""
    client = CoreClient(dest)
    try:
        return await client.send(request)
    finally:
        await client.close()


def reply_line(response: request_pb2.ScalingResponse) -> str:
    line = f"status: {status_name(response.status)}, job-id: {response.scaling_job_id}"
    return line + (f", message: {response.message}" if response.message else "")


def exit_code(response: request_pb2.ScalingResponse) -> int:
    if response.status == request_pb2.JOB_DONE_NOOP:
        return EXIT_DONE_NOOP
    if response.message:
        return EXIT_NOT_ACCEPTED
    return 0
