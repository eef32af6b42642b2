"""Schemathesis against the API's own OpenAPI schema, with every check it has.

Each operation gets requests that fit its schema and requests that do not, as a random
demo user, on real cases (and now and then a made-up case number), against the real
stack with a database and a dev server of its own: no 5xx, only documented status codes,
bodies, content types and headers as documented, invalid data refused, valid data not
refused, and a request without a token refused (README "Tests that attack the API").

FUZZ_MAX_EXAMPLES (per operation and kind of data) and FUZZ_SEED run more, or other,
examples.
"""

import asyncio
import itertools
import os
from collections.abc import AsyncIterator

import httpx
import pytest
import schemathesis
import yaml
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.schemas import APIOperation

from api.app import create_app
from devstack.postgres import EmbeddedPostgres
from infra.settings import ROOT, Settings
from tests.api.isolated import isolated_api

USERS_FILE = ROOT / "config" / "users.yaml"
MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "6"))
SEED = int(os.environ.get("FUZZ_SEED", "20261130"))
# Every demo user: each role, and those of another store, to whom these cases are 404.
TOKENS = [user["token"] for user in yaml.safe_load(USERS_FILE.read_text())["users"]]

SENIOR = {"Authorization": "Bearer demo-senior"}
INTAKE = {
    "channel": "walk_in",
    "store": "Shanghai Pudong",
    "category": "product_quality",
    "description": "The sofa's armrest cracked two weeks after delivery.",
    "requested_remedy": "refund",
    "claimed_amount": "1800",
    "customer": {"name": "Liu Yang", "contact": "138-0000-0000"},
}

