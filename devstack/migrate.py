"""Plain-SQL schema migrations: `migrations/NNN_*.sql`, applied once each, in name order.

Applied versions (the file name without `.sql`, e.g. `001_init`) are recorded in
`schema_migrations`. `python -m devstack.migrate` creates the database named in
DATABASE_URL if needed and applies what is pending; docker-compose runs it as its
migration step and `devstack.run` calls the same functions.
"""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

import asyncpg
import structlog

log = structlog.get_logger(__name__)

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS_DIR = ROOT / "migrations"
MIGRATION_FILE = re.compile(r"^\d+_.+\.sql$")
# Arbitrary constant shared by every migrating process; pg_advisory_lock serialises them.
ADVISORY_LOCK_KEY = 0x436F6D706C61696E  # "Complain"

_CREATE_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version text PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


def migration_files(directory: Path = MIGRATIONS_DIR) -> list[Path]:
    """The migration files in `directory`, in the order they must be applied."""
    if not directory.is_dir():
        raise FileNotFoundError(f"migrations directory not found: {directory}")
    return sorted(
        (p for p in directory.iterdir() if p.is_file() and MIGRATION_FILE.match(p.name)),
        key=lambda p: p.name,
    )


def _split_database(database_url: str) -> tuple[str, str]:
    """(URL of the server's `postgres` database, target database name)."""
    parts = urlsplit(database_url)
    name = unquote(parts.path.lstrip("/"))
    if not name:
        raise ValueError(f"DATABASE_URL names no database: {database_url}")
    return urlunsplit(parts._replace(path="/postgres")), name


async def _connect(url: str, wait: float) -> asyncpg.Connection:
    """Connect, retrying for up to `wait` seconds while the server is still coming up."""
    deadline = time.monotonic() + wait
    while True:
        try:
            return await asyncpg.connect(url, timeout=5)
        except (TimeoutError, OSError, asyncpg.CannotConnectNowError):
            if time.monotonic() >= deadline:
                raise
            await asyncio.sleep(0.5)


async def ensure_database(database_url: str, wait: float = 30.0) -> bool:
    """Create the database named in `database_url` if missing; True if it was created."""
    admin_url, name = _split_database(database_url)
    conn = await _connect(admin_url, wait)
    try:
        if await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            return False
        quoted = '"' + name.replace('"', '""') + '"'
        try:
            await conn.execute(f"CREATE DATABASE {quoted}")
        except asyncpg.DuplicateDatabaseError:
            return False  # another process created it between our check and create
        log.info("migrate.database_created", database=name)
        return True
    finally:
        await conn.close()


async def apply_migrations(database_url: str, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply pending migrations, each in its own transaction; returns the versions applied."""
    files = migration_files(directory)
    conn = await _connect(database_url, wait=30.0)
    try:
        # Session-level lock: closing the connection below releases it, even after errors.
        await conn.execute("SELECT pg_advisory_lock($1)", ADVISORY_LOCK_KEY)
        await conn.execute(_CREATE_TABLE)
        rows = await conn.fetch("SELECT version FROM schema_migrations")
        done = {row["version"] for row in rows}
        applied: list[str] = []
        for path in files:
            version = path.stem
            if version in done:
                continue
            async with conn.transaction():
                await conn.execute(path.read_text(encoding="utf-8"))
                await conn.execute("INSERT INTO schema_migrations (version) VALUES ($1)", version)
            log.info("migrate.applied", version=version)
            applied.append(version)
        return applied
    finally:
        await conn.close()


async def migrate(database_url: str, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """ensure_database, then apply_migrations."""
    await ensure_database(database_url)
    return await apply_migrations(database_url, directory)


def main() -> None:
    from infra.logging import configure_logging
    from infra.settings import Settings

    settings = Settings()
    configure_logging(settings.log_level, json=settings.log_json)
    applied = asyncio.run(migrate(settings.database_url))
    if applied:
        log.info("migrate.done", applied=applied)
    else:
        log.info("migrate.up_to_date")


if __name__ == "__main__":
    main()
