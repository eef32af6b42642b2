"""What the desk sees of the customer's page in the console (docs/customer-page.md): a
printable QR code per store that opens its complaint page, and a web complaint whose
description and message hold a script shown as text on the case page. The register's
CSV export shows a customer's formula as text too."""

import re

import httpx
import pytest
import segno  # noqa: F401 (the page's dependency, named so a missing install fails here)

from tests.api.test_customer_page import CASE_NO, TRACK, complaint, post
from tests.console.conftest import sign_in

SCRIPT = '<script>document.title="pwned"</script><img src=x onerror=alert(1)>'


@pytest.fixture(autouse=True)
async def fresh_limits(pool) -> None:
    await pool.execute("DELETE FROM rate_hits")


async def test_each_store_has_a_printable_code_of_its_complaint_page(
    console: httpx.AsyncClient,
) -> None:
    desk = await sign_in(console, "demo-senior")  # every store
    page = await desk.get("/console/stores/codes")
    assert page.status_code == 200
    assert "投诉页面二维码" in page.text
    assert page.text.count("<svg") >= 5  # one code a store of the policy
    assert "/c/beijing-chaoyang" in page.text and "/c/urumqi-tianshan" in page.text
    # The address under the code is the store's page, and it opens.
    path = re.search(r'href="https?://[^/"]+(/c/beijing-chaoyang)"', page.text).group(1)
    assert (await console.get(path)).status_code == 200
    engineer = await sign_in(console, "demo-engineer")
    assert (await engineer.get("/console/stores/codes")).status_code == 403


async def test_a_script_from_the_customer_shows_as_text_on_the_case_page_and_in_the_csv(
    console: httpx.AsyncClient,
) -> None:
    answer = await post(
        console, complaint(description=SCRIPT, requested_remedy='=HYPERLINK("http://x")')
    )
    assert answer.status_code == 201, answer.text
    case_no = CASE_NO.search(answer.text).group(0)
    link = TRACK.search(answer.text).group(1)
    sent = await console.post(link + "/message", data={"message": SCRIPT}, files=[])
    assert sent.status_code in (303, 422), sent.text
    await console.post(
        link + "/message",
        data={"message": SCRIPT},
        files=[("file", ("", b"", "application/octet-stream"))],
    )
    handler = await sign_in(console, "demo-handler")
    page = await handler.get(f"/console/cases/{case_no}")
    assert page.status_code == 200
    assert "<script>document.title" not in page.text and "<img src=x" not in page.text
    assert "&lt;script&gt;document.title=&#34;pwned&#34;&lt;/script&gt;" in page.text
    csv = await handler.get("/console/register.csv")
    assert csv.status_code == 200
    assert "\n=" not in csv.text and ",=" not in csv.text
