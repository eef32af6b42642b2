"""Evidence over HTTP (issue 15): uploads streamed to the filesystem store, downloads
byte-identical with their SHA-256, the audit trail of who uploaded and who opened what,
store scoping and roles, and refusals that leave no file and no row behind."""

import asyncio
import hashlib
import io
import uuid
from pathlib import Path

import asyncpg
import httpx
import pytest
from PIL import Image
from pydantic import SecretStr

from infra.evidence_store import evidence_files
from tests.api.conftest import auth, serving
from tests.api.test_http_api import INTAKE

pytestmark = pytest.mark.asyncio


def jpeg(width: int = 640, height: int = 480, colour=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "JPEG")
    return out.getvalue()


PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
# The first bytes of a Windows executable: content no kind of evidence may have.
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


async def _register(api: httpx.AsyncClient, store: str = "Beijing Chaoyang") -> str:
    headers = (
        auth("staff")
        if store == "Beijing Chaoyang"
        else {"Authorization": "Bearer demo-staff-urumqi"}
    )
    response = await api.post("/complaints", json={**INTAKE, "store": store}, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()["case_no"]


async def _upload(api, case_no, files, role="staff", **fields) -> httpx.Response:
    data = {"kind": "photo", "caption": "the cracked sofa arm", **fields}
    return await api.post(
        f"/complaints/{case_no}/evidence", data=data, files=files, headers=auth(role)
    )


async def _evidence_rows(pool: asyncpg.Pool, case_no: str) -> int:
    return await pool.fetchval("SELECT count(*) FROM evidence WHERE case_no = $1", case_no)


def _stored_files(settings_dir: Path) -> list[Path]:
    return [p for p in settings_dir.rglob("*") if p.is_file()]


@pytest.fixture
def evidence_dir(api, settings_for) -> Path:
    return settings_for("unused").evidence_dir


async def test_a_photo_downloads_byte_identical_with_its_sha256_and_the_trail_has_who(
    api: httpx.AsyncClient, pool: asyncpg.Pool, evidence_dir: Path
) -> None:
    case_no = await _register(api)
    photo = jpeg()
    answer = await _upload(
        api,
        case_no,
        [("file", ("sofa.jpg", photo, "image/jpeg")), ("file", ("again.jpg", photo, "image/jpeg"))],
        taken_at="2026-11-03T10:00:00+08:00",
        taken_by="the customer",
    )
    assert answer.status_code == 201, answer.text
    first, second = answer.json()
    sha = hashlib.sha256(photo).hexdigest()
    assert (first["sha256"], first["size"], first["media_type"]) == (sha, len(photo), "image/jpeg")
    # The same content twice is one stored object, sealed: the plain bytes are nowhere.
    objects = [p for p in _stored_files(evidence_dir) if "objects" in p.parts]
    assert len(objects) == 1 and objects[0].name == sha
    assert photo not in objects[0].read_bytes() and photo[:64] not in objects[0].read_bytes()

    download = await api.get(
        f"/complaints/{case_no}/evidence/{first['evidence_id']}", headers=auth("manager")
    )
    assert download.status_code == 200
    assert download.content == photo
    assert download.headers["etag"] == f'"{sha}"'
    assert hashlib.sha256(download.content).hexdigest() == sha
    assert download.headers["repr-digest"].startswith("sha-256=:")

    thumb = await api.get(
        f"/complaints/{case_no}/evidence/{first['evidence_id']}/thumbnail", headers=auth("handler")
    )
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
    assert max(Image.open(io.BytesIO(thumb.content)).size) == 320

    listed = await api.get(f"/complaints/{case_no}/evidence", headers=auth("engineer"))
    assert [item["caption"] for item in listed.json()] == ["[personal data]"] * 2

    events = (await api.get(f"/complaints/{case_no}/events", headers=auth("manager"))).json()
    trail = [(e["action"], e["actor_id"], e["data"].get("sha256")) for e in events]
    assert ("evidence_uploaded", "staff.li", sha) in trail
    assert ("evidence_downloaded", "manager.zhang", sha) in trail
    assert ("evidence_viewed", "handler.wang", sha) in trail
    uploaded = next(e for e in events if e["action"] == "evidence_uploaded")
    assert uploaded["data"]["size"] == len(photo) and uploaded["data"]["media_type"] == "image/jpeg"
    assert "sofa" not in str(uploaded)  # the file's name stays out of the trail


async def test_another_stores_handler_gets_404_and_an_engineer_403_on_a_medical_record(
    api: httpx.AsyncClient,
) -> None:
    case_no = await _register(api)
    answer = await _upload(
        api, case_no, [("file", ("record.pdf", PDF, "application/pdf"))], kind="medical_record"
    )
    assert answer.status_code == 201, answer.text
    path = f"/complaints/{case_no}/evidence/{answer.json()[0]['evidence_id']}"
    other_store = {"Authorization": "Bearer demo-handler-urumqi"}
    assert (await api.get(path, headers=other_store)).status_code == 404
    assert (
        await api.get(f"/complaints/{case_no}/evidence", headers=other_store)
    ).status_code == 404
    refused = await api.get(path, headers=auth("engineer"))
    assert (refused.status_code, refused.json()["type"]) == (403, "RoleNotAllowed")
    # The service desk recorded it but does not handle the case: medical documents are not theirs.
    assert (await api.get(path, headers=auth("staff"))).status_code == 403
    allowed = await api.get(path, headers=auth("manager"))
    assert (allowed.status_code, allowed.content) == (200, PDF)


async def test_cctv_is_not_downloaded_by_staff(api: httpx.AsyncClient) -> None:
    case_no = await _register(api)
    video = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 5000
    answer = await _upload(api, case_no, [("file", ("cam3.mp4", video, "video/mp4"))], kind="cctv")
    assert answer.status_code == 201, answer.text
    path = f"/complaints/{case_no}/evidence/{answer.json()[0]['evidence_id']}"
    for role in ("staff", "handler", "manager"):
        refused = await api.get(path, headers=auth(role))
        assert refused.status_code == 403, role
        assert "police" in refused.json()["detail"]


@pytest.mark.parametrize(
    ("name", "content", "declared", "kind", "status", "named"),
    [
        # 25 MiB is a photo's limit: 26 MiB of it is refused while it streams in.
        ("big.jpg", jpeg() + b"\x00" * (26 * 1024 * 1024), "image/jpeg", "photo", 413, "25 MiB"),
        ("statement.pdf", PDF, "application/pdf", "photo", 415, "image/jpeg"),
        ("sofa.jpg", EXE, "image/jpeg", "photo", 415, "image/jpeg"),  # a disguised program
        ("sofa.png", jpeg(), "image/png", "photo", 415, "image/png"),  # says PNG, is JPEG
    ],
)
async def test_a_refused_file_leaves_no_file_and_no_row(
    api: httpx.AsyncClient,
    pool: asyncpg.Pool,
    evidence_dir: Path,
    name: str,
    content: bytes,
    declared: str,
    kind: str,
    status: int,
    named: str,
) -> None:
    case_no = await _register(api)
    good = ("file", ("fine.jpg", jpeg(colour=(1, 2, 3)), "image/jpeg"))
    answer = await _upload(api, case_no, [good, ("file", (name, content, declared))], kind=kind)
    assert answer.status_code == status, answer.text
    assert named in answer.json()["detail"]
    assert await _evidence_rows(pool, case_no) == 0
    assert _stored_files(evidence_dir) == []  # no object, and no staging file left either


async def test_an_upload_that_is_not_multipart_or_names_no_kind_is_refused(
    api: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    case_no = await _register(api)
    path = f"/complaints/{case_no}/evidence"
    as_json = await api.post(path, json={"kind": "photo"}, headers=auth("staff"))
    assert (as_json.status_code, as_json.json()["type"]) == (415, "UnsupportedMedia")
    no_kind = await api.post(
        path, files=[("file", ("a.jpg", jpeg(), "image/jpeg"))], headers=auth("staff")
    )
    assert no_kind.status_code == 422 and no_kind.json()["detail"][0]["loc"] == ["body", "kind"]
    bad_kind = await _upload(
        api, case_no, [("file", ("a.jpg", jpeg(), "image/jpeg"))], kind="selfie"
    )
    assert bad_kind.status_code == 422
    engineer = await _upload(
        api, case_no, [("file", ("a.jpg", jpeg(), "image/jpeg"))], role="engineer"
    )
    assert engineer.status_code == 403
    assert await _evidence_rows(pool, case_no) == 0


async def test_a_hold_is_placed_for_proceedings_and_lifted_by_senior_management_only(
    api: httpx.AsyncClient,
) -> None:
    case_no = await _register(api)
    path = f"/complaints/{case_no}/holds"
    own = await api.post(
        path, json={"source": "senior_management", "reason": "press"}, headers=auth("manager")
    )
    assert own.status_code == 403  # a hold of its own is senior management's
    assert (
        await api.post(path, json={"source": "lawsuit", "reason": "x"}, headers=auth("staff"))
    ).status_code == 403
    placed = await api.post(
        path,
        json={"source": "lawsuit", "reference": "(2026)京0105民初77号", "reason": "sued"},
        headers=auth("handler"),
    )
    assert placed.status_code == 201, placed.text
    hold = placed.json()
    assert hold["active"] and hold["placed_by"] == "handler.wang"
    lift = f"{path}/{hold['hold_id']}/lift"
    assert (
        await api.post(lift, json={"reason": "done"}, headers=auth("manager"))
    ).status_code == 403
    lifted = await api.post(lift, json={"reason": "judgment final"}, headers=auth("senior"))
    assert lifted.status_code == 200 and not lifted.json()["active"]
    assert lifted.json()["lifted_by"] == "senior.chen"
    unknown = await api.post(
        f"{path}/{'0' * 8}-0000-0000-0000-{'0' * 12}/lift",
        json={"reason": "x"},
        headers=auth("senior"),
    )
    assert (unknown.status_code, unknown.json()["type"]) == (404, "HoldNotFound")
    events = (await api.get(f"/complaints/{case_no}/events", headers=auth("manager"))).json()
    actions = [(e["action"], e["actor_id"]) for e in events]
    assert ("legal_hold_placed", "handler.wang") in actions
    assert ("legal_hold_lifted", "senior.chen") in actions


async def test_a_witness_is_recorded_with_their_statement_and_personal_data_hidden(
    api: httpx.AsyncClient,
) -> None:
    case_no = await _register(api)
    statement = await _upload(
        api,
        case_no,
        [("file", ("statement.pdf", PDF, "application/pdf"))],
        kind="witness_statement",
    )
    statement_id = statement.json()[0]["evidence_id"]
    body = {
        "name": "Guo Mei",
        "phone": "139-1111-2222",
        "saw": "the armrest snapped when she sat down",
        "statement_evidence_id": statement_id,
    }
    recorded = await api.post(f"/complaints/{case_no}/witnesses", json=body, headers=auth("staff"))
    assert recorded.status_code == 201, recorded.text
    assert recorded.json()["name"] == "Guo Mei"
    seen = (await api.get(f"/complaints/{case_no}/witnesses", headers=auth("engineer"))).json()
    assert [(w["name"], w["phone"], w["statement_evidence_id"]) for w in seen] == [
        ("[personal data]", "[personal data]", statement_id)
    ]
    wrong = await api.post(
        f"/complaints/{case_no}/witnesses",
        json={**body, "statement_evidence_id": str(uuid.uuid4())},
        headers=auth("staff"),
    )
    assert wrong.status_code == 404


async def test_a_photo_goes_through_the_s3_store_the_same_way(
    dev_server, dev_client, pool: asyncpg.Pool, settings_for, s3_server: str
) -> None:
    settings = settings_for(dev_server.address).model_copy(
        update={
            "evidence_store": "s3",
            "s3_endpoint_url": s3_server,
            "s3_bucket": "evidence-http",
            "s3_region": "us-east-1",
            "s3_access_key_id": "test",
            "s3_secret_access_key": SecretStr("test-secret"),
            "s3_server_side_encryption": "AES256",
        }
    )
    bucket = evidence_files(settings)
    await bucket.store.ensure_bucket()
    async with serving(settings, dev_client, pool) as api:
        case_no = await _register(api)
        photo = jpeg(colour=(9, 99, 199))
        answer = await _upload(api, case_no, [("file", ("sofa.jpg", photo, "image/jpeg"))])
        assert answer.status_code == 201, answer.text
        sha = answer.json()[0]["sha256"]
        assert await bucket.store.exists(f"objects/{sha}")
        download = await api.get(
            f"/complaints/{case_no}/evidence/{answer.json()[0]['evidence_id']}",
            headers=auth("handler"),
        )
        assert download.content == photo and download.headers["etag"] == f'"{sha}"'
    assert _stored_files(settings.evidence_dir) == []  # nothing on local disk: staging emptied
    await bucket.close()


async def test_an_upload_cut_off_halfway_leaves_no_file_and_no_row(
    api: httpx.AsyncClient, pool: asyncpg.Pool, evidence_dir: Path
) -> None:
    case_no = await _register(api)
    boundary = "cut-off-boundary"
    head = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\nphoto\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n'
            "Content-Type: image/jpeg\r\n\r\n"
        ).encode()
        + jpeg()
        + b"\x00" * 300_000
    )
    promised = len(head) + 1_000_000  # the rest never comes
    reader, writer = await asyncio.open_connection(api.base_url.host, api.base_url.port)
    writer.write(
        (
            f"POST /complaints/{case_no}/evidence HTTP/1.1\r\nHost: {api.base_url.host}\r\n"
            f"Authorization: {auth('staff')['Authorization']}\r\n"
            f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
            f"Content-Length: {promised}\r\n\r\n"
        ).encode()
        + head
    )
    await writer.drain()
    # The server has the first part of the file staged (sealed) before the client goes.
    staging = evidence_dir / "staging"
    for _ in range(200):
        if staging.exists() and any(staging.iterdir()):
            break
        await asyncio.sleep(0.05)
    assert any(staging.iterdir())
    writer.close()
    await writer.wait_closed()
    for _ in range(200):
        if not any(staging.iterdir()):
            break
        await asyncio.sleep(0.05)
    assert _stored_files(evidence_dir) == []
    assert await _evidence_rows(pool, case_no) == 0


