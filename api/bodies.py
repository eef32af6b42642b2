"""The HTTP bodies of the API: what a request may say (strict, unknown fields refused).

These are separate from the workflow messages (domain/models.py and the sub-process
modules), which are what histories hold. A body may tighten at any time: it only decides
what a new request may say, never what a recorded history must still read
(tests/api/test_bodies_and_messages.py). Each command maps its body to its message in
one place, api/commands.py.

A rule between fields is checked on the field it asks for, so a 422 names that field in
`loc` (`["body", "agreement_ref"]`), not the whole body: the field is validated even when
it is left out (`validate_default`) and reads the fields declared before it.
"""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    EmailStr,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from domain.clocks import PauseReason
from domain.crisis import CrisisLevel
from domain.evidence import HoldSource
from domain.grades import Grade
from domain.incidents import Incident
from domain.insurance import DamageHead, DocumentKind, OpinionDecision
from domain.legal import JudgmentStatus, LegalDocumentKind
from domain.mediation import Failure, MediationResult, ReplyForm
from domain.models import (
    Category,
    Channel,
    ContactChannel,
    Customer,
    CustomerLanguage,
    ExposureKind,
    Intake,
    Liability,
    PurchaseProof,
    RemedyKind,
)
from domain.money import Money, PositiveMoney
from domain.personal_data import PERSONAL
from domain.police import Recipient
from domain.policy import DeadlineName
from domain.products import ProductRef, fold
from domain.quality import DefectCause, LabVerdict
from domain.settlement import Consent
from domain.stop_sale import IssuerKind, OrderForm
from domain.strict import MOMENT_SCHEMA, Day, Moment, StrictModel, this_century
from domain.surveys import CallResult

# Dates a person types for a clock: within this century, so a typo of a year is a 422
# and not a deadline Temporal cannot index (domain/strict.py); a moment with its offset.
ClockDate = Day
ClockMoment = Annotated[AwareDatetime, AfterValidator(this_century), MOMENT_SCHEMA]
ShortText = Annotated[str, Field(min_length=1, max_length=200)]
LongText = Annotated[str, Field(min_length=1, max_length=5000)]


def _given(info: ValidationInfo, name: str) -> Any:
    """A field declared before this one, or None when it is missing or was invalid (its
    own problem is reported already)."""
    return info.data.get(name)


# --- intake -----------------------------------------------------------------------


# A phone number the SMS gateway can text: digits, an optional leading +, spaces or dashes
# between groups (138-0000-0000, +86 138 0000 0000).
PhoneNumber = Annotated[
    str, Field(min_length=5, max_length=30, pattern=r"^\+?[0-9][0-9 \-]{3,28}[0-9]$")
]


class CustomerCreate(StrictModel):
    """The customer. Messages about the case (docs/customer-messages.md) go out only with
    `contact_consent`, on `contact_channel`, to the matching address; each rule is checked
    on the field it asks for, declared after the one it reads."""

    name: ShortText
    contact: ShortText
    language: CustomerLanguage = Field(
        CustomerLanguage.ZH, description="The language messages and the survey page use"
    )
    contact_consent: bool = Field(
        False, description="The customer agreed to be told about the case (email or SMS)"
    )
    contact_channel: ContactChannel | None = Field(
        None, description="Where messages go; needs contact_consent", validate_default=True
    )
    email: EmailStr | None = Field(
        None, max_length=200, description="Needed for contact_channel email", validate_default=True
    )
    phone: PhoneNumber | None = Field(
        None, description="Needed for contact_channel sms", validate_default=True
    )

    @field_validator("contact_channel")
    @classmethod
    def _channel_needs_consent(
        cls, channel: ContactChannel | None, info: ValidationInfo
    ) -> ContactChannel | None:
        consent = _given(info, "contact_consent")
        if channel is not None and consent is False:
            raise ValueError("contact_channel needs contact_consent: the customer's agreement")
        if channel is None and consent is True:
            raise ValueError("contact_channel is required when the customer consents")
        return channel

    @field_validator("email")
    @classmethod
    def _email_channel_needs_email(cls, email: str | None, info: ValidationInfo) -> str | None:
        if _given(info, "contact_channel") is ContactChannel.EMAIL and not email:
            raise ValueError("email is required when contact_channel is email")
        return email

    @field_validator("phone")
    @classmethod
    def _sms_channel_needs_phone(cls, phone: str | None, info: ValidationInfo) -> str | None:
        if _given(info, "contact_channel") is ContactChannel.SMS and not phone:
            raise ValueError("phone is required when contact_channel is sms")
        return phone

    def to_record(self) -> Customer:
        return Customer.model_validate(self.model_dump())


