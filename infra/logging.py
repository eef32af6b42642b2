"""structlog set-up shared by the API, the worker and activities.

Every line is one JSON object (or a readable line with `json=False`) carrying whatever
the code that runs it has bound with structlog's contextvars: the API binds `request_id`
and, on a case's routes, `case_no` and `workflow_id` (api/middleware.py); the worker binds
`case_no`, `workflow_id`, `activity` and `attempt` around each activity
(`ActivityLogContext`). Records of the standard library's `logging` (the Temporal SDK,
`workflow.logger`, uvicorn) go through the same renderer, with the workflow or activity
the SDK attaches to them lifted into the same fields.

Never log a customer's name, contact or description: log case numbers, stages, actions.
"""

import asyncio
import logging
import re
import sys
from collections.abc import Mapping
from typing import Any

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger
from temporalio import activity, workflow
from temporalio.worker import (
    ActivityInboundInterceptor,
    ExecuteActivityInput,
    Interceptor,
)

# complaint-202611-0042 and its sub-processes' complaint-202611-0042-insurance.
_CASE_WORKFLOW_ID = re.compile(r"^complaint-(\d{6}-\d{4,})(?:-[a-z]+)?$")

# Marks the root handler this module installs, so configuring again replaces it.
_HANDLER_NAME = "complaint-desk"


def case_no_of(workflow_id: str) -> str | None:
    """The case number in a complaint's (or its sub-process's) workflow ID, else None."""
    match = _CASE_WORKFLOW_ID.match(workflow_id)
    return match.group(1) if match else None


def _temporal_fields(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    """Flattens the details the Temporal SDK puts on a stdlib record's `extra` into the
    fields our own lines use."""
    event_dict.pop("color_message", None)  # uvicorn's coloured copy of the message
    activity_details = event_dict.pop("temporal_activity", None)
    workflow_details = event_dict.pop("temporal_workflow", None)
    details: Mapping[str, Any] = activity_details or workflow_details or {}
    workflow_id = details.get("workflow_id")
    if workflow_id:
        event_dict.setdefault("workflow_id", workflow_id)
        if case_no := case_no_of(workflow_id):
            event_dict.setdefault("case_no", case_no)
    if details.get("workflow_type"):
        event_dict.setdefault("workflow_type", details["workflow_type"])
    if details.get("activity_type"):
        event_dict.setdefault("activity", details["activity_type"])
    if details.get("attempt") is not None:
        event_dict.setdefault("attempt", details["attempt"])
    return event_dict


# The contextvar key under which ActivityLogContext says which task runs the activity.
_OWNER = "_activity_owner"


class _ActivityOwner:
    """The task running an activity, and the fields it bound for it."""

    def __init__(self, task: asyncio.Task[Any] | None, fields: dict[str, Any]) -> None:
        self.task = task
        self.fields = fields


def activity_fields_of_their_own_task(
    _: WrappedLogger, __: str, event_dict: EventDict
) -> EventDict:
    """An activity's case and workflow only on the lines of the task that runs it.

    Contextvars are copied into every task and callback started while they are bound, so
    a task an activity started (asyncpg reconnecting its pool, say) would otherwise log,
    long after, in the name of a case whose activity had finished."""
    owner = event_dict.pop(_OWNER, None)
    if isinstance(owner, _ActivityOwner) and owner.task is not _current_task():
        for key, value in owner.fields.items():
            if event_dict.get(key) == value:
                del event_dict[key]
    return event_dict


def _current_task() -> asyncio.Task[Any] | None:
    try:
        return asyncio.current_task()
    except RuntimeError:  # no running loop: a thread of its own
        return None


def configure_logging(level: str = "INFO", *, json: bool = True) -> None:
    """structlog's loggers and the standard library's, rendered alike to stderr."""
    log_level = logging.getLevelName(level.upper())
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        activity_fields_of_their_own_task,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: Processor = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        processors=[*shared, structlog.processors.format_exc_info, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(log_level),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        # The API and the test suite configure again in one process (each app's lifespan);
        # a logger cached at first use would keep the first configuration.
        cache_logger_on_first_use=False,
    )

    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[
                *shared,
                structlog.stdlib.add_logger_name,
                structlog.stdlib.ExtraAdder(),
                _temporal_fields,
            ],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                *([structlog.processors.format_exc_info] if json else []),
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(log_level)
    # uvicorn's own handlers would print plain text; its errors go through ours, and the
    # request lines come from api/middleware.py (with request id and route) instead.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()
        uvicorn_logger.propagate = True
    logging.getLogger("uvicorn.access").disabled = True
    # The workflow's or activity's details are fields of the line; not repeated in the text.
    workflow.logger.workflow_info_on_message = False
    activity.logger.activity_info_on_message = False


class ActivityLogContext(Interceptor):
    """Worker interceptor: every log line of an activity names its case and workflow.

    Binds `case_no` (from the input, or the complaint's workflow ID), `workflow_id`,
    `activity` and `attempt` in structlog's contextvars for the activity's run. Async
    activities run in their own task, so the binding ends with them; tasks and callbacks
    the activity started inherit the binding, and `activity_fields_of_their_own_task`
    keeps it off their lines.
    """

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _BindActivityContext(next)


class _BindActivityContext(ActivityInboundInterceptor):
    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        info = activity.info()
        fields: dict[str, Any] = {
            "workflow_id": info.workflow_id,
            "activity": info.activity_type,
            "attempt": info.attempt,
        }
        first = input.args[0] if input.args else None
        case_no = getattr(first, "case_no", None) or case_no_of(info.workflow_id or "")
        if isinstance(case_no, str):
            fields["case_no"] = case_no
        owner = _ActivityOwner(_current_task(), fields)
        with structlog.contextvars.bound_contextvars(**fields, **{_OWNER: owner}):
            return await self.next.execute_activity(input)
