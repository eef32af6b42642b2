"""Retention rules (DOMAIN section 8) as pure functions and policy validation."""

from pathlib import Path

import pytest
import yaml

from domain.retention import ANONYMISED, RetentionPolicy, anonymise_intake
from infra.policy_file import PolicyFileError, load_policy
from infra.settings import ROOT
from tests.support import intake

DEFAULT = ROOT / "policy" / "default.yaml"


def test_the_default_policy_keeps_records_a_year_and_runs_at_two() -> None:
    assert load_policy(DEFAULT).retention == RetentionPolicy(keep_days=365, run_at_hour=2)


def test_keeping_records_less_than_a_year_is_refused_with_the_field_named(tmp_path: Path) -> None:
    raw = yaml.safe_load(DEFAULT.read_text())
    raw["retention"]["keep_days"] = 180
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(PolicyFileError, match=r"retention\.keep_days"):
        load_policy(path)


def test_an_anonymised_intake_keeps_what_reports_count_and_drops_who_and_what_they_said() -> None:
    registered = intake(subject="sofa ZX-200 armrest").model_dump(mode="json")
    anonymised = anonymise_intake(registered)
    assert anonymised["customer"] == {"name": ANONYMISED, "contact": ANONYMISED}
    assert anonymised["description"] == ANONYMISED
    assert anonymised["purchase_proof"]["receipt_no"] == ANONYMISED
    personal = {"customer", "description", "purchase_proof"}
    assert {k: v for k, v in anonymised.items() if k not in personal} == {
        k: v for k, v in registered.items() if k not in personal
    }
    assert registered["customer"]["name"] == "Liu Yang"  # the original is left alone
