"""Policy versions over HTTP: the active one, a new one posted, refused ones, and start-up.

Each test has a database of its own: a version posted here must not become the policy of
the other tests' cases.
"""

import asyncio
import itertools
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx
import pytest
import uvicorn
from temporalio.client import Client

import infra.policy_versions
from api.app import create_app
from devstack.migrate import migrate
from devstack.ports import free_port
from devstack.postgres import EmbeddedPostgres
from devstack.temporal import TemporalDevServer
from infra.db import create_pool
from infra.policy_file import read_policy_file
from infra.policy_versions import POLICY_FILE, ActivePolicy, VersionConflict
from infra.settings import ROOT
from tests.api.conftest import auth, serving
from tests.api.test_http_api import INTAKE

DEFAULT = ROOT / "policy" / "default.yaml"
_SERIALS = itertools.count(9000, 100)
YAML = {"Content-Type": "application/yaml"}


def _policy_text(version: str, old: str = "", new: str = "") -> str:
    text = DEFAULT.read_text(encoding="utf-8")
    text = text.replace(
        f'version: "{read_policy_file(DEFAULT).policy.version}"', f'version: "{version}"'
    )
    if old:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


@pytest.fixture
async def own_db(postgres: EmbeddedPostgres) -> AsyncIterator[tuple[str, asyncpg.Pool]]:
    url = postgres.url(f"policy_{uuid.uuid4().hex[:8]}")
    await migrate(url)
    pool = await create_pool(url)
    # Case numbers are workflow IDs on the shared Temporal server: this database numbers
    # its cases where no other test's reach.
    month = read_policy_file(DEFAULT).policy.calendar.month_of(datetime.now(UTC))
    await pool.execute("INSERT INTO case_counters VALUES ($1, $2)", month, next(_SERIALS))
    yield url, pool
    await pool.close()


@pytest.fixture
def desk(own_db, dev_server: TemporalDevServer, dev_client: Client, settings_for):
    """Serves the API on the test's own database, with the policy file given; `worker=False`
    is a second API process of the same deployment (one worker per task queue here)."""
    url, pool = own_db

    @asynccontextmanager
    async def serve(
        policy_file: Path = DEFAULT, *, worker: bool = True
    ) -> AsyncIterator[httpx.AsyncClient]:
        settings = settings_for(dev_server.address).model_copy(
            update={"database_url": url, "policy_file": policy_file}
        )
        if worker:
            async with serving(settings, dev_client, pool) as http:
                yield http
            return
        server = uvicorn.Server(
            uvicorn.Config(
                create_app(settings),
                host="127.0.0.1",
                port=(port := free_port()),
                log_level="warning",
            )
        )
        task = asyncio.create_task(server.serve())
        while not server.started:
            await asyncio.sleep(0.05)
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
                yield http
        finally:
            server.should_exit = True
            await task

    return serve


async def _open_case(api: httpx.AsyncClient) -> str:
    response = await api.post("/complaints", json=INTAKE, headers=auth("staff"))
    assert response.status_code == 201, response.text
    return response.json()["case_no"]


async def _case_policy_version(api: httpx.AsyncClient, case_no: str) -> str:
    response = await api.get(f"/complaints/{case_no}", headers=auth("handler"))
    assert response.status_code == 200, response.text
    return response.json()["status"]["policy_version"]


async def test_a_posted_version_is_active_for_new_cases_while_older_cases_keep_theirs(
    desk,
) -> None:
    file_version = read_policy_file(DEFAULT).policy.version
    async with desk() as api:
        shown = (await api.get("/policy", headers=auth("staff"))).json()
        assert (shown["version"], shown["activated_by"]) == (file_version, POLICY_FILE)
        assert shown["policy"]["calendar"]["public_holidays"]["country"] == "CN"
        before = await _open_case(api)

        posted = await api.post(
            "/policy",
            content=_policy_text(
                "2026.12-desk", "reopen_window_days: 90", "reopen_window_days: 60"
            ),
            headers=auth("senior") | YAML,
        )
        assert posted.status_code == 201, posted.text
        assert (posted.json()["version"], posted.json()["activated_by"]) == (
            "2026.12-desk",
            "senior.chen",
        )

        active = (await api.get("/policy", headers=auth("handler"))).json()
        assert active["version"] == "2026.12-desk"
        assert active["policy"]["reopen_window_days"] == 60
        versions = (await api.get("/policy/versions", headers=auth("engineer"))).json()
        assert [(v["version"], v["active"]) for v in versions] == [
            ("2026.12-desk", True),
            (file_version, False),
        ]
        stored = (await api.get(f"/policy/versions/{file_version}", headers=auth("staff"))).json()
        assert stored["source"] == DEFAULT.read_text(encoding="utf-8")

        after = await _open_case(api)
        assert await _case_policy_version(api, after) == "2026.12-desk"
        assert await _case_policy_version(api, before) == file_version


