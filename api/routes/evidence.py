"""/complaints/{case_no}/evidence, /witnesses and /holds (docs/evidence.md, issue 15).

Evidence follows the case's store scoping (another store's case is 404) and the
personal-data roles; medical documents only to those handling the case, CCTV to nobody
but senior management handing it over (domain/evidence.py). Each upload, download and
thumbnail view is on the audit trail. Nothing here reaches Temporal: the files and
their names stay out of every workflow's history.
"""

from __future__ import annotations

import asyncio
import base64
import io
import uuid
import warnings
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote

import asyncpg
import structlog
from fastapi import APIRouter, Path, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, Field
from starlette.requests import ClientDisconnect
from temporalio.service import RPCError

from api.bodies import HoldBody, LiftHoldBody, WitnessBody
from api.commands import case_row
from api.deps import ActorDep, Resources, ResourcesDep
from api.errors import CaseArchived, Problem, Refused
from api.openapi_errors import CASE_ERRORS, ErrorPublic
from api.uploads import UploadReader
from domain.authority import Actor
from domain.evidence import (
    THUMBNAIL_TYPES,
    EvidenceKind,
    HoldSource,
    RecordEvidence,
    lift_hold_refusal,
    may_upload,
    place_hold_refusal,
    read_refusal,
    shows_personal_data,
)
from domain.personal_data import PERSONAL, REDACTED
from domain.rules import Refusal, RefusalType
from infra import evidence as store
from infra.evidence_store import object_name, thumbnail_name
from workflows.complaint import ComplaintWorkflow

log = structlog.get_logger(__name__)

router = APIRouter(prefix="/complaints", tags=["evidence"], responses=CASE_ERRORS)

EvidenceId = Annotated[uuid.UUID, Path(description="The evidence id the upload answered")]


class EvidencePublic(BaseModel):
    evidence_id: uuid.UUID
    case_no: str
    process: str | None
    kind: EvidenceKind
    caption: Annotated[str, PERSONAL]
    file_name: Annotated[str, PERSONAL]
    taken_at: datetime | None
    taken_by: Annotated[str, PERSONAL]
    sha256: str = Field(description="SHA-256 of the content, hex")
    size: int
    media_type: str = Field(description="The type read from the content")
    uploaded_by: str
    uploaded_at: datetime
    deleted: bool = Field(description="Retention deleted the file")


class WitnessPublic(BaseModel):
    witness_id: uuid.UUID
    case_no: str
    name: Annotated[str, PERSONAL]
    phone: Annotated[str, PERSONAL]
    saw: Annotated[str, PERSONAL]
    statement_evidence_id: uuid.UUID | None
    recorded_by: str
    recorded_at: datetime


class HoldPublic(BaseModel):
    hold_id: uuid.UUID
    case_no: str
    source: HoldSource
    reference: str
    reason: Annotated[str, PERSONAL]
    placed_by: str
    placed_at: datetime
    lifted_by: str | None
    lifted_at: datetime | None
    lift_reason: Annotated[str | None, PERSONAL]
    active: bool


def _hide(value: Any, actor: Actor) -> Any:
    return value if shows_personal_data(actor) or value in (None, "") else REDACTED


def _evidence(row: asyncpg.Record, actor: Actor) -> EvidencePublic:
    return EvidencePublic(
        evidence_id=row["evidence_id"],
        case_no=row["case_no"],
        process=row["process"],
        kind=EvidenceKind(row["kind"]),
        caption=_hide(row["caption"], actor),
        file_name=_hide(row["file_name"], actor),
        taken_at=row["taken_at"],
        taken_by=_hide(row["taken_by"], actor),
        sha256=row["sha256"],
        size=row["size"],
        media_type=row["media_type"],
        uploaded_by=row["uploaded_by"],
        uploaded_at=row["uploaded_at"],
        deleted=row["purged_at"] is not None,
    )


async def _open_case(resources: Resources, case_no: str, actor: Actor) -> asyncpg.Record:
    row = await case_row(resources, case_no, actor)
    anonymised = await resources.pool.fetchval(
        "SELECT anonymised_at FROM complaints WHERE case_no = $1", case_no
    )
    if anonymised is not None:
        raise CaseArchived(case_no)
    return row


# --- evidence --------------------------------------------------------------------------


