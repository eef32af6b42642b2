"""What the console shows instead of codes: each value of the domain's enums in words
(English message ids, translated by the catalogues), the audit trail's actions by the
meaning domain/audit_actions.py gives them, and each problem type by its title in
api/errors.py. tests/console/test_catalogues.py checks every one has a translation."""

from enum import StrEnum

from api.console.actions import CaseAction
from api.console.i18n import N_
from api.errors import PROBLEM_TYPES
from domain.approvals import ApprovalOutcome
from domain.audit_actions import ACTIONS
from domain.authority import Level, Role
from domain.clocks import PauseReason
from domain.crisis import CrisisLevel
from domain.evidence import EvidenceKind, HoldSource
from domain.grades import Grade
from domain.incidents import Incident
from domain.insurance import DocumentKind
from domain.legal import JudgmentStatus, LegalDocumentKind, LegalDocumentState
from domain.lifecycle import CaseWait, Command, Stage
from domain.mediation import ReplyForm
from domain.models import Category, Channel, DeadlineState, ExposureKind, Liability, RemedyKind
from domain.notifications import DeliveryState, NoticeState
from domain.policy import DeadlineName
from domain.processes import ProcessKind
from domain.quality import DefectCause, LabVerdict
from domain.settlement import Consent
from domain.surveys import CallResult
from infra.register import RegisterSort

