"""The Temporal worker: runs complaint workflows and the activities that write Postgres."""

import asyncio
import importlib
import pkgutil
import signal
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import asyncpg
import structlog
from pydantic import BaseModel
from temporalio import workflow
from temporalio.client import Client
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxRestrictions

import domain
from activities.case_records import CaseRecorder
from activities.customer_links import SurveyLinks
from activities.finance import FinanceDesk
from activities.legal_holds import LegalHolds
from activities.reports import ReportActivities
from activities.retention import RetentionActivities
from activities.stop_sale import StopSaleDesk
from domain.personal_data import Catalogue, models_of_modules, models_of_signatures
from infra.channels import Channels
from infra.db import create_pool
from infra.evidence_store import EvidenceFiles, evidence_files
from infra.logging import ActivityLogContext, configure_logging
from infra.metrics import temporal_runtime
from infra.policy_file import load_policy, read_policy_file
from infra.policy_versions import ActivePolicy
from infra.relay import Relay, directory_from_settings
from infra.schedules import ensure_schedules
from infra.settings import Settings, get_settings
from infra.store_repair import repair_store_names
from infra.survey_links import SurveyLinkSigner
from infra.temporal import connect
from infra.workflow_runner import workflow_runner
from workflows.complaint import ComplaintWorkflow
from workflows.insurance import InsuranceClaimWorkflow
from workflows.lawsuit import LawsuitWorkflow
from workflows.legal_documents import LegalDocumentsWorkflow
from workflows.mediation import MediationWorkflow
from workflows.police import PoliceReportWorkflow
from workflows.quality import QualityInspectionWorkflow
from workflows.regulator import RegulatorInquiryWorkflow
from workflows.reports import ReportWorkflow
from workflows.retention import RetentionWorkflow
from workflows.stop_sale import StopSaleOrderWorkflow
from workflows.supplier import SupplierClaimWorkflow

log = structlog.get_logger(__name__)

# Our workflow and domain modules are loaded once per worker, not afresh in the sandbox for
# every workflow run: re-importing workflows/ per run cost ~0.5 MiB and ~35 ms of CPU per
# case (make bench: 743 -> 212 MiB per 1,000 parked cases). They are deterministic by
# review and by test: tests/workflows/test_determinism.py reads them for calls the sandbox
# would refuse, and the scenario tests (tests/workflows/scenarios.py) run every workflow in
# the SDK's full sandbox, which still re-imports and checks everything.
PASSED_THROUGH = ("workflows", "domain")
WORKFLOW_RUNNER = workflow_runner(
    SandboxRestrictions.default.with_passthrough_modules(*PASSED_THROUGH)
)

WORKFLOWS = [
    ComplaintWorkflow,
    InsuranceClaimWorkflow,
    PoliceReportWorkflow,
    MediationWorkflow,
    # Issue 16.
    LegalDocumentsWorkflow,
    LawsuitWorkflow,
    RegulatorInquiryWorkflow,
    ReportWorkflow,
    RetentionWorkflow,
    StopSaleOrderWorkflow,
    QualityInspectionWorkflow,
    SupplierClaimWorkflow,
]
ACTIVITY_CLASSES = [
    CaseRecorder,
    FinanceDesk,
    ReportActivities,
    RetentionActivities,
    SurveyLinks,
    StopSaleDesk,
    LegalHolds,
]


def _handlers() -> Iterator[Callable[..., Any]]:
    """Every workflow run, signal, query and update, and every activity, of this worker."""
    for cls in WORKFLOWS:
        definition = workflow._Definition.must_from_class(cls)
        yield definition.run_fn
        for handlers in (definition.signals, definition.queries, definition.updates):
            yield from (handler.fn for handler in handlers.values())
    for cls in ACTIVITY_CLASSES:
        for value in vars(cls).values():
            if hasattr(value, "__temporal_activity_definition"):
                yield value


def payload_models() -> set[type[BaseModel]]:
    """What this worker's payloads can hold: the models its workflows and activities take
    and return, and every model of domain/ (records kept as plain dicts)."""
    modules = [
        importlib.import_module(f"domain.{info.name}")
        for info in pkgutil.iter_modules(domain.__path__)
    ]
    return models_of_signatures(_handlers()) | models_of_modules(modules)


def personal_data_catalogue() -> Catalogue:
    """Which fields of the payloads are customer personal data (domain/personal_data.py)."""
    return Catalogue(payload_models())


STICKY_SCHEDULE_TO_START_SECONDS: float = Settings.model_fields[
    "worker_sticky_schedule_to_start_seconds"
].default


