"""`python -m devstack.run` (`make run`): the whole system on one machine, no Docker.

Starts an embedded PostgreSQL (unless DATABASE_URL is set) and a Temporal dev server with
its Web UI (unless TEMPORAL_ADDRESS is set), creates and migrates the database, then runs
the worker and the API as child processes and watches them; it prints the banner once the
API's /health says ready (a worker polls the case task queue). Ctrl-C or SIGTERM stops API,
worker, Temporal and Postgres in that order and exits 0; if anything dies on its own,
everything is stopped and the exit code is 1.

State lives under `.data/` (Postgres data dir, Temporal history in `temporal.db`, server
logs, and `codec-keys.yaml`, the payload encryption key made at the first start unless
CODEC_KEYS or CODEC_KEY_FILE is set). Ports: EMBEDDED_PG_PORT (5432),
EMBEDDED_TEMPORAL_PORT (7233), EMBEDDED_TEMPORAL_UI_PORT (8233), API_HOST/API_PORT (127.0.0.1:8000),
WORKER_METRICS_HOST/WORKER_METRICS_PORT (127.0.0.1:9464, 0 for none).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import FrameType
from urllib.parse import urlsplit, urlunsplit

import structlog
import yaml

from api.identity import UsersFile
from devstack.migrate import migrate
from devstack.ports import PortInUseError, port_is_free, wait_for_port
from devstack.postgres import EmbeddedPostgres
from devstack.temporal import TemporalDevServer
from infra.codec import KeyRing, write_key_file
from infra.logging import configure_logging
from infra.settings import Settings
from workflows.search_attributes import registrations

log = structlog.get_logger(__name__)

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / ".data"
DATABASE_NAME = "complaints"
CODEC_KEY_FILE = DATA_DIR / "codec-keys.yaml"
# Custom search attributes the dev server registers at start (name -> Temporal type).
SEARCH_ATTRIBUTES: dict[str, str] = registrations()


PORTS_HINT = (
    "stop what holds the port, or choose others with EMBEDDED_PG_PORT, EMBEDDED_TEMPORAL_PORT,"
    " EMBEDDED_TEMPORAL_UI_PORT, API_PORT (or use your own servers via DATABASE_URL and"
    " TEMPORAL_ADDRESS)"
)


def worker_command() -> list[str]:
    return [sys.executable, "worker.py"]


def api_command(host: str, port: int) -> list[str]:
    return [
        sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory",
        "--host", host, "--port", str(port),
    ]  # fmt: skip


# (name, is it alive?, what to tell the user when it is not)
Watch = tuple[str, Callable[[], bool], Callable[[], str]]


class ChildDied(RuntimeError):
    """A process we started exited while it should have been running."""


@dataclass
class Child:
    """An application process (API, worker) in its own session, stopped with SIGTERM."""

    name: str
    proc: subprocess.Popen[bytes]
    stop_timeout: float

    def alive(self) -> bool:
        return self.proc.poll() is None

    def describe_exit(self) -> str:
        return f"exit code {self.proc.returncode}; see its output above"

    def stop(self) -> None:
        if not self.alive():
            return
        log.info("devstack.stopping", process=self.name)
        self._signal_group(signal.SIGTERM)
        try:
            self.proc.wait(self.stop_timeout)
        except subprocess.TimeoutExpired:
            log.warning("devstack.kill", process=self.name, after_seconds=self.stop_timeout)
            self._signal_group(signal.SIGKILL)
            self.proc.wait()

    def _signal_group(self, sig: signal.Signals) -> None:
        # start_new_session made it a group leader; the group includes anything it forked.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, sig)


def _env_port(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def _display_url(url: str) -> str:
    """The URL with any password masked."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def _spawn(name: str, args: list[str], env: dict[str, str], stop_timeout: float) -> Child:
    log.info("devstack.starting", process=name, command=" ".join(args))
    proc = subprocess.Popen(args, cwd=ROOT, env=env, start_new_session=True)
    return Child(name, proc, stop_timeout)


def demo_users(users_file: Path) -> list[tuple[str, str]]:
    """(token, role) of the configured users, validated as the API will read them."""
    raw = yaml.safe_load(users_file.read_text(encoding="utf-8"))
    return [(user.token, user.role.value) for user in UsersFile.model_validate(raw).users]


