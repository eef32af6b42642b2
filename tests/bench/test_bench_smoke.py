"""`make bench` in miniature: a handful of cases through the whole benchmark, as a
process of its own, must give every figure with a positive baseline and ratio."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.report import FIGURES
from infra.settings import ROOT

SMALL_RUN = [
    "--complaints", "5", "--concurrency", "5", "--samples", "10",
    "--notes", "20", "--parked", "20", "--no-progress",
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

    # Timestamped files beside latest.*, and the table people read.
    assert len(list(tmp_path.glob("2*.json"))) == len(list(tmp_path.glob("2*.md"))) == 1
    table = (tmp_path / "latest.md").read_text()
    assert "| lifecycle throughput, cases intake to closed |" in table
