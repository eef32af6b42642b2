"""Every action the audit trail can hold, with what it means (DOMAIN section 8: who, what,
when, why). docs/audit-actions.md is generated from this table:

    python -m domain.audit_actions > docs/audit-actions.md

tests/domain/test_audit_actions.py reads the code that writes the trail (workflows/,
activities/, infra/, api/) and fails when it writes an action this table does not
describe, when the table describes one nobody writes, or when the page is not current.
"""

from dataclasses import dataclass

from domain.mediation import MediationResult, ReplyForm
from domain.processes import LABELS, ProcessKind

CASE = "case"
PROCESS = "sub-process"
REPAIR = "repair path"
RETENTION = "retention"
EVIDENCE = "evidence API"
RELAY = "notification relay"
CUSTOMER_PAGE = "customer page API"
STOP_SALE = "stop-sale order"


@dataclass(frozen=True)
class AuditAction:
    name: str
    written_by: str  # the case's workflow, a sub-process's, the repair path, retention
    meaning: str


def _each_process(suffix: str, by: str, meaning: str) -> list[AuditAction]:
    """`meaning` with {label} for the process's name: one action per process kind."""
    return [
        AuditAction(f"{kind.value}_{suffix}", by, meaning.format(label=LABELS[kind]))
        for kind in ProcessKind
    ]