# Rules JSON Schema does not state: a request that fits the schema may still be refused
# with 422 by these, and only these, operations.
RULES_BEYOND_THE_SCHEMA = {
    "POST /complaints/{case_no}/findings": "not valid needs a reason",
    "POST /complaints/{case_no}/customer-response": "accepted needs agreement_ref, else reason",
    "POST /complaints/{case_no}/proposal": "heads add up to amount",
    "POST /complaints/{case_no}/revisits": "a reached customer's satisfaction is needed",
    "POST /complaints/{case_no}/settle": "signed consent needs agreement_ref",
    "POST /complaints/{case_no}/injury/hospital": "nobody accompanying needs neither_reason",
    "POST /complaints/{case_no}/injury/advance": "an amount names documents, else neither_reason",
    "POST /complaints/{case_no}/insurance-claim/opinion": "each decision has its details",
    "POST /complaints/{case_no}/mediation/outcome": "each result has its details; amount > 0",
    # Issue 16.
    "POST /complaints/{case_no}/legal-documents/papers": "a lawyer's letter is never papers",
    "POST /complaints/{case_no}/lawsuit": "claimed_amount > 0",
    "POST /complaints/{case_no}/lawsuit/execution": "amount > 0",
    "POST /policy": "the body is a policy file",
    "POST /complaints": "the store is one the policy lists (policy, not schema); a contact"
    " channel needs consent and its address",
    "GET /reports/monthly": "a month from the first case's to now",
    "GET /reports/monthly/{month}.html": "a month from the first case's to now",
    "GET /reports/weekly": "a week the year has (not 2025-W53), from the first case's to now",
    "GET /reports/weekly/{week}.html": "a week the year has, from the first case's to now",
    "POST /reports/weekly": "a week the year has, from the first case's to now",
    "POST /reports/monthly": "a month from the first case's to now",
    "POST /codec/decode": "payload data and metadata are base64 (Temporal's protobuf JSON)",
    "POST /codec/encode": "payload data and metadata are base64",
    "POST /stop-sale-orders": "the stores are the policy's; a written order has its number;"
    " the product names an SKU or a batch",
    # Issue 16.
    "POST /complaints/{case_no}/quality-inspection": "a product named names something",
    "POST /complaints/{case_no}/quality-inspection/ruling": "a defect has its cause, no"
    " defect none; a product named names something",
    "POST /complaints/{case_no}/supplier-claim": "a product named names something",
    "POST /complaints/{case_no}/supplier-claim/pulled": "it names the SKU or the batch",
    "POST /complaints/{case_no}/supplier-claim/compensation-asked": "amount > 0",
    "POST /complaints/{case_no}/supplier-claim/compensation-received": "amount > 0",
}
ACCEPTED = ["2xx", "401", "403", "404", "409"]
KEY_MAX = 200  # api/commands.py IdempotencyKey
KEYS = itertools.count()
CONFIG = schemathesis.Config.from_dict(
    {
        "seed": SEED,
        "request-timeout": 30,
        # The token is the test's to set (a random demo user's, below): generated requests
        # that leave it out would be answered as that user anyway. `ignored_auth` checks
        # every operation without one. No NUL characters: the API refuses them anywhere
        # (PostgreSQL cannot store them), which the schema does not say field by field;
        # the tests at the end of this file pin that down.
        "generation": {"with-security-parameters": False, "allow-x00": False},
        "operations": [
            {
                "include-name": label,
                "checks": {"positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "422"]}},
            }
            for label in RULES_BEYOND_THE_SCHEMA
        ]
        + [
            {
                # A file that fits the schema may still be too large for its kind (413), of
                # content its kind does not take (415), or not be a file at all (400).
                "include-name": "POST /complaints/{case_no}/evidence",
                "checks": {
                    "positive_data_acceptance": {
                        "expected-statuses": [*ACCEPTED, "400", "413", "415", "422"]
                    }
                },
            }
        ],
    }
)
# The schema as the routes declare it (the same document /openapi.json serves). POST
# /policy is fuzzed too: a file that validated would become the active policy, which is
# why this API has a database of its own.
SCHEMA = schemathesis.openapi.from_dict(create_app(Settings()).openapi(), config=CONFIG)
OPERATIONS = sorted(
    (result.ok() for result in SCHEMA.get_all_operations()), key=lambda op: op.label
)


@pytest.fixture(scope="module")
async def http(
    postgres: EmbeddedPostgres, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[httpx.AsyncClient]:
    directory = tmp_path_factory.mktemp("fuzz")
    async with isolated_api(postgres, directory, "complaints_fuzz") as http:
        yield http


@pytest.fixture(scope="module")
async def case_numbers(http: httpx.AsyncClient) -> list[str]:
    """A few real cases, so that commands reach the workflow's validators."""
    numbers = []
    for _ in range(3):
        answer = await http.post("/complaints", json=INTAKE, headers=SENIOR)
        assert answer.status_code == 201, answer.text
        numbers.append(answer.json()["case_no"])
    return numbers


@pytest.mark.parametrize("operation", OPERATIONS, ids=[op.label for op in OPERATIONS])
async def test_operation_answers_as_its_schema_says(
    operation: APIOperation, http: httpx.AsyncClient, case_numbers: list[str]
) -> None:
    await asyncio.to_thread(_fuzz, operation, str(http.base_url), case_numbers)


def _fuzz(operation: APIOperation, base_url: str, case_numbers: list[str]) -> None:
    cases = operation.as_strategy(GenerationMode.POSITIVE) | operation.as_strategy(
        GenerationMode.NEGATIVE
    )

    @seed(SEED)
    @settings(
        max_examples=2 * MAX_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        # A failure is reported as the request that failed (with a curl command); no
        # shrinking or explaining, which would replay requests against the API for minutes.
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
    )
    @given(case=cases, data=st.data())
    def answers_as_documented(case, data: st.DataObject) -> None:
        if "case_no" in (case.path_parameters or {}):
            # Mostly real cases; now and then the number the schema made up (a 404).
            generated = case.path_parameters["case_no"]
            case.path_parameters["case_no"] = data.draw(
                st.sampled_from([*case_numbers, generated]), label="case_no"
            )
        key = (case.headers or {}).get("Idempotency-Key")
        if key is not None and 1 <= len(key) <= KEY_MAX - 12:
            # A key is one request (422 IdempotencyKeyReused for another): each request
            # its own key, so a key the generator draws twice is no reuse. One that does
            # not fit the schema stays as it is, to be refused.
            case.headers["Idempotency-Key"] = f"{key}-{next(KEYS):011d}"
        token = data.draw(st.sampled_from(TOKENS), label="token")
        case.call_and_validate(base_url=base_url, headers={"Authorization": f"Bearer {token}"})

    answers_as_documented()


# --- what the fuzzing found, pinned down ------------------------------------------------


async def test_a_nul_character_in_a_command_is_refused_and_the_case_keeps_working(
    http: httpx.AsyncClient, case_numbers: list[str]
) -> None:
    """PostgreSQL cannot store U+0000: a note with one was accepted by the case, whose audit
    entry then failed on every retry, and every later command on the case hung."""
    note = f"/complaints/{case_numbers[0]}/notes"
    refused = await http.post(note, json={"text": "bad \u0000 byte"}, headers=SENIOR)
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "text"]
    after = await http.post(note, json={"text": "fine"}, headers=SENIOR, timeout=10)
    assert after.status_code == 200


async def test_a_nul_character_at_intake_is_refused(http: httpx.AsyncClient) -> None:
    intake = INTAKE | {"customer": {"name": "Liu Yang", "contact": "138\u0000"}}
    answer = await http.post("/complaints", json=intake, headers=SENIOR)
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body", "customer"]


@pytest.mark.parametrize(
    "path",
    [
        "/complaints/2026%00",
        "/complaints/1/events%00",
        "/complaints?store=a%00b",
        "/policy/versions/v%00",
    ],
)
async def test_a_nul_character_in_the_path_or_query_is_refused(
    http: httpx.AsyncClient, path: str
) -> None:
    assert (await http.get(path, headers=SENIOR)).status_code == 422


async def test_a_policy_with_a_nul_character_is_refused_with_its_field(
    http: httpx.AsyncClient,
) -> None:
    policy = (await http.get("/policy", headers=SENIOR)).json()["policy"]
    policy["version"] = "fuzz-nul"
    policy["deadlines"]["close"]["label"] = "case \u0000 closed"
    answer = await http.post("/policy", json=policy, headers=SENIOR)
    assert answer.status_code == 422
    assert [p["field"] for p in answer.json()["problems"]] == ["deadlines.close.label"]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/reports/monthly?month=0000-01", None),
        ("GET", "/reports/monthly/9999-12.html", None),
        ("POST", "/reports/weekly", {"week": "9999-W52"}),
    ],
)
async def test_a_period_beyond_the_calendar_is_refused(
    http: httpx.AsyncClient, method: str, path: str, body: dict | None
) -> None:
    """Year 0 and 9999 are past the ends of the date range: they were a 500."""
    answer = await http.request(method, path, json=body, headers=SENIOR)
    assert answer.status_code == 422, answer.text


