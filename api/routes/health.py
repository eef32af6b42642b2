"""/health: is the database reachable, is Temporal reachable. Open, for load balancers."""

from fastapi import APIRouter, Response

from api.deps import ResourcesDep
from api.schemas import HealthPublic

router = APIRouter(tags=["health"])


@router.get(
    "/health",
    response_model=HealthPublic,
    responses={503: {"model": HealthPublic, "description": "The database or Temporal is down"}},
)
async def health(resources: ResourcesDep, response: Response) -> HealthPublic:
    database = temporal = "ok"
    try:
        await resources.pool.fetchval("SELECT 1")
    except Exception as err:  # any failure means "not healthy", reported, not raised
        database = f"unavailable: {err}"
    try:
        await resources.temporal.service_client.check_health()
    except Exception as err:
        temporal = f"unavailable: {err}"
    if "ok" != database or "ok" != temporal:
        response.status_code = 503
    return HealthPublic(database=database, temporal=temporal)
