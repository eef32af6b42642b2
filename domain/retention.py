"""Retention (DOMAIN section 8): every complaint record is kept at least a year; after the
policy's `retention.keep_days` a closed case's personal data is anonymised and its figures
kept, so reports over old periods still add up.

What counts as personal data, and what stays:

- anonymised: the customer's name and contact, the description, the receipt number (it
  leads to the purchase and its payment) in the register row and its JSON intake; the
  normalised contact kept for repeat grading; the free text of the case's audit entries
  (`reason`, and the text values of `data` under FREE_TEXT_KEYS: notes, findings, comments
  and replies are typed by people and may quote the customer); the bodies of its
  notifications.
- kept: case number, dates, channel, store, category, subject, grade, stage, amounts,
  people affected, requested remedy (shown in the register to everyone, so never personal),
  who did what and when, satisfaction ratings, missed deadlines: every figure of a report.
"""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

# The marker anonymised text is replaced with; migrations/006 allows exactly this value.
ANONYMISED = "[anonymised]"

# Keys of an audit entry's `data` whose text values people typed.
FREE_TEXT_KEYS = ("summary", "reason", "comment", "details", "content", "note", "text")


class RetentionPolicy(BaseModel):
    """The policy's `retention` section. Read by the retention schedule, never by a case."""

    keep_days: int = Field(
        365,
        ge=365,
        description="Days after a case closed before its personal data is anonymised;"
        " DOMAIN 8 keeps every record at least one year",
    )
    run_at_hour: int = Field(
        2, ge=0, le=23, description="Local hour (calendar time zone) of the daily retention run"
    )


def anonymise_intake(intake: dict[str, Any]) -> dict[str, Any]:
    """The intake as registered (JSON), its personal data replaced: still a valid intake."""
    out = dict(intake)
    out["description"] = ANONYMISED
    out["customer"] = {"name": ANONYMISED, "contact": ANONYMISED}
    proof = out.get("purchase_proof")
    if proof and proof.get("receipt_no"):
        out["purchase_proof"] = {**proof, "receipt_no": ANONYMISED}
    return out


# --- workflow and activity inputs -------------------------------------------------


class ApplyRetention(BaseModel):
    """The retention workflow's input, set by its daily schedule from the policy."""

    keep_days: int = Field(ge=365)
    batch_size: int = Field(200, gt=0, le=5000)


class AnonymiseExpired(BaseModel):
    closed_before: datetime
    keep_days: int
    limit: int = Field(gt=0)


class AnonymisedBatch(BaseModel):
    case_nos: list[str]


class RetentionResult(BaseModel):
    closed_before: datetime
    anonymised: int
    more_left: bool  # the run stopped at its batch limit; the next day's run goes on
