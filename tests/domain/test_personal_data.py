"""Which fields are customer personal data is declared once, on the models
(domain/personal_data.py); the codec server's redaction follows from it."""

import typing
from datetime import UTC, datetime
from typing import Annotated

import pytest
from pydantic import BaseModel

from domain.authority import Actor, Role
from domain.clocks import Pause
from domain.delays import DelayRequest
from domain.insurance import InsuranceClaimRecord, RecordDocuments
from domain.mediation import MediationRecord, RecordReply
from domain.models import (
    Acknowledge,
    AddNote,
    AuditEntry,
    CaseStatus,
    ComplaintStart,
    Customer,
    DecideApproval,
    HistoryEntry,
    Intake,
    Notification,
    ProcessEvent,
    Proposal,
    RecordFindings,
    RecordFollowUp,
    ReportExposure,
    SignedAgreement,
)
from domain.personal_data import PERSONAL, REDACTED, Catalogue, personal_fields, scrub_message
from domain.police import PoliceReportRecord, RecordForensicAssessment, RecordPoliceCall
from domain.processes import EndProcess, ProcessStart, ProcessSummary
from worker import payload_models, personal_data_catalogue

# Every field of a workflow-facing model that holds the customer, the description or a
# person's free text about the case.
PERSONAL_FIELDS: dict[type[BaseModel], set[str]] = {
    Customer: {"name", "contact"},
    Intake: {"description"},
    Acknowledge: {"note"},
    AddNote: {"text"},
    RecordFindings: {"summary", "reason"},
    DecideApproval: {"comment"},
    RecordFollowUp: {"comment"},
    ReportExposure: {"detail"},
    HistoryEntry: {"detail"},
    AuditEntry: {"reason"},
    Notification: {"body"},
    Proposal: {"details"},
    SignedAgreement: {"terms"},
    CaseStatus: {"closed_reason"},
    Pause: {"note"},
    DelayRequest: {"reason", "comment", "dispute_reason"},
    ProcessStart: {"reason"},
    EndProcess: {"reason"},
    ProcessSummary: {"outcome"},
    RecordDocuments: {"note"},
    InsuranceClaimRecord: {"advance_exception_reason"},
    RecordPoliceCall: {"reported_by"},
    RecordForensicAssessment: {"result"},
    PoliceReportRecord: {"reported_by", "outcome"},
    RecordReply: {"content"},
    MediationRecord: {"terms"},
}

