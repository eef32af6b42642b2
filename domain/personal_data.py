"""Customer personal data, declared once on the models (DOMAIN section 8).

A field that may hold the customer's personal data (name, contact, the description,
anything a person types in free text about the case) is declared
`Annotated[..., PERSONAL]`. Nothing else marks it: the codec server shows engineers every
payload decoded with the marked fields replaced by `REDACTED`, so a new personal field
is redacted as soon as it is marked, without touching the codec server.

Temporal's pydantic converter writes plain JSON with no type name, so a decoded payload
does not say which model it is. `Catalogue.redact` reads it structurally: an object
whose keys fit a model (no key the model lacks, every required field present) is
redacted by that model's marks, and its fields by the models their types name; where
several models fit, a field any of them marks is redacted. An object that fits no model
loses every key that any model marks personal (`name`, `contact`, `reason`, ...). When
in doubt, it redacts.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

REDACTED = "[personal data]"


class PersonalData:
    """The marker: `name: Annotated[str, PERSONAL]`. Validation and JSON ignore it."""

    def __repr__(self) -> str:
        return "PERSONAL"


PERSONAL = PersonalData()


def is_personal(model: type[BaseModel], name: str) -> bool:
    return any(isinstance(item, PersonalData) for item in model.model_fields[name].metadata)


def personal_fields(model: type[BaseModel]) -> frozenset[str]:
    return frozenset(name for name in model.model_fields if is_personal(model, name))


def _models_in(annotation: Any) -> set[type[BaseModel]]:
    """Every model a type names: itself, in unions, lists, dict values, Annotated."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return {annotation}
    found: set[type[BaseModel]] = set()
    for arg in typing.get_args(annotation):
        found |= _models_in(arg)
    return found


@dataclass(frozen=True)
class _Shape:
    """What the catalogue knows of one model, by the keys its JSON has."""

    model: type[BaseModel]
    keys: frozenset[str]
    required: frozenset[str]
    personal: frozenset[str]
    nested: dict[str, frozenset[type[BaseModel]]] = field(hash=False, compare=False)

    def fits(self, keys: set[str]) -> bool:
        return self.required <= keys <= self.keys


def _shape(model: type[BaseModel]) -> _Shape:
    keys, required, personal, nested = set(), set(), set(), {}
    for name, info in model.model_fields.items():
        key = info.serialization_alias or info.alias or name
        keys.add(key)
        if info.is_required():
            required.add(key)
        if is_personal(model, name):
            personal.add(key)
        nested[key] = frozenset(_models_in(info.annotation))
    return _Shape(model, frozenset(keys), frozenset(required), frozenset(personal), nested)


# Pydantic's validation errors quote what they were given ("input_value='Liu Yang'").
_INPUT_VALUE = re.compile(r"input_value=(?:'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|\S+)")


def scrub_message(text: str) -> str:
    """A failure message or stack trace without the inputs a validation error quotes."""
    return _INPUT_VALUE.sub(f"input_value={REDACTED!r}", text)


class Catalogue:
    """The personal fields of a set of models and of every model their fields name."""

    def __init__(self, roots: Iterable[type[BaseModel]]) -> None:
        self._shapes: dict[type[BaseModel], _Shape] = {}
        pending = list(roots)
        while pending:
            model = pending.pop()
            if model in self._shapes:
                continue
            shape = self._shapes[model] = _shape(model)
            for models in shape.nested.values():
                pending.extend(models)
        self.personal_keys = frozenset(
            key for shape in self._shapes.values() for key in shape.personal
        )

    @property
    def models(self) -> list[type[BaseModel]]:
        return sorted(self._shapes, key=lambda model: f"{model.__module__}.{model.__qualname__}")

    def redact(self, value: Any) -> Any:
        """The decoded JSON `value` with every personal field's value replaced."""
        return self._redact(value, ())

    def _redact(self, value: Any, expected: Iterable[type[BaseModel]]) -> Any:
        if isinstance(value, list):
            expected = tuple(expected)
            return [self._redact(item, expected) for item in value]
        if not isinstance(value, dict):
            return value
        keys = set(value)
        fitting = [self._shapes[m] for m in expected if self._shapes[m].fits(keys)]
        if not fitting:
            fitting = [shape for shape in self._shapes.values() if shape.fits(keys)]
        if not fitting:  # no model: any key some model marks personal goes
            return {
                key: _hidden(item) if key in self.personal_keys else self._redact(item, ())
                for key, item in value.items()
            }
        redacted = {}
        for key, item in value.items():
            if any(key in shape.personal for shape in fitting):
                redacted[key] = _hidden(item)
            else:
                inner = {m for shape in fitting for m in shape.nested.get(key, ())}
                redacted[key] = self._redact(item, inner)
        return redacted


def _hidden(value: Any) -> Any:
    """Null and empty stay as they are: that a field is unset gives nothing away."""
    return value if value in (None, "", [], {}) else REDACTED


def models_of_signatures(functions: Iterable[Any]) -> set[type[BaseModel]]:
    """The models that functions (workflow runs and handlers, activities) take and return."""
    found: set[type[BaseModel]] = set()
    for function in functions:
        hints = typing.get_type_hints(function)
        for annotation in hints.values():
            found |= _models_in(annotation)
    return found


def models_of_modules(modules: Iterable[types.ModuleType]) -> set[type[BaseModel]]:
    """The models modules define: records a payload holds as a plain dict
    (`ProcessEvent.record`) are fitted against them too."""
    return {
        item
        for module in modules
        for item in vars(module).values()
        if isinstance(item, type)
        and issubclass(item, BaseModel)
        and item.__module__ == module.__name__
    }
