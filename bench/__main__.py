"""`python -m bench` (`make bench`): what a complaint costs compared with the bare engine.

Starts its own Postgres and Temporal dev server on free ports, the real worker and API
plus a bare worker and a bare intake app, runs every phase and writes
bench/results/<timestamp>.json and .md, and latest.json / latest.md beside them.
"""

import argparse
import asyncio
import signal
import sys
from pathlib import Path
from types import FrameType

from bench import guard
from bench.report import write
from bench.run import BenchConfig, run_benchmark
from bench.stack import BenchError
from infra.logging import configure_logging


def parse_args(argv: list[str] | None = None) -> BenchConfig:
    defaults = BenchConfig()
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--complaints",
        type=int,
        default=defaults.complaints,
        help="cases driven intake to closed for throughput (default %(default)s)",
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=defaults.concurrency,
        help="cases (and bare workflows) in flight at once (default %(default)s)",
    )
    parser.add_argument(
        "--samples",
        type=int,
        default=defaults.samples,
        help="requests per latency figure, sent one at a time (default %(default)s)",
    )
    parser.add_argument(
        "--notes",
        type=int,
        default=defaults.notes,
        help="updates to one case for the drift figure (default %(default)s)",
    )
    parser.add_argument(
        "--parked",
        type=int,
        default=defaults.parked,
        help="open cases parked on their deadlines for the memory figure (default %(default)s)",
    )
    parser.add_argument(
        "--burst",
        type=int,
        default=defaults.burst,
        help="intakes sent at once while a case is read (default %(default)s)",
    )
    parser.add_argument(
        "--temporal-in-memory",
        action="store_true",
        help="run the dev server without its SQLite file (default: a file, as make run does)",
    )
    parser.add_argument(
        "--results-dir",
        type=Path,
        default=defaults.results_dir,
        help="where the JSON and Markdown go (default bench/results)",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    parser.add_argument(
        "--keep-data",
        action="store_true",
        help="keep the run's temp dir (server data and process logs) for inspection",
    )
    args = parser.parse_args(argv)
    config = BenchConfig(
        complaints=args.complaints,
        concurrency=args.concurrency,
        samples=args.samples,
        notes=args.notes,
        parked=args.parked,
        burst=args.burst,
        temporal_in_memory=args.temporal_in_memory,
        results_dir=args.results_dir,
        show_progress=not args.no_progress,
        keep_data=args.keep_data,
    )
    try:
        config.check()
    except ValueError as err:
        parser.error(str(err))
    return config


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # so the servers and processes we started are stopped


def main(argv: list[str] | None = None) -> int:
    config = parse_args(argv)
    signal.signal(signal.SIGTERM, _on_sigterm)
    # Our own logs (server start and stop) only when something is wrong: bars show progress.
    configure_logging("WARNING", json=False)
    try:
        result = asyncio.run(run_benchmark(config))
    except KeyboardInterrupt:
        sys.stderr.write("benchmark interrupted; its servers and processes are stopped\n")
        return 130
    except BenchError as err:
        sys.stderr.write(f"benchmark failed: {err}\n")
        return 1
    committed = guard.load(guard.COMMITTED)  # read before this run may overwrite it
    json_path, md_path = write(result, config.results_dir)
    sys.stdout.write(md_path.read_text(encoding="utf-8"))
    sys.stdout.write(f"\nwritten: {json_path} and {md_path} (and latest.json, latest.md)\n")
    worse = guard.regressions(committed, result) if committed else []
    if worse:
        sys.stdout.write(
            f"\n{len(worse)} ratios more than {guard.WORSE_BY:.0%} worse than the committed run "
            f"(bench/results/latest.json):\n" + "".join(f"- {line}\n" for line in worse)
        )
    over = guard.over_budget(result, guard.budgets())
    if over:
        sys.stdout.write(
            "\nOver the committed budgets (bench/budgets.json):\n"
            + "".join(f"- {line}\n" for line in over)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
