"""What a user may do on a case, and the small form of each command.

Which commands a user may send in a stage is the API's own rule, `domain.rules.refusal_for`
(the workflow's validators and the API's checks use it too): the console offers exactly
the commands it does not refuse. Where each command is posted is the API's route table
(`api.commands.COMMAND_PAIRS`). What waits on whom (My work) is read from the same rule:
a case waits on a user when the command its wait asks for is one they may send.

A new command's form is one entry of FORMS; a new field kind is one branch of the
`field` macro (templates/components.html).
"""

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from api.commands import COMMAND_PAIRS
from api.console.i18n import N_
from domain.authority import Actor
from domain.clocks import PauseReason
from domain.crisis import CrisisLevel
from domain.grades import Grade
from domain.lifecycle import CaseWait, Command, Stage
from domain.models import ExposureKind, Liability, RemedyKind
from domain.policy import DeadlineName
from domain.rules import refusal_for

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
# Waits whose command belongs to the case's handler once it has one.
HANDLERS_WAITS = frozenset(
    {
        CaseWait.DEPARTMENT_FINDINGS,
        CaseWait.REMEDY_PROPOSAL,
        CaseWait.REMEDY_EXECUTION,
    }
)


def allowed_commands(stage: Stage, actor: Actor) -> list[Command]:
    """The commands `actor` may send a case in `stage`, as the API decides it."""
    return [
        command
        for command in Command
        if refusal_for(command, stage=stage, actor=actor) is None and command in FORMS
    ]


def may_send(command: Command, stage: Stage, actor: Actor) -> bool:
    return refusal_for(command, stage=stage, actor=actor) is None


def api_path(command: Command) -> str:
    """The API route of a command (its update's name is the command's)."""
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

    def to_json(self, raw: str | None) -> Any:
        """The form's text as the API body's value; None leaves the field out."""
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


@dataclass(frozen=True)
class CommandForm:
    command: Command
    fields: tuple[Field, ...] = field(default_factory=tuple)
    submit: str = N_("Send")

    @property
    def decision(self) -> Field | None:
        return next((f for f in self.fields if f.kind == "decision"), None)

    def body(self, form: dict[str, str]) -> dict[str, Any]:
        body = {}
        for f in self.fields:
            value = f.to_json(form.get(f.name))
            if value is not None:
                body[f.name] = value
        return body


_REASON = Field("reason", N_("Reason"), "textarea", required=True)

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
    )
}
