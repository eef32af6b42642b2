"""A stored report as CSV rows and as an HTML page with inline SVG bar charts (no scripts)."""

import csv
import io
from html import escape

from domain.reports import Rate, Rates, Report

RATE_LABELS = {
    "timely_reply": "Timely reply",
    "contact": "Contact",
    "result_reply": "Result reply",
    "satisfaction": "Satisfaction",
    "second_complaint": "Second complaint",
}
_THIS, _BEFORE, _INK, _GRID = "#2563eb", "#cbd5e1", "#1e293b", "#e2e8f0"


def _rates(rates: Rates) -> list[tuple[str, Rate]]:
    return [(name, getattr(rates, name)) for name in RATE_LABELS]


def _fmt(value: float | int | None) -> str:
    return "" if value is None else str(value)


# --- CSV --------------------------------------------------------------------------


def report_rows(report: Report) -> list[list[str]]:
    """One figure per row: section, key, value, and the counts behind a rate."""
    f = report.figures
    rows = [
        ["report", "kind", report.kind.value, ""],
        ["report", "period", report.period, ""],
        ["report", "timezone", report.timezone, ""],
        ["report", "starts_at", report.starts_at.isoformat(), ""],
        ["report", "ends_at", report.ends_at.isoformat(), ""],
        ["report", "generated_at", report.generated_at.isoformat(), ""],
        ["report", "complete", str(report.complete).lower(), ""],
        ["cases", "total", str(f.cases), ""],
    ]
    for section, counts in (
        ("by_category", f.by_category),
        ("by_grade", f.by_grade),
        ("by_store", f.by_store),
        ("by_channel", f.by_channel),
    ):
        rows += [[section, key, str(n), ""] for key, n in counts.items()]
    for name, r in _rates(f.rates):
        rows.append(["rate", name, _fmt(r.value), f"{r.numerator}/{r.denominator}"])
    for name, r in _rates(report.previous.rates):
        rows.append(
            [
                "previous_rate",
                name,
                _fmt(r.value),
                f"{report.previous.period}: {r.numerator}/{r.denominator}",
            ]
        )
    for grade, t in f.time_to_close.items():
        rows.append(
            ["time_to_close_median_hours", grade, _fmt(t.median_hours), f"{t.closed} closed"]
        )
        rows.append(["time_to_close_p90_hours", grade, _fmt(t.p90_hours), f"{t.closed} closed"])
    for case in f.overdue:
        detail = f"missed {' '.join(case.missed_deadlines) or 'none yet'}; stage {case.stage}"
        if case.still_overdue:
            detail += "; still overdue"
        rows.append(["overdue", case.case_no, case.owner, detail])
    # Issue 16: what the company paid customers and recovered from suppliers.
    recovery = f.supplier_recovery
    rows += [
        ["supplier_recovery", "claims", str(recovery.claims), ""],
        ["supplier_recovery", "paid_to_customer", str(recovery.paid_to_customer), "CNY"],
        ["supplier_recovery", "recovered", str(recovery.recovered_from_supplier), "CNY"],
        ["supplier_recovery", "recovery_rate", _fmt(recovery.recovery_rate), ""],
    ]
    if report.revisit is not None:
        for case_no in report.revisit.case_nos:
            rows.append(["revisit_sample", case_no, "", f"of {report.revisit.population} closed"])
    if report.revisit_completion is not None:
        done = report.revisit_completion
        rows.append(
            [
                "revisit_completion",
                done.period,
                _fmt(done.completion.value),
                f"{done.completion.numerator} of {done.completion.denominator} re-visited",
            ]
        )
    return rows


def spreadsheet_safe(text: str) -> str:
    """A CSV cell a spreadsheet shows as text: intake's words (a store typed on a policy
    without stores, a customer's text) starting with "=", "+", "-" or "@" would otherwise
    run as a formula (CSV injection)."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def render_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["section", "key", "value", "detail"])
    writer.writerows([spreadsheet_safe(cell) for cell in row] for row in report_rows(report))
    return out.getvalue()


# --- HTML and SVG -----------------------------------------------------------------


def bar_chart(title: str, items: list[tuple[str, int]]) -> str:
    """Horizontal bars, one per label, scaled to the largest count."""
    label_w, bar_w, row_h = 190, 320, 26
    height = 34 + row_h * max(len(items), 1)
    top = max((n for _, n in items), default=0) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{label_w + bar_w + 60}"'
        f' height="{height}" aria-label="{escape(title)}">',
        f'<text x="0" y="16" font-weight="bold" fill="{_INK}">{escape(title)}</text>',
    ]
    if not items:
        parts.append(f'<text x="0" y="46" fill="{_INK}">no cases</text>')
    for i, (label, n) in enumerate(items):
        y = 30 + i * row_h
        width = round(bar_w * n / top)
        parts += [
            f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end" fill="{_INK}">'
            f"{escape(label)}</text>",
            f'<rect x="{label_w}" y="{y + 3}" width="{width}" height="{row_h - 8}"'
            f' fill="{_THIS}"><title>{escape(label)}: {n}</title></rect>',
            f'<text x="{label_w + width + 6}" y="{y + 15}" fill="{_INK}">{n}</text>',
        ]
    parts.append("</svg>")
    return "".join(parts)


def rate_chart(report: Report) -> str:
    """Each rate of this period beside the previous period's, as percentages."""
    label_w, bar_w, row_h = 150, 320, 40
    rates = list(zip(_rates(report.figures.rates), _rates(report.previous.rates), strict=True))
    height = 60 + row_h * len(rates)
    this_key, before_key = escape(report.period), escape(report.previous.period)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{label_w + bar_w + 80}"'
        f' height="{height}" aria-label="Rates against {before_key}">',
        f'<text x="0" y="16" font-weight="bold" fill="{_INK}">Rates: {this_key} against'
        f" {before_key}</text>",
        f'<rect x="0" y="26" width="12" height="12" fill="{_THIS}"/>'
        f'<text x="18" y="37" fill="{_INK}">{this_key}</text>',
        f'<rect x="120" y="26" width="12" height="12" fill="{_BEFORE}"/>'
        f'<text x="138" y="37" fill="{_INK}">{before_key}</text>',
    ]
    for i, ((name, now), (_, before)) in enumerate(rates):
        y = 50 + i * row_h
        parts += [
            f'<text x="{label_w - 8}" y="{y + 20}" text-anchor="end" fill="{_INK}">'
            f"{RATE_LABELS[name]}</text>",
            f'<line x1="{label_w}" y1="{y}" x2="{label_w}" y2="{y + row_h - 6}" stroke="{_GRID}"/>',
        ]
        for offset, r, colour in ((2, now, _THIS), (18, before, _BEFORE)):
            width = round(bar_w * (r.value or 0))
            shown = "n/a" if r.value is None else f"{r.value:.0%}"
            parts += [
                f'<rect x="{label_w}" y="{y + offset}" width="{width}" height="14"'
                f' fill="{colour}"><title>{shown} ({r.numerator}/{r.denominator})</title></rect>',
                f'<text x="{label_w + width + 6}" y="{y + offset + 12}" font-size="12"'
                f' fill="{_INK}">{shown}</text>',
            ]
    parts.append("</svg>")
    return "".join(parts)


