"""The servers and processes one benchmark run owns, all on free ports in a temp dir.

Postgres and the Temporal dev server come from devstack, as in `make run`; the worker
and the API are started with the launcher's own commands (devstack.run), so what is
measured is what users run. The bare worker and the bare intake app run beside them,
as processes of their own, on the same two servers.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import asyncpg
import httpx
from temporalio.client import Client

from devstack.migrate import migrate
from devstack.ports import free_port
from devstack.postgres import EmbeddedPostgres
from devstack.run import api_command, worker_command
from devstack.temporal import TemporalDevServer
from infra.codec import KeyRing, new_key
from infra.db import create_pool
from infra.settings import ROOT
from infra.temporal import converter_for

DATABASE_NAME = "complaints_bench"
COMPLAINT_QUEUE = "bench-complaints"
BARE_QUEUE = "bench-bare"


class BenchError(RuntimeError):
    """The run cannot give valid figures (a process died, a request failed)."""


@dataclass
class AppProcess:
    """One application process we start, log to a file and stop with SIGTERM."""

    name: str
    command: list[str]
    env: dict[str, str]
    log_path: Path
    proc: subprocess.Popen[bytes] | None = None
    _log: IO[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.proc is not None, f"{self.name} not started"
        return self.proc.pid

    def start(self) -> None:
        self._log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout: float = 20.0) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        if self._log is not None:
            self._log.close()
            self._log = None

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


@dataclass
class BenchStack:
    workdir: Path
    temporal_in_memory: bool
    postgres: EmbeddedPostgres | None = None
    temporal: TemporalDevServer | None = None
    database_url: str = ""
    processes: dict[str, AppProcess] = field(default_factory=dict)
    api_port: int = 0
    bare_api_port: int = 0
    smtp_port: int = 0
    client: Client | None = None
    pool: asyncpg.Pool | None = None
    # A key of this run only: payloads are encrypted as in production, so that is measured.
    codec_keys: str = field(default_factory=lambda: f"bench:{new_key()}")

    @property
    def temporal_mode(self) -> str:
        return "in-memory" if self.temporal_in_memory else "file"

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def bare_api_url(self) -> str:
        return f"http://127.0.0.1:{self.bare_api_port}"

    def server_pids(self) -> dict[str, int]:
        pids = {}
        if self.postgres is not None and self.postgres.pid is not None:
            pids["postgres"] = self.postgres.pid
        if self.temporal is not None and self.temporal.pid is not None:
            pids["temporal dev server"] = self.temporal.pid
        return pids

    async def start_servers(self) -> None:
        self.postgres = EmbeddedPostgres(self.workdir / "postgres", free_port())
        await asyncio.to_thread(self.postgres.start)
        self.database_url = self.postgres.url(DATABASE_NAME)
        await migrate(self.database_url)
        db_file = None if self.temporal_in_memory else self.workdir / "temporal.db"
        self.temporal = TemporalDevServer(
            free_port(), None, db_file, log_file=self.workdir / "temporal.log"
        )
        await self.temporal.start_async()
        self.client = await Client.connect(
            self.temporal.address, data_converter=converter_for(KeyRing.parse(self.codec_keys))
        )
        self.pool = await create_pool(self.database_url, max_size=20)

    def _env(self, task_queue: str) -> dict[str, str]:
        assert self.temporal is not None
        return os.environ | {
            "DATABASE_URL": self.database_url,
            "TEMPORAL_ADDRESS": self.temporal.address,
            "TEMPORAL_TASK_QUEUE": task_queue,
            "CODEC_KEYS": self.codec_keys,
            "CODEC_KEY_FILE": "",
            # The embedded default's mail server, as `make run` has: notices are mailed
            # once. Without one every mail failed and was retried, up to 8 times each.
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(self.smtp_port),
            "SMTP_STARTTLS": "false",
            "LOG_JSON": "true",
            "PYTHONUNBUFFERED": "1",
        }

    def _define(self, name: str, command: list[str], task_queue: str) -> AppProcess:
        slug = name.replace(" ", "-")
        process = AppProcess(name, command, self._env(task_queue), self.workdir / f"{slug}.log")
        self.processes[name] = process
        return process

    async def start_apps(self) -> None:
        """The mail server, the real worker and API, the bare worker and the bare intake app."""
        self.api_port, self.bare_api_port, self.smtp_port = free_port(), free_port(), free_port()
        mail_folder = str(self.workdir / "mail")
        mail = [sys.executable, "-m", "devstack.mailbox", mail_folder, str(self.smtp_port)]
        self._define("mail server", mail, COMPLAINT_QUEUE).start()
        bare_app = [
            sys.executable, "-m", "uvicorn", "bench.baseline:create_bare_app", "--factory",
            "--host", "127.0.0.1", "--port", str(self.bare_api_port),
        ]  # fmt: skip
        for name, command, queue in (
            ("worker", worker_command(), COMPLAINT_QUEUE),
            ("api", api_command("127.0.0.1", self.api_port), COMPLAINT_QUEUE),
            ("bare worker", [sys.executable, "-m", "bench.baseline"], BARE_QUEUE),
            ("bare api", bare_app, BARE_QUEUE),
        ):
            self._define(name, command, queue).start()
        await asyncio.gather(
            self._until_healthy(self.api_url, "api"),
            self._until_healthy(self.bare_api_url, "bare api"),
        )

    def restart(self, name: str, new_name: str) -> AppProcess:
        """Stop a process and start the same command afresh under a new name."""
        old = self.processes.pop(name)
        old.stop()
        process = AppProcess(new_name, old.command, old.env, old.log_path)
        self.processes[new_name] = process
        process.start()
        return process

    def check_alive(self) -> None:
        for name, server in (("postgres", self.postgres), ("temporal", self.temporal)):
            if server is not None and not server.is_running():
                raise BenchError(f"{name} exited; last lines of its log:\n{server.log_tail()}")
        for process in self.processes.values():
            if not process.alive():
                raise BenchError(
                    f"{process.name} exited (code {process.proc and process.proc.returncode});"
                    f" last lines of {process.log_path}:\n{process.log_tail()}"
                )

    async def _until_healthy(self, url: str, name: str, timeout: float = 60.0) -> None:
        async with httpx.AsyncClient(base_url=url, timeout=5) as http:
            for _ in range(int(timeout / 0.1)):
                self.check_alive()
                try:
                    if (await http.get("/health")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
        raise BenchError(f"{name} did not become healthy within {timeout:.0f}s")

    async def stop(self) -> None:
        if self.pool is not None:
            await self.pool.close()
            self.pool = None
        for process in reversed(list(self.processes.values())):
            process.stop()
        if self.temporal is not None:
            self.temporal.stop()
        if self.postgres is not None:
            await asyncio.to_thread(self.postgres.stop)
