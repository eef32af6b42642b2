"""Evidence, witnesses and legal holds (DOMAIN sections 2, 6, 8; issue 15).

Pure rules: the kinds of evidence, the policy's limits per kind, who may see which file,
and who may place or lift a legal hold. The files themselves are stored by
infra/evidence_store.py; nothing of a file's content or name goes into Temporal.
"""

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, Field, model_validator

from domain.authority import Actor, Role
from domain.lifecycle import PERSONAL_DATA_ROLES, REGISTER_ROLES

# An evidence id as a workflow message holds it: text (a body's UUID is read as its text).
EvidenceId = Annotated[str, BeforeValidator(str)]


class EvidenceKind(StrEnum):
    PHOTO = "photo"
    RECORDING = "recording"
    RECEIPT = "receipt"
    MEDICAL_RECORD = "medical_record"
    DIAGNOSIS = "diagnosis"
    TEST_RESULT = "test_result"
    REST_NOTE = "rest_note"
    INCOME_PROOF = "income_proof"
    TRANSFER_CERTIFICATE = "transfer_certificate"
    DISCHARGE_CERTIFICATE = "discharge_certificate"
    WITNESS_STATEMENT = "witness_statement"
    CUSTOMER_STATEMENT = "customer_statement"
    ACCIDENT_REPORT = "accident_report"
    CCTV = "cctv"
    POLICE_CERTIFICATE = "police_certificate"
    INSURER_OPINION = "insurer_opinion"
    AGREEMENT_SCAN = "agreement_scan"
    OTHER = "other"


# Medical documents (and the income proof that goes with a rest note for lost earnings)
# are shown only to those handling the case (DOMAIN 8): its handler and the managers and
# senior managers who may see its store.
MEDICAL_KINDS = frozenset(
    {
        EvidenceKind.MEDICAL_RECORD,
        EvidenceKind.DIAGNOSIS,
        EvidenceKind.TEST_RESULT,
        EvidenceKind.REST_NOTE,
        EvidenceKind.INCOME_PROOF,
        EvidenceKind.TRANSFER_CERTIFICATE,
        EvidenceKind.DISCHARGE_CERTIFICATE,
    }
)
MEDICAL_ROLES = frozenset({Role.MANAGER, Role.SENIOR})
# CCTV goes to the police, a regulator or a court only (DOMAIN 6): handed over through the
# police report's `cctv` message, which names the files. Only senior management (the
# general manager's office answers for what leaves the company) may fetch a copy to hand
# over; nobody else downloads it.
CCTV_ROLES = frozenset({Role.SENIOR})
# Images Pillow turns into thumbnails; other types have none.
THUMBNAIL_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"})


class KindLimit(BaseModel):
    """What one kind of evidence may be: its largest file and the types its content may
    have (as read from the content, e.g. `image/jpeg`)."""

    max_bytes: int = Field(gt=0, le=64 * 1024**3)
    types: list[str] = Field(min_length=1)


class EvidencePolicy(BaseModel):
    """The policy's `evidence` section; None in policies before it (no uploads then).
    Read by the API at upload, never by a case's workflow."""

    kinds: dict[EvidenceKind, KindLimit] = Field(min_length=1)
    max_files_per_upload: int = Field(20, gt=0, le=200)
    thumbnail_pixels: int = Field(320, ge=32, le=2048, description="Longest side of a thumbnail")
    max_image_pixels: int = Field(
        50_000_000,
        gt=0,
        description="An image with more pixels gets no thumbnail (a decompression bomb)",
    )

    @model_validator(mode="after")
    def _types_are_mime_types(self) -> "EvidencePolicy":
        for kind, limit in self.kinds.items():
            bad = [t for t in limit.types if t.count("/") != 1]
            if bad:
                raise ValueError(f"evidence.kinds.{kind.value}: not media types: {bad}")
        return self


def human_size(size: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:g} {unit}" if unit == "B" else f"{size:.4g} {unit}"
        size /= 1024
    return f"{size} B"  # pragma: no cover


def too_large(policy: EvidencePolicy, kind: EvidenceKind, size: int) -> str | None:
    """Why a file of `size` bytes so far is too large for `kind`, naming the limit."""
    limit = policy.kinds.get(kind)
    if limit is not None and size > limit.max_bytes:
        return (
            f"a {kind.value} file may be at most {human_size(limit.max_bytes)}"
            f" ({limit.max_bytes} bytes) / {kind.value} 文件最大 {human_size(limit.max_bytes)}"
        )
    return None


