"""A person's in-app inbox (`/me/notifications`) and the embedded default's local
mailbox (`/local-mailbox`, IDENTITY=demo only). docs/notifications.md."""

from datetime import datetime
from email import policy as email_policy
from email.parser import BytesParser
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi import Path as PathParam
from pydantic import BaseModel, Field

from api.deps import ActorDep, ResourcesDep
from api.errors import Problem
from api.openapi_errors import INVALID, NOT_FOUND, UNAUTHENTICATED, UNAVAILABLE
from infra.deliveries import INBOX_LIMIT, inbox_of, mark_read

router = APIRouter(
    tags=["notifications"], responses=UNAUTHENTICATED | NOT_FOUND | INVALID | UNAVAILABLE
)


class InboxEntryPublic(BaseModel):
    entry_id: int
    notification_id: str
    case_no: str
    subject: str
    body: str
    created_at: datetime
    read_at: datetime | None
    unread: bool


class InboxPublic(BaseModel):
    unread: int = Field(description="How many entries are unread (the console's bell)")
    entries: list[InboxEntryPublic] = Field(description="Unread first, newest first in each")


def _entry(row) -> InboxEntryPublic:
    return InboxEntryPublic(**dict(row), unread=row["read_at"] is None)


@router.get("/me/notifications", response_model=InboxPublic)
async def my_notifications(
    actor: ActorDep,
    resources: ResourcesDep,
    limit: Annotated[int, Query(ge=1, le=INBOX_LIMIT)] = 50,
) -> InboxPublic:
    """Everything the signed-in person was sent (by email, webhook or only here)."""
    unread, rows = await inbox_of(resources.pool, actor.user_id, limit)
    return InboxPublic(unread=unread, entries=[_entry(row) for row in rows])


@router.post("/me/notifications/{entry_id}/read", response_model=InboxEntryPublic)
async def read_notification(
    entry_id: Annotated[int, PathParam(ge=1, le=2**63 - 1)],
    actor: ActorDep,
    resources: ResourcesDep,
) -> InboxEntryPublic:
    row = await mark_read(resources.pool, actor.user_id, entry_id)
    if row is None:
        raise Problem("InboxEntryNotFound", f"you have no notification {entry_id}")
    return _entry(row)


# --- the local mailbox (make run) -----------------------------------------------------


class MailSummaryPublic(BaseModel):
    message_id: str = Field(description="The file's name under the local mailbox")
    received_at: datetime
    sender: str
    to: list[str]
    subject: str


class MailPublic(MailSummaryPublic):
    text: str


def _mailbox(resources) -> Path:
    settings = resources.settings
    if settings.identity != "demo" or settings.local_mailbox_dir is None:
        # Production has real mail servers; this is the laptop's stand-in only.
        raise Problem("NotFound", "there is no local mailbox (make run's embedded default only)")
    return settings.local_mailbox_dir


def _read_mail(path: Path, with_text: bool) -> MailPublic | MailSummaryPublic:
    mail = BytesParser(policy=email_policy.default).parse(path.open("rb"))
    fields = {
        "message_id": path.name,
        "received_at": datetime.fromtimestamp(path.stat().st_mtime).astimezone(),
        "sender": str(mail.get("From", "")),
        "to": [a.strip() for a in str(mail.get("To", "")).split(",") if a.strip()],
        "subject": str(mail.get("Subject", "")),
    }
    if not with_text:
        return MailSummaryPublic(**fields)
    part = mail.get_body(preferencelist=("plain", "html"))
    return MailPublic(**fields, text=part.get_content() if part else "")


@router.get("/local-mailbox", response_model=list[MailSummaryPublic])
async def local_mailbox(
    actor: ActorDep,
    resources: ResourcesDep,
    to: Annotated[
        str | None, Query(max_length=254, description="Only mail to this address")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[MailSummaryPublic]:
    """What the local SMTP server of `make run` received, newest first (demo users)."""
    folder = _mailbox(resources)
    files = (
        sorted(folder.glob("*.eml"), key=lambda p: p.name, reverse=True) if folder.exists() else []
    )
    found = []
    for path in files:
        mail = _read_mail(path, with_text=False)
        if to is None or any(to.casefold() in address.casefold() for address in mail.to):
            found.append(mail)
        if len(found) >= limit:
            break
    return found


@router.get("/local-mailbox/{message_id}", response_model=MailPublic)
async def local_mail(
    message_id: Annotated[str, PathParam(pattern=r"^[A-Za-z0-9_.-]+\.eml$", max_length=200)],
    actor: ActorDep,
    resources: ResourcesDep,
) -> MailPublic:
    path = _mailbox(resources) / message_id
    if not path.is_file():
        raise Problem("MailNotFound", f"no message {message_id} in the local mailbox")
    return _read_mail(path, with_text=True)
