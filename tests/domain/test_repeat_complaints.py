"""What makes complaints identical, and how a repeat grades (DOMAIN section 4), as pure rules."""

from decimal import Decimal

import pytest

from domain.grades import (
    GradingPolicy,
    RepeatComplaints,
    customer_key,
    grade_at_intake,
    subject_key,
)


def _grade(repeats: RepeatComplaints | None, **fields):
    values = {
        "category": "product_quality",
        "people_affected": 1,
        "claimed_amount": Decimal("100"),
        "media_attention": False,
        "litigation_threatened": False,
    } | fields
    return grade_at_intake(**values, policy=GradingPolicy(), repeats=repeats)


def _repeats(complaints: int, customers: int) -> RepeatComplaints:
    return RepeatComplaints(
        subject="sofa ZX-200 stitching",
        store="Pudong",
        complaints=complaints,
        customers=customers,
        window_days=30,
    )


def test_subjects_differing_in_case_spacing_or_full_width_forms_are_identical() -> None:
    assert subject_key(" Sofa  ZX-200\tStitching ") == "sofa zx-200 stitching"
    assert subject_key("ＳＯＦＡ ＺＸ－２００ stitching") == "sofa zx-200 stitching"


@pytest.mark.parametrize(
    ("contact", "key"),
    [
        ("138-0000-0000", "13800000000"),
        ("+86 138 0000 0000", "13800000000"),
        ("(021) 5555-0101", "02155550101"),
        (" Liu.Yang@Example.COM ", "liu.yang@example.com"),
    ],
)
def test_a_customer_is_known_by_the_digits_of_a_phone_or_the_e_mail(contact, key) -> None:
    assert customer_key(contact) == key


def test_three_different_customers_make_grade_b_and_the_reason_counts_the_complaints() -> None:
    decision = _grade(_repeats(complaints=11, customers=3))
    assert decision.grade.value == "B"
    assert decision.reasons == [
        "11th complaint about 'sofa ZX-200 stitching' at Pudong from 3 different customers"
        " in 30 days"
    ]


def test_two_customers_however_often_they_complain_are_no_repeat() -> None:
    assert _grade(_repeats(complaints=5, customers=2)).grade.value == "C"
    assert _grade(None).grade.value == "C"


def test_a_grade_a_case_stays_a_and_a_repeated_suggestion_stays_d() -> None:
    assert _grade(_repeats(4, 4), people_affected=12).grade.value == "A"
    assert _grade(_repeats(4, 4), category="suggestion_enquiry").grade.value == "D"
