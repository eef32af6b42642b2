"""Documents that arrive after their sub-process ended (DOMAIN section 6): the police
case-filing certificate (kept long term, and a vehicle claim closes only with it) and
the insurer's final written opinion. The sub-process's workflow has closed by then, so
the case records them on the run's summary, audited as late."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel

from domain.authority import Actor
from domain.personal_data import PERSONAL
from domain.processes import (
    LABELS,
    PROCESS_ROLES,
    LateDocument,
    ProcessCommand,
    ProcessKind,
    ProcessSummary,
)
from domain.rules import Refusal, RefusalType


class LateDocumentKind(StrEnum):
    POLICE_CERTIFICATE = "police_certificate"
    INSURER_WRITTEN_OPINION = "insurer_written_opinion"


# Which sub-process each document belongs to, and who may record it (as while it ran).
PROCESS_OF = {
    LateDocumentKind.POLICE_CERTIFICATE: ProcessKind.POLICE,
    LateDocumentKind.INSURER_WRITTEN_OPINION: ProcessKind.INSURANCE,
}
_COMMAND_OF = {
    LateDocumentKind.POLICE_CERTIFICATE: ProcessCommand.POLICE_CERTIFICATE,
    LateDocumentKind.INSURER_WRITTEN_OPINION: ProcessCommand.INSURANCE_OPINION,
}
_DOCUMENTS_OF = {kind: document for document, kind in PROCESS_OF.items()}


def document_of(kind: ProcessKind) -> LateDocumentKind | None:
    """The late document a sub-process of this kind can receive, if any."""
    return _DOCUMENTS_OF.get(kind)


class RecordLateDocument(BaseModel):
    """The case's message (what its history holds): one late document of a sub-process."""

    document: LateDocumentKind
    reference: str
    note: Annotated[str | None, PERSONAL] = None
    actor: Actor


def late_document_refusal(cmd: RecordLateDocument, latest: ProcessSummary | None) -> Refusal | None:
    kind = PROCESS_OF[cmd.document]
    command = _COMMAND_OF[cmd.document]
    if cmd.actor.role not in PROCESS_ROLES[command]:
        return Refusal(
            RefusalType.ROLE_NOT_ALLOWED, f"role {cmd.actor.role} may not {command.value}"
        )
    if latest is None:
        return Refusal(RefusalType.PROCESS_NOT_OPEN, f"the case has no {LABELS[kind]}")
    if latest.open:
        return Refusal(
            RefusalType.CONDITION_NOT_MET,
            f"the {LABELS[kind]} is still open: {command.value} there",
        )
    if any(doc.document == cmd.document.value for doc in latest.late_documents):
        return Refusal(
            RefusalType.CONDITION_NOT_MET,
            f"the {cmd.document.value.replace('_', ' ')} of the {LABELS[kind]} is on record",
        )
    if cmd.document is LateDocumentKind.POLICE_CERTIFICATE and latest.certificate_no:
        return Refusal(
            RefusalType.CONDITION_NOT_MET,
            f"the police report's certificate {latest.certificate_no} is on record",
        )
    return None


def record_late(cmd: RecordLateDocument, latest: ProcessSummary, at: datetime) -> str:
    """Puts the document on the run's summary; returns the audit entry's reason."""
    latest.late_documents.append(
        LateDocument(
            document=cmd.document.value,
            reference=cmd.reference,
            recorded_by=cmd.actor.user_id,
            recorded_at=at,
        )
    )
    if cmd.document is LateDocumentKind.POLICE_CERTIFICATE:
        latest.certificate_no = cmd.reference
        what = f"case-filing certificate {cmd.reference}"
    else:
        what = f"the insurer's final written opinion {cmd.reference}"
    reason = f"{what}, received after the {LABELS[latest.kind]} ended"
    return f"{reason}: {cmd.note}" if cmd.note else reason
