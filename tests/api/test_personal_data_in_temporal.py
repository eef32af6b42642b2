"""Customer personal data never reaches Temporal readable (DOMAIN section 8): a case with
a recognisable customer runs through the API, the worker and the dev server, and then
everything Temporal keeps of it is read *without* the key and searched."""

import asyncio
from collections.abc import Iterator

import httpx
from google.protobuf.message import Message
from temporalio.api.common.v1 import Payload, Payloads, SearchAttributes, WorkflowExecution
from temporalio.api.history.v1 import History
from temporalio.api.query.v1 import WorkflowQuery
from temporalio.api.workflowservice.v1 import QueryWorkflowRequest
from temporalio.client import Client

from devstack.temporal import TemporalDevServer
from infra.codec import ENCODING
from tests.api.conftest import auth
from tests.api.test_http_api import INTAKE
from tests.conftest import TEST_CONVERTER

NAME = "Ouyang Nana"
NAME_HANZI = "欧阳娜娜"
PHONE = "+86 139 5550 1234"
DESCRIPTION = "slipped on spilled cooking oil in aisle 14 and broke her left wrist"
# Personal injury with a serious injury: the insurance claim and the police report start
# too, so their inputs and histories are searched as well.
INJURY = INTAKE | {
    "category": "personal_injury",
    "incident": "serious_injury",
    "description": f"{NAME} ({NAME_HANZI}) {DESCRIPTION}.",
    "customer": {"name": f"{NAME} {NAME_HANZI}", "contact": PHONE},
}
SECRETS = [
    NAME.encode(),
    NAME_HANZI.encode(),
    PHONE.encode(),
    PHONE.replace(" ", "").encode(),
    b"spilled cooking oil",
]


def _leaks(raw: bytes) -> list[bytes]:
    return [secret for secret in SECRETS if secret.lower() in raw.lower()]


def _payloads(message: Message, path: str = "") -> Iterator[tuple[str, Payload]]:
    """Every payload in a protobuf message with its field path, except search attributes:
    the codec leaves those readable (Temporal indexes them), they are checked on their own."""
    if isinstance(message, Payload):
        yield path, message
        return
    if isinstance(message, SearchAttributes):
        return
    for field, value in message.ListFields():
        if field.message_type is None:
            continue
        if field.message_type.GetOptions().map_entry:
            values = list(value.values())
        elif isinstance(value, Message):
            values = [value]
        else:
            values = list(value)  # a repeated field
        for item in values:
            if isinstance(item, Message):
                yield from _payloads(item, f"{path}.{field.name}")


async def _open_injury_case(api: httpx.AsyncClient) -> tuple[str, list[str]]:
    created = await api.post("/complaints", json=INJURY, headers=auth("staff"))
    assert created.status_code == 201, created.text
    case_no = created.json()["case_no"]
    for path, role, body in [
        ("acknowledge", "handler", {"note": f"Called {NAME} on {PHONE}"}),
        ("notes", "staff", {"text": f"{NAME_HANZI} came back with an X-ray"}),
    ]:
        response = await api.post(f"/complaints/{case_no}/{path}", json=body, headers=auth(role))
        assert response.status_code == 200, response.text
    for _ in range(100):
        case = (await api.get(f"/complaints/{case_no}", headers=auth("handler"))).json()
        children = [process["workflow_id"] for process in case["status"]["processes"]]
        if len(children) == 2:
            return case["summary"]["workflow_id"], children
        await asyncio.sleep(0.1)
    raise AssertionError(f"the case's sub-processes did not start: {case['status']}")


async def _current_details(client: Client, workflow_id: str) -> Payloads:
    """The answer to the Web UI's own query for a workflow's current details, undecoded."""
    response = await client.workflow_service.query_workflow(
        QueryWorkflowRequest(
            namespace=client.namespace,
            execution=WorkflowExecution(workflow_id=workflow_id),
            query=WorkflowQuery(query_type="__temporal_workflow_metadata"),
        )
    )
    return response.query_result


async def test_temporal_holds_no_readable_personal_data_of_a_case(
    api: httpx.AsyncClient, dev_server: TemporalDevServer
) -> None:
    case_id, children = await _open_injury_case(api)
    without_key = await Client.connect(dev_server.address)  # the default converter, no codec

    codec = TEST_CONVERTER.payload_codec
    assert codec is not None
    decoded_case = b""
    for workflow_id in [case_id, *children]:
        assert not _leaks(workflow_id.encode()), workflow_id
        handle = without_key.get_workflow_handle(workflow_id)

        described = (await handle.describe()).raw_description
        search_attributes = described.workflow_execution_info.search_attributes
        assert search_attributes.indexed_fields, "the workflow sets its search attributes"
        assert not _leaks(search_attributes.SerializeToString()), workflow_id
        assert not _leaks(described.SerializeToString()), workflow_id  # summaries, memo

        history = History(events=(await handle.fetch_history()).events)
        assert not _leaks(history.SerializeToString()), workflow_id
        payloads = list(_payloads(history))
        assert payloads
        # Patch markers (workflow.patched) are written by the SDK's core with the patch ID
        # alone, past the codec; the raw search above covers them too.
        plain = [
            path
            for path, payload in payloads
            if payload.metadata["encoding"] != ENCODING and ".marker_recorded" not in path
        ]
        assert not plain, f"{workflow_id}: payloads stored unencrypted at {plain}"

        details = await _current_details(without_key, workflow_id)
        assert not _leaks(details.SerializeToString()), workflow_id

        # With the key, what the Web UI shows as one-liners (static summary, timer and
        # activity summaries, current details) still names no customer.
        shown = [payload for path, payload in payloads if ".user_metadata" in path]
        shown += [payload for path, payload in _payloads(described) if ".user_metadata" in path]
        shown += details.payloads
        decoded = await codec.decode(shown)
        assert not _leaks(b"".join(payload.data for payload in decoded)), workflow_id

        if workflow_id == case_id:
            decoded = await codec.decode([payload for _, payload in payloads])
            decoded_case = b"".join(payload.data for payload in decoded)

    # The search looked where the data is: decrypted, the case's history has all of it.
    assert set(_leaks(decoded_case)) == set(SECRETS) - {PHONE.replace(" ", "").encode()}