@router.post(
    "/{case_no}/evidence",
    status_code=201,
    response_model=list[EvidencePublic],
    responses={
        400: {"model": ErrorPublic, "description": "Not a readable multipart body, or cut off"},
        413: {"model": ErrorPublic, "description": "A file over its kind's limit (named)"},
        415: {
            "model": ErrorPublic,
            "description": "Not multipart, or a file of a type its kind does not take, or"
            " disguised as another type (the types named)",
        },
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["kind", "file"],
                        "properties": {
                            "kind": {"type": "string", "enum": [k.value for k in EvidenceKind]},
                            "caption": {"type": "string", "maxLength": 2000},
                            "taken_at": {"type": "string", "format": "date-time"},
                            "taken_by": {"type": "string", "maxLength": 200},
                            "process": {"type": "string"},
                            "file": {
                                "type": "array",
                                "items": {"type": "string", "format": "binary"},
                            },
                        },
                    }
                }
            },
        }
    },
)
async def upload_evidence(
    case_no: str, request: Request, actor: ActorDep, resources: ResourcesDep
) -> list[EvidencePublic]:
    """Files streamed in one multipart upload, with their kind, caption and who took them
    when (the fields before a file apply to it). All are kept, or none: a file too large
    (413) or of a type its kind does not take, or disguised as another (415), refuses the
    upload and leaves nothing behind, as does an upload cut off halfway."""
    why = may_upload(actor)
    if why:
        raise Problem("RoleNotAllowed", why)
    case = await _open_case(resources, case_no, actor)
    policy = resources.policy.evidence
    if policy is None:
        raise Problem("UnsupportedMedia", "the active policy has no evidence section")
    files = resources.files
    reader = UploadReader(request.headers.get("content-type", ""), policy, files)
    try:
        try:
            async for piece in request.stream():
                reader.feed(piece)
        except ClientDisconnect:
            raise Problem("UnreadableBody", "the upload was cut off") from None
        reader.close()
        rows = await store.keep_uploads(resources.pool, files, case_no, reader.items, actor)
    finally:
        reader.discard()
    await _tell_the_case(resources, case["workflow_id"], rows, actor)
    return [_evidence(row, actor) for row in rows]


async def _tell_the_case(
    resources: Resources, workflow_id: str, rows: list[asyncpg.Record], actor: Actor
) -> None:
    """The case's history hears of each file (ids, kind and hash only). The audit entry is
    written already, with the rows: a case whose workflow has gone (archived) keeps it."""
    handle = resources.temporal.get_workflow_handle(workflow_id)
    for row in rows:
        try:
            await handle.signal(
                ComplaintWorkflow.record_evidence,
                RecordEvidence(
                    event_id=store.upload_event_id(row["evidence_id"]),
                    evidence_id=str(row["evidence_id"]),
                    kind=EvidenceKind(row["kind"]),
                    sha256=row["sha256"],
                    size=row["size"],
                    media_type=row["media_type"],
                    process=row["process"],
                    actor=actor,
                ),
            )
        except RPCError as err:
            log.warning("evidence_not_signalled", workflow_id=workflow_id, error=err.message)


@router.get("/{case_no}/evidence", response_model=list[EvidencePublic])
async def list_case_evidence(
    case_no: str, actor: ActorDep, resources: ResourcesDep
) -> list[EvidencePublic]:
    """Every file of the case, captions and names hidden from those without a
    personal-data role."""
    await case_row(resources, case_no, actor)
    return [_evidence(row, actor) for row in await store.list_evidence(resources.pool, case_no)]


async def _readable(
    resources: Resources, case_no: str, evidence_id: uuid.UUID, actor: Actor
) -> asyncpg.Record:
    case = await case_row(resources, case_no, actor)
    rows = await store.find_evidence(resources.pool, case_no, [evidence_id])
    if not rows:
        raise Problem("EvidenceNotFound", f"complaint {case_no} has no evidence {evidence_id}")
    row = rows[0]
    why = read_refusal(actor, EvidenceKind(row["kind"]), case["handler"])
    if why:
        raise Problem("RoleNotAllowed", why)
    if row["purged_at"] is not None:
        raise Problem(
            "EvidenceNotFound", f"evidence {evidence_id} was deleted by retention / 已按保留期删除"
        )
    return row


def _digest_headers(sha256: str) -> dict[str, str]:
    digest = base64.b64encode(bytes.fromhex(sha256)).decode()
    return {
        "ETag": f'"{sha256}"',
        "Repr-Digest": f"sha-256=:{digest}:",  # RFC 9530
        "Digest": f"sha-256={digest}",  # RFC 3230, for older clients
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-store",
    }


