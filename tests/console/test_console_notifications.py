"""The console's notifications: the bell counts the inbox's unread notices, the inbox page
marks one read, a case's page shows its notices' delivery state to those the API shows it
to, and make run's local mailbox lists and opens the mail the relay sent."""

import re
import uuid

import httpx

from domain.models import Notification
from infra.audit import queue_notification
from tests.api.test_notifications_http import (  # noqa: F401 - fixtures
    _case_with_notice,
    _relay,
    api,
    desk_settings,
    mail,
    own,
    receiver,
)
from tests.console.conftest import csrf_of, sign_in


def _bell(html: str) -> int:
    return int(re.search(r'data-count="notifications">(\d+)<', html).group(1))


async def test_the_bell_the_inbox_the_delivery_panel_and_the_local_mailbox(
    api: httpx.AsyncClient,  # noqa: F811 - the fixtures imported above
    own,  # noqa: F811
    desk_settings,  # noqa: F811
    policy,
) -> None:
    _, pool = own
    case_no, _ = await _case_with_notice(api, pool)
    note = Notification(
        notification_id=str(uuid.uuid4()),
        recipient="user:senior.chen",
        subject=f"Case {case_no}: major case",
        body="claimed CNY 50,000",
    )
    async with pool.acquire() as conn:
        await queue_notification(conn, case_no, note)
    await _relay(pool, desk_settings, policy).run_once()

    duty = await sign_in(api, "demo-duty-manager")
    unread = (
        await api.get("/me/notifications", headers={"Authorization": "Bearer demo-duty-manager"})
    ).json()["unread"]
    home = await duty.get("/console/")
    assert unread >= 1 and _bell(home.text) == unread
    inbox = await duty.get("/console/notifications")
    assert inbox.status_code == 200
    assert f"Case {case_no} escalated to you" in inbox.text and "标为已读" in inbox.text
    entry = re.search(r'action="/console/notifications/(\d+)/read"', inbox.text).group(1)
    marked = await duty.post(
        f"/console/notifications/{entry}/read", data={"csrf_token": csrf_of(inbox.text)}
    )
    assert marked.status_code == 303
    assert _bell((await duty.get("/console/notifications")).text) == unread - 1
    refused = await duty.post(f"/console/notifications/{entry}/read", data={})
    assert refused.status_code == 403  # no CSRF token, no change

    handler = await sign_in(api, "demo-handler")
    page = (await handler.get(f"/console/cases/{case_no}")).text
    assert "已发出的通知" in page and f"Case {case_no} escalated to you" in page
    assert "已发送" in page  # the delivery's state in words
    staff = await sign_in(api, "demo-staff")
    assert "已发出的通知" not in (await staff.get(f"/console/cases/{case_no}")).text

    senior = await sign_in(api, "demo-senior", lang="en")
    mailbox = await senior.get("/console/mailbox")
    assert mailbox.status_code == 200 and f"Case {case_no}: major case" in mailbox.text
    link = re.search(r'href="(/console/mailbox/[^"]+\.eml)"', mailbox.text).group(1)
    opened = await senior.get(link)
    assert opened.status_code == 200 and "claimed CNY 50,000" in opened.text
    assert "chen.jie@desk.local" in opened.text
