"""Activities of a lawsuit: the legal hold on its case (000 八.2; DOMAIN 8)."""

import asyncpg
import structlog
from temporalio import activity

from domain.legal import LiftHold, PlaceHold
from infra import legal_holds

log = structlog.get_logger(__name__)


class LegalHolds:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    @activity.defn
    async def place_lawsuit_hold(self, hold: PlaceHold) -> bool:
        placed = await legal_holds.place_process_hold(self._pool, hold)
        log.info("lawsuit_hold_placed", case_no=hold.case_no, hold_id=hold.hold_id, placed=placed)
        return placed

    @activity.defn
    async def lift_lawsuit_hold(self, lift: LiftHold) -> None:
        await legal_holds.lift_process_hold(self._pool, lift)
        log.info("lawsuit_hold_lifted", case_no=lift.case_no, hold_id=lift.hold_id)