LABELS: dict[type[StrEnum], dict[str, str]] = {
    NoticeState: {
        NoticeState.QUEUED: N_("Queued"),
        NoticeState.SENT: N_("Sent"),
        NoticeState.FAILED: N_("Failed, retrying"),
        NoticeState.DEAD: N_("Not delivered (stuck)"),
        NoticeState.RESENT: N_("Resent"),
    },
    DeliveryState: {
        DeliveryState.QUEUED: N_("Queued"),
        DeliveryState.RETRYING: N_("Failed, retrying"),
        DeliveryState.SENT: N_("Sent"),
        DeliveryState.SKIPPED: N_("Not sent"),
        DeliveryState.DEAD: N_("Not delivered (stuck)"),
    },
    Stage: {
        Stage.RECEIVED: N_("Registered"),
        Stage.INVESTIGATING: N_("Investigating"),
        Stage.LIABILITY_DECIDED: N_("Liability decided"),
        Stage.REMEDY_PROPOSED: N_("Remedy proposed"),
        Stage.APPROVED: N_("Approved"),
        Stage.CUSTOMER_CONSENTED: N_("Customer consented"),
        Stage.REMEDY_CARRIED_OUT: N_("Remedy carried out"),
        Stage.CLOSED: N_("Closed"),
    },
    CaseWait: {
        CaseWait.ACKNOWLEDGEMENT: N_("Acknowledgement"),
        CaseWait.DEPARTMENT_FINDINGS: N_("Department findings"),
        CaseWait.REMEDY_PROPOSAL: N_("Remedy proposal"),
        CaseWait.MANAGER_APPROVAL: N_("Manager approval"),
        CaseWait.CUSTOMER_CONSENT: N_("Customer's answer"),
        CaseWait.REMEDY_EXECUTION: N_("Carrying out the remedy"),
        CaseWait.FOLLOW_UP_VISIT: N_("Follow-up visit"),
        CaseWait.NOTHING: N_("Nothing"),
        CaseWait.PROCESS_STARTING: N_("Sub-process starting"),
        CaseWait.INSURER_REPORT: N_("Report to the insurer"),
        CaseWait.INSURER: N_("Insurer"),
        CaseWait.CUSTOMER_DOCUMENTS: N_("Customer's documents"),
        CaseWait.POLICE_REPORT: N_("Report to the police"),
        CaseWait.POLICE: N_("Police"),
        CaseWait.CONSUMER_ASSOCIATION: N_("Consumer association"),
        CaseWait.QUALITY_CONTROL: N_("Quality control"),
        CaseWait.LAB_TRIP_APPROVAL: N_("Approval of the test lab trip"),
        CaseWait.TEST_LAB: N_("Outside test lab"),
        CaseWait.PURCHASING: N_("Purchasing"),
        CaseWait.SUPPLIER: N_("Supplier"),
        CaseWait.CUSTOMER: N_("Customer"),
        CaseWait.INSPECTION: N_("Inspection"),
        CaseWait.APPRAISAL: N_("Appraisal"),
        CaseWait.DELAY_DECISION_CUSTOMER_SERVICE: N_("Delay decision (customer service)"),
        CaseWait.DELAY_DECISION_GENERAL_MANAGER: N_("Delay decision (general manager)"),
        CaseWait.DELAY_DECISION_HANDLER: N_("Delay decision (handler)"),
        CaseWait.ESCALATION_ACKNOWLEDGEMENT: N_("Escalation to acknowledge"),
        # Issue 16.
        CaseWait.LEGAL_DOCUMENTS: N_("Legal documents to deal with"),
        CaseWait.COURT: N_("Court"),
        CaseWait.JUDGMENT_EXECUTION: N_("Carrying out the judgment"),
        CaseWait.REGULATOR: N_("Market regulator"),
    },
    Channel: {
        Channel.PHONE: N_("Phone"),
        Channel.WALK_IN: N_("Walk-in"),
        Channel.EMAIL: N_("Email"),
        Channel.WEB: N_("Website"),
        Channel.SOCIAL: N_("Social media"),
        Channel.LETTER: N_("Letter"),
        Channel.FAX: N_("Fax"),
        Channel.ON_SITE: N_("On site"),
        Channel.REGULATOR_REFERRAL: N_("Referred by the regulator"),
        Channel.CONSUMER_ASSOCIATION_REFERRAL: N_("Referred by the consumer association"),
        Channel.MEDIA: N_("Media"),
    },
    Category: {
        Category.PRODUCT_QUALITY: N_("Product quality"),
        Category.SERVICE_QUALITY: N_("Service quality"),
        Category.DELIVERY_INSTALLATION: N_("Delivery and installation"),
        Category.FACILITY_FAULT: N_("Facility fault"),
        Category.PERSONAL_INJURY: N_("Personal injury"),
        Category.LOST_BELONGINGS: N_("Lost belongings"),
        Category.VEHICLE_PARKING: N_("Vehicles and parking"),
        Category.CONFLICT: N_("Conflict"),
        Category.ANTI_THEFT_ALARM: N_("Anti-theft alarm"),
        Category.PRICE: N_("Price"),
        Category.SUGGESTION_ENQUIRY: N_("Suggestion or enquiry"),
        Category.OTHER: N_("Other"),
    },
    Grade: {
        Grade.A: N_("Grade A"),
        Grade.B: N_("Grade B"),
        Grade.C: N_("Grade C"),
        Grade.D: N_("Grade D"),
    },
    CrisisLevel: {
        CrisisLevel.A: N_("Crisis level A"),
        CrisisLevel.B: N_("Crisis level B"),
        CrisisLevel.C: N_("Crisis level C"),
    },
    RemedyKind: {
        RemedyKind.REFUND: N_("Refund"),
        RemedyKind.EXCHANGE: N_("Exchange"),
        RemedyKind.REPAIR: N_("Repair"),
        RemedyKind.COMPENSATION: N_("Compensation"),
        RemedyKind.GOODWILL_PAYMENT: N_("Goodwill payment"),
        RemedyKind.APOLOGY: N_("Apology"),
        RemedyKind.MEDICAL_ADVANCE: N_("Medical advance"),
        RemedyKind.OTHER: N_("Other"),
    },
    Liability: {
        Liability.COMPANY: N_("The company"),
        Liability.SUPPLIER: N_("The supplier"),
        Liability.CUSTOMER: N_("The customer"),
        Liability.THIRD_PARTY: N_("A third party"),
        Liability.SHARED: N_("Shared"),
        Liability.NONE: N_("Nobody"),
    },
    Level: {
        Level.HANDLER: N_("Handler"),
        Level.DUTY_MANAGER: N_("Duty manager"),
        Level.DEPARTMENT_MANAGER: N_("Department manager"),
        Level.SENIOR_MANAGEMENT: N_("Senior management"),
    },
    Role: {
        Role.STAFF: N_("Service desk"),
        Role.HANDLER: N_("Handler"),
        Role.MANAGER: N_("Manager"),
        Role.SENIOR: N_("Senior management"),
        Role.ENGINEER: N_("Engineer"),
    },
    DeadlineName: {
        DeadlineName.ACKNOWLEDGE: N_("Acknowledge the complaint"),
        DeadlineName.DEPARTMENT_REPLY: N_("Department's reply"),
        DeadlineName.PROPOSAL: N_("Propose a remedy"),
        DeadlineName.INFORM_CUSTOMER: N_("Inform the customer"),
        DeadlineName.CLOSE: N_("Close the case"),
        DeadlineName.REOPEN_REPLY: N_("Reply after reopening"),
        DeadlineName.FOLLOW_UP: N_("Follow-up visit"),
        DeadlineName.NEGOTIATION: N_("Negotiation"),
        DeadlineName.REGULATOR_ACCEPTANCE: N_("Regulator's acceptance"),
        DeadlineName.REGULATOR_ANSWER: N_("Answer to the regulator"),
        DeadlineName.RETURN_WINDOW: N_("Return window"),
        DeadlineName.REFUND_AFTER_RETURN: N_("Refund after return"),
        DeadlineName.REPAIR: N_("Repair"),
        DeadlineName.REVISIT_AFTER_REMEDY: N_("Re-visit after the remedy"),
        DeadlineName.REVISIT: N_("Re-visit after closing"),
        DeadlineName.PROMISED: N_("Promised completion date"),
        DeadlineName.HOSPITAL_DECISION: N_("Decide on going to hospital"),
        DeadlineName.ADVANCE_DECISION: N_("Decide on a medical advance"),
        DeadlineName.CORRECTIVE_ACTION: N_("Corrective action"),
        DeadlineName.WEB_ACCEPTANCE: N_("Accept an online complaint"),
    },
    DeadlineState: {
        DeadlineState.PENDING: N_("Running"),
        DeadlineState.MET: N_("Met"),
        DeadlineState.MISSED: N_("Missed"),
        DeadlineState.MET_LATE: N_("Met late"),
        DeadlineState.CANCELLED: N_("Cancelled"),
    },
    PauseReason: {
        PauseReason.CUSTOMER: N_("Waiting on the customer"),
        PauseReason.INSPECTION: N_("Waiting on an inspection"),
        PauseReason.APPRAISAL: N_("Waiting on an appraisal"),
    },
    ExposureKind: {
        ExposureKind.MEDIA: N_("Media attention"),
        ExposureKind.LAWSUIT: N_("Lawsuit"),
    },
    Incident: {
        Incident.SERIOUS_INJURY: N_("Serious injury"),
        Incident.FIGHT: N_("Fight"),
        Incident.ROBBERY: N_("Robbery"),
        Incident.THEFT: N_("Theft"),
        Incident.HIT_AND_RUN: N_("Hit and run"),
        Incident.SHOPLIFTER_REFUSES: N_("Shoplifter refuses to cooperate"),
    },
    ProcessKind: {
        ProcessKind.INSURANCE: N_("Insurance claim"),
        ProcessKind.POLICE: N_("Police report"),
        ProcessKind.MEDIATION: N_("Consumer-association mediation"),
        ProcessKind.QUALITY: N_("Quality inspection"),
        ProcessKind.SUPPLIER: N_("Supplier claim"),
        ProcessKind.LEGAL_DOCUMENTS: N_("Legal documents served"),
        ProcessKind.LAWSUIT: N_("Lawsuit"),
        ProcessKind.REGULATOR: N_("Market regulator's inquiry"),
    },
    # Issue 16.
    DefectCause: {
        DefectCause.PRODUCT: N_("The product itself"),
        DefectCause.USE: N_("How it was used"),
    },
    LabVerdict: {
        LabVerdict.PASSED: N_("Passed"),
        LabVerdict.FAILED: N_("Failed"),
        LabVerdict.INCONCLUSIVE: N_("Inconclusive"),
    },
    # Issue 16 (panels/legal.html).
    LegalDocumentKind: {
        LegalDocumentKind.LAWYER_LETTER: N_("Lawyer's letter"),
        LegalDocumentKind.COURT: N_("Court"),
        LegalDocumentKind.PROCURATORATE: N_("Procuratorate"),
        LegalDocumentKind.POLICE: N_("Police"),
    },
    LegalDocumentState: {
        LegalDocumentState.RECEIVED_UNSIGNED: N_("Received unsigned; to answer"),
        LegalDocumentState.NOT_LEFT: N_("Not signed for, taken back"),
        LegalDocumentState.ANSWERED: N_("Answered"),
        LegalDocumentState.AWAITING_SENIOR: N_("Checked; senior management to be told"),
        LegalDocumentState.SENIOR_INFORMED: N_("Senior management told; may be signed"),
        LegalDocumentState.SIGNED: N_("Signed for (originals)"),
        LegalDocumentState.REFUSED: N_("Not signed for: a check failed"),
    },
    JudgmentStatus: {
        JudgmentStatus.EFFECTIVE: N_("Effective"),
        JudgmentStatus.APPEALED: N_("Appealed"),
    },
    ReplyForm: {
        ReplyForm.ORAL: N_("Oral"),
        ReplyForm.WRITTEN: N_("Written"),
    },
    ApprovalOutcome: {
        ApprovalOutcome.APPROVED: N_("Approved"),
        ApprovalOutcome.REJECTED: N_("Not approved"),
        ApprovalOutcome.CLIMBS: N_("Gone up a level"),
        ApprovalOutcome.RECOMMENDED: N_("Recommended"),
        ApprovalOutcome.REFUSED: N_("Not approved"),
    },
    RegisterSort: {
        RegisterSort.NEWEST: N_("Newest first"),
        RegisterSort.OLDEST: N_("Oldest first"),
        RegisterSort.CASE_NO: N_("By case number"),
        RegisterSort.CASE_NO_DESC: N_("By case number, highest first"),
        RegisterSort.NEXT_DEADLINE: N_("Most urgent deadline first"),
        RegisterSort.GRADE: N_("By grade, A first"),
    },
    Command: {
        Command.ACKNOWLEDGE: N_("Acknowledge"),
        Command.RECORD_FINDINGS: N_("Record findings"),
        Command.PROPOSE_REMEDY: N_("Propose a remedy"),
        Command.DECIDE_APPROVAL: N_("Decide the approval"),
        Command.RECORD_CUSTOMER_RESPONSE: N_("Record the customer's answer"),
        Command.RECORD_RESOLUTION: N_("Record the resolution"),
        Command.RECORD_FOLLOW_UP: N_("Record the follow-up"),
        Command.REOPEN: N_("Reopen"),
        Command.ESCALATE: N_("Escalate"),
        Command.ADD_NOTE: N_("Add a note"),
        Command.REASSIGN_HANDLER: N_("Reassign the handler"),
        Command.PAUSE_CLOCKS: N_("Pause the clocks"),
        Command.RESUME_CLOCKS: N_("Resume the clocks"),
        Command.REQUEST_DELAY: N_("Request a delay"),
        Command.DECIDE_DELAY: N_("Decide the delay"),
        Command.CHANGE_GRADE: N_("Change the grade"),
        Command.REPORT_EXPOSURE: N_("Report media or legal exposure"),
        Command.DECLARE_CRISIS: N_("Declare a crisis"),
        Command.START_STATUTORY_CLOCK: N_("Start a statutory clock"),
        Command.SETTLE_STATUTORY_CLOCK: N_("Settle a statutory clock"),
        Command.ACKNOWLEDGE_ESCALATION: N_("Acknowledge the escalation"),
        Command.RECORD_ATTENDANCE: N_("Record on-site attendance"),
        Command.SETTLE_ON_THE_SPOT: N_("Settle on the spot"),
        Command.PROMISE_COMPLETION: N_("Promise a completion date"),
    },
    CaseAction: {
        CaseAction.CHANGE_RESPONSIBLE: N_("Change the responsible person"),
        CaseAction.DECIDE_HOSPITAL: N_("Decide on going to hospital"),
        CaseAction.DECIDE_ADVANCE: N_("Decide on a medical advance"),
        CaseAction.RECORD_CORRECTIVE_ACTION: N_("Set a corrective action"),
        CaseAction.COMPLETE_CORRECTIVE_ACTION: N_("Complete the corrective action"),
        CaseAction.RECORD_REVISIT: N_("Record a re-visit call"),
        CaseAction.ADD_WITNESS: N_("Record a witness"),
        CaseAction.PLACE_HOLD: N_("Place a legal hold"),
        CaseAction.LIFT_HOLD: N_("Lift the legal hold"),
        CaseAction.START_INSURANCE_CLAIM: N_("Start an insurance claim"),
        CaseAction.START_POLICE_REPORT: N_("Record a police report"),
        CaseAction.START_MEDIATION: N_("Record the association's mediation notice"),
        CaseAction.WITHDRAW_PROCESS: N_("Withdraw the sub-process"),
        # Issue 16.
        CaseAction.START_QUALITY_INSPECTION: N_("Ask quality control for a ruling"),
        CaseAction.START_SUPPLIER_CLAIM: N_("Report the defect to purchasing"),
        CaseAction.REQUEST_LAB_TRIP: N_("Request a joint trip to a test lab"),
        CaseAction.APPROVE_LAB_TRIP: N_("Approve the test lab trip"),
        CaseAction.START_LAB_TRIP: N_("Record the start of the lab trip"),
        CaseAction.RECORD_LAB_RESULT: N_("Record the lab's report"),
        CaseAction.RECORD_QUALITY_RULING: N_("Record quality control's ruling"),
        CaseAction.SEND_SUPPLIER_NOTICE: N_("Record the notice to the supplier"),
        CaseAction.PULL_FROM_SALE: N_("Record goods pulled from sale"),
        CaseAction.RETURN_GOODS: N_("Record goods returned"),
        CaseAction.ASK_COMPENSATION: N_("Ask the supplier for compensation"),
        CaseAction.RECORD_COMPENSATION: N_("Record compensation received"),
        CaseAction.RECORD_SUPPLIER_REFUSAL: N_("Record the supplier's refusal"),
        CaseAction.START_LEGAL_DOCUMENTS: N_("Record legal documents served"),
        CaseAction.START_LAWSUIT: N_("Record a lawsuit against the company"),
        CaseAction.START_REGULATOR_INQUIRY: N_("Record a market regulator's inquiry"),
        CaseAction.LAWYER_LETTER: N_("A lawyer's letter"),
        CaseAction.ANSWER_LAWYER_LETTER: N_("Answer a lawyer's letter"),
        CaseAction.OFFICIAL_PAPERS: N_("Papers of a court, procuratorate or the police"),
        CaseAction.SENIOR_INFORMED: N_("Senior management told"),
        CaseAction.SIGN_PAPERS: N_("Sign for papers"),
        CaseAction.LAWSUIT_HEARING: N_("Schedule a hearing"),
        CaseAction.LAWSUIT_JUDGMENT: N_("Record a judgment"),
        CaseAction.LAWSUIT_EXECUTION: N_("Record the judgment carried out"),
        CaseAction.REGULATOR_WRITTEN_APPROVAL: N_("Approve a written reply to the regulator"),
        CaseAction.REGULATOR_ANSWER: N_("Answer the regulator"),
        CaseAction.REGULATOR_CONCLUSION: N_("Record the regulator's conclusion"),
    },
    EvidenceKind: {
        EvidenceKind.PHOTO: N_("Photo"),
        EvidenceKind.RECORDING: N_("Recording"),
        EvidenceKind.RECEIPT: N_("Receipt"),
        EvidenceKind.MEDICAL_RECORD: N_("Medical record"),
        EvidenceKind.DIAGNOSIS: N_("Diagnosis"),
        EvidenceKind.TEST_RESULT: N_("Test result"),
        EvidenceKind.REST_NOTE: N_("Rest note"),
        EvidenceKind.INCOME_PROOF: N_("Proof of income"),
        EvidenceKind.TRANSFER_CERTIFICATE: N_("Transfer certificate"),
        EvidenceKind.DISCHARGE_CERTIFICATE: N_("Discharge certificate"),
        EvidenceKind.WITNESS_STATEMENT: N_("Witness statement"),
        EvidenceKind.CUSTOMER_STATEMENT: N_("Customer's statement"),
        EvidenceKind.ACCIDENT_REPORT: N_("Accident report"),
        EvidenceKind.CCTV: N_("CCTV footage"),
        EvidenceKind.POLICE_CERTIFICATE: N_("Police certificate"),
        EvidenceKind.INSURER_OPINION: N_("Insurer's opinion"),
        EvidenceKind.AGREEMENT_SCAN: N_("Scan of the agreement"),
        EvidenceKind.OTHER: N_("Other"),
    },
    HoldSource: {
        HoldSource.SENIOR_MANAGEMENT: N_("Senior management's decision"),
        HoldSource.LAWSUIT: N_("A lawsuit"),
        HoldSource.REGULATOR: N_("The regulator"),
        HoldSource.POLICE: N_("The police"),
        HoldSource.MEDIA: N_("The media"),
    },
    CallResult: {
        CallResult.REACHED: N_("Reached the customer"),
        CallResult.NO_ANSWER: N_("No answer"),
        CallResult.REFUSED: N_("Reached, but would not answer"),
        CallResult.WRONG_NUMBER: N_("Wrong number"),
    },
    Consent: {
        Consent.ORAL: N_("Oral"),
        Consent.SIGNED: N_("Signed agreement"),
    },
    DocumentKind: {
        DocumentKind.MEDICAL_RECORDS: N_("Medical records"),
        DocumentKind.DIAGNOSIS: N_("Diagnosis"),
        DocumentKind.TESTS: N_("Test results"),
        DocumentKind.RECEIPTS: N_("Receipts"),
        DocumentKind.REST_NOTE: N_("Rest note"),
        DocumentKind.INCOME_PROOF: N_("Proof of income"),
        DocumentKind.TRANSFER_CERTIFICATE: N_("Transfer certificate"),
    },
}

# The audit trail's actions by their meaning (the domain's words are the message ids).
ACTION_MEANINGS: dict[str, str] = {action.name: action.meaning for action in ACTIONS}
# Problem types by their title.
PROBLEM_TITLES: dict[str, str] = {kind: title for kind, (_, title) in PROBLEM_TYPES.items()}


def label_msgid(kind: type[StrEnum], value: str) -> str:
    """The English text of a value (the message id); the value itself when unknown, so an
    old case's retired value still shows."""
    return LABELS[kind].get(value, value)


def dynamic_messages() -> set[str]:
    """Message ids that reach the page through a table rather than a literal `_()`."""
    ids = {text for labels in LABELS.values() for text in labels.values()}
    return ids | set(ACTION_MEANINGS.values()) | set(PROBLEM_TITLES.values())
