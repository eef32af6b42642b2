"""The console's sessions: rows in Postgres keyed by the hash of a random id that the
browser holds in an HttpOnly, SameSite=Lax cookie (Secure outside localhost).

Each session carries a synchronizer token that every form posts back (`csrf_ok`). A
session unused for CONSOLE_SESSION_IDLE_MINUTES is gone: it is read as none, and deleted.
Sign-in starts a new session (a new id), so an id planted before sign-in is worthless.
"""

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import asyncpg
from fastapi import Request, Response

COOKIE = "console_session"
LANG_COOKIE = "console_lang"
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


@dataclass
class Session:
    id_hash: str
    token: str | None
    user_id: str | None
    user_name: str
    csrf: str
    lang: str | None
    flash: str | None
    oidc: dict[str, Any] | None

    @property
    def signed_in(self) -> bool:
        return self.token is not None


def csrf_ok(session: Session | None, sent: str | None) -> bool:
    """The form's token is its session's (constant-time compare); no session, no pass."""
    return bool(session and sent and secrets.compare_digest(session.csrf, sent))


def _of(row: asyncpg.Record) -> Session:
    oidc = row["oidc"]
    return Session(
        id_hash=row["id_hash"],
        token=row["token"],
        user_id=row["user_id"],
        user_name=row["user_name"],
        csrf=row["csrf"],
        lang=row["lang"],
        flash=row["flash"],
        oidc=json.loads(oidc) if isinstance(oidc, str) else oidc,
    )


class SessionStore:
    def __init__(self, pool: asyncpg.Pool, idle: timedelta) -> None:
        self._pool = pool
        self._idle = idle

    async def load(self, session_id: str | None) -> Session | None:
        """The live session of this id, its idle clock restarted; an expired one is deleted."""
        if not session_id:
            return None
        async with self._pool.acquire() as conn:
            await conn.execute(
                "DELETE FROM console_sessions"
                " WHERE id_hash = $1 AND last_seen < now() - $2::interval",
                _hash(session_id),
                self._idle,
            )
            row = await conn.fetchrow(
                "UPDATE console_sessions SET last_seen = now() WHERE id_hash = $1 RETURNING *",
                _hash(session_id),
            )
        return None if row is None else _of(row)

    async def create(
        self,
        *,
        token: str | None = None,
        user_id: str | None = None,
        user_name: str = "",
        lang: str | None = None,
        oidc: dict[str, Any] | None = None,
    ) -> tuple[str, Session]:
        """A new session: its id for the cookie, and the session."""
        session_id = secrets.token_urlsafe(32)
        row = await self._pool.fetchrow(
            "INSERT INTO console_sessions (id_hash, token, user_id, user_name, csrf, lang, oidc)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb) RETURNING *",
            _hash(session_id),
            token,
            user_id,
            user_name,
            secrets.token_urlsafe(32),
            lang,
            None if oidc is None else json.dumps(oidc),
        )
        return session_id, _of(row)

    async def delete(self, session: Session) -> None:
        await self._pool.execute("DELETE FROM console_sessions WHERE id_hash = $1", session.id_hash)

    async def set_lang(self, session: Session, lang: str) -> None:
        await self._pool.execute(
            "UPDATE console_sessions SET lang = $2 WHERE id_hash = $1", session.id_hash, lang
        )

    async def set_flash(self, session: Session, flash: str | None) -> None:
        await self._pool.execute(
            "UPDATE console_sessions SET flash = $2 WHERE id_hash = $1", session.id_hash, flash
        )

    async def set_oidc(self, session: Session, oidc: dict[str, Any] | None) -> None:
        await self._pool.execute(
            "UPDATE console_sessions SET oidc = $2::jsonb WHERE id_hash = $1",
            session.id_hash,
            None if oidc is None else json.dumps(oidc),
        )


def set_cookie(request: Request, response: Response, session_id: str) -> None:
    response.set_cookie(
        COOKIE,
        session_id,
        httponly=True,
        samesite="lax",
        secure=request.url.hostname not in LOCAL_HOSTS,
        path="/",
    )


def clear_cookie(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/")
