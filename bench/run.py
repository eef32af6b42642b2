"""One benchmark run: start the stack, run each phase for Complaint Desk and for the bare
baseline on the same servers, and put the figures together.

Phases, in order (CPU time of every process is read at each boundary):
1. warm-up: a few whole cases and bare workflows, not counted;
2. throughput: N cases intake to closed over HTTP at the given concurrency, then N bare
   workflows (no-op activity + signal) at the same concurrency;
3. latency, one request at a time: intake vs the bare intake app; acknowledge until the
   register shows it vs bare start-to-result; approval vs a bare update;
4. drift: many notes to one case vs many updates to one bare workflow;
5. parked: a fresh worker, then many open cases waiting on their deadlines; a fresh bare
   worker, then as many bare workflows sleeping on a timer; worker RSS before and after.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from statistics import fmean
from typing import Any, TypeVar

import asyncpg
import httpx
from temporalio.client import Client
from temporalio.worker import Worker

from bench import progress
from bench.baseline import BareJob, BareWorkflow, ParkedWorkflow, Touch
from bench.histories import describe, describe_all, start_input_bytes, wait_settled
from bench.lifecycle import STEP_BY_PATH, Desk, intake_body
from bench.measure import (
    CpuLedger,
    bounded_map,
    cpu_seconds,
    decile_drift,
    percentile,
    rss_bytes,
    summary_ms,
)
from bench.report import figure
from bench.stack import BARE_QUEUE, BenchError, BenchStack
from domain.case_numbers import workflow_id_for
from infra.settings import ROOT

T = TypeVar("T")
MIB = 1024 * 1024
WARMUP_CASES = 3
# Time for the Python heap to settle before RSS is read.
RSS_SETTLE_SECONDS = 2.0


@dataclass
class BenchConfig:
    complaints: int = 500
    concurrency: int = 32
    samples: int = 200
    notes: int = 200
    parked: int = 1000
    # Intakes sent at once while cases are read: the desk's busy minute (issue 20).
    burst: int = 60
    temporal_in_memory: bool = False
    results_dir: Path = ROOT / "bench" / "results"
    show_progress: bool = True
    keep_data: bool = False

    def check(self) -> None:
        for name in ("complaints", "concurrency", "samples", "parked", "burst"):
            if getattr(self, name) < 1:
                raise ValueError(f"--{name} must be at least 1")
        if self.notes < 2:
            raise ValueError("--notes must be at least 2 (drift compares first and last tenth)")


@dataclass
class Run:
    """What the phases share: the stack, clients, the CPU ledger and the raw results."""

    config: BenchConfig
    stack: BenchStack
    desk: Desk
    bare_http: httpx.AsyncClient
    client: Client
    pool: asyncpg.Pool
    cpu: CpuLedger
    tag: str
    raw: dict[str, Any] = field(default_factory=dict)
    serial: int = 0

    def next_numbers(self, count: int) -> list[int]:
        """Fresh complaint numbers: each case gets its own amount and agreement ref."""
        start, self.serial = self.serial, self.serial + count
        return list(range(start, start + count))

    def bar(self, total: int, desc: str) -> progress.Bar:
        return progress.bar(total, desc, enabled=self.config.show_progress)


# --- baseline drivers ----------------------------------------------------------------


async def bare_round(client: Client, workflow_id: str) -> None:
    """A bare workflow from start to result: start, signal, result."""
    handle = await client.start_workflow(
        BareWorkflow.run, BareJob(), id=workflow_id, task_queue=BARE_QUEUE
    )
    await handle.signal(BareWorkflow.release)
    await handle.result()


async def start_bare_waiting(run: Run, ids: list[str]) -> None:
    async def start(workflow_id: str) -> None:
        await run.client.start_workflow(
            BareWorkflow.run, BareJob(), id=workflow_id, task_queue=BARE_QUEUE
        )

    await bounded_map(ids, start, run.config.concurrency)


async def release_bare(run: Run, ids: list[str]) -> None:
    async def release(workflow_id: str) -> None:
        handle = run.client.get_workflow_handle_for(BareWorkflow.run, workflow_id)
        await handle.signal(BareWorkflow.release)
        await handle.result()

    await bounded_map(ids, release, run.config.concurrency)


# --- phases ----------------------------------------------------------------------------


async def warm_up(run: Run) -> None:
    with run.bar(WARMUP_CASES * 2, "warm-up") as bar:

        async def case(n: int) -> None:
            await run.desk.full_lifecycle(n)
            bar.update()

        async def bare(i: int) -> None:
            await bare_round(run.client, f"bare-warmup-{run.tag}-{i}")
            await run.bare_http.post("/intake", json=intake_body(i))
            bar.update()

        await asyncio.gather(
            bounded_map(run.next_numbers(WARMUP_CASES), case, WARMUP_CASES),
            bounded_map(list(range(WARMUP_CASES)), bare, WARMUP_CASES),
        )


async def throughput(run: Run) -> dict[str, Any]:
    n, concurrency = run.config.complaints, run.config.concurrency
    case_nos: list[str] = []
    step_latencies: dict[str, list[float]] = {}
    with run.bar(n, "throughput: cases intake to closed") as bar:

        async def case(number: int) -> None:
            case_no, latencies = await run.desk.full_lifecycle(number)
            case_nos.append(case_no)
            for step, took in latencies.items():
                step_latencies.setdefault(step, []).append(took)
            bar.update()

        started = time.perf_counter()
        await bounded_map(run.next_numbers(n), case, concurrency)
        complaint_seconds = time.perf_counter() - started
    run.stack.check_alive()

    bare_ids = [f"bare-throughput-{run.tag}-{i}" for i in range(n)]
    with run.bar(n, "throughput: bare workflows") as bar:

        async def bare(workflow_id: str) -> None:
            await bare_round(run.client, workflow_id)
            bar.update()

        started = time.perf_counter()
        await bounded_map(bare_ids, bare, concurrency)
        bare_seconds = time.perf_counter() - started

    with run.bar(2 * n, "throughput: reading histories") as bar:
        cases = await describe_all(run.client, [workflow_id_for(c) for c in case_nos])
        bar.update(n)
        bares = await describe_all(run.client, bare_ids)
        bar.update(n)
    rows = await run.pool.fetch(
        "SELECT case_no FROM complaints WHERE case_no = ANY($1::text[]) AND stage <> 'closed'",
        case_nos,
    )
    not_closed = [row["case_no"] for row in rows]
    if not_closed:
        raise BenchError(f"{len(not_closed)} cases not closed in the register: {not_closed[:5]}")
    return {
        "complaints": n,
        "start_input_bytes": await start_input_bytes(run.client, workflow_id_for(case_nos[0])),
        "bare_start_input_bytes": await start_input_bytes(run.client, bare_ids[0]),
        "complaint_seconds": complaint_seconds,
        "bare_seconds": bare_seconds,
        "complaint_transitions": sum(d.state_transitions for d in cases),
        "bare_transitions": sum(d.state_transitions for d in bares),
        "complaint_events": [d.history_length for d in cases],
        "complaint_history_bytes": [d.history_bytes for d in cases],
        "bare_events": [d.history_length for d in bares],
        "step_latencies": {step: summary_ms(v) for step, v in step_latencies.items()},
    }


async def _until_in_register(
    conn: asyncpg.Connection, case_no: str, stage: str, started: float
) -> float:
    """Seconds from `started` until the register row shows `stage`; polls every ~1 ms."""
    while True:
        if await conn.fetchval("SELECT stage FROM complaints WHERE case_no = $1", case_no) == stage:
            return time.perf_counter() - started
        await asyncio.sleep(0.001)


async def latency(run: Run) -> dict[str, Any]:
    m = run.config.samples
    numbers = run.next_numbers(m)
    intake: list[float] = []
    case_nos: list[str] = []
    with run.bar(m, "latency: intake (one at a time)") as bar:
        for number in numbers:
            took, case_no = await run.desk.register(number)
            intake.append(took)
            case_nos.append(case_no)
            bar.update()
    bare_intake: list[float] = []
    with run.bar(m, "latency: bare intake") as bar:
        for i in range(m):
            started = time.perf_counter()
            response = await run.bare_http.post("/intake", json=intake_body(i))
            bare_intake.append(time.perf_counter() - started)
            if response.status_code != 201:
                raise BenchError(f"bare intake: {response.status_code} {response.text[:300]}")
            bar.update()
    run.stack.check_alive()

    # Request to register: the acknowledgement, from sending it to the register showing it.
    await wait_settled(run.client, [workflow_id_for(c) for c in case_nos], timeout=120)
    acknowledge = STEP_BY_PATH["acknowledge"]
    to_register: list[float] = []
    ack_http: list[float] = []
    conn = await run.pool.acquire()
    try:
        with run.bar(m, "latency: request to register") as bar:
            for number, case_no in zip(numbers, case_nos, strict=True):
                started = time.perf_counter()
                http_took, visible = await asyncio.gather(
                    run.desk.command(case_no, number, acknowledge),
                    _until_in_register(conn, case_no, acknowledge.stage_after, started),
                )
                ack_http.append(http_took)
                to_register.append(visible)
                bar.update()
    finally:
        await run.pool.release(conn)
    bare_result: list[float] = []
    with run.bar(m, "latency: bare start to result") as bar:
        for i in range(m):
            started = time.perf_counter()
            await run.client.execute_workflow(
                BareWorkflow.run,
                BareJob(wait_for_release=False),
                id=f"bare-result-{run.tag}-{i}",
                task_queue=BARE_QUEUE,
            )
            bare_result.append(time.perf_counter() - started)
            bar.update()

    # Approval round trip: cases brought to a proposal together, then approved one by one.
    with run.bar(m, "latency: preparing proposals") as bar:

        async def prepare(pair: tuple[int, str]) -> None:
            number, case_no = pair
            for path in ("findings", "proposal"):
                await run.desk.command(case_no, number, STEP_BY_PATH[path])
            bar.update()

        pairs = list(zip(numbers, case_nos, strict=True))
        await bounded_map(pairs, prepare, run.config.concurrency)
    approval_step = STEP_BY_PATH["approval"]
    approval: list[float] = []
    with run.bar(m, "latency: approval (one at a time)") as bar:
        for number, case_no in zip(numbers, case_nos, strict=True):
            approval.append(await run.desk.command(case_no, number, approval_step))
            bar.update()
    bare_ids = [f"bare-update-{run.tag}-{i}" for i in range(m)]
    await start_bare_waiting(run, bare_ids)
    await wait_settled(run.client, bare_ids, timeout=120)
    bare_update: list[float] = []
    with run.bar(m, "latency: bare update") as bar:
        for workflow_id in bare_ids:
            handle = run.client.get_workflow_handle_for(BareWorkflow.run, workflow_id)
            started = time.perf_counter()
            await handle.execute_update(BareWorkflow.touch, Touch(note="bench"))
            bare_update.append(time.perf_counter() - started)
            bar.update()
    await release_bare(run, bare_ids)
    return {
        "intake": intake,
        "bare_intake": bare_intake,
        "request_to_register": to_register,
        "acknowledge_http": ack_http,
        "bare_start_to_result": bare_result,
        "approval": approval,
        "bare_update": bare_update,
    }


async def reads(run: Run) -> dict[str, Any]:
    """GET /complaints/{case_no} one at a time: idle, then while `burst` intakes arrive at
    once; the bare read is one row from Postgres through the bare app."""
    m = run.config.samples
    case_nos = [(await run.desk.register(number))[1] for number in run.next_numbers(5)]
    await wait_settled(run.client, [workflow_id_for(c) for c in case_nos], timeout=120)
    idle: list[float] = []
    with run.bar(m, "reads: one case at a time, idle") as bar:
        for i in range(m):
            idle.append(await run.desk.read(case_nos[i % len(case_nos)]))
            bar.update()
    during: list[float] = []
    burst_numbers = run.next_numbers(run.config.burst)
    with run.bar(run.config.burst, "reads: during an intake burst") as bar:
        # From a process of its own (bench/burst.py): other desks, not the reader's loop.
        sender = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.burst", run.stack.api_url,
            str(burst_numbers[0]), str(len(burst_numbers)),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=ROOT,
        )  # fmt: skip
        assert sender.stdin is not None and sender.stdout is not None
        if (await sender.stdout.readline()).strip() != b"ready":
            raise BenchError("the burst's sender did not start")
        sender.stdin.write(b"go\n")
        await sender.stdin.drain()
        finished = asyncio.create_task(sender.wait())
        while not finished.done() or len(during) < 10:
            during.append(await run.desk.read(case_nos[len(during) % len(case_nos)]))
        if await finished != 0:
            raise BenchError(f"the burst's sender failed (exit {sender.returncode})")
        bar.update(run.config.burst)
    response = await run.bare_http.post("/intake", json=intake_body(0))
    row_id = response.json()["id"]
    bare: list[float] = []
    for _ in range(m):
        started = time.perf_counter()
        (await run.bare_http.get(f"/intake/{row_id}")).raise_for_status()
        bare.append(time.perf_counter() - started)
    run.stack.check_alive()
    return {"idle": idle, "during_burst": during, "bare": bare}


async def drift(run: Run) -> dict[str, Any]:
    d = run.config.notes
    [number] = run.next_numbers(1)
    _, case_no = await run.desk.register(number)
    notes: list[float] = []
    with run.bar(d, "drift: notes to one case") as bar:
        for i in range(d):
            notes.append(await run.desk.note(case_no, i))
            bar.update()
    bare_id = f"bare-drift-{run.tag}"
    await start_bare_waiting(run, [bare_id])
    handle = run.client.get_workflow_handle_for(BareWorkflow.run, bare_id)
    updates: list[float] = []
    with run.bar(d, "drift: updates to one bare workflow") as bar:
        for i in range(d):
            started = time.perf_counter()
            await handle.execute_update(BareWorkflow.touch, Touch(note=f"bench note {i}"))
            updates.append(time.perf_counter() - started)
            bar.update()
    case_history = await describe(run.client, workflow_id_for(case_no))
    bare_history = await describe(run.client, bare_id)
    await release_bare(run, [bare_id])
    return {
        "notes": notes,
        "bare_updates": updates,
        "case_events": case_history.history_length,
        "case_history_bytes": case_history.history_bytes,
        "bare_events": bare_history.history_length,
        "bare_history_bytes": bare_history.history_bytes,
    }


async def _rss_settled(pid: int) -> int:
    """Median of three readings after a pause: the heap after a burst is still moving."""
    await asyncio.sleep(RSS_SETTLE_SECONDS)
    readings = []
    for _ in range(3):
        readings.append(rss_bytes(pid))
        await asyncio.sleep(0.5)
    return sorted(readings)[1]


def _settle_seconds(parked: int) -> float:
    """How long parked cases may take to settle: 10,000 were still busy after the fixed
    600 s this used to allow (the dev server works through their start tasks in turn)."""
    return max(600.0, parked * 0.3)


async def parked(run: Run) -> dict[str, Any]:
    p, concurrency = run.config.parked, run.config.concurrency
    result: dict[str, Any] = {"parked": p}

    # Complaint Desk: a fresh worker, so its cache holds only the parked cases.
    run.cpu.untrack("worker")
    worker = run.stack.restart("worker", "worker (parked phase)")
    run.cpu.track(worker.name, worker.pid)
    numbers = run.next_numbers(WARMUP_CASES + p)
    warm: list[str] = []
    for number in numbers[:WARMUP_CASES]:
        warm.append((await run.desk.register(number))[1])
    await wait_settled(run.client, [workflow_id_for(c) for c in warm], timeout=120)
    result["worker_rss_before"] = await _rss_settled(worker.pid)
    cpu_before = cpu_seconds(worker.pid)
    case_nos: list[str] = []
    with run.bar(p, "parked: open cases registered") as bar:

        async def register(number: int) -> None:
            case_nos.append(await run.desk.register_surely(number))
            bar.update()

        await bounded_map(numbers[WARMUP_CASES:], register, concurrency)
    with run.bar(p, "parked: cases waiting on deadlines") as bar:
        await wait_settled(
            run.client,
            [workflow_id_for(c) for c in case_nos],
            timeout=_settle_seconds(p),
            on_settled=bar.update,
        )
    result["worker_cpu_s"] = cpu_seconds(worker.pid) - cpu_before
    result["worker_rss_after"] = await _rss_settled(worker.pid)
    run.stack.check_alive()

    # The bare baseline: a fresh bare worker and as many workflows sleeping on a timer.
    run.cpu.untrack("bare worker")
    bare_worker = run.stack.restart("bare worker", "bare worker (parked phase)")
    run.cpu.track(bare_worker.name, bare_worker.pid)

    async def park(workflow_id: str) -> None:
        await run.client.start_workflow(ParkedWorkflow.run, id=workflow_id, task_queue=BARE_QUEUE)

    warm_ids = [f"bare-parked-warm-{run.tag}-{i}" for i in range(WARMUP_CASES)]
    await bounded_map(warm_ids, park, concurrency)
    await wait_settled(run.client, warm_ids, timeout=120)
    result["bare_rss_before"] = await _rss_settled(bare_worker.pid)
    cpu_before = cpu_seconds(bare_worker.pid)
    bare_ids = [f"bare-parked-{run.tag}-{i}" for i in range(p)]
    with run.bar(p, "parked: bare workflows started") as bar:

        async def park_one(workflow_id: str) -> None:
            await park(workflow_id)
            bar.update()

        await bounded_map(bare_ids, park_one, concurrency)
    with run.bar(p, "parked: bare workflows sleeping") as bar:
        await wait_settled(run.client, bare_ids, timeout=_settle_seconds(p), on_settled=bar.update)
    result["bare_worker_cpu_s"] = cpu_seconds(bare_worker.pid) - cpu_before
    result["bare_rss_after"] = await _rss_settled(bare_worker.pid)
    run.stack.check_alive()
    return result


# --- the run -------------------------------------------------------------------------


def _commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        )
        return out.stdout.strip() or "unknown"
    except OSError:
        return "unknown"


def _figures(
    config: BenchConfig,
    t: dict[str, Any],
    lat: dict[str, Any],
    rd: dict[str, Any],
    dr: dict[str, Any],
    pk: dict,
) -> dict[str, Any]:
    n = t["complaints"]
    figures: dict[str, Any] = {
        "lifecycle_complaints_per_s": figure(
            n / t["complaint_seconds"], n / t["bare_seconds"], unit="per s", better="higher",
            what="lifecycle throughput, cases intake to closed",
            baseline_what="bare workflows (no-op activity + signal) start to result",
        ),
        "lifecycle_transitions_per_s": figure(
            t["complaint_transitions"] / t["complaint_seconds"],
            t["bare_transitions"] / t["bare_seconds"], unit="per s", better="higher",
            what="lifecycle state transitions",
            baseline_what="state transitions of the bare workflows",
        ),
    }  # fmt: skip
    for q in (50, 95, 99):
        figures[f"intake_latency_p{q}_ms"] = figure(
            percentile(lat["intake"], q) * 1000,
            percentile(lat["bare_intake"], q) * 1000,
            unit="ms",
            better="lower",
            what=f"intake POST /complaints p{q}",
            baseline_what="bare FastAPI endpoint: one asyncpg insert + one workflow start",
        )
    for q in (50, 99):
        figures[f"approval_latency_p{q}_ms"] = figure(
            percentile(lat["approval"], q) * 1000,
            percentile(lat["bare_update"], q) * 1000,
            unit="ms",
            better="lower",
            what=f"approval round trip POST …/approval p{q}",
            baseline_what="one update on a bare workflow",
        )
    case_first, case_last = decile_drift(dr["notes"])
    bare_first, bare_last = decile_drift(dr["bare_updates"])
    figures["update_latency_drift"] = figure(
        case_last / case_first,
        bare_last / bare_first,
        unit="last/first tenth",
        better="lower",
        what=f"update latency drift over {config.notes} notes to one case",
        baseline_what=f"the same over {config.notes} updates to one bare workflow",
    )
    for q in (50, 99):
        figures[f"request_to_register_p{q}_ms"] = figure(
            percentile(lat["request_to_register"], q) * 1000,
            percentile(lat["bare_start_to_result"], q) * 1000,
            unit="ms",
            better="lower",
            what=f"request to register (acknowledge visible in Postgres) p{q}",
            baseline_what="bare workflow start to result",
        )
    for q in (50, 99):
        figures[f"read_case_p{q}_ms"] = figure(
            percentile(rd["idle"], q) * 1000,
            percentile(rd["bare"], q) * 1000,
            unit="ms",
            better="lower",
            what=f"read a case GET /complaints/{{case_no}} p{q}, idle",
            baseline_what="bare read: one row from Postgres through the bare app",
        )
    figures["read_case_burst_p99_ms"] = figure(
        percentile(rd["during_burst"], 99) * 1000,
        percentile(rd["idle"], 99) * 1000,
        unit="ms",
        better="lower",
        what=f"read a case p99 during a burst of {config.burst} intakes",
        baseline_what="the same read p99 when idle",
    )
    per_1000 = 1000 / pk["parked"]
    figures["parked_rss_mib_per_1000"] = figure(
        (pk["worker_rss_after"] - pk["worker_rss_before"]) / MIB * per_1000,
        (pk["bare_rss_after"] - pk["bare_rss_before"]) / MIB * per_1000,
        unit="MiB per 1,000",
        better="lower",
        what="worker memory per 1,000 open cases waiting on deadlines",
        baseline_what="bare worker per 1,000 workflows sleeping on a timer",
    )
    figures["parked_start_cpu_ms_per_case"] = figure(
        pk["worker_cpu_s"] * 1000 / pk["parked"],
        pk["bare_worker_cpu_s"] * 1000 / pk["parked"],
        unit="ms per case",
        better="lower",
        what="worker CPU to start an open case and park it on its deadlines",
        baseline_what="bare worker CPU to start a workflow sleeping on a timer",
    )
    figures["transitions_per_lifecycle"] = figure(
        t["complaint_transitions"] / n,
        t["bare_transitions"] / n,
        unit="transitions",
        better="lower",
        what="state transitions per full lifecycle",
        baseline_what="state transitions of one bare workflow",
    )
    figures["start_input_bytes"] = figure(
        t["start_input_bytes"],
        t["bare_start_input_bytes"],
        unit="bytes",
        better="lower",
        what="a case's start input as Temporal stores it (encrypted)",
        baseline_what="a bare workflow's start input",
    )
    figures["events_per_lifecycle"] = figure(
        fmean(t["complaint_events"]),
        fmean(t["bare_events"]),
        unit="events",
        better="lower",
        what="history events per full lifecycle",
        baseline_what="events of one bare workflow (no-op activity + signal)",
    )
    return figures


async def _phases(run: Run) -> tuple[dict, dict, dict, dict, dict]:
    await warm_up(run)
    run.cpu.read("warm-up")
    t = await throughput(run)
    run.cpu.read("throughput")
    lat = await latency(run)
    run.cpu.read("latency")
    rd = await reads(run)
    run.cpu.read("reads")
    dr = await drift(run)
    run.cpu.read("drift")
    pk = await parked(run)
    run.cpu.read("parked")
    return t, lat, rd, dr, pk


async def _watched(stack: BenchStack, phases: Coroutine[Any, Any, T]) -> T:
    """Run phases, stopping at once if a server or process dies: a request to a dead
    worker would otherwise wait in Temporal for ever."""

    async def watch() -> None:
        while True:
            stack.check_alive()
            await asyncio.sleep(1)

    work, watchdog = asyncio.create_task(phases), asyncio.create_task(watch())
    try:
        await asyncio.wait({work, watchdog}, return_when=asyncio.FIRST_COMPLETED)
        if watchdog.done():
            watchdog.result()  # raises what the watchdog found
        return work.result()
    finally:
        for task in (work, watchdog):
            task.cancel()
        await asyncio.gather(work, watchdog, return_exceptions=True)


async def run_benchmark(config: BenchConfig) -> dict[str, Any]:
    config.check()
    started_at = datetime.now(UTC)
    wall = time.perf_counter()
    workdir = Path(tempfile.mkdtemp(prefix="complaint-bench-"))
    stack = BenchStack(workdir, config.temporal_in_memory)
    cpu = CpuLedger()
    try:
        with progress.bar(2, "starting Postgres, Temporal, worker, API", config.show_progress) as b:
            await stack.start_servers()
            b.update()
            await stack.start_apps()
            b.update()
        for name, pid in stack.server_pids().items():
            cpu.track(name, pid)
        for name, process in stack.processes.items():
            cpu.track(name, process.pid)
        cpu.read("start-up")
        assert stack.client is not None and stack.pool is not None
        limits = httpx.Limits(max_connections=config.concurrency + 8)
        async with (
            httpx.AsyncClient(base_url=stack.api_url, timeout=300, limits=limits) as http,
            httpx.AsyncClient(base_url=stack.bare_api_url, timeout=300, limits=limits) as bare,
        ):
            run = Run(
                config, stack, Desk(http), bare, stack.client, stack.pool, cpu,
                tag=started_at.strftime("%H%M%S"),
            )  # fmt: skip
            t, lat, rd, dr, pk = await _watched(stack, _phases(run))
    finally:
        await stack.stop()
        if not config.keep_data:
            shutil.rmtree(workdir, ignore_errors=True)

    events = t["complaint_events"]
    return {
        "run": {
            "started_at": started_at.isoformat(timespec="seconds"),
            "duration_s": round(time.perf_counter() - wall, 1),
            "commit": _commit(),
            "cpus": os.cpu_count() or 0,
            "python": platform.python_version(),
            "temporalio": version("temporalio"),
            "temporal_mode": stack.temporal_mode,
            "worker_max_cached_workflows": _default_cache_size(),
            "workdir": str(workdir) if config.keep_data else None,
        },
        "config": {
            "complaints": config.complaints,
            "concurrency": config.concurrency,
            "samples": config.samples,
            "notes": config.notes,
            "parked": config.parked,
            "burst": config.burst,
        },
        "figures": _figures(config, t, lat, rd, dr, pk),
        "details": {
            "throughput": {
                "complaint_seconds": round(t["complaint_seconds"], 3),
                "bare_seconds": round(t["bare_seconds"], 3),
                "complaint_transitions": t["complaint_transitions"],
                "bare_transitions": t["bare_transitions"],
                "request_latency_by_step": t["step_latencies"],
            },
            "latency": {name: summary_ms(samples) for name, samples in lat.items()},
            "reads": {name: summary_ms(samples) for name, samples in rd.items()},
            "drift": {
                "notes": summary_ms(dr["notes"]),
                "bare_updates": summary_ms(dr["bare_updates"]),
                "notes_first_tenth_ms": round(decile_drift(dr["notes"])[0] * 1000, 3),
                "notes_last_tenth_ms": round(decile_drift(dr["notes"])[1] * 1000, 3),
                "bare_first_tenth_ms": round(decile_drift(dr["bare_updates"])[0] * 1000, 3),
                "bare_last_tenth_ms": round(decile_drift(dr["bare_updates"])[1] * 1000, 3),
            },
            "histories": {
                "lifecycle_events_mean": round(fmean(events), 1),
                "lifecycle_events_max": max(events),
                "lifecycle_history_bytes_mean": round(fmean(t["complaint_history_bytes"])),
                "bare_events_mean": round(fmean(t["bare_events"]), 1),
                "drift_case_events": dr["case_events"],
                "drift_case_history_bytes": dr["case_history_bytes"],
                "drift_bare_events": dr["bare_events"],
                "drift_bare_history_bytes": dr["bare_history_bytes"],
                "event_warning": 10_240,
            },
            "parked_rss_mib": {
                key: round(value / MIB, 2) for key, value in pk.items() if "_rss_" in key
            },
            "parked_cpu_s": {
                "worker": round(pk["worker_cpu_s"], 2),
                "bare_worker": round(pk["bare_worker_cpu_s"], 2),
            },
        },
        "cpu_seconds": {"total": cpu.totals(), "per_phase": cpu.per_phase()},
    }


def _default_cache_size() -> int:
    return inspect.signature(Worker.__init__).parameters["max_cached_workflows"].default
