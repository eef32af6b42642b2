"""`make bench` in miniature: a handful of cases through the whole benchmark, as a
process of its own, must give every figure with a positive baseline and ratio."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench import guard
from bench.report import FIGURES, figure
from infra.settings import ROOT

SMALL_RUN = [
    "--complaints", "5", "--concurrency", "5", "--samples", "10",
    "--notes", "20", "--parked", "20", "--burst", "5", "--no-progress",
]  # fmt: skip


def test_a_small_benchmark_run_reports_every_figure_against_its_baseline(
    tmp_path: Path,
) -> None:
    bench = subprocess.Popen(
        [sys.executable, "-m", "bench", *SMALL_RUN, "--results-dir", str(tmp_path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _, errors = bench.communicate(timeout=180)
    except subprocess.TimeoutExpired:
        bench.terminate()  # SIGTERM: the benchmark stops the servers it started
        _, errors = bench.communicate(timeout=60)
        pytest.fail(f"the benchmark took over 180 s:\n{errors[-3000:]}")
    assert bench.returncode == 0, errors[-3000:]

    result = json.loads((tmp_path / "latest.json").read_text())
    for name in FIGURES:
        figure = result["figures"][name]
        assert figure["value"] > 0, name
        assert figure["baseline"] > 0, name
        assert figure["ratio"] > 0, name
        assert figure["ratio"] == pytest.approx(figure["value"] / figure["baseline"], rel=1e-3)
    assert result["run"]["temporal_mode"] == "file"
    assert result["details"]["histories"]["lifecycle_events_max"] < 10_240
    cpu = result["cpu_seconds"]["total"]
    for process in ("postgres", "temporal dev server", "worker", "api", "bare worker"):
        assert cpu[process] > 0, process

    # The counts per case that do not depend on the machine stay within their budgets.
    assert guard.over_budget(result, guard.budgets()) == []
    # make bench prints how this run compares with the committed one (here: the same run).
    assert guard.regressions(result, result) == []

    # Timestamped files beside latest.*, and the table people read.
    assert len(list(tmp_path.glob("2*.json"))) == len(list(tmp_path.glob("2*.md"))) == 1
    table = (tmp_path / "latest.md").read_text()
    assert "| lifecycle throughput, cases intake to closed |" in table


def _result(**ratios: tuple[float, str]) -> dict:
    figures = {
        name: figure(ratio, 1.0, unit="x", what=name, baseline_what="bare", better=better)
        for name, (ratio, better) in ratios.items()
    }
    return {"run": {"commit": "abc1234"}, "figures": figures}


def test_a_ratio_more_than_a_fifth_worse_than_the_committed_run_is_reported() -> None:
    committed = _result(memory=(2.0, "lower"), throughput=(0.5, "higher"), events=(5.0, "lower"))
    now = _result(memory=(2.5, "lower"), throughput=(0.35, "higher"), events=(5.9, "lower"))
    worse = guard.regressions(committed, now)
    assert [line.split(":")[0] for line in worse] == ["memory", "throughput"]
    assert "2.00 -> 2.50" in worse[0] and "abc1234" in worse[0]


def test_a_count_over_its_budget_is_named() -> None:
    result = _result(events_per_lifecycle=(130.0, "lower"))
    assert guard.over_budget(result, {"events_per_lifecycle": 140}) == []
    assert guard.over_budget(result, {"events_per_lifecycle": 120}) == [
        "events_per_lifecycle: 130 is over its budget of 120 (events_per_lifecycle)"
    ]


def test_every_budget_names_a_figure_the_benchmark_reports() -> None:
    assert set(guard.budgets()) <= set(FIGURES)
