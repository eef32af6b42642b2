"""`complaints stuck`: the stuck cases of GET /complaints/stuck, as a table.

    complaints stuck [--api http://127.0.0.1:8000] [--token demo-engineer]

The API address and token also come from COMPLAINTS_API and COMPLAINTS_TOKEN.
"""

import argparse
import json
import os
import sys
import urllib.request


def _fetch(api: str, token: str) -> list[dict]:
    request = urllib.request.Request(
        f"{api.rstrip('/')}/complaints/stuck", headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def render(cases: list[dict]) -> str:
    if not cases:
        return "No stuck cases."
    lines = []
    for case in cases:
        waited = f"{case['waiting_hours']} h" if case["waiting_hours"] is not None else "-"
        lines.append(
            f"{case['case_no']}  {case['workflow_type']}  stage {case['stage'] or '-'}"
            f"  waiting on {', '.join(case['waiting_on']) or '-'} for {waited}"
            f"  handler {case['handler'] or '-'}"
        )
        lines += [f"    {reason}" for reason in case["reasons"]]
        lines.append(f"    {case['web_ui']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="complaints", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    stuck = commands.add_parser("stuck", help="list stuck cases with the reason and a UI link")
    stuck.add_argument("--api", default=os.environ.get("COMPLAINTS_API", "http://127.0.0.1:8000"))
    stuck.add_argument("--token", default=os.environ.get("COMPLAINTS_TOKEN", "demo-engineer"))
    args = parser.parse_args(argv)
    sys.stdout.write(render(_fetch(args.api, args.token)) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
