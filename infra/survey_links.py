"""Signed, expiring, single-use survey links (docs/customer-messages.md).

A token is `<link id>.<expiry, Unix seconds>.<signature>`, the signature an HMAC-SHA256
of the first two under SURVEY_LINK_KEY (hmac.compare_digest checks it). The worker signs
one when the case sends the survey; the API checks it and claims the link's row
(`survey_links.used_at`) in the transaction that records the answer. The token is never
stored, so the table leaks no working link; it names no case, so a forged or expired link
tells nobody whether a case exists.
"""

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg

from domain.surveys import IssueSurveyLink
from infra.settings import Settings

# make run and the tests, when SURVEY_LINK_KEY is not set: a deployment sets its own
# (docker-compose.yml refuses to start without it).
DEVELOPMENT_KEY = b"complaint-desk-development-survey-link-key"


class LinkRefused(Exception):
    """Why a link does not work; `status` is the page's HTTP status."""

    status = 404
    reason = "unknown"


class MalformedLink(LinkRefused):
    status, reason = 404, "unknown"


class TamperedLink(LinkRefused):
    status, reason = 403, "tampered"


class ExpiredLink(LinkRefused):
    status, reason = 410, "expired"


class UsedLink(LinkRefused):
    status, reason = 410, "used"


@dataclass(frozen=True)
class CheckedLink:
    link_id: str
    expires_at: datetime


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class SurveyLinkSigner:
    def __init__(self, key: bytes, base_url: str) -> None:
        self._key = key
        self._base_url = base_url.rstrip("/")

    @classmethod
    def from_settings(cls, settings: Settings) -> "SurveyLinkSigner":
        key = settings.survey_link_key.get_secret_value().encode() or DEVELOPMENT_KEY
        return cls(key, settings.public_base_url)

    def _signature(self, payload: str) -> str:
        return _b64(hmac.new(self._key, payload.encode(), hashlib.sha256).digest())

    def token(self, link_id: str, expires_at: datetime) -> str:
        payload = f"{link_id}.{int(expires_at.timestamp())}"
        return f"{payload}.{self._signature(payload)}"

    def url(self, token: str) -> str:
        return f"{self._base_url}/survey/{token}"

    def check(self, token: str, *, now: datetime) -> CheckedLink:
        """The link a token names, if it is signed by our key and unexpired."""
        parts = token.split(".")
        if len(parts) != 3 or not parts[1].isdigit() or not parts[0]:
            raise MalformedLink
        link_id, expiry, signature = parts
        if not hmac.compare_digest(signature, self._signature(f"{link_id}.{expiry}")):
            raise TamperedLink
        expires_at = datetime.fromtimestamp(int(expiry), UTC)
        if now >= expires_at:
            raise ExpiredLink
        return CheckedLink(link_id=link_id, expires_at=expires_at)


async def store_link(pool: asyncpg.Pool, link: IssueSurveyLink) -> None:
    """The link's row; a retried issue (same id) adds nothing."""
    await pool.execute(
        """
        INSERT INTO survey_links (link_id, case_no, purpose, language, issued_at, expires_at)
        VALUES ($1, $2, $3, $4, $5, $6)
        ON CONFLICT (link_id) DO NOTHING
        """,
        link.link_id,
        link.case_no,
        link.purpose.value,
        link.language.value,
        link.issued_at,
        # Whole seconds, as the token carries it.
        datetime.fromtimestamp(int(link.expires_at.timestamp()), UTC),
    )


async def find_link(conn: asyncpg.Connection, link_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT link_id, case_no, purpose, language, expires_at, used_at FROM survey_links"
        " WHERE link_id = $1",
        link_id,
    )


async def claim_link(conn: asyncpg.Connection, link_id: str, now: datetime) -> asyncpg.Record:
    """Locks the link's row and marks it used, inside the caller's transaction (which
    records the answer and commits, or rolls back and leaves the link unused). A second
    use waits for the first to commit and is refused."""
    row = await conn.fetchrow(
        "SELECT link_id, case_no, purpose, language, expires_at, used_at FROM survey_links"
        " WHERE link_id = $1 FOR UPDATE",
        link_id,
    )
    if row is None:
        raise MalformedLink
    if row["used_at"] is not None:
        raise UsedLink
    await conn.execute("UPDATE survey_links SET used_at = $2 WHERE link_id = $1", link_id, now)
    return row
