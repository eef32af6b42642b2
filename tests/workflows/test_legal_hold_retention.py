"""Legal holds against retention (DOMAIN 8, issue 15): a held case is neither anonymised nor
loses its evidence, whatever its age; once senior management lifts the hold the next run
anonymises it and deletes its files and thumbnails in the same batch, on record. The
retention workflow with its real activity on the time-skipping server, the filesystem
store and a database of its own."""

import hashlib
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from temporalio.testing import WorkflowEnvironment

from domain.authority import Actor
from domain.evidence import EvidenceKind
from domain.policy import Policy
from domain.retention import ANONYMISED
from infra import evidence as records
from infra.codec import KeyRing
from infra.evidence_store import EvidenceFiles, FileStore, object_name, thumbnail_name
from tests.conftest import TEST_CODEC_KEYS
from tests.support import Desk, register_row
from tests.workflows.test_retention import _apply, _audit, _case
from worker import build_worker


@pytest.fixture
async def held_desk(
    time_skipping: WorkflowEnvironment,
    own_pool: asyncpg.Pool,
    task_queue: str,
    policy: Policy,
    tmp_path: Path,
) -> AsyncIterator[tuple[Desk, EvidenceFiles]]:
    files = EvidenceFiles(
        FileStore(tmp_path / "evidence"), KeyRing.parse(TEST_CODEC_KEYS), tmp_path / "staging"
    )
    async with build_worker(time_skipping.client, own_pool, task_queue, evidence=files):
        yield Desk(own_pool, time_skipping.client, task_queue, policy), files


async def _attach(
    pool: asyncpg.Pool, files: EvidenceFiles, case_no: str, actor: Actor, content: bytes
) -> str:
    staged = files.stage()
    staged.write(content)
    staged.finish()
    item = records.NewEvidence(
        staged=staged,
        kind=EvidenceKind.PHOTO.value,
        caption="Liu Yang's sofa",
        file_name="liu-yang.jpg",
        taken_at=None,
        taken_by="Liu Yang",
        process=None,
        media_type="image/jpeg",
        evidence_id=uuid.uuid4(),
    )
    await records.keep_uploads(pool, files, case_no, [item], actor)
    await files.put_bytes(thumbnail_name(staged.sha256), b"a thumbnail")
    return staged.sha256


async def test_a_held_case_closed_400_days_ago_is_kept_then_anonymised_without_its_files(
    held_desk: tuple[Desk, EvidenceFiles], staff: Actor, senior: Actor, handler: Actor
) -> None:
    desk, files = held_desk
    held = await _case(desk.pool, desk.policy, staff, received=401, closed=400, satisfaction=4)
    content = b"\xff\xd8\xff\xe0 evidence of a held case"
    sha = await _attach(desk.pool, files, held, staff, content)
    await records.add_witness(
        desk.pool,
        held,
        name="Guo Mei",
        phone="139-1111-2222",
        saw="the arm snap",
        statement_evidence_id=None,
        actor=staff,
    )
    hold = await records.place_hold(
        desk.pool,
        held,
        source="lawsuit",
        reference="(2026)沪0115民初123号",
        reason="the customer sued",
        actor=handler,
    )
    assert hold is not None

    assert (await _apply(desk)).anonymised == 0
    row = await register_row(desk.pool, held)
    assert (row["customer_name"], row["anonymised_at"]) == ("Liu Yang", None)
    assert await files.read_all(object_name(sha), limit=1000) == content

    lifted = await records.lift_hold(
        desk.pool, held, hold["hold_id"], reason="judgment is final", actor=senior
    )
    assert lifted["lifted_by"] == senior.user_id
    assert (await _apply(desk)).anonymised == 1

    row = await register_row(desk.pool, held)
    assert row["customer_name"] == ANONYMISED
    assert not await files.store.exists(object_name(sha))
    assert not await files.store.exists(thumbnail_name(sha))
    evidence = await records.list_evidence(desk.pool, held)
    assert [(e["purged_at"] is not None, e["caption"]) for e in evidence] == [(True, ANONYMISED)]
    witnesses = await records.list_witnesses(desk.pool, held)
    assert [(w["name"], w["phone"]) for w in witnesses] == [(ANONYMISED, ANONYMISED)]
    actions = [action for action, _, _ in await _audit(desk.pool, held)]
    assert {"legal_hold_placed", "legal_hold_lifted", "anonymised", "evidence_deleted"} <= set(
        actions
    )
    deleted = next(
        data for action, _, data in await _audit(desk.pool, held) if action == "evidence_deleted"
    )
    assert deleted["evidence_ids"] == [str(evidence[0]["evidence_id"])]

    # Again: nothing more to do, nothing recorded twice.
    assert (await _apply(desk)).anonymised == 0
    actions = [action for action, _, _ in await _audit(desk.pool, held)]
    assert actions.count("evidence_deleted") == 1


async def test_a_file_two_cases_share_stays_while_the_other_case_needs_it(
    held_desk: tuple[Desk, EvidenceFiles], staff: Actor
) -> None:
    desk, files = held_desk
    old = await _case(desk.pool, desk.policy, staff, received=401, closed=400, satisfaction=4)
    young = await _case(desk.pool, desk.policy, staff, received=20, closed=10, satisfaction=4)
    content = b"\xff\xd8\xff\xe0 the same photo sent for two complaints"
    sha = await _attach(desk.pool, files, old, staff, content)
    assert await _attach(desk.pool, files, young, staff, content) == sha
    assert sha == hashlib.sha256(content).hexdigest()

    assert (await _apply(desk)).anonymised == 1
    assert await files.read_all(object_name(sha), limit=1000) == content
    [kept] = await records.list_evidence(desk.pool, young)
    assert kept["purged_at"] is None
