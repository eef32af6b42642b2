"""What a user may do on a case, and the small form of each command.

Which commands a user may send in a stage is the API's own rule, `domain.rules.refusal_for`
(the workflow's validators and the API's checks use it too): the console offers exactly
the commands it does not refuse. Where each command is posted is the API's route table
(`api.commands.COMMAND_PAIRS`). What waits on whom (My work) is read from the same rule:
a case waits on a user when the command its wait asks for is one they may send.

A new command's form is one entry of FORMS; a new field kind is one branch of the
`field` macro (templates/components.html).
"""

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from api.commands import COMMAND_PAIRS
from api.console.i18n import N_
from domain.authority import Actor, Level, rank
from domain.clocks import PauseReason
from domain.crisis import CrisisLevel
from domain.evidence import HoldSource, lift_hold_refusal, may_upload, place_hold_refusal
from domain.grades import Grade
from domain.incidents import Incident
from domain.insurance import DocumentKind
from domain.legal import JudgmentStatus, LegalDocumentKind
from domain.lifecycle import CaseWait, Command, Stage
from domain.mediation import ReplyForm
from domain.models import ExposureKind, Liability, RemedyKind
from domain.policy import DeadlineName
from domain.processes import (
    ProcessCommand,
    ProcessKind,
    ProcessSummary,
    process_refusal,
    supplier_claim_refusal,
)
from domain.quality import DefectCause, LabVerdict
from domain.routing import responsible_change_refusal
from domain.rules import refusal_for
from domain.settlement import Consent
from domain.surveys import CallResult, rating_refusal

# The command each wait asks for: whoever may send it is who the case waits on.
STEP_COMMAND: dict[CaseWait, Command] = {
    CaseWait.ACKNOWLEDGEMENT: Command.ACKNOWLEDGE,
    CaseWait.DEPARTMENT_FINDINGS: Command.RECORD_FINDINGS,
    CaseWait.REMEDY_PROPOSAL: Command.PROPOSE_REMEDY,
    CaseWait.MANAGER_APPROVAL: Command.DECIDE_APPROVAL,
    CaseWait.CUSTOMER_CONSENT: Command.RECORD_CUSTOMER_RESPONSE,
    CaseWait.REMEDY_EXECUTION: Command.RECORD_RESOLUTION,
    CaseWait.FOLLOW_UP_VISIT: Command.RECORD_FOLLOW_UP,
    CaseWait.DELAY_DECISION_CUSTOMER_SERVICE: Command.DECIDE_DELAY,
    CaseWait.DELAY_DECISION_GENERAL_MANAGER: Command.DECIDE_DELAY,
    CaseWait.DELAY_DECISION_HANDLER: Command.DECIDE_DELAY,
    CaseWait.ESCALATION_ACKNOWLEDGEMENT: Command.ACKNOWLEDGE_ESCALATION,
}


def allowed_commands(stage: Stage, actor: Actor) -> list[Command]:
    """The commands `actor` may send a case in `stage`, as the API decides it."""
    return [
        command
        for command in Command
        if refusal_for(command, stage=stage, actor=actor) is None and command in FORMS
    ]


def may_send(command: Command, stage: Stage, actor: Actor) -> bool:
    return refusal_for(command, stage=stage, actor=actor) is None


def api_path(command: "Command | CaseAction") -> str:
    """The API route of a command (its update's name is the command's); a case action
    that is no update of the case (witnesses, legal holds) names its own route."""
    form = form_of(command.value)
    if form is not None and form.path:
        return form.path
    for pair in COMMAND_PAIRS:
        if pair.update.__name__ == command.value and not pair.fixed:
            return pair.path
    raise KeyError(command)


@dataclass(frozen=True)
class Field:
    """One input of a command's form. `kind`: text, textarea, select (of `choices`, an
    enum the labels translate), yesno, money, number (1..`top`), date, decision (the
    form's submit buttons: yes and no)."""

    name: str
    label: str
    kind: str = "text"
    required: bool = False
    choices: type[StrEnum] | None = None
    top: int = 0
    yes: str = N_("Yes")
    no: str = N_("No")
    options: str = ""  # kind "option": a choice list of the policy's (`option_sets`)

    def to_json(self, raw: "str | list[str] | None") -> Any:
        """The form's text as the API body's value; None leaves the field out. A
        `multiselect` takes the list of values checked; a `datetime` is the store's local
        time, given its offset by the page (`CommandForm.body`'s `zone`)."""
        if self.kind == "multiselect":
            return list(raw) if raw else None
        if self.kind == "lines":  # one item a line (issue 16: enclosures)
            text = raw[-1] if isinstance(raw, list) else raw
            return [line.strip() for line in (text or "").splitlines() if line.strip()]
        if isinstance(raw, list):
            raw = raw[-1] if raw else None
        if raw is None or (raw == "" and self.kind not in ("text", "textarea")):
            return None
        if raw == "" and not self.required:
            return None
        if self.kind in ("yesno", "decision"):
            return {"true": True, "false": False}.get(raw, raw)
        if self.kind == "number":
            try:
                return int(raw)
            except ValueError:
                return raw
        return raw


