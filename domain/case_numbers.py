"""Case numbers `YYYYMM-NNNN` (DOMAIN section 2) and the workflow IDs derived from them."""

import re

CASE_NO_PATTERN = r"^\d{6}-\d{4,}$"
_CASE_NO = re.compile(CASE_NO_PATTERN)


def format_case_no(month: str, serial: int) -> str:
    return f"{month}-{serial:04d}"


def is_case_no(text: str) -> bool:
    return bool(_CASE_NO.match(text))


def workflow_id_for(case_no: str) -> str:
    return f"complaint-{case_no}"
