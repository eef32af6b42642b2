"""The HTTP API: `create_app()` with a lifespan that opens the pool and Temporal client once."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.deps import Resources
from api.errors import install_error_handlers
from api.identity import UserDirectory
from api.middleware import install_observability
from api.routes import complaints, health, processes, reports, stuck
from api.routes.codec import install_codec_server
from infra.db import create_pool
from infra.logging import configure_logging
from infra.policy_file import load_policy
from infra.settings import Settings, get_settings
from infra.temporal import connect


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(settings.log_level, json=settings.log_json)
        policy = load_policy(settings.policy_file)
        users = UserDirectory.from_file(settings.users_file, policy.authority)
        pool = await create_pool(settings.database_url)
        try:
            temporal = await connect(settings)
            app.state.resources = Resources(settings, policy, users, pool, temporal)
            yield
        finally:
            await pool.close()

    app = FastAPI(
        title="Complaint Desk",
        description="Customer complaints of retail businesses, one durable workflow per case.",
        version="0.1.0",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    install_observability(app)
    app.include_router(health.router)
    # Before complaints: /complaints/stuck is not a case number.
    app.include_router(stuck.router)
    app.include_router(complaints.router)
    app.include_router(processes.router)
    app.include_router(reports.router)
    install_codec_server(app, settings)
    return app
