"""The Temporal client every process uses: same address settings, pydantic data converter."""

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.runtime import Runtime

from infra.settings import Settings


async def connect(settings: Settings, runtime: Runtime | None = None) -> Client:
    """`runtime` carries the SDK's telemetry (the worker's Prometheus metrics)."""
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=pydantic_data_converter,
        runtime=runtime,
    )
