"""The customer's tracking link (docs/customer-page.md): long, signed, revocable.

A token is `<link id>.<signature>`: the id 32 random bytes (base64url), the signature an
HMAC-SHA256 of "track:" and the id under SURVEY_LINK_KEY (the survey links' key, the
prefix keeping the two kinds apart), checked with hmac.compare_digest. The token is not
stored and names no case: the case number alone opens nothing, and a forged, revoked or
expired link gets the same page, which says nothing of whether a case exists. Expiry is
not in the token: the link works until the case has been closed for the policy's time.
"""

import base64
import hashlib
import hmac
import re
import secrets
from datetime import datetime

import asyncpg

from infra.settings import Settings
from infra.survey_links import DEVELOPMENT_KEY

_ID = re.compile(r"^[A-Za-z0-9_-]{43}$")
_SIGNATURE = re.compile(r"^[A-Za-z0-9_-]{43}$")


class TrackingRefused(Exception):
    """The token is not one of ours, or its link is revoked or gone."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class TrackingLinkSigner:
    def __init__(self, key: bytes, base_url: str) -> None:
        self._key = key
        self._base_url = base_url.rstrip("/")

    @classmethod
    def from_settings(cls, settings: Settings) -> "TrackingLinkSigner":
        key = settings.survey_link_key.get_secret_value().encode() or DEVELOPMENT_KEY
        return cls(key, settings.public_base_url)

    def _signature(self, link_id: str) -> str:
        return _b64(hmac.new(self._key, b"track:" + link_id.encode(), hashlib.sha256).digest())

    @staticmethod
    def new_id() -> str:
        return _b64(secrets.token_bytes(32))

    def token(self, link_id: str) -> str:
        return f"{link_id}.{self._signature(link_id)}"

    def path(self, token: str) -> str:
        return f"/t/{token}"

    def url(self, token: str) -> str:
        return f"{self._base_url}{self.path(token)}"

    def check(self, token: str) -> str:
        """The link id a token names, if our key signed it."""
        link_id, dot, signature = token.partition(".")
        if not dot or not _ID.match(link_id) or not _SIGNATURE.match(signature):
            raise TrackingRefused
        if not hmac.compare_digest(signature.encode(), self._signature(link_id).encode()):
            raise TrackingRefused
        return link_id


async def store_link(
    conn: asyncpg.Connection | asyncpg.Pool,
    *,
    link_id: str,
    case_no: str,
    language: str,
    issued_at: datetime,
) -> str:
    """The case's link id: this one, or the one an earlier (retried) registration made."""
    return await conn.fetchval(
        """
        INSERT INTO tracking_links (link_id, case_no, language, issued_at)
        VALUES ($1, $2, $3, $4)
        ON CONFLICT (case_no) DO UPDATE SET case_no = EXCLUDED.case_no
        RETURNING link_id
        """,
        link_id,
        case_no,
        language,
        issued_at,
    )


async def find_link(conn: asyncpg.Connection | asyncpg.Pool, link_id: str) -> asyncpg.Record:
    row = await conn.fetchrow(
        "SELECT link_id, case_no, language, revoked_at FROM tracking_links WHERE link_id = $1",
        link_id,
    )
    if row is None or row["revoked_at"] is not None:
        raise TrackingRefused
    return row


async def revoke_link(conn: asyncpg.Connection | asyncpg.Pool, case_no: str, now: datetime) -> bool:
    result = await conn.execute(
        "UPDATE tracking_links SET revoked_at = $2 WHERE case_no = $1 AND revoked_at IS NULL",
        case_no,
        now,
    )
    return result.endswith(" 1")