class PurchaseProofCreate(StrictModel):
    receipt_no: ShortText | None = None
    purchase_date: date | None = None

    def to_record(self) -> PurchaseProof:
        return PurchaseProof(receipt_no=self.receipt_no, purchase_date=self.purchase_date)


class LostPropertyCreate(StrictModel):
    """A lost-property intake (000 五): what was lost, where and when."""

    item: ShortText
    where: ShortText
    lost_at: ClockMoment | None = None
    locker: bool = Field(False, description="Lost from a locker: its own rule (000 五)")


class ProductRefCreate(StrictModel):
    """The product a complaint or an order is about (issue 16): its SKU and batch match
    case, spacing and full-width forms aside (domain/products.py)."""

    sku: ShortText | None = Field(None, description="The product's SKU", examples=["WD-1800"])
    batch: ShortText | None = Field(None, description="Its batch or lot", examples=["B2611"])
    name: ShortText | None = Field(None, examples=["两门衣柜 1.8 m"])

    @field_validator("sku", "batch", "name")
    @classmethod
    def _folded(cls, value: str | None) -> str | None:
        folded = fold(value)
        if value is not None and folded is None:
            raise ValueError("may not be blank")
        return folded

    @model_validator(mode="after")
    def _something(self) -> "ProductRefCreate":
        if self.sku is None and self.batch is None and self.name is None:
            raise ValueError("name the product: sku, batch or name")
        return self

    def to_record(self) -> ProductRef:
        return ProductRef.model_validate(self.model_dump())


class ComplaintCreate(StrictModel):
    """What intake records (DOMAIN section 2)."""

    channel: Channel
    store: ShortText
    category: Category
    description: LongText
    occurred_at: datetime | None = None
    requested_remedy: ShortText
    claimed_amount: Money = Decimal("0")
    customer: CustomerCreate
    people_affected: int = Field(1, ge=1, le=100000)
    purchase_proof: PurchaseProofCreate | None = None
    media_attention: bool = False
    litigation_threatened: bool = False
    incident: Incident | None = Field(
        None, description="An incident that calls for the police (DOMAIN section 6)"
    )
    subject: ShortText | None = Field(
        None,
        description=(
            "What the complaint is about, as the desk tags it: the product or SKU and the fault"
            " ('sofa ZX-200 stitching'). Complaints with the same subject, category and store"
            " from different customers are identical: enough of them within the policy's"
            " window make grade B (DOMAIN section 4). Case, spacing and full-width forms do"
            " not matter; no subject, no repeat check. Never the customer's name."
        ),
        examples=["sofa ZX-200 stitching"],
    )
    lost_property: LostPropertyCreate | None = None
    caused_by_goods: bool = Field(
        False, description="An injury caused by goods sold, not one in the store (000 三)"
    )
    other_vehicle_plate: ShortText | None = Field(
        None, description="Vehicle intakes: the plate number of the other vehicle (000 六)"
    )
    product: ProductRefCreate | None = Field(
        None,
        description="The product the complaint is about (SKU, batch, name): a case about a"
        " product under a stop-sale order is linked to it (docs/stop-sale-orders.md)",
    )

    def to_intake(self) -> Intake:
        """The intake as the register row and the case's workflow input hold it."""
        return Intake.model_validate(
            self.model_dump(exclude={"customer", "purchase_proof", "lost_property", "product"})
            | {
                "customer": self.customer.to_record(),
                "purchase_proof": self.purchase_proof and self.purchase_proof.to_record(),
                "lost_property": self.lost_property and self.lost_property.model_dump(),
                "product": self.product and self.product.to_record(),
            }
        )