async def _process(api: httpx.AsyncClient, case_no: str, slug: str) -> dict:
    for _ in range(100):
        response = await api.get(f"/complaints/{case_no}/{slug}", headers=auth("staff"))
        if response.status_code == 200:
            return response.json()
        await asyncio.sleep(0.1)
    raise AssertionError(response.text)


MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 5000


async def test_cctv_is_handed_over_to_the_police_naming_the_file(api: httpx.AsyncClient) -> None:
    theft = INTAKE | {"category": "lost_belongings", "claimed_amount": "300", "incident": "theft"}
    registered = await api.post("/complaints", json=theft, headers=auth("staff"))
    case_no = registered.json()["case_no"]
    await _process(api, case_no, "police-report")
    cctv = await _upload(api, case_no, [("file", ("cam3.mp4", MP4, "video/mp4"))], kind="cctv")
    photo = await _upload(api, case_no, [("file", ("bag.jpg", jpeg(), "image/jpeg"))])
    cctv_id, photo_id = cctv.json()[0]["evidence_id"], photo.json()[0]["evidence_id"]
    call = await api.post(
        f"/complaints/{case_no}/police-report/call",
        json={
            "reported_by": "staff.li",
            "reported_at": "2026-11-30T10:00:00+08:00",
            "station": "Chaoyang station",
        },
        headers=auth("staff"),
    )
    assert call.status_code == 200, call.text
    footage = {"recipient": "police", "recipient_name": "Officer Ma", "footage_ref": "CAM3"}
    url = f"/complaints/{case_no}/police-report/cctv"
    not_cctv = await api.post(
        url, json=footage | {"evidence_ids": [photo_id]}, headers=auth("staff")
    )
    assert (not_cctv.status_code, not_cctv.json()["type"]) == (409, "ConditionNotMet")
    unknown = await api.post(
        url, json=footage | {"evidence_ids": [str(uuid.uuid4())]}, headers=auth("staff")
    )
    assert (unknown.status_code, unknown.json()["type"]) == (404, "EvidenceNotFound")
    to_customer = await api.post(
        url,
        json=footage | {"recipient": "customer", "evidence_ids": [cctv_id]},
        headers=auth("staff"),
    )
    assert to_customer.status_code == 403
    handed = await api.post(url, json=footage | {"evidence_ids": [cctv_id]}, headers=auth("staff"))
    assert handed.status_code == 200, handed.text
    [handover] = handed.json()["record"]["cctv_handovers"]
    assert handover["evidence_ids"] == [cctv_id]
    events = (await api.get(f"/complaints/{case_no}/events", headers=auth("manager"))).json()
    [entry] = [e for e in events if e["action"] == "cctv_handed_over"]
    assert entry["data"]["evidence_ids"] == [cctv_id]
    assert "cam3" not in str(handed.json())  # the file's name never reaches Temporal


