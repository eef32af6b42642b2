"""The survey link a customer message carries (docs/customer-messages.md, DOMAIN section 9)."""

import asyncpg
import structlog
from temporalio import activity

from domain.surveys import IssueSurveyLink, SurveyLinkIssued
from infra.survey_links import SurveyLinkSigner, store_link

log = structlog.get_logger(__name__)


class SurveyLinks:
    """Issues a signed, expiring, single-use survey link: its row, and its URL (signed here,
    with the key only the worker and the API hold; the workflow never sees the key)."""

    def __init__(self, pool: asyncpg.Pool, signer: SurveyLinkSigner) -> None:
        self._pool = pool
        self._signer = signer

    @activity.defn
    async def issue_survey_link(self, req: IssueSurveyLink) -> SurveyLinkIssued:
        await store_link(self._pool, req)
        token = self._signer.token(req.link_id, req.expires_at)
        log.info("survey_link_issued", purpose=req.purpose.value)
        return SurveyLinkIssued(url=self._signer.url(token), expires_at=req.expires_at)