# --- case commands ----------------------------------------------------------------


class AcknowledgeBody(StrictModel):
    note: str | None = Field(None, max_length=2000)


class FindingsBody(StrictModel):
    valid: bool
    liability: Liability
    summary: LongText
    reason: str | None = Field(
        None, max_length=2000, description="Why, when not valid", validate_default=True
    )
    cause: ShortText | None = Field(
        None, description="The cause, one of the policy's `lessons.causes` (事后检讨)"
    )
    responsible_unit: ShortText | None = Field(None, description="The unit responsible")

    @field_validator("reason")
    @classmethod
    def _invalid_needs_reason(cls, reason: str | None, info: ValidationInfo) -> str | None:
        if _given(info, "valid") is False and not reason:
            raise ValueError("reason is required when the complaint is not valid")
        return reason


class ProposalBody(StrictModel):
    kind: RemedyKind
    amount: Money
    details: LongText
    heads: dict[DamageHead, Money] = Field(
        default_factory=dict,
        description="Injury cases: the amount per head of damage; they add up to amount",
        validate_default=True,
    )
    court_judgment_ref: ShortText | None = Field(
        None, description="An effective court judgment, where a category's rule accepts one"
    )
    written_answer_ref: ShortText | None = Field(
        None, description="The insurer's or property-management company's written answer"
    )

    @field_validator("heads")
    @classmethod
    def _heads_add_up(
        cls, heads: dict[DamageHead, Decimal], info: ValidationInfo
    ) -> dict[DamageHead, Decimal]:
        amount = _given(info, "amount")
        if heads and amount is not None and sum(heads.values()) != amount:
            raise ValueError(f"heads must add up to amount ({amount}), not {sum(heads.values())}")
        return heads


class ApprovalBody(StrictModel):
    approve: bool
    comment: str = Field(min_length=1, max_length=2000)


class CustomerResponseBody(StrictModel):
    accepted: bool
    agreement_ref: str | None = Field(None, min_length=1, max_length=100, validate_default=True)
    reason: str | None = Field(None, max_length=2000, validate_default=True)
    written_answer_ref: ShortText | None = Field(
        None, description="The insurer's or property-management company's written answer"
    )

    @field_validator("agreement_ref")
    @classmethod
    def _acceptance_needs_agreement(cls, ref: str | None, info: ValidationInfo) -> str | None:
        if _given(info, "accepted") is True and not ref:
            raise ValueError("agreement_ref is required when the customer accepts")
        return ref

    @field_validator("reason")
    @classmethod
    def _rejection_needs_reason(cls, reason: str | None, info: ValidationInfo) -> str | None:
        if _given(info, "accepted") is False and not reason:
            raise ValueError("reason is required when the customer rejects")
        return reason


class SettleBody(StrictModel):
    """Settled on the spot (000 十.5B): what was given, and the customer's consent."""

    kind: RemedyKind
    amount: Money = Decimal("0")
    given: LongText = Field(description="What the customer was given, in words")
    consent: Consent = Field(description="oral, or signed (with agreement_ref)")
    agreement_ref: str | None = Field(None, min_length=1, max_length=100, validate_default=True)
    court_judgment_ref: ShortText | None = None

    @field_validator("agreement_ref")
    @classmethod
    def _signed_needs_agreement(cls, ref: str | None, info: ValidationInfo) -> str | None:
        if _given(info, "consent") is Consent.SIGNED and not ref:
            raise ValueError("agreement_ref is required when the customer signed")
        return ref


