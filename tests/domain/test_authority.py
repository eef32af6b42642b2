"""Authority limits and who approves what (DOMAIN section 7)."""

from decimal import Decimal

from domain.authority import Level
from domain.policy import Policy


def test_each_amount_goes_to_the_lowest_level_that_covers_it(policy: Policy) -> None:
    approver = policy.authority.approver_for
    assert approver(Decimal("150")) is Level.DUTY_MANAGER
    assert approver(Decimal("200.01")) is Level.DEPARTMENT_MANAGER
    assert approver(Decimal("5000")) is Level.DEPARTMENT_MANAGER
    assert approver(Decimal("5000.01")) is Level.SENIOR_MANAGEMENT
    assert approver(Decimal("150"), above=Level.DEPARTMENT_MANAGER) is Level.SENIOR_MANAGEMENT
