"""My work: what waits on this user, from the register (GET /complaints as the user may
read it), by the same rule that lets them act (`actions.may_send`)."""

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from api.console.actions import HANDLERS_WAITS, STEP_COMMAND, may_send
from api.console.i18n import N_
from api.console.web import Page, call
from domain.authority import Level, Role, rank
from domain.lifecycle import CaseWait, Command, Stage

LIMIT = 200


@dataclass
class Section:
    key: str
    title: str  # an English message id
    rows: list[dict[str, Any]] = field(default_factory=list)


def _due(row: dict[str, Any]) -> datetime:
    due = row.get("next_deadline_at")
    return datetime.fromisoformat(due) if due else datetime.max.replace(tzinfo=UTC)


def _waits_on(page: Page, row: dict[str, Any], wait: CaseWait) -> bool:
    actor = page.actor
    command = STEP_COMMAND[wait]
    if not may_send(command, Stage(row["stage"]), actor):
        return False
    if wait is CaseWait.MANAGER_APPROVAL:
        # At my level or below it: a higher approver may decide what a lower one could.
        try:
            level = Level(row["waiting_on_who"])
        except ValueError:
            return False
        return actor.level is not None and rank(level) <= rank(actor.level)
    if wait in HANDLERS_WAITS or wait is CaseWait.ACKNOWLEDGEMENT:
        # A case with a handler is theirs; a case without one waits on any who may act.
        if actor.role is Role.HANDLER and row.get("handler") not in (None, actor.user_id):
            return False
    return True


async def my_work(page: Page) -> list[Section]:
    waits = list(STEP_COMMAND)
    answers = await asyncio.gather(
        *(
            call(page, "GET", "/complaints", params={"waiting_on": wait.value, "limit": LIMIT})
            for wait in waits
        ),
        call(page, "GET", "/complaints", params={"overdue": "true", "limit": LIMIT}),
    )
    sections = {
        "mine": Section("mine", N_("Waiting on me")),
        "approvals": Section("approvals", N_("Approvals at my level")),
        "delays": Section("delays", N_("Delay decisions")),
        "escalations": Section("escalations", N_("Escalations to acknowledge")),
        "overdue": Section("overdue", N_("Overdue in my stores")),
    }
    seen: dict[str, set[str]] = {key: set() for key in sections}
    for wait, answer in zip(waits, answers[:-1], strict=True):
        if not answer.ok:
            continue
        command = STEP_COMMAND[wait]
        key = {
            Command.DECIDE_APPROVAL: "approvals",
            Command.DECIDE_DELAY: "delays",
            Command.ACKNOWLEDGE_ESCALATION: "escalations",
        }.get(command, "mine")
        for row in answer.body:
            if row["case_no"] not in seen[key] and _waits_on(page, row, wait):
                seen[key].add(row["case_no"])
                sections[key].rows.append({**row, "wait": wait.value})
    if answers[-1].ok:
        for row in answers[-1].body:
            if row["stage"] != Stage.CLOSED.value:
                sections["overdue"].rows.append({**row, "wait": row["waiting_on"]})
    for section in sections.values():
        section.rows.sort(key=_due)
    return list(sections.values())


def counts(sections: list[Section]) -> dict[str, int]:
    mine = {row["case_no"] for s in sections if s.key != "overdue" for row in s.rows}
    approvals = next(s for s in sections if s.key == "approvals")
    return {"my_work": len(mine), "approvals": len(approvals.rows)}
