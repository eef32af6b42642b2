"""The HTTP API: `create_app()` with a lifespan that opens the pool and Temporal client once."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI

from api.console import install_console
from api.deps import Resources
from api.docs import install_docs
from api.errors import install_error_handlers
from api.identity import Identity, JwtIdentity, identity_from_settings
from api.middleware import install_observability
from api.nul_guard import install_nul_guard
from api.public import complain, survey, tracking
from api.query_params import refuse_unknown_query_parameters
from api.routes import (
    complaints,
    evidence,
    health,
    notifications,
    policy,
    processes,
    reports,
    revisits,
    stop_sale,
    stuck,
    tracking_links,
)
from api.routes.codec import install_codec_server
from infra.db import create_pool
from infra.evidence_store import evidence_files
from infra.logging import configure_logging
from infra.people import keep_recording
from infra.policy_file import read_policy_file
from infra.policy_versions import ActivePolicy, PolicyVersion
from infra.settings import Settings, get_settings
from infra.temporal import connect


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(settings.log_level, json=settings.log_json)
        # A bad file stops start-up before anything opens, with its line and field named.
        policy_file = read_policy_file(settings.policy_file)
        # Every connection opened at start: a burst of intakes then waits for none to
        # be opened (and its codecs introspected) while a read waits behind it.
        pool = await create_pool(
            settings.database_url, min_size=settings.api_pool_size, max_size=settings.api_pool_size
        )
        size = settings.api_read_pool_size
        reads = await create_pool(settings.database_url, min_size=size, max_size=size)
        refresher: asyncio.Task[None] | None = None
        files = None
        recorder: asyncio.Task[None] | None = None
        try:
            # The active version (README "Policy"): the latest activated in the table,
            # which the file seeds. Resources.policy follows it, and with it what intake
            # gives new cases and the authority limits of the users.
            active = await ActivePolicy.start(pool, policy_file)
            temporal = await connect(settings)
            users: Identity = identity_from_settings(settings, active.policy.authority)
            resources = Resources(
                settings,
                active.policy,
                users,
                pool,
                temporal,
                reads=reads,
                intakes=asyncio.Semaphore(settings.api_intake_concurrency),
            )
            resources.files = files = evidence_files(settings)

            def follow(version: PolicyVersion) -> None:
                resources.policy = version.policy
                resources.users = resources.users.for_authority(version.policy.authority)

            active.on_change(follow)
            app.state.resources = resources
            app.state.active_policy = active
            refresher = asyncio.create_task(active.keep_fresh())
            if isinstance(users, JwtIdentity):
                # Who signed in, for the notification relay's directory (infra/people.py).
                recorder = asyncio.create_task(keep_recording(pool, users.take_seen))
            yield
        finally:
            for task in (refresher, recorder):
                if task is not None:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
            if files is not None:
                await files.close()
            await reads.close()
            await pool.close()

    app = FastAPI(
        title="Complaint Desk",
        description="Customer complaints of retail businesses, one durable workflow per case.",
        version="0.1.0",
        lifespan=lifespan,
        dependencies=[Depends(refuse_unknown_query_parameters)],
        docs_url=None,  # install_docs: served with their assets from the API itself
        redoc_url=None,
    )
    install_docs(app)
    install_error_handlers(app)
    install_nul_guard(app)
    install_observability(app)
    app.include_router(health.router)
    # Before complaints: /complaints/stuck is not a case number.
    app.include_router(stuck.router)
    app.include_router(complaints.router)
    app.include_router(processes.router)
    app.include_router(tracking_links.router)
    app.include_router(evidence.router)
    app.include_router(reports.router)
    app.include_router(revisits.router)
    app.include_router(policy.router)
    app.include_router(notifications.router)
    app.include_router(stop_sale.router)
    # Public: the customer's survey page, no sign-in (its link is the credential).
    app.include_router(survey.router)
    # Public: the customer's complaint page per store and tracking link (docs/customer-page.md).
    app.include_router(complain.router)
    app.include_router(tracking.router)
    install_codec_server(app, settings)
    # The desk's web console beside the API (docs/console.md), at / and /console/.
    install_console(app)
    return app
