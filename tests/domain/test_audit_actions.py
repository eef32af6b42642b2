"""The audit vocabulary (docs/audit-actions.md): every action the code writes to the trail
is described, every described one is written, and the page is the table's."""

import ast
import re
from pathlib import Path

from domain.audit_actions import ACTIONS, AUDIT_ACTIONS, render_markdown

ROOT = Path(__file__).resolve().parents[2]
# The calls that write an audit entry, and where their action is among the arguments.
WRITERS = {
    "_record": 0,
    "record": 0,
    "_record_delay": 0,
    "audit_entry": 0,
    "_escalate_one_level": 1,
    "_change_grade": None,  # action= only
    "_entry": None,  # infra/evidence.py: action= only
    "run": 0,  # a sub-process's first entry (ProcessJournal.run)
}
ACTION = re.compile(r"^[a-z]+(_[a-z]+)*$")
# Decisions of the domain that name the action the workflow then records
# (`self._record(decision.action, ...)`).
DECISIONS = {"ApprovalDecision"}
DECIDED = {"decision.action"}


def _written() -> tuple[set[str], list[str], list[str]]:
    """(literal actions, f-string patterns as regexes, non-literal arguments found)."""
    literals: set[str] = set()
    patterns: list[str] = []
    others: list[str] = []
    for folder in ("workflows", "activities", "infra", "api", "domain"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call):
                    continue
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name == "run" and not ast.unparse(func).endswith("_j.run"):
                    continue  # asyncio.run, not a sub-process's journal
                if name not in WRITERS and name not in DECISIONS and name != "AuditEntry":
                    continue
                args = [k.value for k in node.keywords if k.arg == "action"]
                position = WRITERS.get(name)
                if position is not None and len(node.args) > position:
                    args.append(node.args[position])
                for arg in args:
                    where = f"{path.relative_to(ROOT)}:{node.lineno}"
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        if ACTION.match(arg.value):
                            literals.add(arg.value)
                    elif isinstance(arg, ast.JoinedStr):
                        patterns.append(
                            "".join(
                                re.escape(part.value)
                                if isinstance(part, ast.Constant)
                                else "[a-z_]+"
                                for part in arg.values
                            )
                        )
                    elif ast.unparse(arg) in DECIDED:
                        continue  # its actions are read where the decision is made
                    elif not (isinstance(arg, ast.Name) and arg.id == "action"):
                        others.append(f"{where}: {ast.unparse(arg)}")
    return literals, patterns, others


def test_every_action_the_code_writes_is_described() -> None:
    literals, patterns, others = _written()
    # An action passed on is a parameter called `action`, whose callers are read above.
    assert others == []
    assert sorted(literals - AUDIT_ACTIONS.keys()) == []
    for pattern in patterns:
        assert any(re.fullmatch(pattern, name) for name in AUDIT_ACTIONS), pattern


def test_every_described_action_is_written() -> None:
    literals, patterns, _ = _written()
    written = literals | {n for n in AUDIT_ACTIONS for p in patterns if re.fullmatch(p, n)}
    assert sorted(AUDIT_ACTIONS.keys() - written) == []


def test_each_action_is_described_once() -> None:
    assert len(AUDIT_ACTIONS) == len(ACTIONS)
    assert all(action.meaning and action.written_by for action in ACTIONS)


def test_the_audit_actions_page_is_current() -> None:
    page = (ROOT / "docs" / "audit-actions.md").read_text(encoding="utf-8")
    assert page == render_markdown(), "run: python -m domain.audit_actions > docs/audit-actions.md"