class HospitalDecisionBody(StrictModel):
    """000 三: who accompanies the injured customer to hospital, or neither with the reason."""

    accompanied_by: ShortText | None = None
    neither_reason: str | None = Field(None, max_length=2000, validate_default=True)

    @field_validator("neither_reason")
    @classmethod
    def _neither_needs_reason(cls, reason: str | None, info: ValidationInfo) -> str | None:
        if not _given(info, "accompanied_by") and not reason:
            raise ValueError("neither_reason is required when nobody accompanies the customer")
        return reason


class AdvanceDecisionBody(StrictModel):
    """000 三: the medical advance (how much, against which documents), or neither."""

    amount: PositiveMoney | None = None
    documents: list[DocumentKind] = Field(default_factory=list, validate_default=True)
    neither_reason: str | None = Field(None, max_length=2000, validate_default=True)

    @field_validator("documents")
    @classmethod
    def _advance_names_documents(
        cls, documents: list[DocumentKind], info: ValidationInfo
    ) -> list[DocumentKind]:
        if _given(info, "amount") and not documents:
            raise ValueError("documents: name the originals the advance is paid against")
        return documents

    @field_validator("neither_reason")
    @classmethod
    def _neither_needs_reason(cls, reason: str | None, info: ValidationInfo) -> str | None:
        if not _given(info, "amount") and not reason:
            raise ValueError("neither_reason is required when no advance is paid")
        return reason


class CorrectiveActionBody(StrictModel):
    """5W2H (issue 19): what, why, who, where, when (due_by), how, how much."""

    what: LongText
    why: LongText
    who: ShortText = Field(description="The owner's user id")
    where: ShortText
    due_by: ClockMoment
    how: LongText
    how_much: Money | None = None


class CorrectiveDoneBody(StrictModel):
    note: LongText


class ResponsibleBody(StrictModel):
    """004: the new responsible person; the department head makes the change."""

    person: ShortText = Field(description="The new responsible person's user id")
    reason: str = Field(min_length=1, max_length=2000)


class PromiseBody(StrictModel):
    """The completion date promised to the customer (000 十.5B)."""

    promised_by: ClockMoment
    note: str | None = Field(None, max_length=2000)


class ResolutionBody(StrictModel):
    summary: LongText


class FollowUpBody(StrictModel):
    satisfaction: int = Field(ge=1, le=5)
    comment: str | None = Field(None, max_length=2000)


class RevisitBody(StrictModel):
    """A re-visit call to the customer of a closed case (issue 19 section 5)."""

    call_result: CallResult
    satisfaction: int | None = Field(
        None,
        ge=1,
        le=5,
        description="1-5; required when the customer was reached",
        validate_default=True,
    )
    comment: str | None = Field(None, max_length=2000)

    @field_validator("satisfaction")
    @classmethod
    def _reached_needs_satisfaction(cls, value: int | None, info: ValidationInfo) -> int | None:
        if _given(info, "call_result") is CallResult.REACHED and value is None:
            raise ValueError("satisfaction is required when the customer was reached")
        return value


class ReasonBody(StrictModel):
    reason: str = Field(min_length=1, max_length=2000)


class NoteBody(StrictModel):
    text: LongText


class ReassignBody(StrictModel):
    handler: str = Field(min_length=1, max_length=100, description="User id of the new handler")
    reason: str = Field(min_length=1, max_length=2000)


class PauseBody(StrictModel):
    reason: PauseReason = Field(description="Whom or what the case waits on meanwhile")
    note: str = Field(min_length=1, max_length=2000)


class ResumeBody(StrictModel):
    note: str | None = Field(None, max_length=2000)


class DelayRequestBody(StrictModel):
    deadline: DeadlineName
    new_due_on: ClockDate = Field(description="The new last day, in the store's time zone")
    reason: str = Field(min_length=1, max_length=2000)


class DelayDecisionBody(StrictModel):
    accept: bool
    comment: str = Field(min_length=1, max_length=2000)


class GradeChangeBody(StrictModel):
    grade: Grade
    reason: str = Field(min_length=1, max_length=2000)


class ExposureBody(StrictModel):
    kind: ExposureKind
    detail: str = Field(min_length=1, max_length=2000)


