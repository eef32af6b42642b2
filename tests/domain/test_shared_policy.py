"""A worker keeps one copy of each pinned policy (domain/shared_policy.py)."""

from domain import shared_policy
from domain.policy import Policy
from domain.shared_policy import shared


def decoded(policy: Policy) -> Policy:
    """The policy as a case's start input brings it: a fresh copy from its JSON."""
    return Policy.model_validate_json(policy.model_dump_json())


def test_equal_policies_share_one_copy(policy: Policy) -> None:
    first = shared(decoded(policy))
    second = decoded(policy)
    assert second is not first
    assert shared(second) is first


def test_a_policy_of_the_same_name_but_other_rules_keeps_its_own(policy: Policy) -> None:
    pinned = shared(decoded(policy))
    edited = policy.model_copy(update={"reopen_window_days": policy.reopen_window_days + 1})
    assert edited.version == pinned.version
    copy = shared(decoded(edited))
    assert copy is not pinned
    assert copy.reopen_window_days == policy.reopen_window_days + 1
    assert shared(decoded(policy)) is pinned


def test_the_table_keeps_at_most_its_limit(policy: Policy, monkeypatch) -> None:
    monkeypatch.setattr(shared_policy, "_copies", {})
    sizes = []
    for days in range(1, 2 * shared_policy.LIMIT + 2):
        shared(policy.model_copy(update={"reopen_window_days": days}))
        sizes.append(len(shared_policy._copies))
    assert max(sizes) == shared_policy.LIMIT
    assert sizes[-1] < shared_policy.LIMIT