async def test_the_insurance_claims_documents_name_the_uploaded_files(
    api: httpx.AsyncClient,
) -> None:
    injury = INTAKE | {"category": "personal_injury", "description": "Slipped by the lift."}
    case_no = (await api.post("/complaints", json=injury, headers=auth("staff"))).json()["case_no"]
    await _process(api, case_no, "insurance-claim")
    receipts = await _upload(
        api, case_no, [("file", ("r.pdf", PDF, "application/pdf"))], kind="receipt"
    )
    receipt_id = receipts.json()[0]["evidence_id"]
    recorded = await api.post(
        f"/complaints/{case_no}/insurance-claim/documents",
        json={"documents": ["receipts"], "originals": True, "evidence_ids": [receipt_id]},
        headers=auth("handler"),
    )
    assert recorded.status_code == 200, recorded.text
    [receipt] = recorded.json()["record"]["documents"]
    assert (receipt["evidence_ids"], receipt["original"], receipt["recorded_by"]) == (
        [receipt_id],
        True,
        "handler.wang",
    )
    # The advance rule reads the originals as before: receipts alone leave the others missing.
    assert "medical_records" in recorded.json()["summary"]["missing_originals"]


async def test_a_body_that_is_not_multipart_inside_is_unreadable_not_a_server_error(
    api: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    case_no = await _register(api)
    for body in (b"garbage without a boundary", b"--b\r\nno headers end", b"--b--\r\n"):
        answer = await api.post(
            f"/complaints/{case_no}/evidence",
            content=body,
            headers=auth("staff") | {"Content-Type": "multipart/form-data; boundary=b"},
        )
        assert answer.status_code in (400, 422), (body, answer.text)
    assert await _evidence_rows(pool, case_no) == 0


async def test_the_cases_history_hears_of_the_file_and_the_trail_keeps_one_entry(
    api: httpx.AsyncClient,
) -> None:
    case_no = await _register(api)
    answer = await _upload(api, case_no, [("file", ("sofa.jpg", jpeg(), "image/jpeg"))])
    evidence_id = answer.json()[0]["evidence_id"]
    for _ in range(100):
        case = (await api.get(f"/complaints/{case_no}", headers=auth("staff"))).json()
        if "evidence_uploaded" in [entry["action"] for entry in case["status"]["history"]]:
            break
        await asyncio.sleep(0.1)
    else:
        raise AssertionError(case["status"]["history"])
    events = (await api.get(f"/complaints/{case_no}/events", headers=auth("staff"))).json()
    uploads = [e for e in events if e["action"] == "evidence_uploaded"]
    assert [e["data"]["evidence_id"] for e in uploads] == [evidence_id]


async def test_a_decompression_bomb_gets_no_thumbnail_but_downloads_as_it_is(
    api: httpx.AsyncClient,
) -> None:
    case_no = await _register(api)
    out = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(out, "PNG")  # 100 million pixels, a small file
    bomb = out.getvalue()
    answer = await _upload(api, case_no, [("file", ("bomb.png", bomb, "image/png"))])
    assert answer.status_code == 201, answer.text
    path = f"/complaints/{case_no}/evidence/{answer.json()[0]['evidence_id']}"
    thumb = await api.get(f"{path}/thumbnail", headers=auth("staff"))
    assert (thumb.status_code, thumb.json()["type"]) == (404, "EvidenceNotFound")
    assert (await api.get(path, headers=auth("staff"))).content == bomb
