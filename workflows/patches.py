"""Every `workflow.patched` ID, in one place: each marks a change that running cases
and the recorded histories (tests/workflows/histories) must replay across.

A patch costs every new case two history events (its marker and the SDK's
`TemporalChangeVersion` upsert beside it), thirteen patches 26 of a lifecycle's ~100. A
case started on code that has them all needs none of them told apart, so it records one
marker, the newest fold's (`FOLDED_2`), at its first workflow task, and every patch
folded into it applies without its own (`applies`). A case that started before (the
histories, a running case replayed after a deploy) finds no such marker at its first task
and goes on asking each patch as it always did. Patches added after a fold are asked one
by one again, until a later fold takes them in.
"""

from temporalio import workflow

# Cases and sub-processes set search attributes at every change.
SEARCH_ATTRIBUTES = "search-attributes"
# A settled deadline's timer is left to fire and be ignored instead of being cancelled.
# Superseded by CANCEL_SETTLED_TIMERS; kept so the histories recorded with it replay.
KEEP_SETTLED_TIMERS = "keep-settled-timers"
# A met, cancelled or superseded deadline's timer is cancelled again: pending timers are
# exactly the pending deadlines and reminders. Checked before KEEP_SETTLED_TIMERS.
CANCEL_SETTLED_TIMERS = "cancel-settled-timers"
# Sub-processes outlive the run that started them (continue-as-new), instead of being
# cancelled when it closes.
CHILDREN_OUTLIVE_RUN = "children-outlive-run"
# An accepted money remedy asks finance to pay (activities/finance.py), once per proposal.
PAYMENT_REQUESTS = "payment-requests"
# An approval is decided by domain/approvals.py: beyond one's authority a refusal climbs
# (with the decider's recommendation) instead of sending the case back, and approving a
# proposal that already waits above the approver is refused instead of escalated again.
APPROVAL_DECISIONS = "approval-decisions"
# Closing by the follow-up visit writes a `closed` audit entry after `followed_up`.
CLOSED_ON_FOLLOW_UP = "closed-on-follow-up"
# The customer is told at the moments the seeds name, with consent (workflows/case_customer.py).
CUSTOMER_MESSAGES = "customer-messages"
# Re-visit deadlines (after the remedy, after closing) and the re-visit calls that meet them.
REVISITS = "revisits"
# Issue 19: a deadline whose rule counts `from_complaint` (proposal, negotiation) starts at
# the complaint's registration (or reopening) instead of at the findings.
DEADLINES_FROM_COMPLAINT = "deskrules-deadlines-from-complaint"
# Issue 19: a proposal is checked against the category's compensation rules (policy
# `compensation_rules`, domain/compensation.py) before the amount ladder.
COMPENSATION_RULES = "deskrules-compensation-rules"
# Issue 19: intake routes the case to its responsible department and person (policy
# `routing`), named in the registration's entry, the register and CaseDepartment.
ROUTING = "deskrules-routing"
# Issue 19: an injury intake tells the duty manager and risk control and opens the duty
# manager's two decisions; media, regulator and association cases tell senior management.
INJURY_INTAKE = "deskrules-injury-intake"
# Issue 20: a change is recorded by one local attempt inside the command's own workflow
# task (one marker event instead of an activity's three and a second task); only if that
# attempt fails does the regular activity take over, whose retries `describe` shows.
RECORD_LOCALLY = "record-locally"
# Issue 20: a change upserts only the search attributes whose values it changed, and none
# (no event) when it changed none.
SEARCH_ATTRIBUTES_CHANGED = "search-attributes-changed"
# A settlement on the spot is a remedy carried out: it starts 004's 72 h re-visit and
# tells the customer the result with the survey, as the recorded resolution does.
SETTLED_LIKE_REMEDY = "settled-like-remedy"
# Issue 16: a case about a product (intake `product`) is linked at registration to the
# stop-sale orders in force over it (workflows/case_stop_sale.py).
STOPSALE_LINK_AT_INTAKE = "stopsale-link-at-intake"
# Issue 16 (legal): a `court_judgment_ref` on a proposal or a settlement on the spot must
# name an effective judgment recorded by the case's lawsuit (workflows/case_legal.py).
LEGAL_JUDGMENT_GATE = "legal-judgment-gate"
# Issue 20: the changes a case makes at its registration are recorded together, by one
# local attempt (`CaseRecorder.record_case_events`) before anything outside is asked
# (a sub-process started, an activity run) and at the registration's end.
RECORD_INTAKE_TOGETHER = "record-intake-together"

# Issue 20: a command's changes are recorded together, as the registration's are: one
# local attempt at the command's end, or before anything outside is asked.
RECORD_COMMANDS_TOGETHER = "record-commands-together"
# Issue 20: finance is asked to pay by one local attempt inside the command's workflow
# task; only if that attempt fails does the heartbeating activity take over.
PAY_LOCALLY = "pay-locally"
# Issue 20: a local attempt that raised (an ApplicationError, where one that timed out is
# an ActivityError) falls back to the regular activity too, instead of failing the command.
LOCAL_FAILURES_CAUGHT = "local-failures-caught"

# Issue 20: every patch above RECORD_COMMANDS_TOGETHER, folded into one marker for the
# cases that start with them.
FOLDED_1 = "folded-1"
_FOLDED_1 = frozenset(
    {
        SEARCH_ATTRIBUTES,
        KEEP_SETTLED_TIMERS,
        CANCEL_SETTLED_TIMERS,
        CHILDREN_OUTLIVE_RUN,
        PAYMENT_REQUESTS,
        APPROVAL_DECISIONS,
        CLOSED_ON_FOLLOW_UP,
        CUSTOMER_MESSAGES,
        REVISITS,
        DEADLINES_FROM_COMPLAINT,
        COMPENSATION_RULES,
        ROUTING,
        INJURY_INTAKE,
        RECORD_LOCALLY,
        SEARCH_ATTRIBUTES_CHANGED,
        SETTLED_LIKE_REMEDY,
        STOPSALE_LINK_AT_INTAKE,
        LEGAL_JUDGMENT_GATE,
        RECORD_INTAKE_TOGETHER,
    }
)


# Every patch up to LOCAL_FAILURES_CAUGHT: a case started on code that has them records
# this marker (and not FOLDED_1). A case started with FOLDED_1 asks the newer patches one
# by one.
FOLDED_2 = "folded-2"
_FOLDED_2 = _FOLDED_1 | {RECORD_COMMANDS_TOGETHER, PAY_LOCALLY, LOCAL_FAILURES_CAUGHT}
_FOLDS = ((FOLDED_2, _FOLDED_2), (FOLDED_1, _FOLDED_1))


class Folds:
    """Mixed into a workflow whose runs may start folded. `fold_patches` is called once, in
    the run's first workflow task (its `__init__`), so a run that began on earlier code
    (whose first task holds no fold's marker) is never folded halfway through. The newest
    fold is asked first: a run that started with an older one finds no marker of the newer
    in its first task, and the older one's answers."""

    patches_folded: frozenset[str] = frozenset()

    def fold_patches(self) -> None:
        for marker, folded in _FOLDS:
            if workflow.patched(marker):
                self.patches_folded = folded
                return


def applies(patch: str) -> bool:
    """`workflow.patched(patch)`, or True without a marker in a folded run. Every check of a
    patch goes through here (tests/workflows/test_determinism.py holds the workflows to it)."""
    if patch in getattr(workflow.instance(), "patches_folded", ()):
        return True
    return workflow.patched(patch)
