"""Reads and validates a policy file; a bad one is refused with the line and the field named.

The same reader serves the file at start-up (`load_policy`) and a new version posted to
`POST /policy` (`parse_policy`). Here, not in the domain, the calendar's `public_holidays`
is resolved through the `holidays` library into explicit dates for the years around today:
a case carries those dates in its workflow input, so its deadlines never depend on which
library version a worker has, and a library upgrade never changes a running case.
"""

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import holidays
import yaml
from pydantic import ValidationError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from domain.calendar import HOLIDAY_SOURCE, PublicHolidays, ResolvedHolidays
from domain.policy import Policy
from domain.strict import NUL

# Last year (cases still open from then) to two years ahead.
YEARS_BEFORE = 1
YEARS_AFTER = 2
NUL_MESSAGE = "text may not contain NUL characters (\\u0000)"


@dataclass(frozen=True)
class PolicyProblem:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}, {self.field}" if self.field else f"line {self.line}"
        return f"{where}: {self.message}"


class PolicyFileError(ValueError):
    def __init__(self, message: str, problems: list[PolicyProblem] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


@dataclass(frozen=True)
class PolicyDocument:
    """A validated policy with the text it was read from."""

    policy: Policy
    text: str
    content_sha256: str  # of the parsed document: the same content however it is laid out


class LibraryHolidays:
    """Public holidays from the `holidays` library, for the given years.

    A day off is a library holiday, or a weekend day joined to one: the State Council's
    notices count the weekend inside a break as part of it (2026-02-15 to 2026-02-23), and
    a "Saturday counts" deadline must not count it. Adjusted working days are the library's
    swapped working weekends.
    """

    def __init__(self, years: range) -> None:
        self.years = years

    @classmethod
    def around(cls, today: date) -> "LibraryHolidays":
        return cls(range(today.year - YEARS_BEFORE, today.year + YEARS_AFTER + 1))

    def _library(self, rule: PublicHolidays, years: range) -> holidays.HolidayBase:
        try:
            return holidays.country_holidays(rule.country, subdiv=rule.subdivision, years=years)
        except NotImplementedError as err:
            raise ValueError(f"the holidays library does not know it: {err}") from None

    def check(self, rule: PublicHolidays) -> None:
        self._library(rule, range(self.years.start, self.years.start + 1))

    def resolve(self, rule: PublicHolidays) -> ResolvedHolidays:
        # One year either side, so a break across New Year is seen whole.
        wide = range(self.years.start - 1, self.years.stop + 1)
        library = self._library(rule, wide)
        weekend = {python_weekday + 1 for python_weekday in library.weekend}
        working = {day for day in library.weekend_workdays if day.year in wide}
        off = set(library)
        day, last = date(wide.start, 1, 1), date(wide.stop - 1, 12, 31)
        run: list[date] = []
        while day <= last:
            if day in off or (day.isoweekday() in weekend and day not in working):
                run.append(day)
            else:
                if off.intersection(run):
                    off.update(run)
                run = []
            day += timedelta(days=1)
        return ResolvedHolidays(
            holidays=sorted(d for d in off if d.year in self.years),
            working_weekends=sorted(d for d in working if d.year in self.years),
            years=list(self.years),
            resolved_by=f"holidays {holidays.__version__}",
        )


def parse_policy(text: str, *, source: str = "policy", today: date | None = None) -> PolicyDocument:
    """Validates a policy document (YAML, or JSON, which is YAML too)."""
    try:
        raw = yaml.safe_load(text)
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as err:
        raise PolicyFileError(
            f"{source}: not valid YAML: {_yaml_problem(err)}", [_yaml_problem(err)]
        ) from err
    if nul := list(_nul_characters(raw, ())):
        # PostgreSQL stores the policy as JSON, which cannot hold one.
        problems = [
            PolicyProblem(_line_of(root, loc), ".".join(str(part) for part in loc), NUL_MESSAGE)
            for loc in nul
        ]
        raise _invalid(source, problems)
    context = {HOLIDAY_SOURCE: LibraryHolidays.around(today or date.today())}
    try:
        policy = Policy.model_validate(raw, context=context)
    except ValidationError as err:
        problems = [
            PolicyProblem(
                _line_of(root, e["loc"]), ".".join(str(part) for part in e["loc"]), e["msg"]
            )
            for e in err.errors()
        ]
        raise _invalid(source, problems) from err
    if policy.processes is None:
        raise _invalid(source, [PolicyProblem(1, "processes", "Field required")])
    canonical = json.dumps(raw, sort_keys=True, default=str, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return PolicyDocument(policy=policy, text=text, content_sha256=digest)


def read_policy_file(path: Path, *, today: date | None = None) -> PolicyDocument:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise PolicyFileError(f"{path}: cannot read policy: {err}") from err
    return parse_policy(text, source=str(path), today=today)


def load_policy(path: Path, *, today: date | None = None) -> Policy:
    return read_policy_file(path, today=today).policy


def _nul_characters(value: object, loc: tuple[int | str, ...]) -> Iterator[tuple[int | str, ...]]:
    """Where the document has text with a NUL character (YAML writes one as "\\0")."""
    if isinstance(value, str):
        if NUL in value:
            yield loc
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and NUL in key:
                yield loc
            yield from _nul_characters(item, (*loc, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _nul_characters(item, (*loc, index))


def _invalid(source: str, problems: list[PolicyProblem]) -> PolicyFileError:
    listed = "; ".join(str(problem) for problem in problems)
    return PolicyFileError(f"{source}: invalid policy: {listed}", problems)


def _yaml_problem(err: yaml.YAMLError) -> PolicyProblem:
    if not isinstance(err, yaml.MarkedYAMLError) or err.problem_mark is None:
        return PolicyProblem(1, "", str(err))
    message = err.problem or str(err)
    if err.context and err.context_mark is not None:
        # Where a bracket was left open: the problem shows only where it ran out.
        message += f" ({err.context} from line {err.context_mark.line + 1})"
    return PolicyProblem(err.problem_mark.line + 1, "", message)


def _line_of(root: Node | None, loc: tuple[int | str, ...]) -> int:
    """The line (1-based) of the deepest part of `loc` the document has: the field's own
    line, or for a missing field the line of the section that lacks it."""
    if root is None:
        return 1
    node, line = root, root.start_mark.line + 1
    for part in loc:
        if isinstance(node, MappingNode):
            found = next(
                (
                    (key, value)
                    for key, value in node.value
                    if isinstance(key, ScalarNode) and key.value == str(part)
                ),
                None,
            )
            if found is None:
                break
            line, node = found[0].start_mark.line + 1, found[1]
        elif isinstance(node, SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line
