"""Prometheus metrics: the API's request metrics.

The API counts and times its requests by route template (`/complaints/{case_no}`, never
the case number itself, so the number of series stays bounded) and serves them at its own
`GET /metrics`.
"""

from dataclasses import dataclass, field

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)

HTTP_REQUESTS = "complaint_desk_http_requests"
HTTP_REQUEST_DURATION = "complaint_desk_http_request_duration_seconds"
# Commands wait for the workflow's update and a report request for up to 30 s.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)


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

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.duration.labels(method, route, str(status)).observe(seconds)

    def exposition(self) -> tuple[bytes, str]:
        """The registry in Prometheus' text format, and its content type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
