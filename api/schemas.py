"""Response models of the HTTP API."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

from domain.grades import Grade
from domain.models import CaseStatus, Customer


class ComplaintCreated(BaseModel):
    case_no: str
    workflow_id: str
    grade: Grade
    grade_reasons: list[str]
    received_at: datetime
    replayed: bool


class ComplaintSummaryPublic(BaseModel):
    """A register row: no personal data, so any role may list cases."""

    case_no: str
    workflow_id: str
    received_at: datetime
    channel: str
    store: str
    category: str
    requested_remedy: str
    claimed_amount: Decimal
    people_affected: int
    grade: Grade
    stage: str
    escalation_level: str
    handler: str | None
    waiting_on: str
    waiting_on_who: str
    waits: list[str] = Field(
        description="Everything the case waits on (CaseWaitingOn): its stage's wait, its open"
        " sub-processes', paused clocks, a delay decision, an escalation's acknowledgement"
    )
    next_deadline: str | None
    next_deadline_at: datetime | None
    overdue: bool
    reopen_count: int
    closed_at: datetime | None
    department: str | None = Field(None, description="The responsible department (routing)")


class DeliveryPublic(BaseModel):
    """One channel of a notice (docs/notifications.md)."""

    channel: str
    destination: str = Field(description="An address, a webhook's name, or `customer`")
    state: str = Field(description="queued, retrying, sent, skipped or dead")
    attempts: int
    last_error: str | None = Field(description="Why the last try failed, or why skipped")
    next_attempt_at: datetime | None
    sent_at: datetime | None


class NotificationPublic(BaseModel):
    notification_id: str
    recipient: str
    subject: str
    created_at: datetime
    state: str = Field(
        description="queued (not yet resolved or sent), sent (every delivery sent or"
        " skipped), failed (a delivery retrying), dead (a delivery dead-lettered), resent"
    )
    resent_as: str | None
    deliveries: list[DeliveryPublic]


class ComplaintPublic(BaseModel):
    summary: ComplaintSummaryPublic
    description: str
    customer: Customer | None
    status: CaseStatus
    notifications: list[NotificationPublic] | None = Field(
        None, description="Delivery state of the case's notices, for roles that look after them"
    )


class AuditEventPublic(BaseModel):
    at: datetime
    actor_id: str
    actor_role: str
    action: str
    reason: str
    data: dict[str, Any]
    process: str | None = None


class ReportPendingPublic(BaseModel):
    """A report still being produced after the API stopped waiting (202)."""

    detail: str
    workflow_id: str


class HealthPublic(BaseModel):
    database: str
    temporal: str
    worker: str = Field(
        description="ok when a worker polls the case task queue, as Temporal lists its pollers"
    )
