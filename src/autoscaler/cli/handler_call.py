"""`autoscaler handlers call`: act as a Core for one request and print the responses."""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

import grpc
from google.protobuf.message import Message

from .. import telemetry
from ..golang import json as gojson
from ..golang import jsondepth
from ..golang.errors import go_status_text
from ..handlers.client import call_step
from ..handlers.contract import STEPS, Step
from ..proto import handler_pb2 as pb
from ..wire.address import AddressError
from ..wire.socket_hints import Peer, unreachable
from .cobra import CommandError
from .flags import check, oneof, required, validate


def _read_request(source: str) -> str:
    if source == "-":
        return sys.stdin.read()
    try:
        with open(source, encoding="utf-8") as f:
            return f.read()
    except OSError as exc:
        raise CommandError(f"--request: open {source}: {(exc.strerror or str(exc)).lower()}") from None


def build_request(step: Step, kw: dict[str, Any]) -> Message:
    """The request from `--request` JSON, with any field flags applied on top."""
    message_type = pb.PostHandleRequest if step is Step.POST_HANDLE else pb.HandleRequest
    try:
        message = (
            gojson.parse(message_type, _read_request(kw["request"])) if kw["request"] else message_type()
        )
        overrides: dict[str, Any] = {}
        for flag in ("source", "resource_name", "scaling_job_id"):
            if kw[flag]:
                overrides[flag] = kw[flag]
        grace = kw["setup_grace_period"]
        if grace:
            overrides["setup_grace_period"] = grace
        enum_flag, enum_field = (
            ("--result", "result") if step is Step.POST_HANDLE else ("--instruction", "instruction")
        )
        other = "--instruction" if step is Step.POST_HANDLE else "--result"
        if kw[other.lstrip("-")]:
            raise CommandError(f"{other}: not a field of the {step.value} request (use {enum_flag})")
        raw_enum = kw[enum_field]
        if raw_enum:
            overrides[enum_field] = int(raw_enum) if raw_enum.lstrip("-").isdigit() else raw_enum
        if kw["resource"]:
            overrides["current" if step is Step.POST_HANDLE else "desired"] = {
                "Resource": jsondepth.loads(kw["resource"])
            }
        gojson.fill(message, overrides)
    except gojson.GoJSONError as exc:
        raise CommandError(f"invalid request: {exc}") from None
    except ValueError as exc:  # --resource: JSONDecodeError or DepthError
        raise CommandError(f"--resource: invalid JSON: {exc}") from None
    return message


# What `handlers call` says about a handler it cannot reach.
HANDLER = Peer(
    "handler", "start the handler first", "give its absolute path: --endpoint unix:/path/to/its.sock"
)


async def call(endpoint: str, step: Step, request: Message, timeout: float | None, as_json: bool) -> int:
    count = 0
    try:
        async for response in call_step(endpoint, step, request, timeout):  # type: ignore[arg-type]
            count += 1
            _print_response(response, as_json)
    except grpc.aio.AioRpcError as exc:
        sys.stdout.flush()
        text = go_status_text(exc.code(), exc.details())
        if exc.code() == grpc.StatusCode.UNAVAILABLE and count == 0:
            text = unreachable(text, endpoint, HANDLER)
        sys.stderr.write(f"Error: {text}\n")
        return 1
    if count == 0 and not as_json:
        sys.stderr.write("(no responses: the handler ended the call with OK without reporting)\n")
    return 0


def _print_response(response: pb.HandleResponse, as_json: bool) -> None:
    status = (
        pb.HandleResponse.Status.Name(response.status)
        if response.status in pb.HandleResponse.Status.values()
        else str(response.status)
    )
    if as_json:
        print(
            json.dumps(
                {"scaling_job_id": response.scaling_job_id, "status": status, "log": response.log},
                ensure_ascii=False,
            ),
            flush=True,
        )
        return
    # One-line logs follow the status; longer ones go below it, verbatim, ending in a newline.
    text = response.log
    body = text[:-1] if text.endswith("\n") else text
    if "\n" in body:
        sys.stdout.write(f"[{status}]\n{body}\n")
    else:
        sys.stdout.write(f"[{status}] {body}\n" if body else f"[{status}]\n")
    sys.stdout.flush()


def call_from_flags(kw: dict[str, Any]) -> int:
    validate(
        [
            check("--endpoint", kw["endpoint"], required),
            check("--step", kw["step"], required, oneof(*STEPS)),
            check("--output", kw["output"], required, oneof("text", "json")),
        ]
    )
    timeout = kw["timeout"]
    step = Step(kw["step"])
    request = build_request(step, kw)
    try:
        with telemetry.command_span(
            "commands/handlers/call#run", {"sacloud.autoscaler.handler.step": step.method}
        ):
            return asyncio.run(call(kw["endpoint"], step, request, timeout or None, kw["output"] == "json"))
    except AddressError as exc:
        raise CommandError(f"--endpoint: {exc}") from None