ACTIONS: tuple[AuditAction, ...] = (
    # --- the case's lifecycle (DOMAIN sections 2, 5, 7, 8) ----------------------------
    AuditAction(
        "registered",
        CASE,
        "The complaint was registered and graded at intake (and routed to its responsible"
        " department and person, where the policy routes)",
    ),
    AuditAction("acknowledged", CASE, "The customer's complaint was acknowledged"),
    AuditAction(
        "findings_recorded", CASE, "The department's findings and the liability are on record"
    ),
    AuditAction("closed_invalid", CASE, "The findings found the complaint not valid: closed"),
    AuditAction("remedy_proposed", CASE, "A remedy was proposed for approval"),
    AuditAction("remedy_approved", CASE, "The proposed remedy was approved"),
    AuditAction("remedy_rejected", CASE, "The approver refused the proposed remedy"),
    AuditAction(
        "approval_escalated",
        CASE,
        "The amount exceeds the approver's authority: the approval went one level up",
    ),
    AuditAction(
        "approval_recommended",
        CASE,
        "An approver beyond their authority recommended approving or refusing; the"
        " proposal still waits above them",
    ),
    AuditAction(
        "police_certificate_recorded_late",
        CASE,
        "The police case-filing certificate arrived after the police report ended",
    ),
    AuditAction(
        "insurer_written_opinion_recorded_late",
        CASE,
        "The insurer's final written opinion arrived after the insurance claim ended",
    ),
    AuditAction("customer_accepted", CASE, "The customer accepted the approved remedy"),
    AuditAction("customer_rejected", CASE, "The customer refused the approved remedy"),
    AuditAction("payment_requested", CASE, "Finance was asked to pay the accepted money remedy"),
    # --- issue 19: settle on the spot, a promised completion date (000 十.5B, 004) ------
    AuditAction(
        "settled_on_the_spot",
        CASE,
        "Settled at intake or first contact within the acting person's own authority: what"
        " was given and the customer's oral or signed consent; the follow-up visit is due",
    ),
    AuditAction(
        "settlement_awaits_approval",
        CASE,
        "A settlement on the spot above the four-eyes floor waits for a second person's"
        " approval, then completes",
    ),
    AuditAction(
        "responsible_changed",
        CASE,
        "The department head approved a new responsible person (004); customer service was told",
    ),
    AuditAction(
        "injury_reported",
        CASE,
        "An injury intake: the duty manager and risk control were told at once, and the duty"
        " manager's two decisions on the spot are due (000 三)",
    ),
    AuditAction(
        "hospital_decided",
        CASE,
        "The duty manager decided who accompanies the injured customer to hospital, or"
        " neither with the reason",
    ),
    AuditAction(
        "advance_decided",
        CASE,
        "The duty manager decided the medical advance (how much, against which documents),"
        " or neither with the reason; an advance goes to finance as an urgent request",
    ),
    AuditAction(
        "senior_management_told",
        CASE,
        "Media exposure, a regulator referral or a consumer-association notice: senior"
        " management was told by itself (000)",
    ),
    AuditAction(
        "corrective_action_set",
        CASE,
        "A corrective action (5W2H) was set, its owner told; its deadline is tracked and"
        " escalates when missed, after the case closed too",
    ),
    AuditAction("corrective_action_done", CASE, "The corrective action was carried out"),
    AuditAction(
        "completion_promised",
        CASE,
        "The customer was given a completion date, a deadline of its own",
    ),
    AuditAction("remedy_carried_out", CASE, "The remedy was carried out"),
    AuditAction("followed_up", CASE, "The follow-up visit recorded the customer's satisfaction"),
    AuditAction("closed", CASE, "The case closed (after its follow-up, or as not valid)"),
    AuditAction("reopened", CASE, "A closed case was reopened within the reopen window"),
    AuditAction(
        "customer_message_queued",
        CASE,
        "A message to the customer was queued for the relay (data: moment, channel, language,"
        " notification id; the text is the outbox row's, docs/customer-messages.md)",
    ),
    AuditAction(
        "revisited",
        CASE,
        "A closed case was re-visited: a call by customer service or the customer's survey"
        " answer (data: via, call result, satisfaction; completed: it counts as the re-visit)",
    ),
    AuditAction("cancelled", CASE, "The case's workflow was cancelled from outside"),
    AuditAction("note_added", CASE, "A note was added to the case"),
    AuditAction("handler_reassigned", CASE, "The case was given to another handler"),
    AuditAction(
        "store_corrected",
        CASE,
        "The case's store was put under the policy's name (it was registered as typed)",
    ),
    # --- grades, escalation and crises (DOMAIN sections 4, 5, 7) ----------------------
    AuditAction("grade_changed", CASE, "The case's grade was raised or lowered"),
    AuditAction(
        "exposure_reported", CASE, "Media or public exposure was reported (grade A at once)"
    ),
    AuditAction("crisis_declared", CASE, "A crisis was declared for the case"),
    AuditAction("major_case", CASE, "A major case: the people the policy names were told"),
    AuditAction("on_site_assigned", CASE, "Someone was sent to attend on site, by grade"),
    AuditAction("on_site_attended", CASE, "The on-site attendance is on record"),
    AuditAction("escalated", CASE, "The case was escalated one level by hand"),
    AuditAction("escalation_acknowledged", CASE, "The level escalated to acknowledged it"),
    AuditAction(
        "escalation_unanswered",
        CASE,
        "An escalation was not acknowledged in time: the next level was told",
    ),
    AuditAction("process_escalated", CASE, "A sub-process asked for the case to be escalated"),
    # --- clocks and deadlines (DOMAIN section 5) --------------------------------------
    AuditAction("deadline_missed", CASE, "A deadline passed unmet"),
    AuditAction("clocks_paused", CASE, "The case's clocks were paused, with the reason"),
    AuditAction("clocks_resumed", CASE, "The paused clocks run again"),
    AuditAction("delay_requested", CASE, "A later deadline was requested"),
    AuditAction("delay_accepted", CASE, "The delay request was accepted"),
    AuditAction("delay_refused", CASE, "The delay request was refused"),
    AuditAction("delay_disputed", CASE, "A refused delay was disputed to the general manager"),
    AuditAction("statutory_clock_started", CASE, "A statutory clock started"),
    AuditAction("statutory_clock_settled", CASE, "A statutory clock was settled in time"),
    AuditAction("statutory_clock_expired", CASE, "A statutory clock ran out"),
    # --- sub-processes, as the case records them (DOMAIN section 6) -------------------
    *_each_process("opened", CASE, "The case opened its {label}"),
    *_each_process("ended", f"{CASE}, {PROCESS}", "The {label} ended, with its outcome"),
    *_each_process("withdrawn", f"{CASE}, {PROCESS}", "The {label} was withdrawn"),
    # --- the insurance claim ----------------------------------------------------------
    AuditAction("insurance_claim_started", PROCESS, "The insurance claim started"),
    AuditAction("insurer_reported", PROCESS, "The incident was reported to the insurer"),
    AuditAction("insurer_report_overdue", PROCESS, "The report to the insurer is late"),
    AuditAction("claim_documents_received", PROCESS, "The documents the insurer asked for arrived"),
    AuditAction("insurer_opinion_recorded", PROCESS, "The insurer's opinion is on record"),
    AuditAction("insurer_chased", PROCESS, "The insurer was chased for its opinion"),
    AuditAction(
        "advance_exception_granted",
        PROCESS,
        "Paying the customer before the insurer decides was allowed, as an exception",
    ),
    # --- the police report ------------------------------------------------------------
    AuditAction("police_report_started", PROCESS, "The police report started"),
    AuditAction("police_called", PROCESS, "The police were called"),
    AuditAction("police_certificate_recorded", PROCESS, "The case-filing certificate is on record"),
    AuditAction("forensic_assessment_recorded", PROCESS, "The forensic assessment is on record"),
    AuditAction("cctv_handed_over", PROCESS, "CCTV footage was handed over to the police"),
    AuditAction("police_outcome_recorded", PROCESS, "The police outcome is on record"),
    AuditAction("police_reminder", PROCESS, "The police were reminded of the outcome"),
    # --- the consumer-association mediation -------------------------------------------
    AuditAction("mediation_started", PROCESS, "The consumer-association mediation started"),
    AuditAction(
        "mediation_representative_appointed",
        PROCESS,
        "The company's representative for the mediation was appointed",
    ),
    AuditAction("mediation_session_scheduled", PROCESS, "A mediation session was scheduled"),
    AuditAction("mediation_session_reminder", PROCESS, "A reminder of the coming session"),
    AuditAction("written_reply_approved", PROCESS, "The written reply was approved"),
    *(
        AuditAction(
            f"{form.value}_reply_given", PROCESS, f"The {form.value} reply to the association"
        )
        for form in ReplyForm
    ),
    AuditAction("mediation_extended", PROCESS, "The mediation period was extended"),
    *(
        AuditAction(
            f"mediation_{result.value}",
            PROCESS,
            {
                MediationResult.SETTLED: "The mediation settled, with a signed agreement",
                MediationResult.FAILED: "The mediation failed, or its period ran out",
            }[result],
        )
        for result in MediationResult
    ),
    # --- issue 16: quality inspection (000 四.1; 004) ----------------------------------
    AuditAction("quality_inspection_started", PROCESS, "Quality control was asked for a ruling"),
    AuditAction(
        "lab_trip_requested",
        PROCESS,
        "A joint trip with the customer to an outside test lab was asked for: senior"
        " management must approve it first",
    ),
    AuditAction("lab_trip_approved", PROCESS, "Senior management approved the test lab trip"),
    AuditAction(
        "lab_trip_started",
        PROCESS,
        "The test lab trip happened: the case's clocks stop until the lab's report",
    ),
    AuditAction(
        "lab_result_recorded",
        PROCESS,
        "The test lab's report is on record: the case's clocks run again, the ruling is due",
    ),
    AuditAction(
        "quality_ruling_recorded",
        PROCESS,
        "Quality control ruled: a defect or not, its cause, the batch, the liable department",
    ),
    AuditAction(
        "quality_ruling_overdue",
        PROCESS,
        "No ruling by its deadline: quality control told, the case escalated",
    ),
    AuditAction(
        "liability_settled_by_quality",
        CASE,
        "Quality control's ruling laid liability on another department: the case moved there",
    ),
    # --- issue 16: the claim against the supplier (000 四.17) --------------------------
    AuditAction(
        "supplier_claim_started", PROCESS, "The defect was reported to purchasing: claim opened"
    ),
    AuditAction("supplier_notified", PROCESS, "The supplier was sent notice of the defect"),
    AuditAction(
        "supplier_goods_pulled", PROCESS, "Goods were pulled from sale (store, SKU or batch)"
    ),
    AuditAction("supplier_goods_returned", PROCESS, "Goods were returned to the supplier"),
    AuditAction("supplier_compensation_asked", PROCESS, "Compensation was asked of the supplier"),
    AuditAction(
        "supplier_compensation_received",
        PROCESS,
        "Compensation came from the supplier (in part, or the claim's last)",
    ),
    AuditAction("supplier_refused", PROCESS, "The supplier refused compensation"),
    AuditAction(
        "supplier_chased",
        PROCESS,
        "The supplier was silent: purchasing told to chase it (the case escalates after the"
        " policy's chases)",
    ),
    # --- issue 16: legal documents (000 九), the lawsuit (000 八.9), the regulator ----------
    AuditAction("legal_documents_started", PROCESS, "The record of legal documents opened"),
    AuditAction(
        "lawyer_letter_received_unsigned",
        PROCESS,
        "A lawyer's letter was left at the desk, not signed for; senior management told",
    ),
    AuditAction("lawyer_letter_not_signed", PROCESS, "A lawyer's letter was refused, not left"),
    AuditAction("lawyer_letter_answered", PROCESS, "The designated department answered a letter"),
    AuditAction(
        "lawyer_letter_answer_overdue", PROCESS, "A lawyer's letter is not answered in time"
    ),
    AuditAction("official_papers_checked", PROCESS, "Papers served were checked (name, bearer)"),
    AuditAction("official_papers_refused", PROCESS, "Papers served failed a check: not signed"),
    AuditAction("senior_management_informed", PROCESS, "Senior management was told of papers"),
    AuditAction("official_papers_signed", PROCESS, "The designated person signed for originals"),
    AuditAction("lawsuit_started", PROCESS, "A lawsuit against the company is on record"),
    AuditAction("lawsuit_hearing_scheduled", PROCESS, "A hearing was scheduled"),
    AuditAction("lawsuit_hearing_reminder", PROCESS, "A reminder of the coming hearing"),
    AuditAction("judgment_effective", PROCESS, "An effective judgment is on record"),
    AuditAction("judgment_appealed", PROCESS, "A judgment was appealed"),
    AuditAction("judgment_execution_reminder", PROCESS, "A reminder to carry out the judgment"),
    AuditAction("judgment_execution_overdue", PROCESS, "The judgment is not carried out in time"),
    AuditAction("judgment_carried_out", PROCESS, "The judgment was carried out as it orders"),
    AuditAction("regulator_inquiry_started", PROCESS, "A market regulator's inquiry started"),
    AuditAction(
        "regulator_written_reply_approved", PROCESS, "A written reply to the regulator was approved"
    ),
    *(
        AuditAction(
            f"regulator_{form.value}_answer_given",
            PROCESS,
            f"The {form.value} answer to the regulator, by the designated department",
        )
        for form in ReplyForm
    ),
    AuditAction("regulator_answer_overdue", PROCESS, "The regulator is not answered in time"),
    AuditAction("regulator_inquiry_concluded", PROCESS, "The regulator's conclusion is on record"),
    # --- outside the workflows --------------------------------------------------------
    AuditAction("notification_resent", REPAIR, "A lost notification was queued again (a new copy)"),
    AuditAction(
        "notification_dead_lettered",
        RELAY,
        "A notice could not be delivered on one channel after the policy's tries (or had"
        " nobody to go to): listed as stuck until resent",
    ),
    AuditAction(
        "customer_message_delivered",
        RELAY,
        "A message was delivered to the customer (by email or SMS; the text is not kept here)",
    ),
    AuditAction(
        "customer_message_not_sent",
        RELAY,
        "A message to the customer was not sent: no consent, no channel or no address",
    ),
    AuditAction("anonymised", RETENTION, "The case's personal data was anonymised after retention"),
    AuditAction(
        "evidence_deleted",
        RETENTION,
        "Retention deleted the case's evidence files and thumbnails (their ids in data)",
    ),
    # --- evidence, witnesses and legal holds (docs/evidence.md) ------------------------
    AuditAction(
        "evidence_uploaded",
        EVIDENCE,
        "A file was added to the case: its SHA-256, size, detected type and kind",
    ),
    AuditAction("evidence_downloaded", EVIDENCE, "Someone downloaded an evidence file"),
    AuditAction("evidence_viewed", EVIDENCE, "Someone viewed an evidence file's thumbnail"),
    AuditAction("witness_recorded", EVIDENCE, "A witness was recorded (name and phone kept apart)"),
    AuditAction(
        "legal_hold_placed",
        f"{EVIDENCE}, {PROCESS}",
        "A legal hold keeps the case and its evidence (placed by hand, or by a lawsuit)",
    ),
    AuditAction(
        "legal_hold_lifted",
        f"{EVIDENCE}, {PROCESS}",
        "A legal hold was lifted by senior management, or by its lawsuit as it ended",
    ),
    # --- the customer's own page (docs/customer-page.md) -------------------------------
    AuditAction(
        "tracking_link_revoked",
        CUSTOMER_PAGE,
        "The customer's tracking link was revoked: it opens nothing any more (reason given)",
    ),
    # --- stop-sale orders (issue 16; 000 四.18): on the order's own trail ---------------
    AuditAction(
        "stop_sale_order_recorded",
        STOP_SALE,
        "An authority's stop-sale order was recorded and obeyed: purchasing and the stores"
        " in its scope were told",
    ),
    AuditAction(
        "stop_sale_written_order_requested",
        STOP_SALE,
        "An oral order: the authority was asked for it in writing, with a deadline",
    ),
    AuditAction(
        "stop_sale_cases_linked", STOP_SALE, "The open cases about the product were linked"
    ),
    AuditAction(
        "stop_sale_case_linked",
        STOP_SALE,
        "A case registered about the product (at a store in scope) was linked at its intake",
    ),
    AuditAction(
        "stop_sale_written_order_recorded",
        STOP_SALE,
        "The order in writing is on record (an oral order's deadline met, or met late)",
    ),
    AuditAction(
        "stop_sale_written_order_overdue",
        STOP_SALE,
        "An oral order's written order did not come by its deadline: the policy's"
        " recipients (senior management, purchasing) were told",
    ),
    AuditAction(
        "stop_sale_order_lifted",
        STOP_SALE,
        "Senior management recorded that the authority lifted the order: everyone told again",
    ),
    # ... and on the trail of each case linked to an order.
    AuditAction(
        "stop_sale_order_linked", CASE, "The case was linked to a stop-sale order on its product"
    ),
    AuditAction(
        "stop_sale_order_lifted_for_case", CASE, "A stop-sale order linked to the case was lifted"
    ),
)

AUDIT_ACTIONS: dict[str, AuditAction] = {action.name: action for action in ACTIONS}


def render_markdown() -> str:
    lines = [
        "# Audit actions",
        "",
        "Every action the audit trail (`GET /complaints/{case_no}/events`) can hold.",
        "Generated from `domain/audit_actions.py` (`python -m domain.audit_actions >",
        "docs/audit-actions.md`); `tests/domain/test_audit_actions.py` fails when the code",
        "writes an action the table does not describe, or when this page is not current.",
        "",
        "| action | written by | meaning |",
        "| --- | --- | --- |",
    ]
    lines += [f"| `{a.name}` | {a.written_by} | {a.meaning} |" for a in ACTIONS]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render_markdown(), end="")  # noqa: T201 - writes the page