class CrisisBody(StrictModel):
    level: CrisisLevel
    reason: str = Field(min_length=1, max_length=2000)


class StartClockBody(StrictModel):
    clock: DeadlineName = Field(description="A clock of the policy's statutory section")
    started_at: ClockMoment | None = Field(None, description="When it began; default now")
    due_on: ClockDate | None = Field(
        None, description="The last day an authority set (a regulator's answer)"
    )
    reference: str | None = Field(None, max_length=200)


class SettleClockBody(StrictModel):
    clock: DeadlineName
    note: str = Field(min_length=1, max_length=2000)


class AttendanceBody(StrictModel):
    note: str = Field(min_length=1, max_length=2000)


# --- sub-processes: starting and withdrawing, through the case ---------------------


class StartInsuranceClaimBody(StrictModel):
    reason: str = Field(min_length=1, max_length=2000)
    insurer: str | None = Field(None, min_length=1, max_length=200)


class StartPoliceReportBody(StrictModel):
    reason: str = Field(min_length=1, max_length=2000)
    incident: Incident | None = None


class StartMediationBody(StrictModel):
    """The association's notice: the customer's own visit starts nothing."""

    association: str = Field(min_length=1, max_length=200)
    notice_ref: str = Field(min_length=1, max_length=100)
    accepted_on: Day = Field(description="The day the association accepted the complaint")


class WithdrawBody(StrictModel):
    reason: str = Field(min_length=1, max_length=2000)


# --- insurance claim --------------------------------------------------------------


class InsurerReportBody(StrictModel):
    insurer: str = Field(min_length=1, max_length=200)
    claim_ref: str = Field(min_length=1, max_length=100)
    reported_at: Moment | None = Field(None, description="Default: now")


class DocumentsBody(StrictModel):
    documents: list[DocumentKind] = Field(min_length=1)
    originals: bool = Field(
        True,
        description="True only when you, who send this, saw the paper originals; False for"
        " copies. Only originals count for advancing medical fees",
    )
    evidence_ids: list[uuid.UUID] = Field(
        default_factory=list,
        max_length=50,
        description="The uploaded files of these documents (evidence ids of this case)",
    )
    note: str | None = Field(None, max_length=2000)


class OpinionBody(StrictModel):
    decision: OpinionDecision
    written_ref: str = Field(
        min_length=1, max_length=100, description="The insurer's written opinion"
    )
    amounts: dict[DamageHead, Money] = Field(
        default_factory=dict,
        description="What the insurer pays, per head of damage",
        validate_default=True,
    )
    reason: str | None = Field(None, max_length=2000, validate_default=True)
    documents_needed: list[DocumentKind] = Field(default_factory=list, validate_default=True)
    advance_without_originals: bool = Field(
        False, description="The insurer agrees in writing that originals are not needed"
    )

    @field_validator("amounts")
    @classmethod
    def _paying_needs_amounts(cls, amounts: dict[Any, Any], info: ValidationInfo) -> Any:
        if _given(info, "decision") is OpinionDecision.PAYS and not amounts:
            raise ValueError("amounts are required when the insurer pays")
        return amounts

    @field_validator("reason")
    @classmethod
    def _refusing_needs_reason(cls, reason: str | None, info: ValidationInfo) -> str | None:
        if _given(info, "decision") is OpinionDecision.REFUSES and not reason:
            raise ValueError("reason is required when the insurer refuses")
        return reason

    @field_validator("documents_needed")
    @classmethod
    def _asking_needs_documents(cls, needed: list[Any], info: ValidationInfo) -> list[Any]:
        if _given(info, "decision") is OpinionDecision.NEEDS_DOCUMENTS and not needed:
            raise ValueError("documents_needed is required when the insurer needs documents")
        return needed


class AdvanceExceptionBody(StrictModel):
    reason: str = Field(min_length=1, max_length=2000)


# --- police report ----------------------------------------------------------------


class PoliceCallBody(StrictModel):
    reported_by: str = Field(min_length=1, max_length=200, description="Who called the police")
    reported_at: Moment
    station: str = Field(min_length=1, max_length=200)