def _banner(
    api_url: str,
    ui_url: str,
    temporal: str,
    database_url: str,
    users: list[tuple[str, str]],
    worker_metrics_url: str | None = None,
) -> str:
    rows = [
        ("Console", f"{api_url}/ (sign in as a demo user below)"),
        ("API", api_url),
        ("API docs", f"{api_url}/docs"),
        ("API metrics", f"{api_url}/metrics"),
        ("Worker metrics", worker_metrics_url or "off (WORKER_METRICS_PORT)"),
        ("Temporal Web UI", ui_url),
        ("UI decryption", f"{api_url}/codec/session (sign in, see docs/engineers.md)"),
        ("Temporal", temporal),
        ("Postgres", _display_url(database_url)),
    ]
    lines = ["", "Complaint Desk is running", ""]
    lines += [f"  {label:<16} {value}" for label, value in rows]
    lines += ["", "  Demo users (send  Authorization: Bearer <token>)", ""]
    lines += [f"  {'token':<16} role", f"  {'-' * 16} {'-' * 8}"]
    lines += [f"  {token:<16} {role}" for token, role in users]
    lines += ["", "Press Ctrl-C to stop.", ""]
    return "\n".join(lines) + "\n"


def _codec_keys(env: dict[str, str]) -> None:
    """The caller's CODEC_KEYS or CODEC_KEY_FILE, else a local key file, made once: the
    history in .data/temporal.db is readable only with it."""
    if not env.get("CODEC_KEYS") and not env.get("CODEC_KEY_FILE"):
        if not CODEC_KEY_FILE.exists():
            write_key_file(CODEC_KEY_FILE, f"local-{date.today():%Y%m%d}")
            log.info("devstack.codec_key_created", file=str(CODEC_KEY_FILE))
        env["CODEC_KEY_FILE"] = str(CODEC_KEY_FILE)
    # Checked here, so a bad key stops the launcher before the worker and the API fail on it.
    key_file = env.get("CODEC_KEY_FILE")
    KeyRing.configured(env.get("CODEC_KEYS", ""), Path(key_file) if key_file else None)


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _worker_metrics_url(settings: Settings, env: dict[str, str]) -> str | None:
    """Where the worker will serve its Temporal metrics; None (and off) if the port is taken,
    since metrics are not worth refusing to start over."""
    host, port = settings.worker_metrics_host, settings.worker_metrics_port
    if not port:
        return None
    local_host = "127.0.0.1" if host == "0.0.0.0" else host
    if not port_is_free(port, local_host):
        log.warning(
            "devstack.worker_metrics_off",
            reason=f"port {host}:{port} is already in use",
            hint="choose another with WORKER_METRICS_PORT",
        )
        env["WORKER_METRICS_PORT"] = "0"
        return None
    return f"http://{local_host}:{port}/metrics"


@dataclass
class Started:
    watched: list[Watch]
    banner: str
    api_host: str
    api_port: int


