"""Custom search attributes: how engineers find a case in the Web UI (README "Find a
stuck case"). No personal data in any of them: names, phone numbers and addresses
stay in the payloads and in Postgres.

Registered by `make run` on the dev server, and on a cluster with
`python -m infra.search_attributes` (or `temporal operator search-attribute create`).
"""

from temporalio.common import SearchAttributeKey

CASE_NO = SearchAttributeKey.for_keyword("CaseNo")
CASE_GRADE = SearchAttributeKey.for_keyword("CaseGrade")
CASE_CATEGORY = SearchAttributeKey.for_keyword("CaseCategory")
CASE_STORE = SearchAttributeKey.for_keyword("CaseStore")
CASE_STAGE = SearchAttributeKey.for_keyword("CaseStage")
# The case's own wait and those of its open sub-processes (insurer, police, ...).
CASE_WAITING_ON = SearchAttributeKey.for_keyword_list("CaseWaitingOn")
CASE_WAITING_SINCE = SearchAttributeKey.for_datetime("CaseWaitingSince")
CASE_HANDLER = SearchAttributeKey.for_keyword("CaseHandler")
CASE_NEXT_DEADLINE = SearchAttributeKey.for_datetime("CaseNextDeadline")
CASE_OVERDUE = SearchAttributeKey.for_bool("CaseOverdue")
# Issue 19: the responsible department (policy `routing`); unset for cases before it.
CASE_DEPARTMENT = SearchAttributeKey.for_keyword("CaseDepartment")

ALL = (
    CASE_NO,
    CASE_GRADE,
    CASE_CATEGORY,
    CASE_STORE,
    CASE_STAGE,
    CASE_WAITING_ON,
    CASE_WAITING_SINCE,
    CASE_HANDLER,
    CASE_NEXT_DEADLINE,
    CASE_OVERDUE,
    CASE_DEPARTMENT,
)

# The names the Temporal CLI and operator API use for each type.
TYPE_NAMES = {
    "KEYWORD": "Keyword",
    "KEYWORD_LIST": "KeywordList",
    "DATETIME": "Datetime",
    "BOOL": "Bool",
}


def registrations() -> dict[str, str]:
    """Name -> type, as `temporal server start-dev --search-attribute Name=Type` wants."""
    return {key.name: TYPE_NAMES[key.indexed_value_type.name] for key in ALL}