@router.get(
    "/{case_no}/evidence/{evidence_id}",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The file as uploaded, of the type read from its content",
            "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def download_evidence(
    case_no: str, evidence_id: EvidenceId, actor: ActorDep, resources: ResourcesDep
) -> StreamingResponse:
    """The file byte for byte, with its SHA-256 (`Repr-Digest`, `Digest`, `ETag`)."""
    row = await _readable(resources, case_no, evidence_id, actor)
    await store.record_access(resources.pool, case_no, row, actor, thumbnail=False)
    name = row["file_name"] or f"{evidence_id}"
    headers = {
        **_digest_headers(row["sha256"]),
        "Content-Length": str(row["size"]),
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
    }
    return StreamingResponse(
        resources.files.open(object_name(row["sha256"])),
        media_type=row["media_type"] or "application/octet-stream",
        headers=headers,
    )


def _thumbnail(data: bytes, pixels: int, max_pixels: int) -> bytes:
    """A JPEG of at most `pixels` on its longest side; Pillow only, never another tool.
    Refuses images with more than `max_pixels` pixels before decoding them."""
    from PIL import Image, ImageOps

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if width * height > max_pixels:
                raise ValueError(f"{width}x{height} pixels is more than {max_pixels}")
            image.draft("RGB", (pixels, pixels))
            image = ImageOps.exif_transpose(image)
            image.thumbnail((pixels, pixels))
            out = io.BytesIO()
            image.convert("RGB").save(out, "JPEG", quality=80)
    return out.getvalue()


