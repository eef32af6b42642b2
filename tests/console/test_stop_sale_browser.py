"""A stop-sale order in a real browser (chromium, Playwright): the service desk records an
oral order from the form, by its labels, in Chinese; the order's page shows its written
order requested with its deadline, and senior management lifts it in English.
Screenshots of the form and the order's page are written under the test's tmp_path."""

import uuid
from pathlib import Path

import httpx
import pytest

from tests.console.test_console_browser import CHROMIUM, TEXTS, _sign_in, _sign_out

playwright_api = pytest.importorskip("playwright.async_api")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no system chromium")


@pytest.fixture
async def browser():
    async with playwright_api.async_playwright() as pw:
        chromium = await pw.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
        )
        yield chromium
        await chromium.close()


async def test_the_desk_records_an_oral_order_and_senior_management_lifts_it(
    console: httpx.AsyncClient, browser, tmp_path: Path
) -> None:
    expect = playwright_api.expect
    base = str(console.base_url).rstrip("/")
    batch = f"P{uuid.uuid4().hex[:6]}"
    context = await browser.new_context(locale="zh-CN", viewport={"width": 1024, "height": 900})
    page = await context.new_page()

    await _sign_in(page, base, "Li Na (service desk)", TEXTS["zh_Hans"])
    await page.get_by_role("link", name="停售令", exact=True).click()
    await page.get_by_role("link", name="登记停售令", exact=True).click()
    await page.get_by_label("发出机关").fill("浦东新区市场监督管理局")
    await page.get_by_label("机关类别").select_option(label="市场监督管理部门")
    await page.get_by_label("口头通知（已请其出具书面文件）").check()
    await page.get_by_label("通知日期").fill("2026-12-02")
    await page.get_by_label("商品编码").fill("WD-1800")
    await page.get_by_label("批次").fill(batch)
    await page.get_by_label("Shanghai Pudong").check()
    shot = tmp_path / "stop-sale-form-zh.png"
    await page.screenshot(path=str(shot), full_page=True)
    print(f"screenshot: {shot}")  # noqa: T201 (where the reviewer finds it)
    await page.get_by_role("button", name="登记停售令并通知采购部和商场").click()

    await expect(page.get_by_role("heading", level=1)).to_contain_text("停售令")
    await expect(page.get_by_text("已请求出具；时限")).to_be_visible()
    await expect(page.get_by_text("停售中")).to_be_visible()
    await expect(page.get_by_text(f"商品编码 WD-1800 · 批次 {batch}")).to_be_visible()
    await expect(page.get_by_role("heading", name="登记书面文件")).to_be_visible()
    await expect(page.get_by_role("heading", name="解除停售")).to_have_count(0)
    order_url = page.url
    shot = tmp_path / "stop-sale-order-zh.png"
    await page.screenshot(path=str(shot), full_page=True)
    print(f"screenshot: {shot}")  # noqa: T201
    await _sign_out(page, TEXTS["zh_Hans"])

    english = await browser.new_context(locale="en-GB")
    senior = await english.new_page()
    await _sign_in(senior, base, "Chen Jie (general manager's office)", TEXTS["en"])
    await senior.goto(order_url)
    await senior.get_by_label("How the authority lifted it").fill("withdrawn after testing")
    await senior.get_by_role(
        "button", name="Record that the order is lifted and tell everyone"
    ).click()
    await expect(senior.get_by_text("withdrawn after testing").first).to_be_visible()
    await expect(senior.get_by_role("heading", name="Lift the order")).to_have_count(0)
