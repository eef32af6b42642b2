"""The console's actions are the API's: every command has a form, posted to its route;
each form's fields are its body's; what a user is offered is what `refusal_for` allows."""

import pytest

import api.routes.complaints  # noqa: F401  (registers the command routes)
from api.commands import COMMAND_PAIRS
from api.console.actions import FORMS, STEP_COMMAND, allowed_commands, api_path
from api.identity import UserDirectory
from domain.lifecycle import WAITING_ON, CaseWait, Command, Stage
from domain.rules import refusal_for


def _body_type(command: Command):
    return next(p.body_type for p in COMMAND_PAIRS if p.path == api_path(command) and not p.fixed)


def test_every_command_has_a_form_and_a_route() -> None:
    assert set(FORMS) == set(Command)
    for command in Command:
        assert any(
            p.update.__name__ == command.value for p in COMMAND_PAIRS if p.path == api_path(command)
        )


@pytest.mark.parametrize("command", list(Command), ids=str)
def test_a_forms_fields_are_its_bodys(command: Command) -> None:
    body = _body_type(command)
    fields = {f.name: f for f in FORMS[command].fields}
    assert set(fields) <= set(body.model_fields), f"{command}: fields the body does not take"
    required = {name for name, info in body.model_fields.items() if info.is_required()}
    assert required <= set(fields), f"{command}: the form lacks {required - set(fields)}"
    for name in required:
        assert fields[name].required, f"{command}: {name} is required by the API"


def test_the_offered_commands_are_exactly_those_the_api_allows(users: UserDirectory) -> None:
    for user in users.listed():
        actor = users.actor_for(user.token)
        for stage in Stage:
            expected = [c for c in Command if refusal_for(c, stage=stage, actor=actor) is None]
            assert allowed_commands(stage, actor) == expected, (user.user_id, stage)


def test_every_wait_of_a_stage_names_the_command_that_ends_it() -> None:
    for stage, wait in WAITING_ON.items():
        if stage is Stage.CLOSED:
            continue
        command = STEP_COMMAND[CaseWait(wait.value)]
        assert refusal_for(command, stage=stage, actor=_anyone_allowed(command)) is None


def _anyone_allowed(command: Command):
    from domain.authority import Actor, Level, Role
    from domain.lifecycle import ALLOWED_ROLES

    role = sorted(ALLOWED_ROLES[command])[0]
    return Actor(
        user_id="x",
        role=Role(role),
        level=Level.SENIOR_MANAGEMENT,
        authority_limit=None,
        stores=None,
    )


def test_a_forms_text_becomes_the_bodys_values() -> None:
    findings = FORMS[Command.RECORD_FINDINGS].body(
        {"valid": "true", "liability": "company", "summary": "late", "reason": ""}
    )
    assert findings == {"valid": True, "liability": "company", "summary": "late"}
    _body_type(Command.RECORD_FINDINGS).model_validate(findings)
    follow_up = FORMS[Command.RECORD_FOLLOW_UP].body({"satisfaction": "4", "comment": ""})
    assert follow_up == {"satisfaction": 4}
    approval = FORMS[Command.DECIDE_APPROVAL].body({"approve": "false", "comment": "no"})
    assert approval == {"approve": False, "comment": "no"}
