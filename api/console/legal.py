"""The case page's legal panel (issue 16; docs/legal-and-regulator.md): the record of each
legal sub-process the case has (legal documents, the lawsuit, the regulator's inquiry),
read from its own workflow through the API, and the forms its user may send it."""

from typing import Any
from urllib.parse import quote

from api.console.actions import LEGAL_MESSAGES, PROCESS_SLUGS, legal_action_shown
from api.console.web import Page, call
from domain.processes import ProcessKind

LEGAL_KINDS = (ProcessKind.LEGAL_DOCUMENTS, ProcessKind.LAWSUIT, ProcessKind.REGULATOR)


async def legal_records(page: Page, case_no: str, status: dict[str, Any]) -> dict[str, Any]:
    """`legal`: kind -> the latest run's summary and record, for the kinds the case has."""
    records: dict[str, Any] = {}
    shown: dict[str, list[Any]] = {}
    kinds = {p["kind"] for p in status.get("processes", [])}
    for kind in LEGAL_KINDS:
        if kind.value not in kinds:
            continue
        read = await call(page, "GET", f"/complaints/{quote(case_no)}/{PROCESS_SLUGS[kind]}")
        if not read.ok:
            continue
        summary = read.body["summary"]
        records[kind.value] = {"summary": summary, "record": read.body["record"]}
        # By the sub-process's own summary: fresher than the case's, which hears by signal.
        shown[kind.value] = [
            action
            for action, (of, _, _) in LEGAL_MESSAGES.items()
            if of is kind and legal_action_shown(action, {"processes": [summary]}, page.actor)
        ]
    return {
        "legal": records,
        "legal_actions": shown,
        "legal_action_names": {action.value for action in LEGAL_MESSAGES},
    }
