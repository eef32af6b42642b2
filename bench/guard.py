"""The benchmark guards itself: a run is compared with the committed one, and the counts
per case that do not depend on the machine are held to committed budgets.

Ratios (Complaint Desk / bare baseline on the same servers in the same run) compare across
machines and loads; the counts in `BUDGETS` (bench/budgets.json) are the same on any
machine, so `make test` checks them (tests/bench/test_bench_smoke.py).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from infra.settings import ROOT

COMMITTED = ROOT / "bench" / "results" / "latest.json"
BUDGETS_FILE = ROOT / "bench" / "budgets.json"
# A ratio this much worse than the committed run's is worth a look.
WORSE_BY = 0.20


def load(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


def regressions(
    previous: dict[str, Any], current: dict[str, Any], worse_by: float = WORSE_BY
) -> list[str]:
    """Every figure whose ratio got more than `worse_by` worse, in words."""
    found = []
    for name, now in current["figures"].items():
        before = previous.get("figures", {}).get(name)
        if before is None or before["ratio"] <= 0:
            continue
        change = now["ratio"] / before["ratio"]
        worse = change > 1 + worse_by if now["better"] == "lower" else change < 1 - worse_by
        if worse:
            found.append(
                f"{now['what']}: ratio {before['ratio']:.2f} -> {now['ratio']:.2f} "
                f"({change - 1:+.0%}; {before['value']:g} -> {now['value']:g} {now['unit']}; "
                f"committed run {previous['run']['commit']})"
            )
    return found


def budgets() -> dict[str, float]:
    """Figure name -> the most its value may be (bench/budgets.json, `budgets`)."""
    return json.loads(BUDGETS_FILE.read_text(encoding="utf-8"))["budgets"]


def over_budget(result: dict[str, Any], limits: dict[str, float]) -> list[str]:
    found = []
    for name, limit in limits.items():
        value = result["figures"][name]["value"]
        if value > limit:
            what = result["figures"][name]["what"]
            found.append(f"{what}: {value:g} is over its budget of {limit:g} ({name})")
    return found
