"""Quality inspection (000 四.1 "质量认定通知到品控部协助处理"; DOMAIN 6 "Others"; 004).

A product-quality case asks quality control for a ruling: a defect or not, caused by the
product or by its use, which SKU and batch. An internal inspection has a deadline; a joint
trip with the customer to an outside test lab needs senior approval before it happens, and
the case's clocks stop while the lab works (appraisal time does not count). The ruling
names the department liable, which settles a dispute between departments (004 "质量部:
负责对责任部门提出的质量问题的责任划分有争议的情况进行判定").

Pure: the messages of the inspection's workflow (tolerant, as histories hold them; the
HTTP bodies are in api/bodies.py), its record, and the rules between them.
"""

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field

from domain.authority import Actor
from domain.personal_data import PERSONAL
from domain.processes import ProcessStart
from domain.products import ProductRef
from domain.rules import Refusal, RefusalType


class QualityStage(StrEnum):
    INSPECTING = "inspecting"
    LAB_TRIP_REQUESTED = "lab_trip_requested"
    LAB_TRIP_APPROVED = "lab_trip_approved"
    AT_TEST_LAB = "at_test_lab"
    RULING = "ruling"


class DefectCause(StrEnum):
    PRODUCT = "product"  # 产品本身的质量问题
    USE = "use"  # 使用不当


class LabVerdict(StrEnum):
    PASSED = "passed"  # 检测合格
    FAILED = "failed"  # 检测不合格
    INCONCLUSIVE = "inconclusive"


# --- the inspection's messages ----------------------------------------------------------


class RequestLabTrip(BaseModel):
    lab: str
    reason: Annotated[str, PERSONAL]
    actor: Actor


class ApproveLabTrip(BaseModel):
    comment: Annotated[str, PERSONAL]
    actor: Actor


class StartLabTrip(BaseModel):
    """The trip happens: the case's clocks stop until the lab's report is on record."""

    with_customer: bool = True
    actor: Actor


class LabResult(BaseModel):
    report_ref: str
    verdict: LabVerdict
    findings: Annotated[str, PERSONAL] = ""


class RecordLabResult(LabResult):
    actor: Actor


class Ruling(BaseModel):
    defect: bool
    cause: DefectCause | None = None
    product: ProductRef | None = None
    liable_department: str | None = None
    summary: Annotated[str, PERSONAL] = ""


class RecordRuling(Ruling):
    actor: Actor


class QualityStart(ProcessStart):
    question: Annotated[str, PERSONAL]
    product: ProductRef | None = None


class LabTrip(BaseModel):
    lab: str
    reason: Annotated[str, PERSONAL]
    requested_by: str
    requested_at: datetime
    approved_by: str | None = None
    approved_at: datetime | None = None
    started_at: datetime | None = None
    with_customer: bool = True
    result: LabResult | None = None
    result_at: datetime | None = None


class QualityRecord(BaseModel):
    question: Annotated[str, PERSONAL]
    product: ProductRef | None = None
    ruling_due: datetime
    overdue: bool = False
    lab_trips: list[LabTrip] = Field(default_factory=list)
    ruling: Ruling | None = None
    ruled_by: str | None = None
    ruled_at: datetime | None = None

    def current_trip(self) -> LabTrip | None:
        """The trip not yet reported on, if any."""
        trip = self.lab_trips[-1] if self.lab_trips else None
        return trip if trip is not None and trip.result is None else None


# --- rules ------------------------------------------------------------------------------


def lab_trip_refusal(record: QualityRecord, step: str) -> Refusal | None:
    """The order of a trip: requested, approved by senior management, started, reported."""
    trip = record.current_trip()
    if step == "request" and trip is not None:
        return _unmet("a test lab trip is already under way: its report comes first")
    if step == "approve" and (trip is None or trip.approved_by is not None):
        return _unmet("there is no test lab trip waiting for approval")
    if step == "start":
        if trip is None or trip.started_at is not None:
            return _unmet("there is no test lab trip to start")
        if trip.approved_by is None:
            return _unmet("a joint trip to an outside test lab needs senior approval first")
    if step == "result" and (trip is None or trip.started_at is None):
        return _unmet("no test lab trip has started")
    return None


def ruling_refusal(record: QualityRecord, ruling: Ruling) -> Refusal | None:
    trip = record.current_trip()
    if trip is not None and trip.started_at is not None:
        return _unmet("the test lab is still working: its report comes before the ruling")
    if ruling.defect and ruling.cause is None:
        return _unmet("a defect's ruling names its cause: the product or its use")
    return None


def ruling_outcome(ruling: Ruling) -> str:
    if not ruling.defect:
        return "no defect"
    product = f" ({ruling.product.label()})" if ruling.product else ""
    cause = "the product" if ruling.cause is DefectCause.PRODUCT else "its use"
    liable = f"; liable: {ruling.liable_department}" if ruling.liable_department else ""
    return f"defect caused by {cause}{product}{liable}"


def _unmet(message: str) -> Refusal:
    return Refusal(RefusalType.CONDITION_NOT_MET, message)