def _table(head: list[str], rows: list[list[str]]) -> str:
    if not rows:
        return "<p>none</p>"
    th = "".join(f"<th>{escape(h)}</th>" for h in head)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


_STYLE = """
body { font-family: system-ui, sans-serif; color: #1e293b; margin: 2rem; max-width: 70rem; }
h1 { margin-bottom: 0.2rem; } .muted { color: #64748b; }
.charts { display: flex; flex-wrap: wrap; gap: 2rem; margin: 1.5rem 0; }
svg text { font-size: 13px; font-family: system-ui, sans-serif; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; }
th, td { border-bottom: 1px solid #e2e8f0; padding: 0.3rem 0.8rem; text-align: left; }
.big { font-size: 2.2rem; font-weight: bold; }
"""


def render_html(report: Report) -> str:
    f = report.figures
    title = f"{report.kind.value.capitalize()} complaint report {report.period}"
    status = "complete" if report.complete else "period still running: figures so far"
    close_rows = [
        [g, str(t.closed), _fmt(t.median_hours), _fmt(t.p90_hours)]
        for g, t in f.time_to_close.items()
    ]
    overdue_rows = [
        [c.case_no, c.grade, c.stage, c.owner, ", ".join(c.missed_deadlines), str(c.still_overdue)]
        for c in f.overdue
    ]
    sections = [
        f"<h1>{escape(title)}</h1>",
        f'<p class="muted">{report.starts_at:%Y-%m-%d %H:%M} to {report.ends_at:%Y-%m-%d %H:%M}'
        f" UTC ({escape(report.timezone)} calendar) &middot; generated"
        f" {report.generated_at:%Y-%m-%d %H:%M} UTC &middot; {status}</p>",
        f'<p><span class="big">{f.cases}</span> cases received'
        f' <span class="muted">({report.previous.cases} in {escape(report.previous.period)})'
        "</span></p>",
        '<div class="charts">',
        bar_chart("Cases per category", list(f.by_category.items())),
        bar_chart("Cases per grade", list(f.by_grade.items())),
        rate_chart(report),
        "</div>",
        "<h2>Cases per store and channel</h2>",
        '<div class="charts">',
        bar_chart("Cases per store", list(f.by_store.items())),
        bar_chart("Cases per channel", list(f.by_channel.items())),
        "</div>",
        "<h2>Time to close (hours)</h2>",
        _table(["grade", "closed", "median", "p90"], close_rows),
        "<h2>Overdue cases and their owners</h2>",
        _table(["case", "grade", "stage", "owner", "missed", "still overdue"], overdue_rows),
        "<h2>Recovered from suppliers</h2>",
        _table(
            ["cases with a supplier claim", "paid to customers (CNY)", "recovered (CNY)", "rate"],
            [
                [
                    str(f.supplier_recovery.claims),
                    str(f.supplier_recovery.paid_to_customer),
                    str(f.supplier_recovery.recovered_from_supplier),
                    _fmt(f.supplier_recovery.recovery_rate),
                ]
            ]
            if f.supplier_recovery.claims
            else [],
        ),
    ]
    if report.revisit is not None:
        sections += [
            "<h2>Re-visit sample</h2>",
            f"<p>{len(report.revisit.case_nos)} of {report.revisit.population} closed cases,"
            " each with a follow-up task for customer service:"
            f" {escape(', '.join(report.revisit.case_nos)) or 'none'}</p>",
        ]
    if report.revisit_completion is not None:
        done = report.revisit_completion.completion
        sections += [
            "<h2>Re-visit sample completed</h2>",
            f"<p>The {escape(report.revisit_completion.period)} sample: {done.numerator} of"
            f" {done.denominator} re-visited ({_fmt(done.value)}).</p>",
        ]
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>"
        + "\n".join(sections)
        + "</body></html>"
    )