async def test_an_invalid_policy_is_refused_with_the_line_and_the_field(desk) -> None:
    text = _policy_text(
        "2026.12-bad", "amount: 2, unit: days}            # 001", "amount: 0, unit: days}  # 001"
    )
    line = text[: text.index("amount: 0, unit: days}")].count("\n") + 1
    async with desk() as api:
        refused = await api.post("/policy", content=text, headers=auth("engineer") | YAML)
        assert refused.status_code == 422, refused.text
        body = refused.json()
        assert body["type"] == "InvalidPolicy"
        assert (
            f"line {line}, deadlines.close.default.amount: Input should be greater than 0"
            in body["detail"]
        )
        assert body["problems"] == [
            {
                "line": line,
                "field": "deadlines.close.default.amount",
                "message": "Input should be greater than 0",
            }
        ]
        not_yaml = await api.post("/policy", content="version: [1", headers=auth("senior") | YAML)
        assert not_yaml.status_code == 422
        assert (await api.get("/policy", headers=auth("staff"))).json()["version"] != "2026.12-bad"


async def test_a_handler_may_not_change_the_policy(desk) -> None:
    async with desk() as api:
        for role in ("handler", "staff", "manager"):
            refused = await api.post(
                "/policy", content=_policy_text(f"2026.12-{role}"), headers=auth(role) | YAML
            )
            assert refused.status_code == 403, (role, refused.text)
        assert (await api.post("/policy", content="x", headers=YAML)).status_code == 401


async def test_the_same_version_with_other_content_is_refused(desk) -> None:
    async with desk() as api:
        first = _policy_text("2026.12-twice", "stuck_after_days: 7", "stuck_after_days: 5")
        created = await api.post("/policy", content=first, headers=auth("senior") | YAML)
        assert created.status_code == 201, created.text
        # The same file again (a retry): accepted, nothing new.
        again = await api.post("/policy", content=first, headers=auth("senior") | YAML)
        assert again.status_code == 200, again.text

        other = _policy_text("2026.12-twice", "stuck_after_days: 7", "stuck_after_days: 9")
        conflict = await api.post("/policy", content=other, headers=auth("engineer") | YAML)
        assert conflict.status_code == 409, conflict.text
        assert conflict.json()["type"] == "PolicyVersionConflict"
        shown = (await api.get("/policy", headers=auth("staff"))).json()
        assert shown["policy"]["stuck_after_days"] == 5


async def test_a_policy_may_be_posted_as_json(desk) -> None:
    async with desk() as api:
        policy = (await api.get("/policy", headers=auth("staff"))).json()["policy"]
        calendar = policy["calendar"]
        # The JSON of GET /policy has its holidays resolved; a file names the source only.
        calendar["holidays"], calendar["adjusted_working_days"] = [], []
        posted = await api.post(
            "/policy", json=policy | {"version": "2026.12-json"}, headers=auth("senior")
        )
        assert posted.status_code == 201, posted.text


async def test_start_up_keeps_the_posted_version_until_a_new_file_version_is_deployed(
    desk, tmp_path: Path
) -> None:
    async with desk() as api:
        posted = await api.post(
            "/policy", content=_policy_text("2026.12-posted"), headers=auth("senior") | YAML
        )
        assert posted.status_code == 201, posted.text
    async with desk() as api:  # a restart with the same file: the posted version stays
        assert (await api.get("/policy", headers=auth("staff"))).json()["version"] == (
            "2026.12-posted"
        )
    deployed = tmp_path / "policy.yaml"
    deployed.write_text(_policy_text("2027.01-file"), encoding="utf-8")
    async with desk(deployed) as api:  # a file with a new version: it is the active one
        shown = (await api.get("/policy", headers=auth("staff"))).json()
        assert (shown["version"], shown["activated_by"]) == ("2027.01-file", POLICY_FILE)


async def test_start_up_refuses_a_file_whose_version_is_stored_with_other_content(
    own_db, tmp_path: Path
) -> None:
    _, pool = own_db
    await ActivePolicy.start(pool, read_policy_file(DEFAULT))
    changed = tmp_path / "policy.yaml"
    changed.write_text(
        DEFAULT.read_text(encoding="utf-8").replace("stuck_after_days: 7", "stuck_after_days: 8"),
        encoding="utf-8",
    )
    with pytest.raises(VersionConflict, match="give the changed policy a new version"):
        await ActivePolicy.start(pool, read_policy_file(changed))


async def test_another_api_process_gives_new_cases_the_version_posted_to_one(
    desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(infra.policy_versions, "REFRESH_SECONDS", 0.1)
    async with desk() as one, desk(worker=False) as other:
        posted = await one.post(
            "/policy", content=_policy_text("2026.12-shared"), headers=auth("senior") | YAML
        )
        assert posted.status_code == 201, posted.text
        await asyncio.sleep(0.5)
        case_no = await _open_case(other)
        assert await _case_policy_version(other, case_no) == "2026.12-shared"
