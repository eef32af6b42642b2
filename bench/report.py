"""The result of a run: every figure absolute and as a ratio to its bare baseline, as
JSON (for machines and the smoke test) and as a Markdown table (for people)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

# The figures a complete result has, in the order the table shows them.
FIGURES: tuple[str, ...] = (
    "lifecycle_complaints_per_s",
    "lifecycle_transitions_per_s",
    "intake_latency_p50_ms",
    "intake_latency_p95_ms",
    "intake_latency_p99_ms",
    "approval_latency_p50_ms",
    "approval_latency_p99_ms",
    "update_latency_drift",
    "request_to_register_p50_ms",
    "request_to_register_p99_ms",
    "read_case_p50_ms",
    "read_case_p99_ms",
    "read_case_burst_p99_ms",
    "parked_rss_mib_per_1000",
    "parked_start_cpu_ms_per_case",
    "transitions_per_lifecycle",
    "start_input_bytes",
    "events_per_lifecycle",
)
HISTORY_EVENT_WARNING = 10_240


def figure(
    value: float, baseline: float, *, unit: str, what: str, baseline_what: str, better: str
) -> dict[str, Any]:
    """One figure: ratio is value / baseline; `better` says which way is good."""
    if baseline <= 0:
        raise ValueError(f"{what}: baseline must be positive, got {baseline}")
    return {
        "value": round(value, 4),
        "baseline": round(baseline, 4),
        "ratio": round(value / baseline, 4),
        "unit": unit,
        "better": better,
        "what": what,
        "baseline_what": baseline_what,
    }


def _number(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def markdown(result: dict[str, Any]) -> str:
    run = result["run"]
    config = result["config"]
    lines = [
        f"# Complaint Desk benchmark, {run['started_at']}",
        "",
        f"Commit `{run['commit']}`, {run['cpus']} CPUs, Python {run['python']}, "
        f"temporalio {run['temporalio']}; Temporal dev server **{run['temporal_mode']}**; "
        f"run took {run['duration_s']:.0f} s.",
        "",
        f"Settings: {config['complaints']} complaints at concurrency {config['concurrency']}, "
        f"{config['samples']} latency samples (one request at a time), "
        f"{config['notes']} updates to one case, {config['parked']} parked cases.",
        "",
        "Ratio = Complaint Desk / bare baseline on the same servers in the same run "
        "(for rates higher is better, for latencies, memory and events lower is better).",
        "",
        "| figure | Complaint Desk | bare baseline | ratio | unit |",
        "|---|---:|---:|---:|---|",
    ]
    for name in FIGURES:
        fig = result["figures"][name]
        lines.append(
            f"| {fig['what']} | {_number(fig['value'])} | {_number(fig['baseline'])} "
            f"| {fig['ratio']:.2f} | {fig['unit']} |"
        )
    events = result["details"]["histories"]
    lines += [
        "",
        f"Events per full lifecycle history: mean {events['lifecycle_events_mean']:.0f}, "
        f"max {events['lifecycle_events_max']} "
        f"({events['lifecycle_events_max'] / HISTORY_EVENT_WARNING:.1%} of the "
        f"{HISTORY_EVENT_WARNING:,}-event warning). The case that took "
        f"{config['notes']} notes: {events['drift_case_events']} events, "
        f"{events['drift_case_history_bytes'] / 1024:,.0f} KiB of history.",
        "",
        "Baselines: " + "; ".join(
            f"{result['figures'][name]['what']}: {result['figures'][name]['baseline_what']}"
            for name in ("lifecycle_complaints_per_s", "intake_latency_p50_ms",
                         "approval_latency_p50_ms", "update_latency_drift",
                         "request_to_register_p50_ms", "parked_rss_mib_per_1000",
                         "events_per_lifecycle")
        ) + ".",
        "",
        "## CPU time per process (seconds)",
        "",
    ]  # fmt: skip
    phases = result["cpu_seconds"]["per_phase"]
    names = list(result["cpu_seconds"]["total"])
    lines.append("| process | " + " | ".join(phases) + " | total |")
    lines.append("|---|" + "---:|" * (len(phases) + 1))
    for name in names:
        cells = [f"{phases[phase].get(name, 0.0):.1f}" for phase in phases]
        total = result["cpu_seconds"]["total"][name]
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {total:.1f} |")
    return "\n".join(lines) + "\n"


def write(result: dict[str, Any], results_dir: Path) -> tuple[Path, Path]:
    """Timestamped JSON and Markdown, and the same as latest.json / latest.md."""
    results_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.fromisoformat(result["run"]["started_at"]).strftime("%Y%m%dT%H%M%SZ")
    text = json.dumps(result, indent=2, sort_keys=False) + "\n"
    table = markdown(result)
    json_path, md_path = results_dir / f"{stamp}.json", results_dir / f"{stamp}.md"
    for path, content in (
        (json_path, text),
        (md_path, table),
        (results_dir / "latest.json", text),
        (results_dir / "latest.md", table),
    ):
        path.write_text(content, encoding="utf-8")
    return json_path, md_path