def type_refusal(
    policy: EvidencePolicy, kind: EvidenceKind, detected: str | None, declared: str | None
) -> str | None:
    """Why a file whose content reads as `detected` is refused for `kind`: a type the kind
    does not take, content nobody can recognise, or content disguised as another type
    (the part said `declared`, the content is something else)."""
    limit = policy.kinds.get(kind)
    if limit is None:
        return f"the policy takes no {kind.value} files / 政策不接受 {kind.value} 类文件"
    allowed = ", ".join(limit.types)
    if detected is None:
        return (
            f"the content of the file is of no type a {kind.value} may have ({allowed})"
            f" / 文件内容无法识别, {kind.value} 只接受 {allowed}"
        )
    if declared and declared not in ("application/octet-stream", detected):
        return (
            f"the file says it is {declared} but its content is {detected}"
            f" / 文件声称是 {declared}, 内容却是 {detected}"
        )
    if detected not in limit.types:
        return (
            f"a {kind.value} may be {allowed}, not {detected}"
            f" / {kind.value} 只接受 {allowed}, 不接受 {detected}"
        )
    return None


class RecordEvidence(BaseModel):
    """The case's signal that a file was added to it (workflows/complaint.py): ids, kind
    and hash only, never the file's content, name or caption. `event_id` is the audit
    entry the API wrote with the file, so the case's history and the trail name one
    event."""

    event_id: str
    evidence_id: str
    kind: EvidenceKind
    sha256: str
    size: int
    media_type: str
    process: str | None = None
    actor: Actor


# --- who sees what -------------------------------------------------------------------


class Access(StrEnum):
    LIST = "list"  # the list: metadata, captions for personal-data roles only
    READ = "read"  # a download or a thumbnail


def may_upload(actor: Actor) -> str | None:
    if actor.role not in REGISTER_ROLES:
        return f"role {actor.role} may not add evidence"
    return None


def read_refusal(actor: Actor, kind: EvidenceKind, handler: str | None) -> str | None:
    """Why `actor` (who may see the case's store) may not open a file of `kind` of a case
    handled by `handler`; None when they may."""
    if actor.role not in PERSONAL_DATA_ROLES:
        return f"role {actor.role} may not open evidence (personal data) / 该角色不能查看证据"
    if kind is EvidenceKind.CCTV and actor.role not in CCTV_ROLES:
        return (
            "CCTV footage is handed over to the police, a regulator or a court only, through"
            " the police report; it is not downloaded / 监控录像只经报警流程移交警方、监管或法院"
        )
    if kind in MEDICAL_KINDS and actor.role not in MEDICAL_ROLES and actor.user_id != handler:
        return (
            f"a {kind.value} is shown only to those handling the case (its handler, managers)"
            " / 医疗资料仅限处理该案件的人员查看"
        )
    return None


def shows_personal_data(actor: Actor) -> bool:
    return actor.role in PERSONAL_DATA_ROLES


# --- legal holds ---------------------------------------------------------------------


class HoldSource(StrEnum):
    """Why the evidence must be kept: senior management's decision, or proceedings of
    the case recorded as such (000 八.2: media, a regulator, police or a court)."""

    SENIOR_MANAGEMENT = "senior_management"
    LAWSUIT = "lawsuit"
    REGULATOR = "regulator"
    POLICE = "police"
    MEDIA = "media"


PROCEEDINGS = frozenset(set(HoldSource) - {HoldSource.SENIOR_MANAGEMENT})
HOLD_PROCEEDINGS_ROLES = frozenset({Role.HANDLER, Role.MANAGER, Role.SENIOR})


def place_hold_refusal(actor: Actor, source: HoldSource) -> str | None:
    """Senior management places any hold; those handling a case record the hold that
    its proceedings impose (a lawsuit, a regulator, the police, media): a hold only keeps
    data longer, so recording one needs no approval."""
    if actor.role is Role.SENIOR:
        return None
    if source in PROCEEDINGS and actor.role in HOLD_PROCEEDINGS_ROLES:
        return None
    if source in PROCEEDINGS:
        return f"role {actor.role} may not place a legal hold"
    return "only senior management places a legal hold of its own / 仅高级管理层可自行设置法律保全"


def lift_hold_refusal(actor: Actor) -> str | None:
    if actor.role is not Role.SENIOR:
        return "only senior management lifts a legal hold / 仅高级管理层可解除法律保全"
    return None
