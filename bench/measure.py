"""What the benchmark reads off the machine and how it summarises samples.

CPU time and memory come from /proc (Linux only), so the figures are those the kernel
charges each process, whatever language or runtime it is.
"""

from __future__ import annotations

import asyncio
import math
import os
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


class ProcessGone(RuntimeError):
    """The process was not there to be measured."""


def _stat_fields(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError) as err:
        raise ProcessGone(f"no process {pid}") from err
    # The command name (field 2) is in parentheses and may hold spaces; split after it.
    return raw[raw.rindex(")") + 2 :].split()


def _own_and_reaped_cpu(pid: int) -> float:
    # After the name: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14)
    fields = _stat_fields(pid)
    return sum(int(fields[i]) for i in (11, 12, 13, 14)) / _CLOCK_TICKS


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if int(_stat_fields(int(entry.name))[1]) == pid:
                    found.append(int(entry.name))
            except (ProcessGone, IndexError, ValueError, PermissionError):
                continue
    return found


def cpu_seconds(pid: int) -> float:
    """User plus system CPU of pid and all its descendants, living or already reaped.

    Postgres serves each connection from a forked backend; a backend that exited is
    in its parent's cutime/cstime, a living one is read directly.
    """
    total = _own_and_reaped_cpu(pid)
    pending = _children(pid)
    while pending:
        child = pending.pop()
        try:
            total += _own_and_reaped_cpu(child)
        except ProcessGone:
            continue
        pending += _children(child)
    return total


def rss_bytes(pid: int) -> int:
    """Resident set size of one process, from /proc/<pid>/statm."""
    try:
        resident = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    except (FileNotFoundError, ProcessLookupError) as err:
        raise ProcessGone(f"no process {pid}") from err
    return resident * _PAGE_SIZE


def own_cpu_seconds() -> float:
    """This (the driver) process's CPU time, threads included."""
    times = os.times()
    return times.user + times.system


@dataclass
class CpuLedger:
    """CPU seconds per named process, read at phase boundaries.

    A process stopped mid-run (the worker restarted for the parked phase) keeps the
    last reading taken before it stopped, under its own name.
    """

    pids: dict[str, int] = field(default_factory=dict)
    readings: dict[str, dict[str, float]] = field(default_factory=dict)  # phase -> name -> s
    last: dict[str, float] = field(default_factory=dict)

    def track(self, name: str, pid: int) -> None:
        self.pids[name] = pid

    def read(self, phase: str) -> None:
        now: dict[str, float] = {"bench driver": own_cpu_seconds()}
        for name, pid in self.pids.items():
            try:
                now[name] = cpu_seconds(pid)
            except ProcessGone:
                now[name] = self.last.get(name, 0.0)
        self.readings[phase] = now
        self.last.update(now)

    def untrack(self, name: str) -> None:
        """Take a last reading of name (before it is stopped) and stop following it."""
        pid = self.pids.pop(name)
        try:
            self.last[name] = cpu_seconds(pid)
        except ProcessGone:
            pass

    def per_phase(self) -> dict[str, dict[str, float]]:
        """CPU seconds each process used in each phase (from the previous reading)."""
        result: dict[str, dict[str, float]] = {}
        before: dict[str, float] = {}
        for phase, reading in self.readings.items():
            result[phase] = {
                name: round(value - before.get(name, 0.0), 3) for name, value in reading.items()
            }
            before = reading
        return result

    def totals(self) -> dict[str, float]:
        return {name: round(value, 3) for name, value in self.last.items()}


def percentile(samples: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty sample."""
    if not samples:
        raise ValueError("no samples")
    ordered = sorted(samples)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def decile_drift(samples: Sequence[float]) -> tuple[float, float]:
    """Median of the first and of the last tenth of samples, in the order taken."""
    if len(samples) < 2:
        raise ValueError("drift needs at least two samples")
    tenth = max(1, len(samples) // 10)
    return statistics.median(samples[:tenth]), statistics.median(samples[-tenth:])


def summary_ms(samples: Sequence[float]) -> dict[str, float]:
    """Seconds in, milliseconds out: what the JSON keeps of a latency sample."""
    return {
        "count": len(samples),
        "min_ms": round(min(samples) * 1000, 3),
        "p50_ms": round(percentile(samples, 50) * 1000, 3),
        "p95_ms": round(percentile(samples, 95) * 1000, 3),
        "p99_ms": round(percentile(samples, 99) * 1000, 3),
        "max_ms": round(max(samples) * 1000, 3),
        "mean_ms": round(statistics.fmean(samples) * 1000, 3),
    }


async def timed(call: Callable[[], Awaitable[T]]) -> tuple[float, T]:
    """(seconds the awaited call took, its result)."""
    started = time.perf_counter()
    result = await call()
    return time.perf_counter() - started, result


async def bounded_map(
    items: Sequence[T], call: Callable[[T], Awaitable[object]], concurrency: int
) -> None:
    """Await call(item) for every item, at most `concurrency` at a time; the first
    failure stops the rest and is raised."""
    queue = list(reversed(items))

    async def lane() -> None:
        while queue:
            await call(queue.pop())

    lanes = [asyncio.create_task(lane()) for _ in range(max(1, min(concurrency, len(items))))]
    try:
        await asyncio.gather(*lanes)
    finally:
        for task in lanes:
            task.cancel()