class CaseAction(StrEnum):
    """What the console sends about a case besides the domain's `Command`s: the API's
    other routes of a case (issue 19's desk rules, re-visits, witnesses, legal holds).
    Who sees each form is the domain's own rule for it (`action_shown`); the API decides
    again when it arrives."""

    CHANGE_RESPONSIBLE = "change_responsible"
    DECIDE_HOSPITAL = "decide_hospital"
    DECIDE_ADVANCE = "decide_advance"
    RECORD_CORRECTIVE_ACTION = "record_corrective_action"
    COMPLETE_CORRECTIVE_ACTION = "complete_corrective_action"
    RECORD_REVISIT = "record_revisit"
    ADD_WITNESS = "add_witness"
    PLACE_HOLD = "place_hold"
    LIFT_HOLD = "lift_hold"
    START_INSURANCE_CLAIM = "start_insurance_claim"
    START_POLICE_REPORT = "start_police_report"
    START_MEDIATION = "start_mediation"
    WITHDRAW_PROCESS = "withdraw_process"
    # Issue 16: quality inspection and supplier claim, and their messages.
    START_QUALITY_INSPECTION = "start_quality_inspection"
    START_SUPPLIER_CLAIM = "start_supplier_claim"
    REQUEST_LAB_TRIP = "request_lab_trip"
    APPROVE_LAB_TRIP = "approve_lab_trip"
    START_LAB_TRIP = "start_lab_trip"
    RECORD_LAB_RESULT = "record_lab_result"
    RECORD_QUALITY_RULING = "record_quality_ruling"
    SEND_SUPPLIER_NOTICE = "send_supplier_notice"
    PULL_FROM_SALE = "pull_from_sale"
    RETURN_GOODS = "return_goods"
    ASK_COMPENSATION = "ask_compensation"
    RECORD_COMPENSATION = "record_compensation"
    RECORD_SUPPLIER_REFUSAL = "record_supplier_refusal"
    # Issue 16: legal documents, the lawsuit, the regulator (panels/legal.html).
    START_LEGAL_DOCUMENTS = "start_legal_documents"
    START_LAWSUIT = "start_lawsuit"
    START_REGULATOR_INQUIRY = "start_regulator_inquiry"
    LAWYER_LETTER = "lawyer_letter"
    ANSWER_LAWYER_LETTER = "answer_lawyer_letter"
    OFFICIAL_PAPERS = "official_papers"
    SENIOR_INFORMED = "senior_informed"
    SIGN_PAPERS = "sign_papers"
    LAWSUIT_HEARING = "lawsuit_hearing"
    LAWSUIT_JUDGMENT = "lawsuit_judgment"
    LAWSUIT_EXECUTION = "lawsuit_execution"
    REGULATOR_WRITTEN_APPROVAL = "regulator_written_approval"
    REGULATOR_ANSWER = "regulator_answer"
    REGULATOR_CONCLUSION = "regulator_conclusion"


@dataclass(frozen=True)
class CommandForm:
    command: "Command | CaseAction"
    fields: tuple[Field, ...] = field(default_factory=tuple)
    submit: str = N_("Send")
    # The API route under /complaints/{case_no}/ when it is not the update's (COMMAND_PAIRS);
    # `{name}` is a hidden field's value (a legal hold's id).
    path: str = ""

    @property
    def enum(self) -> type[StrEnum]:
        return type(self.command)

    @property
    def decision(self) -> Field | None:
        return next((f for f in self.fields if f.kind == "decision"), None)

    @property
    def has_moments(self) -> bool:
        return any(f.kind == "datetime" for f in self.fields)

    def body(self, form: dict[str, Any], zone: str | None = None) -> dict[str, Any]:
        body = {}
        for f in self.fields:
            if f.kind == "hidden":
                continue  # part of the route, not the body
            value = f.to_json(form.get(f.name))
            if value is not None and f.kind == "datetime" and zone:
                value = _with_offset(value, zone)
            if value is not None:
                body[f.name] = value
        return body

    def route(self, form: dict[str, Any]) -> str:
        from urllib.parse import quote

        path = api_path(self.command)
        for f in self.fields:
            if f.kind == "hidden":
                raw = str(form.get(f.name) or "")
                if not _ROUTE_PART.fullmatch(raw):  # an id or a slug, never a path
                    raw = "-"
                path = path.replace("{" + f.name + "}", quote(raw, safe=""))
        return path


_ROUTE_PART = re.compile(r"[A-Za-z0-9-]{1,64}")