def _start_everything(stack: contextlib.ExitStack) -> Started:
    """Start backends and app processes, registering their stops on `stack`."""
    settings = Settings()
    env = dict(os.environ)
    env.setdefault("PYTHONUNBUFFERED", "1")
    env.setdefault("LOG_JSON", "false")  # readable logs in a terminal
    watched: list[Watch] = []
    _codec_keys(env)
    host, port = settings.api_host, settings.api_port
    local_host = "127.0.0.1" if host == "0.0.0.0" else host
    api_url = f"http://{local_host}:{port}"

    if "DATABASE_URL" in os.environ:
        database_url = settings.database_url
    else:
        pg = EmbeddedPostgres(DATA_DIR / "postgres", _env_port("EMBEDDED_PG_PORT", 5432))
        stack.callback(pg.stop)  # registered first, so it is stopped last
        pg.start()
        database_url = pg.url(DATABASE_NAME)
        env["DATABASE_URL"] = database_url
        watched.append(("postgres", pg.is_running, lambda: f"see {pg.log_file}"))

    if "TEMPORAL_ADDRESS" in os.environ:
        temporal_address, ui_url = settings.temporal_address, settings.temporal_ui_url
    else:
        temporal = TemporalDevServer(
            _env_port("EMBEDDED_TEMPORAL_PORT", 7233),
            _env_port("EMBEDDED_TEMPORAL_UI_PORT", 8233),
            DATA_DIR / "temporal.db",
            namespace=settings.temporal_namespace,
            search_attributes=SEARCH_ATTRIBUTES,
            log_file=DATA_DIR / "temporal.log",
            ui_codec_endpoint=f"{api_url}/codec",
        )
        stack.callback(temporal.stop)
        temporal.start()
        temporal_address, ui_url = temporal.address, temporal.ui_url or ""
        env["TEMPORAL_ADDRESS"] = temporal_address
        env["TEMPORAL_UI_URL"] = ui_url
        watched.append(("temporal", temporal.is_running, lambda: f"see {temporal.log_file}"))

    applied = asyncio.run(migrate(database_url))
    log.info("devstack.migrated", applied=applied or "up to date")

    if not port_is_free(port, local_host):
        raise PortInUseError(f"API: port {host}:{port} is already in use")
    worker_metrics_url = _worker_metrics_url(settings, env)
    worker = _spawn("worker", worker_command(), env, stop_timeout=30)
    stack.callback(worker.stop)
    api = _spawn("api", api_command(host, port), env, stop_timeout=15)
    stack.callback(api.stop)  # registered last, so it is stopped first
    watched += [(c.name, c.alive, c.describe_exit) for c in (worker, api)]

    temporal_text = f"{temporal_address} (namespace {settings.temporal_namespace})"
    users = demo_users(settings.users_file)
    banner = _banner(api_url, ui_url, temporal_text, database_url, users, worker_metrics_url)
    return Started(watched, banner, local_host, port)


def api_ready(host: str, port: int) -> tuple[bool, str]:
    """Whether the API's /health says ready (database, Temporal, and a worker polling the
    case task queue), and what it said."""
    try:
        with urllib.request.urlopen(f"http://{host}:{port}/health", timeout=2) as answer:
            return True, answer.read().decode(errors="replace")
    except urllib.error.HTTPError as err:  # 503: what is not ready yet
        return False, err.read().decode(errors="replace")
    except OSError as err:
        return False, str(err)


# How long the banner may wait before the launcher says what it waits for.
_SAY_WAITING_AFTER_SECONDS = 10.0


def _supervise(started: Started) -> None:
    """Print the banner once /health says ready: the API answers and a worker polls the
    case task queue, so the first case registered after it runs at once. Runs until a
    signal or ChildDied."""
    shown = False
    waiting_since = time.monotonic()
    said_waiting = False
    while True:
        for name, alive, describe in started.watched:
            if not alive():
                raise ChildDied(f"{name} exited unexpectedly ({describe()})")
        if not shown and wait_for_port(started.api_port, started.api_host, timeout=0.5):
            ready, said = api_ready(started.api_host, started.api_port)
            if ready:
                sys.stdout.write(started.banner)
                sys.stdout.flush()
                shown = True
            elif not said_waiting and time.monotonic() - waiting_since > _SAY_WAITING_AFTER_SECONDS:
                log.info("devstack.waiting_until_ready", health=said)
                said_waiting = True
        time.sleep(0.5)


def run() -> int:
    configure_logging(Settings().log_level, json=False)
    signal.signal(signal.SIGTERM, _on_sigterm)
    stack = contextlib.ExitStack()
    code = 0
    try:
        _supervise(_start_everything(stack))
    except KeyboardInterrupt:
        log.info("devstack.shutdown", reason="signal")
    except ChildDied as exc:
        log.error("devstack.child_died", error=str(exc), hint="stopping everything")
        code = 1
    except PortInUseError as exc:
        log.error("devstack.port_in_use", error=str(exc), hint=PORTS_HINT)
        code = 1
    except Exception:
        log.exception("devstack.failed")
        code = 1
    finally:
        # Shutdown has bounded timeouts; a second Ctrl-C must not abandon servers halfway.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stack.close()
    log.info("devstack.stopped", exit_code=code)
    return code


def main() -> None:
    sys.exit(run())


if __name__ == "__main__":
    main()
