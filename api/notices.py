"""A case's notices and their delivery state as the API shows them (GET /complaints/{id})."""

from collections.abc import Iterable

import asyncpg

from api.schemas import DeliveryPublic, NotificationPublic
from domain.authority import Role

# Who looks after a case's notices: its handler and managers, senior management, and the
# engineers who repair a lost one. The service desk registers cases; it is not told here.
DELIVERY_STATE_ROLES = frozenset({Role.HANDLER, Role.MANAGER, Role.SENIOR, Role.ENGINEER})


def _state(row: asyncpg.Record, deliveries: list[DeliveryPublic]) -> str:
    if row["resent_as"]:
        return "resent"
    states = {d.state for d in deliveries}
    if "dead" in states:
        return "dead"
    if "retrying" in states:
        return "failed"
    if row["sent_at"] is not None:
        return "sent"
    return "queued"


def notifications_public(rows: Iterable[asyncpg.Record]) -> list[NotificationPublic]:
    """From deliveries_of's rows: one entry per notification, its deliveries in it."""
    grouped: dict[str, tuple[asyncpg.Record, list[DeliveryPublic]]] = {}
    for row in rows:
        _, deliveries = grouped.setdefault(row["notification_id"], (row, []))
        if row["delivery_id"] is not None:
            deliveries.append(
                DeliveryPublic(
                    channel=row["channel"],
                    destination=row["destination"],
                    state=row["state"],
                    attempts=row["attempts"],
                    last_error=row["last_error"],
                    next_attempt_at=(
                        row["next_attempt_at"] if row["state"] in ("queued", "retrying") else None
                    ),
                    sent_at=row["delivered_at"],
                )
            )
    return [
        NotificationPublic(
            notification_id=row["notification_id"],
            recipient=row["recipient"],
            subject=row["subject"],
            created_at=row["created_at"],
            state=_state(row, deliveries),
            resent_as=row["resent_as"],
            deliveries=deliveries,
        )
        for row, deliveries in grouped.values()
    ]
