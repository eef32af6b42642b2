"""Prometheus metrics: the worker's Temporal SDK metrics and the API's request metrics.

The worker's Temporal client runs on a `Runtime` whose Prometheus exporter serves the SDK's
own metrics (`temporal_workflow_task_*`, `temporal_activity_*`, `temporal_request*`, ...)
at `http://<WORKER_METRICS_HOST>:<WORKER_METRICS_PORT>/metrics`. The API counts and times
its requests by route template (`/complaints/{case_no}`, never the case number itself, so
the number of series stays bounded) and serves them at its own `GET /metrics`.
"""

from dataclasses import dataclass, field

import structlog
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

log = structlog.get_logger(__name__)

HTTP_REQUESTS = "complaint_desk_http_requests"
HTTP_REQUEST_DURATION = "complaint_desk_http_request_duration_seconds"
# Commands wait for the workflow's update and a report request for up to 30 s.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)


def temporal_runtime(host: str, port: int) -> Runtime | None:
    """A Temporal runtime that serves the SDK's metrics on host:port, or None for port 0.

    A port that is taken leaves the worker without metrics rather than without work:
    cases must keep moving, and the error line says which port to free or change.
    """
    if not port:
        return None
    address = f"{host}:{port}"
    try:
        runtime = Runtime(telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=address)))
    except ValueError as err:  # the SDK's "Failed starting Prometheus exporter: ..."
        log.error(
            "worker_metrics_unavailable",
            address=address,
            error=str(err),
            hint="free the port or set WORKER_METRICS_PORT (0 turns metrics off)",
        )
        return None
    log.info("worker_metrics_serving", url=f"http://{address}/metrics")
    return runtime


NOTIFICATION_DELIVERIES = "complaint_desk_notification_deliveries"
NOTIFICATION_FAILED_ATTEMPTS = "complaint_desk_notification_failed_attempts"
NOTIFICATION_OLDEST_UNSENT = "complaint_desk_notification_oldest_unsent_seconds"
DELIVERY_STATES = ("queued", "retrying", "sent", "skipped", "dead")


class NotificationMetrics:
    """The relay's figures, read from the database at each scrape: every relay (each
    worker runs one) writes the same tables, so any API process reports them all."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.deliveries = Gauge(
            NOTIFICATION_DELIVERIES,
            "Deliveries of notices by state (sent, dead = dead-lettered, retrying = failed)",
            ("state",),
            registry=registry,
        )
        self.failed_attempts = Gauge(
            NOTIFICATION_FAILED_ATTEMPTS,
            "Delivery attempts that failed, all time",
            registry=registry,
        )
        self.oldest_unsent = Gauge(
            NOTIFICATION_OLDEST_UNSENT,
            "Age of the oldest outbox row not yet delivered (dead-lettered ones aside)",
            registry=registry,
        )

    def update(self, figures) -> None:  # infra.deliveries.DeliveryFigures
        for state in DELIVERY_STATES:
            self.deliveries.labels(state).set(figures.by_state.get(state, 0))
        self.failed_attempts.set(figures.failed_attempts)
        self.oldest_unsent.set(figures.oldest_unsent_seconds)


@dataclass
class HttpMetrics:
    """The API's request metrics, in a registry of their own: the test suite creates many
    apps in one process, and the global registry would refuse the second set."""

    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        GCCollector(registry=self.registry)
        labels = ("method", "route", "status")
        self.requests = Counter(
            HTTP_REQUESTS, "HTTP requests answered", labels, registry=self.registry
        )
        self.duration = Histogram(
            HTTP_REQUEST_DURATION,
            "Time from receiving a request to the end of its answer",
            labels,
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.notifications = NotificationMetrics(self.registry)

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.duration.labels(method, route, str(status)).observe(seconds)

    def exposition(self) -> tuple[bytes, str]:
        """The registry in Prometheus' text format, and its content type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
