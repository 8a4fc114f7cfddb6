"""A real ScalingService gRPC server standing in for the Core, and helpers shared by the tests."""

from __future__ import annotations

import asyncio
import io
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import pytest

from autoscaler.log import Logger, new_logger
from autoscaler.proto import request_pb2 as pb
from autoscaler.proto import request_pb2_grpc

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@dataclass
class Reply:
    """What the test Core answers: a response, or a gRPC error (code, details)."""

    status: pb.ScalingJobStatus.ValueType = pb.JOB_ACCEPTED
    message: str = ""
    error: tuple[grpc.StatusCode, str] | None = None
    delay: float = 0.0


@dataclass
class Received:
    method: str
    request: pb.ScalingRequest


@dataclass
class RecordingCore(request_pb2_grpc.ScalingServiceServicer):
    """Answers Up/Down/Keep as the Core would (job id = resource name) and records each call."""

    address: str
    reply: Reply = field(default_factory=Reply)
    received: list[Received] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)  # set on every request
    server: grpc.aio.Server | None = None

    async def _answer(
        self, method: str, request: pb.ScalingRequest, context: grpc.aio.ServicerContext
    ) -> pb.ScalingResponse:
        self.received.append(Received(method, request))
        self.arrived.set()
        reply = self.reply
        if reply.delay:
            await asyncio.sleep(reply.delay)
        if reply.error is not None:
            await context.abort(*reply.error)
        return pb.ScalingResponse(
            scaling_job_id=request.resource_name, status=reply.status, message=reply.message
        )

    async def Up(self, request: pb.ScalingRequest, context: grpc.aio.ServicerContext) -> pb.ScalingResponse:
        return await self._answer("Up", request, context)

    async def Down(self, request: pb.ScalingRequest, context: grpc.aio.ServicerContext) -> pb.ScalingResponse:
        return await self._answer("Down", request, context)

    async def Keep(self, request: pb.ScalingRequest, context: grpc.aio.ServicerContext) -> pb.ScalingResponse:
        return await self._answer("Keep", request, context)

    async def start(self) -> RecordingCore:
        self.server = grpc.aio.server()
        request_pb2_grpc.add_ScalingServiceServicer_to_server(self, self.server)
        self.server.add_insecure_port(self.address)
        await self.server.start()
        return self

    async def stop(self) -> None:
        if self.server is not None:
            await self.server.stop(0)
            self.server = None


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[RecordingCore]:
    recording = await RecordingCore(f"unix:{tmp_path / 'core.sock'}").start()
    try:
        yield recording
    finally:
        await recording.stop()


@dataclass
class LogCapture:
    stream: io.StringIO
    logger: Logger

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines()


@pytest.fixture
def logs() -> Callable[..., LogCapture]:
    def make(level: str = "info", fmt: str = "logfmt") -> LogCapture:
        stream = io.StringIO()
        return LogCapture(stream, new_logger(level, fmt, stream))

    return make


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
