"""Issue 16's pure rules: a test lab trip's order, a ruling's cause, a supplier claim's
money, when a claim may open, and the report's recovery rate."""

from datetime import UTC, datetime
from decimal import Decimal

from domain.policy import Policy
from domain.processes import (
    ProcessKind,
    ProcessSummary,
    supplier_claim_refusal,
)
from domain.products import ProductRef
from domain.quality import (
    DefectCause,
    LabResult,
    LabTrip,
    LabVerdict,
    QualityRecord,
    Ruling,
    lab_trip_refusal,
    ruling_outcome,
    ruling_refusal,
)
from domain.reports import CaseFacts, supplier_recovery
from domain.supplier import (
    Notice,
    Payment,
    SupplierRecord,
    claim_outcome,
    demand_refusal,
    payment_refusal,
)

NOW = datetime(2026, 12, 2, 9, tzinfo=UTC)


def _record(**trip: object) -> QualityRecord:
    record = QualityRecord(question="?", ruling_due=NOW)
    if trip:
        record.lab_trips.append(
            LabTrip(lab="SGS", reason="x", requested_by="h", requested_at=NOW, **trip)
        )
    return record


def test_a_lab_trip_is_requested_approved_started_then_reported_in_that_order() -> None:
    assert lab_trip_refusal(_record(), "request") is None
    assert lab_trip_refusal(_record(), "approve") is not None
    requested = _record()
    requested.lab_trips.append(LabTrip(lab="SGS", reason="x", requested_by="h", requested_at=NOW))
    assert "senior approval" in lab_trip_refusal(requested, "start").message
    assert lab_trip_refusal(requested, "request") is not None  # one at a time
    approved = _record(approved_by="s")
    assert lab_trip_refusal(approved, "start") is None
    assert lab_trip_refusal(approved, "result") is not None
    started = _record(approved_by="s", started_at=NOW)
    assert lab_trip_refusal(started, "result") is None
    ruling = Ruling(defect=True, cause=DefectCause.PRODUCT)
    assert "still working" in ruling_refusal(started, ruling).message
    reported = _record(
        approved_by="s",
        started_at=NOW,
        result=LabResult(report_ref="R", verdict=LabVerdict.FAILED),
    )
    assert ruling_refusal(reported, ruling) is None
    assert lab_trip_refusal(reported, "request") is None  # a second trip may follow


def test_a_defect_names_its_cause_and_the_outcome_says_whose_it_is() -> None:
    assert ruling_refusal(_record(), Ruling(defect=True)) is not None
    assert ruling_outcome(Ruling(defect=False)) == "no defect"
    ruled = Ruling(defect=True, cause=DefectCause.PRODUCT, liable_department="purchasing")
    assert ruling_outcome(ruled) == "defect caused by the product; liable: purchasing"
    batch = ruled.model_copy(update={"product": ProductRef(sku="WD-1800", batch="B7")})
    assert ruling_outcome(batch).startswith("defect caused by the product (SKU WD-1800, batch B7)")


def _quality(**fields: object) -> ProcessSummary:
    return ProcessSummary(
        kind=ProcessKind.QUALITY,
        workflow_id="w",
        stage="ended",
        waiting_on="nothing",
        started_at=NOW,
        **fields,
    )


def test_a_supplier_claim_rests_on_a_product_defect_once_ruled() -> None:
    assert supplier_claim_refusal(None) is None
    assert "not ruled" in supplier_claim_refusal(_quality(open=True)).message
    assert supplier_claim_refusal(_quality(open=False, defect=False)) is not None
    assert supplier_claim_refusal(_quality(open=False, defect=True, defect_cause="use")) is not None
    assert supplier_claim_refusal(_quality(open=False, defect=True, defect_cause="product")) is None
    assert supplier_claim_refusal(_quality(open=False, withdrawn=True)) is None


def test_money_from_the_supplier_never_exceeds_what_was_asked() -> None:
    claim = SupplierRecord(supplier="Acme")
    assert demand_refusal(claim) is not None  # notice first
    claim.notice = Notice(reference="N", sent_on=NOW.date(), sent_by="h")
    assert demand_refusal(claim) is None
    assert payment_refusal(claim, Decimal("1")) is not None  # nothing asked
    claim.asked = Decimal("1800")
    claim.payments.append(Payment(amount=Decimal("1000"), reference="P", received_at=NOW))
    assert payment_refusal(claim, Decimal("800")) is None
    assert payment_refusal(claim, Decimal("800.01")) is not None
    assert claim_outcome(claim) == "recovered in part: CNY 1000.00 of CNY 1800.00"
    claim.payments.append(Payment(amount=Decimal("800"), reference="P2", received_at=NOW))
    assert claim_outcome(claim) == "recovered in full: CNY 1800.00"


def _facts(case_no: str, paid: str, recovered: str, claim: bool = True) -> CaseFacts:
    return CaseFacts.model_construct(
        case_no=case_no,
        supplier_claim=claim,
        paid_to_customer=Decimal(paid),
        recovered_from_supplier=Decimal(recovered),
    )


def test_the_recovery_rate_is_over_the_cases_with_a_supplier_claim() -> None:
    figures = supplier_recovery(
        [_facts("1", "1800", "1200"), _facts("2", "200", "0"), _facts("3", "500", "0", False)]
    )
    assert (figures.claims, figures.paid_to_customer, figures.recovered_from_supplier) == (
        2,
        Decimal("2000"),
        Decimal("1200"),
    )
    assert figures.recovery_rate == 0.6
    assert supplier_recovery([_facts("4", "0", "0")]).recovery_rate is None


def test_the_policy_has_quality_and_supplier_rules(policy: Policy) -> None:
    assert policy.processes.quality.notify == ["quality_control"]
    assert policy.processes.supplier.notify == ["purchasing"]
    assert policy.processes.supplier.chases_before_escalation >= 1
    assert "quality_control" in policy.notifications.role_inboxes
