"""Policy versions in Postgres, and the active one: the policy new cases get.

The most recently activated row of `policy_versions` is active. The policy file seeds the
table: at API start-up its version is stored, and so activated, only if the table does not
have it yet. A version posted later (`POST /policy`) therefore stays active across
restarts, until another one is posted or a file with a new version is deployed. A version
names one content: the same version with other content is refused, from the file as
from a POST. Running cases are not touched: each carries the policy it started with in its
workflow input.
"""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

import asyncpg
import structlog

from domain.policy import Policy
from infra.policy_file import PolicyDocument, parse_policy

log = structlog.get_logger(__name__)

# Who stored a version that came from the policy file at start-up.
POLICY_FILE = "policy-file"
# How soon an API process sees a version another process activated.
REFRESH_SECONDS = 5.0

_COLUMNS = """version, source, content_sha256, stored_at, stored_by, activated_at,
              activated_by, activation"""


class VersionConflict(Exception):
    def __init__(self, version: str) -> None:
        super().__init__(
            f"policy version {version} is already stored with other content: "
            "give the changed policy a new version"
        )
        self.version = version


@dataclass(frozen=True)
class PolicyVersion:
    version: str
    policy: Policy
    source: str
    content_sha256: str
    stored_at: datetime
    stored_by: str
    activated_at: datetime
    activated_by: str
    activation: int


async def _insert(
    conn: asyncpg.Connection, document: PolicyDocument, by: str
) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"""
        INSERT INTO policy_versions
            (version, source, content_sha256, policy, stored_by, activated_by)
        VALUES ($1, $2, $3, $4, $5, $5)
        ON CONFLICT (version) DO NOTHING
        RETURNING {_COLUMNS}
        """,
        document.policy.version,
        document.text,
        document.content_sha256,
        document.policy.model_dump(mode="json"),
        by,
    )


async def _same_content(conn: asyncpg.Connection, document: PolicyDocument) -> asyncpg.Record:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM policy_versions WHERE version = $1 FOR UPDATE",
        document.policy.version,
    )
    if row["content_sha256"] != document.content_sha256:
        raise VersionConflict(document.policy.version)
    return row


async def seed_version(pool: asyncpg.Pool, document: PolicyDocument) -> bool:
    """The policy file at start-up: stored and active if its version is new; True if so."""
    async with pool.acquire() as conn, conn.transaction():
        if await _insert(conn, document, POLICY_FILE):
            log.info("policy_version_stored", version=document.policy.version, by=POLICY_FILE)
            return True
        await _same_content(conn, document)
        return False


async def activate_version(pool: asyncpg.Pool, document: PolicyDocument, *, by: str) -> bool:
    """A posted policy: stored if new, and made the active one; True if it was new.

    Posting the same version with the same content again activates it again (a retry, or
    going back to it); with other content it raises VersionConflict.
    """
    async with pool.acquire() as conn, conn.transaction():
        if await _insert(conn, document, by):
            log.info("policy_version_stored", version=document.policy.version, by=by)
            return True
        row = await _same_content(conn, document)
        active = await conn.fetchval("SELECT max(activation) FROM policy_versions")
        if row["activation"] != active:
            await conn.execute(
                """
                UPDATE policy_versions
                SET activation = nextval('policy_activation_seq'), activated_at = now(),
                    activated_by = $2
                WHERE version = $1
                """,
                document.policy.version,
                by,
            )
            log.info("policy_version_reactivated", version=document.policy.version, by=by)
        return False


async def list_versions(pool: asyncpg.Pool) -> list[asyncpg.Record]:
    """Every stored version, the active one (latest activation) first."""
    return await pool.fetch(f"SELECT {_COLUMNS} FROM policy_versions ORDER BY activation DESC")


async def find_version(pool: asyncpg.Pool, version: str) -> asyncpg.Record | None:
    return await pool.fetchrow(
        f"SELECT {_COLUMNS}, policy FROM policy_versions WHERE version = $1", version
    )


async def _active_row(pool: asyncpg.Pool) -> asyncpg.Record:
    row = await pool.fetchrow(
        f"SELECT {_COLUMNS} FROM policy_versions ORDER BY activation DESC LIMIT 1"
    )
    if row is None:
        raise LookupError("no policy version is stored")
    return row


async def _load(row: asyncpg.Record) -> PolicyVersion:
    # Validated again from its source, as the file is at start-up: public holidays are
    # resolved for the years around today, and a field added since gets its default.
    # In a thread: resolving holidays takes a moment of CPU.
    document = await asyncio.to_thread(
        parse_policy, row["source"], source=f"policy version {row['version']}"
    )
    return PolicyVersion(
        version=row["version"],
        policy=document.policy,
        source=row["source"],
        content_sha256=row["content_sha256"],
        stored_at=row["stored_at"],
        stored_by=row["stored_by"],
        activated_at=row["activated_at"],
        activated_by=row["activated_by"],
        activation=row["activation"],
    )


class ActivePolicy:
    """The policy new cases get, in step with the table: the process that activates a
    version has it at once, every other API process within REFRESH_SECONDS."""

    def __init__(self, pool: asyncpg.Pool, current: PolicyVersion) -> None:
        self._pool = pool
        self._current = current
        self._loaded_on = date.today()
        self._listeners: list[Callable[[PolicyVersion], None]] = []
        self._lock = asyncio.Lock()

    @classmethod
    async def start(cls, pool: asyncpg.Pool, file: PolicyDocument) -> "ActivePolicy":
        """Seeds the table with the policy file, then takes the active version."""
        await seed_version(pool, file)
        active = cls(pool, await _load(await _active_row(pool)))
        if active.current.version != file.policy.version:
            log.info(
                "policy_file_not_active",
                file_version=file.policy.version,
                active_version=active.current.version,
            )
        return active

    @property
    def current(self) -> PolicyVersion:
        return self._current

    @property
    def policy(self) -> Policy:
        return self._current.policy

    def on_change(self, listener: Callable[[PolicyVersion], None]) -> None:
        self._listeners.append(listener)

    async def refresh(self) -> PolicyVersion:
        """Takes the latest activation from the table, if it is not the one held; on a new
        day of a new year, resolves the holidays again for the moved window of years."""
        async with self._lock:
            row = await _active_row(self._pool)
            today = date.today()
            if row["activation"] == self._current.activation and (
                today.year == self._loaded_on.year
            ):
                return self._current
            current = await _load(row)
            self._current, self._loaded_on = current, today
            log.info("policy_version_active", version=current.version, by=current.activated_by)
            for listener in self._listeners:
                try:
                    listener(current)
                except Exception as err:  # the version is active; say what did not follow
                    log.error("policy_listener_failed", version=current.version, error=str(err))
            return current

    async def activate(self, document: PolicyDocument, *, by: str) -> tuple[PolicyVersion, bool]:
        created = await activate_version(self._pool, document, by=by)
        return await self.refresh(), created

    async def keep_fresh(self) -> None:
        """Runs until cancelled: a database outage keeps the version held, and logs."""
        while True:
            await asyncio.sleep(REFRESH_SECONDS)
            try:
                await self.refresh()
            except Exception as err:  # keep serving the version held
                log.warning("policy_refresh_failed", error=str(err))