@router.get(
    "/{case_no}/evidence/{evidence_id}/thumbnail",
    response_class=Response,
    responses={
        200: {
            "description": "A JPEG thumbnail",
            "content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def evidence_thumbnail(
    case_no: str, evidence_id: EvidenceId, actor: ActorDep, resources: ResourcesDep
) -> Response:
    """A photo's thumbnail (JPEG), for the console; made once, kept sealed beside it."""
    row = await _readable(resources, case_no, evidence_id, actor)
    if row["media_type"] not in THUMBNAIL_TYPES:
        raise Problem(
            "EvidenceNotFound", f"evidence {evidence_id} ({row['media_type']}) has no thumbnail"
        )
    policy = resources.policy.evidence
    pixels = policy.thumbnail_pixels if policy else 320
    max_pixels = policy.max_image_pixels if policy else 50_000_000
    files = resources.files
    name = thumbnail_name(row["sha256"])
    if await files.store.exists(name):
        data = await files.read_all(name, limit=64 * 1024**2)
    else:
        original = await files.read_all(object_name(row["sha256"]), limit=row["size"])
        try:
            data = await asyncio.to_thread(_thumbnail, original, pixels, max_pixels)
        except Exception as err:  # Pillow's errors for unreadable or bomb images vary
            raise Problem(
                "EvidenceNotFound", f"evidence {evidence_id} has no thumbnail: {type(err).__name__}"
            ) from None
        await files.put_bytes(name, data)
    await store.record_access(resources.pool, case_no, row, actor, thumbnail=True)
    return Response(data, media_type="image/jpeg", headers=_digest_headers(row["sha256"]))


# --- files named by sub-process messages --------------------------------------------


async def _named_files(
    resources: Resources, case_no: str, named: list[str]
) -> list[asyncpg.Record]:
    evidence_ids = [uuid.UUID(text) for text in named]  # a body's UUIDs, as text
    rows = await store.find_evidence(resources.pool, case_no, evidence_ids)
    found = {row["evidence_id"]: row for row in rows}
    for evidence_id in evidence_ids:
        row = found.get(evidence_id)
        if row is None or row["purged_at"] is not None:
            raise Problem("EvidenceNotFound", f"complaint {case_no} has no evidence {evidence_id}")
    return rows


async def check_cctv_files(resources: Resources, case_no: str, message: Any) -> None:
    """The police report's `cctv` hand-over names uploaded CCTV files of the case."""
    for row in await _named_files(resources, case_no, message.evidence_ids):
        if row["kind"] != EvidenceKind.CCTV.value:
            raise Refused(
                Refusal(
                    type=RefusalType.CONDITION_NOT_MET,
                    message=f"evidence {row['evidence_id']} is a {row['kind']}, not CCTV footage",
                )
            )


async def check_document_files(resources: Resources, case_no: str, message: Any) -> None:
    """The insurance claim's `documents` name uploaded files of the case."""
    for row in await _named_files(resources, case_no, message.evidence_ids):
        if row["kind"] == EvidenceKind.CCTV.value:
            raise Refused(
                Refusal(
                    type=RefusalType.CONDITION_NOT_MET,
                    message="CCTV footage goes to the police, not to the insurer",
                )
            )


# --- witnesses ---------------------------------------------------------------------------


def _witness(row: asyncpg.Record, actor: Actor) -> WitnessPublic:
    return WitnessPublic(
        witness_id=row["witness_id"],
        case_no=row["case_no"],
        name=_hide(row["name"], actor),
        phone=_hide(row["phone"], actor),
        saw=_hide(row["saw"], actor),
        statement_evidence_id=row["statement_evidence_id"],
        recorded_by=row["recorded_by"],
        recorded_at=row["recorded_at"],
    )


@router.post("/{case_no}/witnesses", status_code=201, response_model=WitnessPublic)
async def record_witness(
    case_no: str, body: WitnessBody, actor: ActorDep, resources: ResourcesDep
) -> WitnessPublic:
    """A witness: name and phone (personal data), what they saw, their written statement
    (an uploaded evidence id of this case)."""
    why = may_upload(actor)
    if why:
        raise Problem("RoleNotAllowed", why)
    await _open_case(resources, case_no, actor)
    if body.statement_evidence_id is not None:
        found = await store.find_evidence(resources.pool, case_no, [body.statement_evidence_id])
        if not found:
            raise Problem(
                "EvidenceNotFound",
                f"complaint {case_no} has no evidence {body.statement_evidence_id}",
            )
    row = await store.add_witness(
        resources.pool,
        case_no,
        name=body.name,
        phone=body.phone,
        saw=body.saw,
        statement_evidence_id=body.statement_evidence_id,
        actor=actor,
    )
    return _witness(row, actor)


@router.get("/{case_no}/witnesses", response_model=list[WitnessPublic])
async def list_case_witnesses(
    case_no: str, actor: ActorDep, resources: ResourcesDep
) -> list[WitnessPublic]:
    await case_row(resources, case_no, actor)
    return [_witness(row, actor) for row in await store.list_witnesses(resources.pool, case_no)]


# --- legal holds -------------------------------------------------------------------------


def _hold(row: asyncpg.Record, actor: Actor) -> HoldPublic:
    return HoldPublic(
        **{key: row[key] for key in ("hold_id", "case_no", "reference", "placed_by")},
        source=HoldSource(row["source"]),
        reason=_hide(row["reason"], actor),
        placed_at=row["placed_at"],
        lifted_by=row["lifted_by"],
        lifted_at=row["lifted_at"],
        lift_reason=_hide(row["lift_reason"], actor),
        active=row["lifted_at"] is None,
    )


@router.post("/{case_no}/holds", status_code=201, response_model=HoldPublic)
async def place_legal_hold(
    case_no: str, body: HoldBody, actor: ActorDep, resources: ResourcesDep
) -> HoldPublic:
    """Keeps the case and its evidence past retention until the hold is lifted (DOMAIN 8)."""
    why = place_hold_refusal(actor, body.source)
    if why:
        raise Problem("RoleNotAllowed", why)
    await case_row(resources, case_no, actor)
    row = await store.place_hold(
        resources.pool,
        case_no,
        source=body.source.value,
        reference=body.reference,
        reason=body.reason,
        actor=actor,
    )
    if row is None:
        raise CaseArchived(case_no)
    return _hold(row, actor)


@router.get("/{case_no}/holds", response_model=list[HoldPublic])
async def list_legal_holds(
    case_no: str, actor: ActorDep, resources: ResourcesDep
) -> list[HoldPublic]:
    await case_row(resources, case_no, actor)
    return [_hold(row, actor) for row in await store.list_holds(resources.pool, case_no)]


@router.post("/{case_no}/holds/{hold_id}/lift", response_model=HoldPublic)
async def lift_legal_hold(
    case_no: str, hold_id: uuid.UUID, body: LiftHoldBody, actor: ActorDep, resources: ResourcesDep
) -> HoldPublic:
    """Senior management only; audited with its reason. Retention may then go on."""
    why = lift_hold_refusal(actor)
    if why:
        raise Problem("RoleNotAllowed", why)
    await case_row(resources, case_no, actor)
    row = await store.lift_hold(resources.pool, case_no, hold_id, reason=body.reason, actor=actor)
    if row is None:
        raise Problem("HoldNotFound", f"complaint {case_no} has no legal hold {hold_id}")
    return _hold(row, actor)