def _with_offset(local: str, zone: str) -> str:
    """A `datetime-local` input's value as a moment with the store's offset."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    try:
        moment = datetime.fromisoformat(local)
    except ValueError:
        return local  # the API names the field
    return moment.replace(tzinfo=moment.tzinfo or ZoneInfo(zone)).isoformat()


_REASON = Field("reason", N_("Reason"), "textarea", required=True)

# --- issue 16: legal documents, the lawsuit, the regulator (docs/legal-and-regulator.md) ---

_NUMBER = Field("number", N_("Document number"), "number", True, top=20)
LEGAL_FORMS = (
    CommandForm(
        CaseAction.START_LEGAL_DOCUMENTS,
        (_REASON,),
        N_("Open the record of legal documents"),
        path="legal-documents",
    ),
    CommandForm(
        CaseAction.START_LAWSUIT,
        (
            Field("court", N_("Court"), "text", required=True),
            Field("court_case_no", N_("Court case number"), "text", required=True),
            Field("filed_on", N_("Filed on"), "date", True),
            Field("claim", N_("What the plaintiff claims"), "textarea", True),
            Field("claimed_amount", N_("Amount claimed (CNY)"), "money"),
        ),
        N_("Record the lawsuit"),
        path="lawsuit",
    ),
    CommandForm(
        CaseAction.START_REGULATOR_INQUIRY,
        (
            Field("regulator", N_("Market regulator"), "text", required=True),
            Field("official_letter_ref", N_("Official letter reference"), "text", True),
            Field("visitor", N_("Visitor"), "text", required=True),
            Field("visitor_identity_checked", N_("Visitor's official ID checked"), "yesno", True),
            Field("questions", N_("Questions asked"), "textarea"),
        ),
        N_("Record the regulator's inquiry"),
        path="regulator-inquiry",
    ),
    CommandForm(
        CaseAction.LAWYER_LETTER,
        (
            Field("sender", N_("Law firm and lawyer"), "text", required=True),
            Field("on_behalf_of", N_("On behalf of"), "text"),
            Field(
                "left",
                N_("Left at the desk (never signed for)"),
                "yesno",
                True,
                yes=N_("Left, not signed for"),
                no=N_("Taken back"),
            ),
            Field("summary", N_("What it demands"), "textarea"),
        ),
        N_("Record the lawyer's letter"),
        path="legal-documents/lawyer-letter",
    ),
    CommandForm(
        CaseAction.ANSWER_LAWYER_LETTER,
        (
            _NUMBER,
            Field("answer_ref", N_("Answer reference"), "text", True),
            Field("summary", N_("Answer"), "textarea"),
        ),
        N_("Record the answer"),
        path="legal-documents/lawyer-letter-answer",
    ),
    CommandForm(
        CaseAction.OFFICIAL_PAPERS,
        (
            Field("issuer", N_("Served by"), "select", True, LegalDocumentKind),
            Field("title", N_("Title"), "text", required=True),
            Field("reference", N_("Reference"), "text"),
            Field("bearer", N_("Bearer"), "text", required=True),
            Field("bearer_identity_checked", N_("Bearer's official ID checked"), "yesno", True),
            Field("company_name_matches", N_("Company name exactly ours"), "yesno", True),
            Field("enclosures_listed", N_("Enclosures listed (one a line)"), "lines"),
        ),
        N_("Record the papers served"),
        path="legal-documents/papers",
    ),
    CommandForm(
        CaseAction.SENIOR_INFORMED,
        (_NUMBER, Field("informed", N_("Whom, and how"), "text", required=True)),
        N_("Record that senior management was told"),
        path="legal-documents/senior-informed",
    ),
    CommandForm(
        CaseAction.SIGN_PAPERS,
        (
            _NUMBER,
            Field("signed_by", N_("Designated person signing"), "text", required=True),
            Field(
                "original",
                N_("Originals"),
                "yesno",
                True,
                yes=N_("Originals"),
                no=N_("A copy"),
            ),
            Field("enclosures_received", N_("Enclosures received (one a line)"), "lines"),
        ),
        N_("Sign for the papers"),
        path="legal-documents/signature",
    ),
    CommandForm(
        CaseAction.LAWSUIT_HEARING,
        (
            Field("at", N_("Hearing at"), "datetime", True),
            Field("place", N_("Place"), "text", required=True),
        ),
        N_("Schedule the hearing"),
        path="lawsuit/hearings",
    ),
    CommandForm(
        CaseAction.LAWSUIT_JUDGMENT,
        (
            Field("judgment_ref", N_("Judgment reference"), "text", required=True),
            Field("judged_on", N_("Judged on"), "date", True),
            Field("status", N_("Judgment"), "select", True, JudgmentStatus),
            Field("orders_amount", N_("Amount it orders the company to pay (CNY)"), "money"),
            Field("pay_by", N_("To be paid by (if the judgment names a date)"), "date"),
            Field("summary", N_("Summary"), "textarea"),
        ),
        N_("Record the judgment"),
        path="lawsuit/judgment",
    ),
    CommandForm(
        CaseAction.LAWSUIT_EXECUTION,
        (
            Field("payment_ref", N_("Payment reference"), "text", required=True),
            Field("amount", N_("Amount paid (CNY)"), "money", True),
        ),
        N_("Record the judgment carried out"),
        path="lawsuit/execution",
    ),
    CommandForm(
        CaseAction.REGULATOR_WRITTEN_APPROVAL,
        (Field("comment", N_("Comment"), "textarea", True),),
        N_("Approve the written reply"),
        path="regulator-inquiry/written-reply-approval",
    ),
    CommandForm(
        CaseAction.REGULATOR_ANSWER,
        (
            Field("form", N_("Form"), "select", True, ReplyForm),
            Field("content", N_("Answer"), "textarea", True),
            Field("department", N_("Answering department"), "text", required=True),
        ),
        N_("Record the answer"),
        path="regulator-inquiry/answers",
    ),
    CommandForm(
        CaseAction.REGULATOR_CONCLUSION,
        (Field("conclusion", N_("Conclusion"), "textarea", True),),
        N_("Record the conclusion"),
        path="regulator-inquiry/conclusion",
    ),
)
# A message to an open sub-process: its kind, the domain's command, and (if not any)
# the stages it is sent in.
LEGAL_MESSAGES: dict["CaseAction", tuple[ProcessKind, ProcessCommand, tuple[str, ...]]] = {
    CaseAction.LAWYER_LETTER: (ProcessKind.LEGAL_DOCUMENTS, ProcessCommand.LAWYER_LETTER, ()),
    CaseAction.ANSWER_LAWYER_LETTER: (
        ProcessKind.LEGAL_DOCUMENTS,
        ProcessCommand.ANSWER_LAWYER_LETTER,
        (),
    ),
    CaseAction.OFFICIAL_PAPERS: (ProcessKind.LEGAL_DOCUMENTS, ProcessCommand.OFFICIAL_PAPERS, ()),
    CaseAction.SENIOR_INFORMED: (ProcessKind.LEGAL_DOCUMENTS, ProcessCommand.SENIOR_INFORMED, ()),
    CaseAction.SIGN_PAPERS: (ProcessKind.LEGAL_DOCUMENTS, ProcessCommand.SIGN_PAPERS, ()),
    CaseAction.LAWSUIT_HEARING: (
        ProcessKind.LAWSUIT,
        ProcessCommand.LAWSUIT_HEARING,
        ("filed", "hearings", "appealed"),
    ),
    CaseAction.LAWSUIT_JUDGMENT: (
        ProcessKind.LAWSUIT,
        ProcessCommand.LAWSUIT_JUDGMENT,
        ("filed", "hearings", "appealed"),
    ),
    CaseAction.LAWSUIT_EXECUTION: (
        ProcessKind.LAWSUIT,
        ProcessCommand.LAWSUIT_EXECUTION,
        ("execution",),
    ),
    CaseAction.REGULATOR_WRITTEN_APPROVAL: (
        ProcessKind.REGULATOR,
        ProcessCommand.REGULATOR_WRITTEN_APPROVAL,
        (),
    ),
    CaseAction.REGULATOR_ANSWER: (ProcessKind.REGULATOR, ProcessCommand.REGULATOR_ANSWER, ()),
    CaseAction.REGULATOR_CONCLUSION: (
        ProcessKind.REGULATOR,
        ProcessCommand.REGULATOR_CONCLUSION,
        (),
    ),
}


def legal_action_shown(action: "CaseAction", status: dict[str, Any], actor: Actor) -> bool:
    """Shown while its sub-process is open (in its stages), to the roles that may send it."""
    kind, command, stages = LEGAL_MESSAGES[action]
    running = next(
        (p for p in status.get("processes", []) if p["kind"] == kind and p["open"]), None
    )
    if running is None or (stages and running["stage"] not in stages):
        return False
    return process_refusal(command, actor=actor, open=True) is None


FORMS: dict[Command, CommandForm] = {
    form.command: form
    for form in (
        CommandForm(
            Command.ACKNOWLEDGE,
            (Field("note", N_("Note"), "textarea"),),
            N_("Acknowledge"),
        ),
        CommandForm(
            Command.RECORD_FINDINGS,
            (
                Field("valid", N_("Is the complaint valid?"), "yesno", required=True),
                Field("liability", N_("Liability"), "select", True, Liability),
                Field("summary", N_("Findings"), "textarea", required=True),
                Field("reason", N_("Why not valid"), "textarea"),
                Field("cause", N_("Cause"), "option", options="causes"),
                Field("responsible_unit", N_("Responsible unit"), "text"),
            ),
            N_("Record findings"),
        ),
        CommandForm(
            Command.PROPOSE_REMEDY,
            (
                Field("kind", N_("Remedy"), "select", True, RemedyKind),
                Field("amount", N_("Amount (CNY)"), "money", required=True),
                Field("details", N_("Details"), "textarea", required=True),
            ),
            N_("Propose"),
        ),
        CommandForm(
            Command.DECIDE_APPROVAL,
            (
                Field("comment", N_("Comment"), "textarea", required=True),
                Field(
                    "approve", N_("Decision"), "decision", True, yes=N_("Approve"), no=N_("Refuse")
                ),
            ),
        ),
        CommandForm(
            Command.RECORD_CUSTOMER_RESPONSE,
            (
                Field("accepted", N_("Did the customer accept?"), "yesno", required=True),
                Field("agreement_ref", N_("Agreement reference"), "text"),
                Field("reason", N_("Why the customer refused"), "textarea"),
            ),
            N_("Record the answer"),
        ),
        CommandForm(
            Command.RECORD_RESOLUTION,
            (Field("summary", N_("What was done"), "textarea", required=True),),
            N_("Record the resolution"),
        ),
        CommandForm(
            Command.RECORD_FOLLOW_UP,
            (
                Field("satisfaction", N_("Satisfaction (1 to 5)"), "number", True, top=5),
                Field("comment", N_("Comment"), "textarea"),
            ),
            N_("Record the follow-up"),
        ),
        CommandForm(Command.REOPEN, (_REASON,), N_("Reopen")),
        CommandForm(Command.ESCALATE, (_REASON,), N_("Escalate")),
        CommandForm(
            Command.ADD_NOTE,
            (Field("text", N_("Note"), "textarea", required=True),),
            N_("Add the note"),
        ),
        CommandForm(
            Command.REASSIGN_HANDLER,
            (Field("handler", N_("New handler's user id"), "text", required=True), _REASON),
            N_("Reassign"),
        ),
        CommandForm(
            Command.PAUSE_CLOCKS,
            (
                Field("reason", N_("Waiting on"), "select", True, PauseReason),
                Field("note", N_("Note"), "textarea", required=True),
            ),
            N_("Pause"),
        ),
        CommandForm(Command.RESUME_CLOCKS, (Field("note", N_("Note"), "textarea"),), N_("Resume")),
        CommandForm(
            Command.REQUEST_DELAY,
            (
                Field("deadline", N_("Deadline"), "select", True, DeadlineName),
                Field("new_due_on", N_("New last day"), "date", required=True),
                _REASON,
            ),
            N_("Request the delay"),
        ),
        CommandForm(
            Command.DECIDE_DELAY,
            (
                Field("comment", N_("Comment"), "textarea", required=True),
                Field(
                    "accept", N_("Decision"), "decision", True, yes=N_("Accept"), no=N_("Refuse")
                ),
            ),
        ),
        CommandForm(
            Command.CHANGE_GRADE,
            (Field("grade", N_("Grade"), "select", True, Grade), _REASON),
            N_("Change the grade"),
        ),
        CommandForm(
            Command.REPORT_EXPOSURE,
            (
                Field("kind", N_("Exposure"), "select", True, ExposureKind),
                Field("detail", N_("Detail"), "textarea", required=True),
            ),
            N_("Report"),
        ),
        CommandForm(
            Command.DECLARE_CRISIS,
            (Field("level", N_("Crisis level"), "select", True, CrisisLevel), _REASON),
            N_("Declare"),
        ),
        CommandForm(
            Command.START_STATUTORY_CLOCK,
            (
                Field("clock", N_("Clock"), "select", True, DeadlineName),
                Field("due_on", N_("Last day set by the authority"), "date"),
                Field("reference", N_("Reference"), "text"),
            ),
            N_("Start the clock"),
        ),
        CommandForm(
            Command.SETTLE_STATUTORY_CLOCK,
            (
                Field("clock", N_("Clock"), "select", True, DeadlineName),
                Field("note", N_("Note"), "textarea", required=True),
            ),
            N_("Settle the clock"),
        ),
        CommandForm(
            Command.ACKNOWLEDGE_ESCALATION,
            (Field("note", N_("Note"), "textarea"),),
            N_("Acknowledge the escalation"),
        ),
        CommandForm(
            Command.RECORD_ATTENDANCE,
            (Field("note", N_("Note"), "textarea", required=True),),
            N_("Record attendance"),
        ),
        CommandForm(
            Command.SETTLE_ON_THE_SPOT,
            (
                Field("kind", N_("Remedy"), "select", True, RemedyKind),
                Field("amount", N_("Amount (CNY)"), "money"),
                Field("given", N_("What the customer was given"), "textarea", required=True),
                Field("consent", N_("The customer's consent"), "select", True, Consent),
                Field("agreement_ref", N_("Agreement reference"), "text"),
                Field("court_judgment_ref", N_("Court judgment reference"), "text"),
            ),
            N_("Settle on the spot"),
        ),
        CommandForm(
            Command.PROMISE_COMPLETION,
            (
                Field("promised_by", N_("Done by"), "datetime", required=True),
                Field("note", N_("Note"), "textarea"),
            ),
            N_("Promise the date"),
        ),
    )
}

MORE_FORMS: dict[CaseAction, CommandForm] = {
    form.command: form
    for form in (
        CommandForm(
            CaseAction.CHANGE_RESPONSIBLE,
            (Field("person", N_("New responsible person's user id"), "text", True), _REASON),
            N_("Change the responsible person"),
        ),
        CommandForm(
            CaseAction.DECIDE_HOSPITAL,
            (
                Field("accompanied_by", N_("Who goes with the customer"), "text"),
                Field("neither_reason", N_("Why nobody goes (liability doubtful)"), "textarea"),
            ),
            N_("Record the decision"),
        ),
        CommandForm(
            CaseAction.DECIDE_ADVANCE,
            (
                Field("amount", N_("Advance (CNY)"), "money"),
                Field(
                    "documents", N_("Against the originals of"), "multiselect", False, DocumentKind
                ),
                Field("neither_reason", N_("Why no advance"), "textarea"),
            ),
            N_("Record the decision"),
        ),
        CommandForm(
            CaseAction.RECORD_CORRECTIVE_ACTION,
            (
                Field("what", N_("What"), "textarea", required=True),
                Field("why", N_("Why"), "textarea", required=True),
                Field("who", N_("Who (user id)"), "text", required=True),
                Field("where", N_("Where"), "text", required=True),
                Field("due_by", N_("When (due by)"), "datetime", required=True),
                Field("how", N_("How"), "textarea", required=True),
                Field("how_much", N_("How much (CNY)"), "money"),
            ),
            N_("Set the corrective action"),
        ),
        CommandForm(
            CaseAction.COMPLETE_CORRECTIVE_ACTION,
            (Field("note", N_("What was done"), "textarea", required=True),),
            N_("Mark it done"),
        ),
        CommandForm(
            CaseAction.RECORD_REVISIT,
            (
                Field("call_result", N_("Call result"), "select", True, CallResult),
                Field("satisfaction", N_("Satisfaction (1 to 5)"), "number", top=5),
                Field("comment", N_("Comment"), "textarea"),
            ),
            N_("Record the re-visit"),
        ),
        CommandForm(
            CaseAction.ADD_WITNESS,
            (
                Field("name", N_("Witness's name"), "text", required=True),
                Field("phone", N_("Phone"), "text"),
                Field("saw", N_("What they saw"), "textarea"),
                Field(
                    "statement_evidence_id",
                    N_("Their written statement"),
                    "option",
                    options="statements",
                ),
            ),
            N_("Record the witness"),
            path="witnesses",
        ),
        CommandForm(
            CaseAction.PLACE_HOLD,
            (
                Field("source", N_("Kept because of"), "select", True, HoldSource),
                Field("reference", N_("Reference"), "text"),
                _REASON,
            ),
            N_("Place the legal hold"),
            path="holds",
        ),
        CommandForm(
            CaseAction.LIFT_HOLD,
            (Field("hold_id", "", "hidden", True), _REASON),
            N_("Lift the legal hold"),
            path="holds/{hold_id}/lift",
        ),
        CommandForm(
            CaseAction.START_INSURANCE_CLAIM,
            (_REASON, Field("insurer", N_("Insurer"), "text")),
            N_("Start the insurance claim"),
            path="insurance-claim",
        ),
        CommandForm(
            CaseAction.START_POLICE_REPORT,
            (_REASON, Field("incident", N_("Incident"), "select", False, Incident)),
            N_("Record the police report"),
            path="police-report",
        ),
        CommandForm(
            CaseAction.START_MEDIATION,
            (
                Field("association", N_("Consumer association"), "text", required=True),
                Field("notice_ref", N_("Notice reference"), "text", required=True),
                Field("accepted_on", N_("Accepted by the association on"), "date", True),
            ),
            N_("Record the mediation notice"),
            path="mediation",
        ),
        CommandForm(
            CaseAction.WITHDRAW_PROCESS,
            (Field("slug", "", "hidden", True), _REASON),
            N_("Withdraw"),
            path="{slug}/withdraw",
        ),
        # --- issue 16: quality inspection and supplier claim -----------------------------
        CommandForm(
            CaseAction.START_QUALITY_INSPECTION,
            (Field("question", N_("What quality control is to rule on"), "textarea", True),),
            N_("Ask quality control"),
            path="quality-inspection",
        ),
        CommandForm(
            CaseAction.START_SUPPLIER_CLAIM,
            (Field("supplier", N_("Supplier"), "text", required=True), _REASON),
            N_("Report to purchasing"),
            path="supplier-claim",
        ),
        CommandForm(
            CaseAction.REQUEST_LAB_TRIP,
            (Field("lab", N_("Outside test lab"), "text", required=True), _REASON),
            N_("Request the trip"),
            path="quality-inspection/lab-trip",
        ),
        CommandForm(
            CaseAction.APPROVE_LAB_TRIP,
            (Field("comment", N_("Comment"), "textarea", required=True),),
            N_("Approve the trip"),
            path="quality-inspection/lab-trip/approval",
        ),
        CommandForm(
            CaseAction.START_LAB_TRIP,
            (Field("with_customer", N_("With the customer?"), "yesno", required=True),),
            N_("The trip has started"),
            path="quality-inspection/lab-trip/start",
        ),
        CommandForm(
            CaseAction.RECORD_LAB_RESULT,
            (
                Field("report_ref", N_("Lab report number"), "text", required=True),
                Field("verdict", N_("Verdict"), "select", True, LabVerdict),
                Field("findings", N_("Findings"), "textarea"),
            ),
            N_("Record the report"),
            path="quality-inspection/lab-result",
        ),
        CommandForm(
            CaseAction.RECORD_QUALITY_RULING,
            (
                Field("defect", N_("Is the product defective?"), "yesno", required=True),
                Field("cause", N_("Caused by"), "select", False, DefectCause),
                Field(
                    "liable_department", N_("Liable department"), "option", options="departments"
                ),
                Field("summary", N_("Grounds"), "textarea", required=True),
            ),
            N_("Record the ruling"),
            path="quality-inspection/ruling",
        ),
        CommandForm(
            CaseAction.SEND_SUPPLIER_NOTICE,
            (
                Field("reference", N_("Notice number"), "text", required=True),
                Field("sent_on", N_("Sent on"), "date", required=True),
            ),
            N_("Record the notice"),
            path="supplier-claim/notice",
        ),
        CommandForm(
            CaseAction.PULL_FROM_SALE,
            (
                Field("store", N_("Store"), "text", required=True),
                Field("sku", N_("SKU"), "text"),
                Field("batch", N_("Batch"), "text"),
                Field("quantity", N_("Quantity"), "number", top=100),
            ),
            N_("Record it pulled"),
            path="supplier-claim/pulled",
        ),
        CommandForm(
            CaseAction.RETURN_GOODS,
            (
                Field("quantity", N_("Quantity"), "number", True, top=100),
                Field("reference", N_("Return note number"), "text", required=True),
            ),
            N_("Record the return"),
            path="supplier-claim/returned",
        ),
        CommandForm(
            CaseAction.ASK_COMPENSATION,
            (
                Field("amount", N_("Amount asked (CNY)"), "money", required=True),
                Field("reference", N_("Demand number"), "text", required=True),
            ),
            N_("Ask for compensation"),
            path="supplier-claim/compensation-asked",
        ),
        CommandForm(
            CaseAction.RECORD_COMPENSATION,
            (
                Field("amount", N_("Amount received (CNY)"), "money", required=True),
                Field("reference", N_("Payment reference"), "text", required=True),
                Field("final", N_("Is this the last payment?"), "yesno", required=True),
            ),
            N_("Record the payment"),
            path="supplier-claim/compensation-received",
        ),
        CommandForm(
            CaseAction.RECORD_SUPPLIER_REFUSAL,
            (_REASON,),
            N_("Record the refusal"),
            path="supplier-claim/refusal",
        ),
        *LEGAL_FORMS,
    )
}

# A sub-process's start, the domain's command for it, and its route's name.
PROCESS_STARTS = {
    CaseAction.START_INSURANCE_CLAIM: (ProcessKind.INSURANCE, ProcessCommand.START_INSURANCE),
    CaseAction.START_POLICE_REPORT: (ProcessKind.POLICE, ProcessCommand.START_POLICE),
    CaseAction.START_MEDIATION: (ProcessKind.MEDIATION, ProcessCommand.START_MEDIATION),
    CaseAction.START_QUALITY_INSPECTION: (ProcessKind.QUALITY, ProcessCommand.START_QUALITY),
    CaseAction.START_SUPPLIER_CLAIM: (ProcessKind.SUPPLIER, ProcessCommand.START_SUPPLIER),
    # Issue 16.
    CaseAction.START_LEGAL_DOCUMENTS: (
        ProcessKind.LEGAL_DOCUMENTS,
        ProcessCommand.START_LEGAL_DOCUMENTS,
    ),
    CaseAction.START_LAWSUIT: (ProcessKind.LAWSUIT, ProcessCommand.START_LAWSUIT),
    CaseAction.START_REGULATOR_INQUIRY: (ProcessKind.REGULATOR, ProcessCommand.START_REGULATOR),
}
PROCESS_SLUGS = {
    ProcessKind.INSURANCE: "insurance-claim",
    ProcessKind.POLICE: "police-report",
    ProcessKind.MEDIATION: "mediation",
    ProcessKind.QUALITY: "quality-inspection",
    ProcessKind.SUPPLIER: "supplier-claim",
    ProcessKind.LEGAL_DOCUMENTS: "legal-documents",
    ProcessKind.LAWSUIT: "lawsuit",
    ProcessKind.REGULATOR: "regulator-inquiry",
}
# Issue 16: the messages of a quality inspection or supplier claim, by the stages of the
# process they are sent in (None: any open stage), with the domain's command for each.
PROCESS_MESSAGES: dict[CaseAction, tuple[ProcessKind, ProcessCommand, frozenset[str] | None]] = {
    CaseAction.REQUEST_LAB_TRIP: (
        ProcessKind.QUALITY,
        ProcessCommand.LAB_TRIP_REQUEST,
        frozenset({"inspecting", "ruling"}),
    ),
    CaseAction.APPROVE_LAB_TRIP: (
        ProcessKind.QUALITY,
        ProcessCommand.LAB_TRIP_APPROVAL,
        frozenset({"lab_trip_requested"}),
    ),
    CaseAction.START_LAB_TRIP: (
        ProcessKind.QUALITY,
        ProcessCommand.LAB_TRIP_START,
        frozenset({"lab_trip_approved"}),
    ),
    CaseAction.RECORD_LAB_RESULT: (
        ProcessKind.QUALITY,
        ProcessCommand.LAB_RESULT,
        frozenset({"at_test_lab"}),
    ),
    CaseAction.RECORD_QUALITY_RULING: (
        ProcessKind.QUALITY,
        ProcessCommand.QUALITY_RULING,
        frozenset({"inspecting", "ruling", "lab_trip_requested", "lab_trip_approved"}),
    ),
    CaseAction.SEND_SUPPLIER_NOTICE: (
        ProcessKind.SUPPLIER,
        ProcessCommand.SUPPLIER_NOTICE,
        frozenset({"reported"}),
    ),
    CaseAction.PULL_FROM_SALE: (ProcessKind.SUPPLIER, ProcessCommand.SUPPLIER_PULLED, None),
    CaseAction.RETURN_GOODS: (ProcessKind.SUPPLIER, ProcessCommand.SUPPLIER_RETURNED, None),
    CaseAction.ASK_COMPENSATION: (
        ProcessKind.SUPPLIER,
        ProcessCommand.SUPPLIER_DEMAND,
        frozenset({"notified"}),
    ),
    CaseAction.RECORD_COMPENSATION: (
        ProcessKind.SUPPLIER,
        ProcessCommand.SUPPLIER_PAYMENT,
        frozenset({"compensation_asked", "partly_recovered"}),
    ),
    CaseAction.RECORD_SUPPLIER_REFUSAL: (
        ProcessKind.SUPPLIER,
        ProcessCommand.SUPPLIER_REFUSAL,
        frozenset({"notified", "compensation_asked", "partly_recovered"}),
    ),
}

# The forms shown in the actions panel (the others have panels of their own).
ACTION_PANEL = (
    CaseAction.START_INSURANCE_CLAIM,
    CaseAction.START_POLICE_REPORT,
    CaseAction.START_MEDIATION,
    CaseAction.START_QUALITY_INSPECTION,
    CaseAction.START_SUPPLIER_CLAIM,
    CaseAction.START_LEGAL_DOCUMENTS,
    CaseAction.START_LAWSUIT,
    CaseAction.START_REGULATOR_INQUIRY,
    CaseAction.CHANGE_RESPONSIBLE,
    CaseAction.DECIDE_HOSPITAL,
    CaseAction.DECIDE_ADVANCE,
    CaseAction.RECORD_CORRECTIVE_ACTION,
    CaseAction.COMPLETE_CORRECTIVE_ACTION,
    CaseAction.RECORD_REVISIT,
)


def form_of(name: str) -> CommandForm | None:
    for forms in (FORMS, MORE_FORMS):
        for command, form in forms.items():
            if command.value == name:
                return form
    return None


def _pending(status: dict[str, Any], deadline: DeadlineName) -> bool:
    return any(
        d["name"] == deadline and d["state"] == "pending" for d in status.get("deadlines", [])
    )


def action_shown(action: CaseAction, status: dict[str, Any], actor: Actor, routing=None) -> bool:
    """Whether `actor` may send `action` to a case of this status, by the domain's rule
    for it (what only the workflow knows, it decides when the form arrives)."""
    stage = Stage(status["stage"])
    closed = stage is Stage.CLOSED
    if action is CaseAction.CHANGE_RESPONSIBLE:
        refusal = responsible_change_refusal(
            routing,
            department=status.get("department"),
            stage=stage,
            actor=actor,
            person="\0",  # nobody's id: only who may change it matters here
            current=status.get("handler"),
        )
        return refusal is None
    if action in (CaseAction.DECIDE_HOSPITAL, CaseAction.DECIDE_ADVANCE):
        deadline = (
            DeadlineName.HOSPITAL_DECISION
            if action is CaseAction.DECIDE_HOSPITAL
            else DeadlineName.ADVANCE_DECISION
        )
        duty = actor.level is not None and rank(actor.level) >= rank(Level.DUTY_MANAGER)
        return duty and _pending(status, deadline)
    if action is CaseAction.RECORD_CORRECTIVE_ACTION:
        return actor.level is not None and not closed
    if action is CaseAction.COMPLETE_CORRECTIVE_ACTION:
        return actor.level is not None and any(
            a.get("done_at") is None for a in status.get("corrective_actions", [])
        )
    if action is CaseAction.RECORD_REVISIT:
        return closed and rating_refusal(actor, handler=status.get("handler")) is None
    if action in PROCESS_STARTS:
        kind, command = PROCESS_STARTS[action]
        running = any(p["kind"] == kind and p["open"] for p in status.get("processes", []))
        if action is CaseAction.START_SUPPLIER_CLAIM and not _claim_may_open(status):
            return False
        return (
            not closed and not running and process_refusal(command, actor=actor, open=True) is None
        )
    if action in PROCESS_MESSAGES:
        kind, command, stages = PROCESS_MESSAGES[action]
        latest = next((p for p in status.get("processes", []) if p["kind"] == kind), None)
        return (
            latest is not None
            and latest["open"]
            and (stages is None or latest["stage"] in stages)
            and process_refusal(command, actor=actor, open=True) is None
        )
    if action in LEGAL_MESSAGES:
        return legal_action_shown(action, status, actor)
    if action is CaseAction.WITHDRAW_PROCESS:
        return (
            any(p["open"] for p in status.get("processes", []))
            and process_refusal(ProcessCommand.WITHDRAW, actor=actor, open=True) is None
        )
    if action is CaseAction.ADD_WITNESS:
        return may_upload(actor) is None
    if action is CaseAction.PLACE_HOLD:
        return any(place_hold_refusal(actor, source) is None for source in HoldSource)
    if action is CaseAction.LIFT_HOLD:
        return lift_hold_refusal(actor) is None
    return False


def _claim_may_open(status: dict[str, Any]) -> bool:
    """Issue 16: not while quality control rules, nor after it found no product defect."""
    quality = next(
        (p for p in status.get("processes", []) if p["kind"] == ProcessKind.QUALITY), None
    )
    summary = ProcessSummary.model_validate(quality) if quality is not None else None
    return supplier_claim_refusal(summary) is None


def allowed_actions(status: dict[str, Any], actor: Actor, routing=None) -> list[CaseAction]:
    return [a for a in ACTION_PANEL if action_shown(a, status, actor, routing)]
