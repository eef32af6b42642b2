"""One waiting-on vocabulary (domain/lifecycle.py CaseWait) for the workflow's
CaseWaitingOn, the register's `waiting_on` filter and the API."""

from domain.clocks import PauseReason
from domain.delays import DelayRequest, DelayState
from domain.lifecycle import CaseWait, WaitingOn, case_waits, delay_decision_wait


def test_every_wait_a_case_can_publish_is_in_the_vocabulary() -> None:
    assert {w.value for w in WaitingOn} <= {w.value for w in CaseWait}
    assert {r.value for r in PauseReason} <= {w.value for w in CaseWait}
    for state in DelayState:
        decider = DelayRequest.model_construct(state=state).waiting_on
        if decider is not None:
            assert delay_decision_wait(decider) in {w.value for w in CaseWait}


def test_a_case_waits_on_its_stage_first_then_everything_else_it_waits_on() -> None:
    assert case_waits(
        WaitingOn.MANAGER_APPROVAL,
        processes=[CaseWait.INSURER.value],
        paused_for=PauseReason.APPRAISAL.value,
        delay_decider="customer_service",
        escalation_unacknowledged=True,
    ) == [
        "manager-approval",
        "insurer",
        "appraisal",
        "delay-decision-customer-service",
        "escalation-acknowledgement",
    ]
