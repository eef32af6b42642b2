"""HTTP bodies and workflow messages are apart (STYLE 11): a body may tighten, and every
committed history still reads and replays, because histories hold messages, not bodies."""

import ast
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, Field, ValidationError, create_model
from temporalio import workflow
from temporalio.api.common.v1 import Payloads
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

import api.bodies
from api.bodies import ComplaintCreate
from api.commands import COMMAND_PAIRS
from api.routes import complaints, processes  # noqa: F401  (registers the command routes)
from domain.authority import Actor
from domain.models import Intake
from domain.strict import StrictModel
from tests.conftest import TEST_CONVERTER
from tests.workflows.scenarios import WORKFLOWS

ROOT = Path(__file__).parents[2]
HISTORIES = sorted((ROOT / "tests" / "workflows" / "histories").glob("*.json"))
BODIES = [
    model
    for model in vars(api.bodies).values()
    if isinstance(model, type) and issubclass(model, StrictModel) and model is not StrictModel
]


def _required(model: type[BaseModel]) -> set[str]:
    return {name for name, field in model.model_fields.items() if field.is_required()}


def test_every_command_route_maps_its_body_to_a_message_field_for_field() -> None:
    assert len(COMMAND_PAIRS) >= 40
    for pair in COMMAND_PAIRS:
        body, message = pair.body_type, pair.message_type
        assert body.__module__ == "api.bodies", pair.path
        assert not issubclass(message, StrictModel), f"{message.__name__} is strict"
        assert not set(message.__mro__) & set(BODIES), f"{message.__name__} inherits a body"
        given = set(body.model_fields) | set(pair.fixed) | {"actor"}
        assert set(body.model_fields) <= set(message.model_fields), pair.path
        assert _required(message) <= given, pair.path


def test_the_intake_body_maps_to_the_intake_record() -> None:
    assert set(ComplaintCreate.model_fields) == set(Intake.model_fields)
    assert not issubclass(Intake, StrictModel)


def test_no_workflow_or_domain_module_imports_the_api() -> None:
    for folder in ("domain", "workflows", "activities"):
        for path in (ROOT / folder).glob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                names = []
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom):
                    names = [node.module or ""]
                assert not [n for n in names if n.split(".")[0] == "api"], path


def _definitions() -> dict[str, Any]:
    return {d.name: d for d in map(workflow._Definition.must_from_class, WORKFLOWS)}


async def _recorded_inputs() -> list[tuple[str, type[BaseModel], dict[str, Any]]]:
    """(what, its input type, the input as JSON) for every start, update and signal of
    every committed history."""
    definitions = _definitions()
    found: list[tuple[str, type[BaseModel], dict[str, Any]]] = []

    async def decode(what: str, arg_types: list[Any], payloads: Payloads) -> None:
        if not payloads.payloads or not arg_types or not issubclass(arg_types[0], BaseModel):
            return
        decoded = await TEST_CONVERTER.payload_codec.decode(list(payloads.payloads))
        (value,) = TEST_CONVERTER.payload_converter.from_payloads(decoded, [dict])
        found.append((what, arg_types[0], value))

    for path in HISTORIES:
        history = WorkflowHistory.from_json(path.stem, path.read_text())
        events = list(history.events)
        started = events[0].workflow_execution_started_event_attributes
        definition = definitions[started.workflow_type.name]
        await decode(f"{path.stem} start", definition.arg_types, started.input)
        for event in events:
            if event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
                request = event.workflow_execution_update_accepted_event_attributes.accepted_request
                update = definition.updates[request.input.name]
                await decode(f"{path.stem} {update.name}", update.arg_types, request.input.args)
            elif event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
                signal = event.workflow_execution_signaled_event_attributes
                if signal.signal_name in definition.signals:
                    handler = definition.signals[signal.signal_name]
                    await decode(f"{path.stem} {handler.name}", handler.arg_types, signal.input)
    return found


async def test_the_workflow_messages_read_every_input_of_every_committed_history() -> None:
    recorded = await _recorded_inputs()
    assert len({what.split(" ", 1)[1] for what, _, _ in recorded}) >= 20
    for what, message_type, value in recorded:
        try:
            message_type.model_validate(value)
        except ValidationError as err:
            pytest.fail(f"{what}: {err}")


def _tightened(body: type[BaseModel]) -> type[BaseModel]:
    """The body with every text field cut to one character: a contract tightened as far
    as it goes."""
    texts = {
        name: (field.annotation, Field(field.default, max_length=1))
        for name, field in body.model_fields.items()
        if field.annotation in (str, str | None) and not field.is_required()
    } | {
        name: (field.annotation, Field(max_length=1))
        for name, field in body.model_fields.items()
        if field.annotation in (str, str | None) and field.is_required()
    }
    return create_model(f"Tight{body.__name__}", __base__=body, **texts)  # type: ignore[call-overload]


async def test_a_tightened_body_breaks_no_committed_history(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every body tightened at once: under the old design (message = body + actor) the
    recorded commands would no longer read, so replay would break; now the messages read
    them all and every committed history replays."""
    tight = {body.__name__: _tightened(body) for body in BODIES}
    for name, model in tight.items():
        monkeypatch.setattr(api.bodies, name, model)
    message_body = {pair.message_type: pair.body_type for pair in COMMAND_PAIRS}
    refused_the_old_way = 0
    for _, message_type, value in await _recorded_inputs():
        message_type.model_validate(value)
        if message_type in message_body:
            old_style = create_model(
                f"Old{message_type.__name__}",
                __base__=tight[message_body[message_type].__name__],
                actor=(Actor, ...),
            )
            try:
                old_style.model_validate(value)
            except ValidationError:
                refused_the_old_way += 1
    assert refused_the_old_way > 0
    replayer = Replayer(workflows=WORKFLOWS, data_converter=TEST_CONVERTER)
    for path in HISTORIES:
        await replayer.replay_workflow(WorkflowHistory.from_json(path.stem, path.read_text()))
