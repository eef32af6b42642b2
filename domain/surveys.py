"""The satisfaction survey and re-visits (DOMAIN section 9; 001, 004; issue 19 section 5).

Every closed case is re-visited: a case whose remedy was carried out by its follow-up (the
survey's answer, or a call customer service records), within the policy's
`revisit_after_remedy` (004: 72 h); a case closed without one (not valid) within the
policy's `revisit` after closing; and each month's 20% sample by a re-visit call that
completes its follow-up task. Handlers never record a rating (DOMAIN section 8): neither
their role, nor anyone for a case they handle.
"""

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel

from domain.authority import Actor, Role
from domain.contact import CustomerLanguage
from domain.personal_data import PERSONAL
from domain.rules import Refusal, RefusalType

# Who records a re-visit call: customer service (staff) and managers; never a handler.
REVISIT_ROLES = frozenset({Role.STAFF, Role.MANAGER, Role.SENIOR})
# Who reads the list of overdue re-visits.
REVISIT_READERS = frozenset({Role.STAFF, Role.MANAGER, Role.SENIOR})
# How the survey's answer is on the audit trail: the customer, through a signed link.
CUSTOMER_ACTOR_ID = "customer"
CUSTOMER_ACTOR_ROLE = "customer"


class SurveyPurpose(StrEnum):
    """What the answer records: the follow-up visit (the remedy was carried out), or a
    re-visit of a case already closed."""

    FOLLOW_UP = "follow_up"
    REVISIT = "revisit"


class CallResult(StrEnum):
    REACHED = "reached"
    NO_ANSWER = "no_answer"
    REFUSED = "refused"  # reached, but the customer would not answer
    WRONG_NUMBER = "wrong_number"


class RevisitVia(StrEnum):
    PHONE = "phone"
    SURVEY = "survey"


class Revisit(BaseModel):
    """One re-visit of the case, as its state holds it."""

    at: datetime
    via: RevisitVia
    by: str
    call_result: CallResult
    satisfaction: int | None = None
    comment: Annotated[str | None, PERSONAL] = None


# --- workflow and activity messages (tolerant: what histories hold) -----------------


class RecordRevisit(BaseModel):
    """A re-visit call customer service made (POST /complaints/{case_no}/revisits)."""

    call_result: CallResult
    satisfaction: int | None = None
    comment: Annotated[str | None, PERSONAL] = None
    actor: Actor


class AnswerSurvey(BaseModel):
    """The customer's answer on the survey page, its link checked and claimed by the API."""

    link_id: str
    purpose: SurveyPurpose
    satisfaction: int
    comment: Annotated[str | None, PERSONAL] = None


class IssueSurveyLink(BaseModel):
    case_no: str
    link_id: str
    purpose: SurveyPurpose
    language: CustomerLanguage
    issued_at: datetime
    expires_at: datetime


class SurveyLinkIssued(BaseModel):
    # A working link is a credential to rate the case: redacted like personal data.
    url: Annotated[str, PERSONAL]
    expires_at: datetime


# --- rules ------------------------------------------------------------------------


def rating_refusal(actor: Actor, *, handler: str | None) -> Refusal | None:
    """A rating is never recorded by a handler, nor by whoever handles the case."""
    if actor.role not in REVISIT_ROLES:
        return Refusal(RefusalType.ROLE_NOT_ALLOWED, f"role {actor.role} may not record a re-visit")
    if handler is not None and actor.user_id == handler:
        return Refusal(
            RefusalType.ROLE_NOT_ALLOWED, "the case's handler may not rate their own case"
        )
    return None


def revisit_refusal(cmd: RecordRevisit, *, closed: bool) -> Refusal | None:
    if not closed:
        return Refusal(
            RefusalType.STAGE_NOT_ALLOWED,
            "a re-visit is of a closed case; record the follow-up visit first",
        )
    if cmd.call_result is CallResult.REACHED and cmd.satisfaction is None:
        return Refusal(RefusalType.CONDITION_NOT_MET, "a reached customer's satisfaction is needed")
    return None


def meets_revisit(call_result: CallResult) -> bool:
    """Only a call that reached the customer is a re-visit; the others are attempts."""
    return call_result in (CallResult.REACHED, CallResult.REFUSED)


class SampleTask(BaseModel):
    """A re-visit task of a month's sample, as the overdue list shows it."""

    task_id: str
    period: str
    case_no: str
    created_at: datetime
    due_at: datetime


def survey_language(value: str | None) -> CustomerLanguage:
    """A link's stored language, or Chinese (the default) for anything else."""
    try:
        return CustomerLanguage(value or CustomerLanguage.ZH)
    except ValueError:
        return CustomerLanguage.ZH
