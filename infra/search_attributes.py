"""Registers the custom search attributes (workflows/search_attributes.py) in a
namespace, adding only the missing ones, so running it again changes nothing.

On a cluster, once before deploying a worker that sets them:

    python -m infra.search_attributes          # TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE
"""

import asyncio

from temporalio.api.operatorservice.v1 import (
    AddSearchAttributesRequest,
    ListSearchAttributesRequest,
)
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from infra.settings import get_settings
from infra.temporal import connect
from workflows.search_attributes import ALL


async def ensure_search_attributes(client: Client, namespace: str = "default") -> list[str]:
    """Returns the names it added."""
    try:
        listed = await client.operator_service.list_search_attributes(
            ListSearchAttributesRequest(namespace=namespace)
        )
        present = set(listed.custom_attributes)
    except RPCError as err:
        # The time-skipping test server can add attributes but not list them.
        if err.status is not RPCStatusCode.UNIMPLEMENTED:
            raise
        present = set()
    missing = {key.name: int(key.indexed_value_type) for key in ALL if key.name not in present}
    if missing:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(namespace=namespace, search_attributes=missing)
        )
    return sorted(missing)


async def _main() -> None:
    settings = get_settings()
    client = await connect(settings)
    added = await ensure_search_attributes(client, settings.temporal_namespace)
    print(f"added: {', '.join(added)}" if added else "all present")  # noqa: T201 - a CLI


if __name__ == "__main__":
    asyncio.run(_main())