class CertificateBody(StrictModel):
    certificate_no: str = Field(min_length=1, max_length=100)


class ForensicAssessmentBody(StrictModel):
    requested_at: Moment
    result: str | None = Field(None, max_length=2000, description="Once the police have it")


class CctvHandoverBody(StrictModel):
    recipient: Recipient
    recipient_name: str = Field(min_length=1, max_length=200)
    footage_ref: str = Field(min_length=1, max_length=200)
    evidence_ids: list[uuid.UUID] = Field(
        default_factory=list,
        max_length=50,
        description="The uploaded CCTV files handed over (evidence ids of this case, kind cctv)",
    )


class PoliceOutcomeBody(StrictModel):
    outcome: str = Field(min_length=1, max_length=2000)


# --- consumer-association mediation -----------------------------------------------


class RepresentativeBody(StrictModel):
    name: str = Field(min_length=1, max_length=200)


class SessionBody(StrictModel):
    at: Moment
    place: str = Field(min_length=1, max_length=200)


class ReplyBody(StrictModel):
    form: ReplyForm
    content: str = Field(min_length=1, max_length=5000)


class WrittenReplyApprovalBody(StrictModel):
    comment: str = Field(min_length=1, max_length=2000)


class ExtensionBody(StrictModel):
    until: Day
    association_ref: str = Field(min_length=1, max_length=100)


class MediationOutcomeBody(StrictModel):
    result: MediationResult
    amount: PositiveMoney | None = Field(None, validate_default=True)
    agreement_ref: str | None = Field(None, min_length=1, max_length=100, validate_default=True)
    failure: Failure | None = Field(None, validate_default=True)
    statement_ref: str | None = Field(None, min_length=1, max_length=100, validate_default=True)

    @field_validator("amount", "agreement_ref")
    @classmethod
    def _settlement_terms(cls, value: Any, info: ValidationInfo) -> Any:
        result = _given(info, "result")
        if result is MediationResult.SETTLED and not value:
            raise ValueError(f"{info.field_name} is required for a settlement")
        if result is MediationResult.FAILED and value is not None:
            raise ValueError(f"a failed mediation has no {info.field_name}")
        return value

    @field_validator("failure")
    @classmethod
    def _failure_named(cls, failure: Failure | None, info: ValidationInfo) -> Failure | None:
        if _given(info, "result") is MediationResult.FAILED and failure is None:
            raise ValueError("failure is required when mediation fails")
        return failure

    @field_validator("statement_ref")
    @classmethod
    def _signed_statement(cls, ref: str | None, info: ValidationInfo) -> str | None:
        if (
            _given(info, "result") is MediationResult.FAILED
            and _given(info, "failure") is Failure.SIGNED_NON_ACCEPTANCE
            and not ref
        ):
            raise ValueError("statement_ref is required for a signed statement")
        return ref


# --- issue 16: legal documents, the lawsuit, the regulator (docs/legal-and-regulator.md)


class StartLegalDocumentsBody(StrictModel):
    reason: str = Field(min_length=1, max_length=2000)


class LawyerLetterBody(StrictModel):
    sender: str = Field(min_length=1, max_length=200, description="The law firm and lawyer")
    on_behalf_of: str | None = Field(None, min_length=1, max_length=200)
    left: bool = Field(description="The bearer left it at the desk (it is never signed for)")
    summary: str = Field("", max_length=5000)


class AnswerLawyerLetterBody(StrictModel):
    number: int = Field(ge=1, description="The document's number in the case's record")
    answer_ref: str = Field(min_length=1, max_length=100)
    summary: str = Field("", max_length=5000)


