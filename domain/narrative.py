"""Where a case stands, as one sentence: the current details the Web UI shows.

"Waiting for manager approval (department_manager) of a CNY 800 refund since
2026-11-30 10:12 CST; case closed due 2026-12-02 10:12 CST."
"""

from collections.abc import Callable
from datetime import datetime

from domain.lifecycle import WaitingOn
from domain.processes import LABELS, ProcessSummary

_WAITS = {
    WaitingOn.ACKNOWLEDGEMENT: "first contact with the customer",
    WaitingOn.DEPARTMENT_FINDINGS: "the responsible department's findings",
    WaitingOn.REMEDY_PROPOSAL: "a remedy proposal",
    WaitingOn.MANAGER_APPROVAL: "manager approval",
    WaitingOn.CUSTOMER_CONSENT: "the customer's consent",
    WaitingOn.REMEDY_EXECUTION: "the remedy to be carried out",
    WaitingOn.FOLLOW_UP_VISIT: "the follow-up visit",
}


def case_details(
    *,
    waiting_on: WaitingOn,
    who: str,
    since: datetime,
    proposal: str | None,
    next_deadline: tuple[str, datetime, bool] | None,
    processes: list[ProcessSummary],
    local: Callable[[datetime], str],
) -> str:
    """`proposal` reads like "CNY 800 refund"; `next_deadline` is (label, due, missed)."""
    if waiting_on is WaitingOn.NOTHING:
        sentence = f"Closed since {local(since)}"
    else:
        what = _WAITS[waiting_on]
        if waiting_on is WaitingOn.MANAGER_APPROVAL:
            what += f" ({who})" + (f" of a {proposal}" if proposal else "")
        elif waiting_on is WaitingOn.CUSTOMER_CONSENT and proposal:
            what += f" to a {proposal}"
        sentence = f"Waiting for {what} since {local(since)}"
    if next_deadline is not None:
        label, due, missed = next_deadline
        sentence += f"; {label} {'was due' if missed else 'due'} {local(due)}"
        if missed:
            sentence += " (overdue)"
    outside = [
        f"{LABELS[p.kind]} waiting on {p.waiting_on_who or p.waiting_on}"
        for p in processes
        if p.open
    ]
    if outside:
        sentence += "; " + "; ".join(outside)
    return sentence + "."