async def test_an_offset_past_what_postgresql_counts_is_refused(http: httpx.AsyncClient) -> None:
    """An offset beyond a bigint was a 500."""
    answer = await http.get("/complaints", params={"offset": 2**63}, headers=SENIOR)
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["query", "offset"]


async def test_an_empty_idempotency_key_is_refused(http: httpx.AsyncClient) -> None:
    """An empty key was stored as a key: the second intake with one was a 500."""
    headers = SENIOR | {"Idempotency-Key": ""}
    for _ in range(2):
        answer = await http.post("/complaints", json=INTAKE, headers=headers)
        assert answer.status_code == 422
        assert answer.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("clocks/statutory", {"clock": "return_window", "started_at": "9999-12-30T00:00:00Z"}),
        ("clocks/statutory", {"clock": "regulator_answer", "due_on": "0116-05-03"}),
        ("delay-request", {"deadline": "close", "new_due_on": "9999-12-31", "reason": "late"}),
        ("mediation", {"association": "CA", "notice_ref": "N-1", "accepted_on": "9999-12-31"}),
    ],
)
async def test_a_date_past_the_ends_of_the_calendar_is_refused_and_the_case_keeps_working(
    http: httpx.AsyncClient, case_numbers: list[str], path: str, body: dict
) -> None:
    """Deadlines computed from year 9999 (or reminders from year 1) overflowed inside the
    workflow: its task failed on every retry and the case (or sub-process) was stuck."""
    case = f"/complaints/{case_numbers[1]}"
    answer = await http.post(f"{case}/{path}", json=body, headers=SENIOR)
    assert answer.status_code == 422, answer.text
    note = await http.post(f"{case}/notes", json={"text": "still here"}, headers=SENIOR, timeout=10)
    assert note.status_code == 200