class OfficialPapersBody(StrictModel):
    issuer: LegalDocumentKind = Field(description="court, procuratorate or police")
    title: str = Field(min_length=1, max_length=200)
    reference: str = Field("", max_length=100)
    bearer: str = Field(min_length=1, max_length=200)
    bearer_identity_checked: bool = Field(description="The bearer showed valid official ID")
    company_name_matches: bool = Field(description="The company name on them is exactly ours")
    enclosures_listed: list[ShortText] = Field(default_factory=list, max_length=50)

    @field_validator("issuer")
    @classmethod
    def _official(cls, issuer: LegalDocumentKind) -> LegalDocumentKind:
        if issuer is LegalDocumentKind.LAWYER_LETTER:
            raise ValueError("a lawyer's letter goes to lawyer-letter: it is never signed for")
        return issuer


class InformSeniorBody(StrictModel):
    number: int = Field(ge=1)
    informed: str = Field(min_length=1, max_length=500, description="Whom, and how")


class SignPapersBody(StrictModel):
    number: int = Field(ge=1)
    signed_by: str = Field(min_length=1, max_length=200, description="The designated person")
    original: bool = Field(description="Only originals are signed for")
    enclosures_received: list[ShortText] = Field(default_factory=list, max_length=50)


class StartLawsuitBody(StrictModel):
    court: str = Field(min_length=1, max_length=200)
    court_case_no: str = Field(min_length=1, max_length=100)
    filed_on: Day
    claim: str = Field(min_length=1, max_length=2000)
    claimed_amount: PositiveMoney | None = None


class HearingBody(StrictModel):
    at: Moment
    place: str = Field(min_length=1, max_length=200)


class JudgmentBody(StrictModel):
    judgment_ref: str = Field(min_length=1, max_length=100)
    judged_on: Day
    status: JudgmentStatus
    orders_amount: Money | None = Field(None, description="What it orders the company to pay")
    pay_by: Day | None = Field(None, description="Its own date for the payment, if it names one")
    summary: str = Field("", max_length=5000)


class ExecutionBody(StrictModel):
    payment_ref: str = Field(min_length=1, max_length=100)
    amount: PositiveMoney


class StartRegulatorInquiryBody(StrictModel):
    regulator: str = Field(min_length=1, max_length=200)
    official_letter_ref: str = Field(min_length=1, max_length=100)
    visitor: str = Field(min_length=1, max_length=200)
    visitor_identity_checked: bool = Field(description="The visitor's official ID was checked")
    questions: str = Field("", max_length=5000)


class RegulatorAnswerBody(StrictModel):
    form: ReplyForm
    content: str = Field(min_length=1, max_length=5000)
    department: str = Field(min_length=1, max_length=200)


class ConclusionBody(StrictModel):
    conclusion: str = Field(min_length=1, max_length=2000)


class LateDocumentBody(StrictModel):
    reference: str = Field(
        min_length=1,
        max_length=100,
        description="The certificate's number, or the reference of the insurer's opinion",
    )
    note: str | None = Field(None, max_length=2000)


# --- evidence, witnesses, legal holds (docs/evidence.md) -----------------------------


class WitnessBody(StrictModel):
    """A witness (DOMAIN 8, 000: names, phone numbers and written statements at once)."""

    name: Annotated[str, PERSONAL] = Field(min_length=1, max_length=200)
    phone: Annotated[str, PERSONAL] = Field("", max_length=50)
    saw: Annotated[str, PERSONAL] = Field("", max_length=5000, description="What they saw")
    statement_evidence_id: uuid.UUID | None = Field(
        None, description="Their written statement: an evidence id of this case"
    )


class HoldBody(StrictModel):
    source: HoldSource = Field(
        description="senior_management's own decision, or the proceedings that impose it"
    )
    reference: str = Field(
        "", max_length=200, description="The court's, regulator's or police's case number"
    )
    reason: str = Field(min_length=1, max_length=2000)


class LiftHoldBody(StrictModel):
    reason: str = Field(min_length=1, max_length=2000)


# --- stop-sale orders (docs/stop-sale-orders.md) ------------------------------------


