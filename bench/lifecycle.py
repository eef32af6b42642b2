"""Complaint cases driven through the real HTTP API, as the service desk would.

Every case is a product-quality complaint for one person with a claim and a remedy
within the department manager's authority (CNY 5000), so it runs the whole ordinary
path without personal injury's grade A or an escalation above demo-manager:

intake → acknowledge → findings → proposal → approval → customer accepts → resolution
→ follow-up (closed).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from bench.stack import BenchError

TOKENS = {role: f"demo-{role}" for role in ("staff", "handler", "manager", "senior")}
STORES = ("Shanghai Pudong", "Beijing Chaoyang", "Shenzhen Futian", "Chengdu Jinjiang")


def auth(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[role]}"}


def intake_body(n: int) -> dict[str, Any]:
    """The n-th benchmark complaint: grade C, product quality, CNY 800-1799 claimed."""
    return {
        "channel": "walk_in",
        "store": STORES[n % len(STORES)],
        "category": "product_quality",
        "description": f"Bench case {n}: sofa armrest cracked two weeks after delivery.",
        "requested_remedy": "refund",
        "claimed_amount": str(800 + n % 1000),
        "customer": {"name": f"Customer {n}", "contact": f"138-0000-{n % 10000:04d}"},
        "people_affected": 1,
        "purchase_proof": {"receipt_no": f"R-BENCH-{n}"},
    }


@dataclass(frozen=True)
class Step:
    """One command of the lifecycle: path under /complaints/{case}, role, body."""

    path: str
    role: str
    body: Callable[[int], dict[str, Any]]
    stage_after: str


STEPS: tuple[Step, ...] = (
    Step("acknowledge", "handler", lambda n: {"note": "called the customer"}, "investigating"),
    Step(
        "findings",
        "handler",
        lambda n: {"valid": True, "liability": "supplier", "summary": "Frame defect"},
        "liability_decided",
    ),
    Step(
        "proposal",
        "handler",
        lambda n: {"kind": "refund", "amount": str(800 + n % 1000), "details": "Full refund"},
        "remedy_proposed",
    ),
    Step(
        "approval", "manager", lambda n: {"approve": True, "comment": "Within policy"}, "approved"
    ),
    Step(
        "customer-response",
        "staff",
        lambda n: {"accepted": True, "agreement_ref": f"AG-BENCH-{n}"},
        "customer_consented",
    ),
    Step("resolution", "handler", lambda n: {"summary": "Refund paid"}, "remedy_carried_out"),
    Step("follow-up", "staff", lambda n: {"satisfaction": 5, "comment": "Happy"}, "closed"),
)
STEP_BY_PATH = {step.path: step for step in STEPS}


class Desk:
    """The benchmark's HTTP client of the real API."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def register(self, n: int, key: str | None = None) -> tuple[float, str]:
        headers = auth("staff") | ({"Idempotency-Key": key} if key else {})
        started = time.perf_counter()
        response = await self.http.post("/complaints", json=intake_body(n), headers=headers)
        took = time.perf_counter() - started
        if response.status_code != 201:
            raise BenchError(f"intake {n}: {response.status_code} {response.text[:500]}")
        return took, response.json()["case_no"]

    async def register_surely(self, n: int, attempts: int = 3) -> str:
        """An intake sent again under its key when the connection drops, as a desk client
        should (the API answers a retry with the same case): registering thousands of
        parked cases on a loaded machine met a keep-alive connection closed under it."""
        headers = auth("staff") | {"Idempotency-Key": f"bench-intake-{n}"}
        for attempt in range(attempts):
            try:
                response = await self.http.post("/complaints", json=intake_body(n), headers=headers)
            except httpx.TransportError:
                if attempt == attempts - 1:
                    raise
                continue
            if response.status_code not in (200, 201):
                raise BenchError(f"intake {n}: {response.status_code} {response.text[:500]}")
            return response.json()["case_no"]
        raise BenchError(f"intake {n}: no answer")

    async def command(self, case_no: str, n: int, step: Step) -> float:
        started = time.perf_counter()
        response = await self.http.post(
            f"/complaints/{case_no}/{step.path}", json=step.body(n), headers=auth(step.role)
        )
        took = time.perf_counter() - started
        if response.status_code != 200:
            raise BenchError(
                f"{step.path} on {case_no}: {response.status_code} {response.text[:500]}"
            )
        return took

    async def read(self, case_no: str) -> float:
        """GET /complaints/{case_no}, as a handler opening the case."""
        started = time.perf_counter()
        response = await self.http.get(f"/complaints/{case_no}", headers=auth("handler"))
        took = time.perf_counter() - started
        if response.status_code != 200:
            raise BenchError(f"read {case_no}: {response.status_code} {response.text[:300]}")
        return took

    async def note(self, case_no: str, n: int) -> float:
        started = time.perf_counter()
        response = await self.http.post(
            f"/complaints/{case_no}/notes",
            json={"text": f"Bench note {n}: customer called again about the refund."},
            headers=auth("handler"),
        )
        took = time.perf_counter() - started
        if response.status_code != 200:
            raise BenchError(f"note {n} on {case_no}: {response.status_code} {response.text}")
        return took

    async def full_lifecycle(self, n: int) -> tuple[str, dict[str, float]]:
        """Intake to closed; the latency of every request, by step."""
        took, case_no = await self.register(n)
        latencies = {"intake": took}
        for step in STEPS:
            latencies[step.path] = await self.command(case_no, n, step)
        return case_no, latencies