ACTOR = Actor(user_id="staff.li", role=Role.STAFF, level="handler", stores=["Shanghai Pudong"])
NOW = datetime(2026, 11, 30, 2, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return personal_data_catalogue()


@pytest.mark.parametrize("model", list(PERSONAL_FIELDS), ids=lambda model: model.__name__)
def test_the_customer_and_free_text_are_marked_personal(model: type[BaseModel]) -> None:
    assert PERSONAL_FIELDS[model] <= personal_fields(model)


def test_every_workflow_facing_model_is_in_the_catalogue(catalogue: Catalogue) -> None:
    models = set(catalogue.models)
    assert set(PERSONAL_FIELDS) <= models
    assert {ComplaintStart, CaseStatus, ProcessEvent, AddNote} <= payload_models()


def test_every_long_free_text_field_is_marked_personal(catalogue: Catalogue) -> None:
    """A string a person may write a paragraph into can name the customer: a new one
    that is not marked fails here."""
    unmarked = []
    for model in catalogue.models:
        for name, info in model.model_fields.items():
            if str not in _leaf_types(info.annotation):
                continue
            limits = [getattr(item, "max_length", None) for item in info.metadata]
            if any(limit and limit >= 1000 for limit in limits) and name not in personal_fields(
                model
            ):
                unmarked.append(f"{model.__module__}.{model.__qualname__}.{name}")
    assert not unmarked


def _leaf_types(annotation: object) -> set[object]:
    args = typing.get_args(annotation)
    return {annotation} if not args else set().union(*(_leaf_types(arg) for arg in args))


def test_an_intake_is_redacted_by_its_models(catalogue: Catalogue) -> None:
    intake = {
        "channel": "walk_in",
        "store": "Shanghai Pudong",
        "category": "personal_injury",
        "description": "Ouyang Nana slipped in aisle 14",
        "requested_remedy": "refund",
        "customer": {"name": "Ouyang Nana", "contact": "+86 139 5550 1234"},
        "subject": "aisle 14 floor",
    }
    redacted = catalogue.redact({"case_no": "202611-0001", "intake": intake, "grade": "A"})
    assert redacted["intake"]["customer"] == {"name": REDACTED, "contact": REDACTED}
    assert redacted["intake"]["description"] == REDACTED
    assert redacted["intake"]["store"] == "Shanghai Pudong"
    assert redacted["intake"]["subject"] == "aisle 14 floor"
    assert redacted["case_no"] == "202611-0001"


def test_a_case_event_keeps_what_happened_and_loses_what_was_typed(
    catalogue: Catalogue,
) -> None:
    audit = AuditEntry(
        event_id="e-1",
        at=NOW,
        actor_id="staff.li",
        actor_role="staff",
        action="note_added",
        reason="Ouyang Nana called back",
        data={"contact": "on_site_manager", "proposal": 1},
    )
    redacted = catalogue.redact(audit.model_dump(mode="json"))
    assert redacted["action"] == "note_added"
    assert redacted["reason"] == REDACTED
    # `data` is a plain dict: any key a model marks personal goes, the rest stays.
    assert redacted["data"] == {"contact": REDACTED, "proposal": 1}


def test_a_sub_process_record_kept_as_a_dict_is_redacted_by_its_model(
    catalogue: Catalogue,
) -> None:
    record = PoliceReportRecord(reported_by="Ouyang Nana", station="Pudong", outcome="filed")
    summary = ProcessSummary(
        kind="police",
        workflow_id="complaint-202611-0001-police",
        stage="reported",
        waiting_on="police",
        started_at=NOW,
    )
    event = ProcessEvent(
        case_no="202611-0001",
        kind="police",
        audit=AuditEntry(
            event_id="e-2", at=NOW, actor_id="staff.li", actor_role="staff", action="reported"
        ),
        summary=summary,
        record=record.model_dump(mode="json"),
    )
    redacted = catalogue.redact(event.model_dump(mode="json"))
    assert redacted["record"]["reported_by"] == REDACTED
    assert redacted["record"]["outcome"] == REDACTED
    assert redacted["record"]["station"] == "Pudong"
    assert redacted["summary"]["stage"] == "reported"


def test_unset_fields_and_plain_sentences_stay(catalogue: Catalogue) -> None:
    sentence = "Waiting for manager approval since 2026-11-30 10:12 CST."
    assert catalogue.redact(sentence) == sentence
    note = AddNote(text="x", actor=ACTOR).model_dump(mode="json") | {"text": ""}
    assert catalogue.redact(note)["text"] == ""
    assert catalogue.redact([{"name": "Liu Yang", "contact": "1"}]) == [
        {"name": REDACTED, "contact": REDACTED}
    ]


def test_a_new_personal_field_is_redacted_by_its_mark_alone() -> None:
    class WitnessStatement(BaseModel):
        witness: Annotated[str, PERSONAL]
        aisle: int

    redacted = Catalogue([WitnessStatement]).redact({"witness": "Mr Zhou", "aisle": 14})
    assert redacted == {"witness": REDACTED, "aisle": 14}


def test_validation_errors_lose_the_inputs_they_quote() -> None:
    message = "1 validation error for Customer\nname\n  String too long [input_value='Ouyang Nana']"
    assert "Ouyang" not in scrub_message(message)
    assert "String too long" in scrub_message(message)
