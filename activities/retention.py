"""The retention workflow's activity: anonymise a batch of expired cases in Postgres."""

import asyncpg
import structlog
from temporalio import activity

from domain.retention import AnonymisedBatch, AnonymiseExpired
from infra.evidence import purge_unneeded_files
from infra.evidence_store import EvidenceFiles
from infra.retention import anonymise_closed_before

log = structlog.get_logger(__name__)


class RetentionActivities:
    """DOMAIN section 8: records kept at least the policy's retention, then a closed case's
    personal data anonymised, its figures kept (domain/retention.py says which is which)."""

    def __init__(self, pool: asyncpg.Pool, files: EvidenceFiles | None = None) -> None:
        self._pool = pool
        self._files = files

    @activity.defn
    async def anonymise_expired_cases(self, req: AnonymiseExpired) -> AnonymisedBatch:
        """One batch in one transaction: all of it is anonymised, or none of it."""
        async with self._pool.acquire() as conn, conn.transaction():
            case_nos = await anonymise_closed_before(
                conn, closed_before=req.closed_before, keep_days=req.keep_days, limit=req.limit
            )
        # Case numbers only: the log holds no personal data either.
        log.info("cases_anonymised", count=len(case_nos), case_nos=case_nos)
        # The files no live evidence row needs: this batch's, and any a crash left (a
        # retry finds the batch done and still deletes them). A worker without a store
        # configured leaves them to the next that has one.
        if self._files is not None:
            files = await purge_unneeded_files(self._pool, self._files)
            log.info("evidence_files_deleted", count=files)
        return AnonymisedBatch(case_nos=case_nos)