class StopSaleOrderCreate(StrictModel):
    """An authority's order to stop selling a product (000 四.18), as the desk records it."""

    issuer: ShortText = Field(
        description="The authority", examples=["上海市浦东新区市场监督管理局"]
    )
    issuer_kind: IssuerKind
    reference: ShortText | None = Field(
        None, description="The order's number; a written order has one, an oral one may not"
    )
    form: OrderForm = Field(description="oral: the written order is asked for, with a deadline")
    ordered_on: Day
    product: ProductRefCreate
    stores: list[ShortText] = Field(
        default_factory=list,
        max_length=200,
        description="The stores it names; none: every store carrying the product",
    )
    note: LongText | None = None

    @model_validator(mode="after")
    def _written_has_reference(self) -> "StopSaleOrderCreate":
        if self.form is OrderForm.WRITTEN and self.reference is None:
            raise ValueError("a written order has a reference: its number")
        if self.product.sku is None and self.product.batch is None:
            raise ValueError("product: an order names the SKU or the batch it stops")
        return self


class WrittenOrderBody(StrictModel):
    reference: ShortText = Field(description="The written order's number")
    received_on: Day | None = None
    note: LongText | None = None


class LiftOrderBody(StrictModel):
    reason: LongText = Field(description="How the authority withdrew or lifted it")
    reference: ShortText | None = Field(None, description="The authority's lifting document")
    lifted_on: Day | None = None


# --- issue 16: quality inspection and supplier claim (docs/quality-and-supplier.md) ------


class StartQualityInspectionBody(StrictModel):
    """Asks quality control for a ruling; the product is the intake's unless named."""

    question: LongText = Field(description="What quality control is asked to rule on")
    product: ProductRefCreate | None = None


class LabTripRequestBody(StrictModel):
    lab: ShortText = Field(description="The outside test lab")
    reason: LongText


class LabTripApprovalBody(StrictModel):
    comment: LongText


class LabTripStartBody(StrictModel):
    with_customer: bool = Field(True, description="A joint trip with the customer")


class LabResultBody(StrictModel):
    report_ref: ShortText = Field(description="The lab report's number")
    verdict: LabVerdict
    findings: str = Field("", max_length=5000, description="What the report found")


class QualityRulingBody(StrictModel):
    defect: bool
    cause: DefectCause | None = Field(
        None, validate_default=True, description="product or use: required for a defect"
    )
    product: ProductRefCreate | None = Field(None, description="The SKU and batch ruled on")
    liable_department: ShortText | None = Field(
        None, description="The department liable (policy `routing.departments`)"
    )
    summary: LongText = Field(description="The ruling's grounds")

    @field_validator("cause")
    @classmethod
    def _cause_of_defect(cls, cause: DefectCause | None, info: ValidationInfo):
        defect = _given(info, "defect")
        if defect is True and cause is None:
            raise ValueError("cause is required for a defect")
        if defect is False and cause is not None:
            raise ValueError("no defect has no cause")
        return cause


class StartSupplierClaimBody(StrictModel):
    """Reports the defect to purchasing; the product is the ruling's (or the intake's)."""

    supplier: ShortText
    reason: LongText
    product: ProductRefCreate | None = None


class SupplierNoticeBody(StrictModel):
    reference: ShortText = Field(description="The notice's number")
    sent_on: Day


class PullFromSaleBody(StrictModel):
    store: ShortText
    sku: ShortText | None = None
    batch: ShortText | None = Field(None, validate_default=True)
    quantity: int | None = Field(None, gt=0, le=1_000_000)

    @field_validator("batch")
    @classmethod
    def _sku_or_batch(cls, batch: str | None, info: ValidationInfo) -> str | None:
        if batch is None and _given(info, "sku") is None:
            raise ValueError("name the SKU or the batch pulled from sale")
        return batch


class ReturnGoodsBody(StrictModel):
    quantity: int = Field(gt=0, le=1_000_000)
    reference: ShortText


class CompensationDemandBody(StrictModel):
    amount: PositiveMoney
    reference: ShortText


class CompensationReceivedBody(StrictModel):
    amount: PositiveMoney
    reference: ShortText
    final: bool = Field(False, description="Nothing more will come: the claim ends")


class SupplierRefusalBody(StrictModel):
    reason: LongText