def build_worker(
    client: Client,
    pool: asyncpg.Pool,
    task_queue: str,
    *,
    sticky_schedule_to_start_seconds: float = STICKY_SCHEDULE_TO_START_SECONDS,
    survey_links: SurveyLinkSigner | None = None,
    evidence: EvidenceFiles | None = None,
    **options: Any,
) -> Worker:
    """`options` go to the Worker as they are (tests run a buggy one unsandboxed).

    `sticky_schedule_to_start_seconds` (WORKER_STICKY_SCHEDULE_TO_START_SECONDS): what a
    dead worker costs each case it had cached, once (docs/engineers.md).

    `survey_links`: signs the customer's survey links; by default from the environment's
    settings (SURVEY_LINK_KEY, PUBLIC_BASE_URL), as the API reads them."""
    recorder = CaseRecorder(pool)
    links = SurveyLinks(pool, survey_links or SurveyLinkSigner.from_settings(Settings()))
    finance = FinanceDesk(pool)
    reports = ReportActivities(pool)
    retention = RetentionActivities(pool, evidence)
    stop_sale = StopSaleDesk(pool)
    legal_holds = LegalHolds(pool)
    return Worker(
        client,
        task_queue=task_queue,
        workflows=WORKFLOWS,
        # ACTIVITY_CLASSES lists these classes: personal_data_catalogue() reads them.
        activities=[
            recorder.record_case_event,
            recorder.record_case_events,
            recorder.record_process_event,
            finance.request_payment,
            reports.compute_report,
            reports.draw_revisit_sample,
            reports.store_report,
            retention.anonymise_expired_cases,
            links.issue_survey_link,
            stop_sale.record_order_event,
            stop_sale.link_open_cases,
            stop_sale.cases_of_order,
            stop_sale.link_new_case,
            # Issue 16: the lawsuit's legal hold.
            legal_holds.place_lawsuit_hold,
            legal_holds.lift_lawsuit_hold,
        ],
        # Each activity's log lines carry its case number and workflow ID.
        interceptors=[ActivityLogContext()],
        sticky_queue_schedule_to_start_timeout=timedelta(seconds=sticky_schedule_to_start_seconds),
        **{"workflow_runner": WORKFLOW_RUNNER, **options},
    )


async def main(settings: Settings) -> None:
    runtime = temporal_runtime(settings.worker_metrics_host, settings.worker_metrics_port)
    client = await connect(settings, runtime)
    pool = await create_pool(settings.database_url)
    try:
        policy = load_policy(settings.policy_file)
        # The report and retention schedules (README "Reports", "Retention").
        await ensure_schedules(client, settings.temporal_task_queue, policy)
        # Store names typed before intake used the policy's (infra/store_repair.py).
        await repair_store_names(pool, client, list(policy.stores))
        worker = build_worker(
            client,
            pool,
            settings.temporal_task_queue,
            sticky_schedule_to_start_seconds=settings.worker_sticky_schedule_to_start_seconds,
            survey_links=SurveyLinkSigner.from_settings(settings),
            evidence=evidence_files(settings),
        )
        # The notification relay (docs/notifications.md) runs beside the worker: one per
        # worker process, any number safely (each delivery is locked while it is sent).
        stop_relay = asyncio.Event()
        relay = await start_relay(settings, pool, stop_relay) if settings.relay_enabled else None

        def shut_down() -> None:
            stop_relay.set()
            asyncio.ensure_future(worker.shutdown())

        # SIGTERM (docker stop, Ctrl-C via the launcher) lets running tasks finish first.
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, shut_down)
        log.info("worker_started", task_queue=settings.temporal_task_queue)
        await worker.run()
        stop_relay.set()
        if relay is not None:
            await relay
        log.info("worker_stopped")
    finally:
        await pool.close()


async def start_relay(
    settings: Settings, pool: asyncpg.Pool, stop: asyncio.Event
) -> "asyncio.Task[None]":
    """The relay as a task of this process, following the active policy version."""
    active = await ActivePolicy.start(pool, read_policy_file(settings.policy_file))
    refresh = asyncio.create_task(active.keep_fresh())
    channels = Channels(settings)
    relay = Relay(pool, channels, lambda: active.policy, directory_from_settings(settings))

    async def run() -> None:
        try:
            await relay.run(
                stop,
                poll_seconds=settings.relay_poll_seconds,
                concurrency=settings.relay_concurrency,
            )
        finally:
            refresh.cancel()
            await channels.aclose()

    return asyncio.create_task(run())


if __name__ == "__main__":
    settings = get_settings()
    configure_logging(settings.log_level, json=settings.log_json)
    asyncio.run(main(settings))
