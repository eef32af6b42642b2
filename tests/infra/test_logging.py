"""configure_logging: JSON lines from structlog and from the standard library alike, with
the case and workflow of the Temporal SDK's records as fields."""

import json
import logging
from collections.abc import Iterator

import pytest
import structlog

from infra.logging import case_no_of, configure_logging


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """configure_logging changes process-wide state; give the next test what it had."""
    config = structlog.get_config()
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    structlog.configure(**config)
    root.handlers[:] = handlers
    root.setLevel(level)


def _json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_structlog_and_sdk_lines_are_json_with_case_and_workflow(
    restore_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("INFO", json=True)
    with structlog.contextvars.bound_contextvars(case_no="202611-0042", request_id="r-1"):
        structlog.get_logger("test").info("case_read", stage="investigating")
    # What the Temporal SDK's workflow.logger hands the standard library.
    logging.getLogger("temporalio.workflow").warning(
        "insurer chased",
        extra={
            "temporal_workflow": {
                "workflow_id": "complaint-202611-0042-insurance",
                "workflow_type": "InsuranceClaimWorkflow",
                "attempt": 1,
            }
        },
    )

    ours, sdk = _json_lines(capsys.readouterr().err)
    assert ours["event"] == "case_read"
    assert (ours["case_no"], ours["request_id"], ours["level"]) == ("202611-0042", "r-1", "info")
    assert "timestamp" in ours
    assert sdk["event"] == "insurer chased"
    assert sdk["case_no"] == "202611-0042"
    assert sdk["workflow_id"] == "complaint-202611-0042-insurance"
    assert sdk["workflow_type"] == "InsuranceClaimWorkflow"
    assert sdk["level"] == "warning"
    assert "temporal_workflow" not in sdk


def test_configuring_twice_installs_one_handler(restore_logging: None) -> None:
    configure_logging("INFO")
    configure_logging("WARNING")
    ours = [h for h in logging.getLogger().handlers if h.get_name() == "complaint-desk"]
    assert len(ours) == 1
    assert logging.getLogger().level == logging.WARNING


@pytest.mark.parametrize(
    ("workflow_id", "case_no"),
    [
        ("complaint-202611-0042", "202611-0042"),
        ("complaint-202611-0042-mediation", "202611-0042"),
        ("report-monthly-2026-10", None),
    ],
)
def test_case_no_of_a_workflow_id(workflow_id: str, case_no: str | None) -> None:
    assert case_no_of(workflow_id) == case_no
