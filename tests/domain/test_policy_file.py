"""The policy file is validated at start-up; a bad one is refused with the field named."""

from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from domain.authority import Level
from domain.grades import Grade
from domain.policy import DeadlineName
from infra.policy_file import PolicyFileError, load_policy
from infra.settings import ROOT

DEFAULT = ROOT / "policy" / "default.yaml"


def _write(tmp_path: Path, change) -> Path:
    raw = yaml.safe_load(DEFAULT.read_text())
    change(raw)
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


def test_default_policy_holds_the_domain_defaults() -> None:
    policy = load_policy(DEFAULT)
    assert policy.authority.limits[Level.DUTY_MANAGER] == Decimal("200")
    assert policy.deadlines[DeadlineName.CLOSE].by_grade[Grade.A].amount == 20
    assert policy.deadlines[DeadlineName.DEPARTMENT_REPLY].default.saturday_counts is True


def test_missing_deadline_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, lambda raw: raw["deadlines"].pop("follow_up"))
    with pytest.raises(PolicyFileError, match="follow_up"):
        load_policy(path)


def test_negative_duration_names_the_field(tmp_path: Path) -> None:
    def change(raw):
        raw["deadlines"]["acknowledge"]["default"]["amount"] = -1

    with pytest.raises(PolicyFileError, match=r"deadlines\.acknowledge\.default\.amount"):
        load_policy(_write(tmp_path, change))


def test_a_limited_top_of_the_chain_is_refused(tmp_path: Path) -> None:
    def change(raw):
        raw["authority"]["limits"]["senior_management"] = 100000

    with pytest.raises(PolicyFileError, match="top of the chain"):
        load_policy(_write(tmp_path, change))
