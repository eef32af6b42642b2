"""The worker passes workflows/ and domain/ through the sandbox (worker.PASSED_THROUGH), so
the sandbox no longer re-imports them per run and cannot catch a clock read or an I/O call
there. This test reads the code for what the sandbox would have refused; the scenario
tests run every workflow in the SDK's full sandbox as well."""

import ast
from pathlib import Path

import pytest

from infra.settings import ROOT
from worker import PASSED_THROUGH, WORKFLOW_RUNNER

# What deterministic code may import: pure standard-library modules, the SDK, pydantic and
# our own pure packages (activities only for typed method references, under
# imports_passed_through).
ALLOWED_IMPORTS = {
    "__future__", "asyncio", "collections", "contextlib", "dataclasses", "datetime",
    "decimal", "enum", "functools", "hashlib", "math", "re", "typing", "unicodedata",
    "zoneinfo", "types", "temporalio", "pydantic", "domain", "workflows", "activities",
}  # fmt: skip
# Attribute calls that read the clock, randomness or the environment.
FORBIDDEN_CALLS = {
    ("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"), ("date", "today"),
    ("time", "time"), ("time", "monotonic"), ("uuid", "uuid4"), ("asyncio", "to_thread"),
}  # fmt: skip
FORBIDDEN_NAMES = {"open", "print", "input", "exec", "eval"}


def _files() -> list[Path]:
    return sorted(path for package in PASSED_THROUGH for path in (ROOT / package).glob("*.py"))


def _is_main_block(node: ast.stmt) -> bool:
    """`if __name__ == "__main__":` runs only as a command, never in a workflow."""
    return (
        isinstance(node, ast.If)
        and isinstance(node.test, ast.Compare)
        and isinstance(node.test.left, ast.Name)
        and node.test.left.id == "__name__"
    )


def _violations(path: Path) -> list[str]:
    found = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    tree.body = [statement for statement in tree.body if not _is_main_block(statement)]
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        found += [
            f"line {node.lineno}: import {name}"
            for name in names
            if name.split(".")[0] not in ALLOWED_IMPORTS
        ]
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in FORBIDDEN_NAMES:
                found.append(f"line {node.lineno}: {func.id}()")
            if (
                isinstance(func, ast.Attribute)
                and isinstance(func.value, ast.Name)
                and (func.value.id, func.attr) in FORBIDDEN_CALLS
            ):
                found.append(f"line {node.lineno}: {func.value.id}.{func.attr}()")
    return found


def test_the_worker_passes_our_deterministic_packages_through_the_sandbox() -> None:
    passed = WORKFLOW_RUNNER.restrictions.passthrough_modules
    assert set(PASSED_THROUGH) <= passed
    assert _files(), "no files found to check"


@pytest.mark.parametrize("path", _files(), ids=lambda path: str(path.relative_to(ROOT)))
def test_passed_through_code_reads_no_clock_randomness_or_io(path: Path) -> None:
    assert _violations(path) == []


def test_the_check_finds_a_clock_read_and_an_io_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import os\nfrom datetime import datetime\nx = datetime.now()\nopen('f')\n"
        "if __name__ == '__main__':\n    print(x)\n"
    )
    assert _violations(bad) == [
        "line 1: import os",
        "line 3: datetime.now()",
        "line 4: open()",
    ]


def test_every_patch_is_asked_through_patches_applies() -> None:
    """A case started folded (workflows/patches.py) needs no marker per patch: a direct
    `workflow.patched` call of a folded patch would record the two events the fold saves."""
    direct = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in _files()
        if path.name != "patches.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Attribute) and node.attr == "patched"
    ]
    assert direct == []
