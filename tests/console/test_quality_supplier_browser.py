"""Quality control's ruling and the supplier claim in a real browser (chromium,
Playwright; issue 16): the handler reads the ruling on the case page in Chinese and
reports the defect to purchasing from the form, by its labels; the panel then shows the
claim waiting on purchasing. Screenshots are written under the test's tmp_path."""

import uuid
from pathlib import Path

import httpx
import pytest

from tests.console.conftest import sign_in
from tests.console.test_console_browser import CHROMIUM, TEXTS, _sign_in
from tests.console.test_console_pages import _register
from tests.console.test_quality_supplier_pages import _send, _until

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


async def test_the_handler_reports_a_ruled_defect_to_purchasing(
    console: httpx.AsyncClient, browser, tmp_path: Path
) -> None:
    expect = playwright_api.expect
    base = str(console.base_url).rstrip("/")
    batch = f"R{uuid.uuid4().hex[:6]}"
    staff = await sign_in(console, "demo-staff")
    created = await _register(staff, **{"product.sku": "WD-1800", "product.batch": batch})
    assert created.status_code == 303, created.text
    case_url = created.headers["location"]
    await _until(staff, case_url, "请品控部作质量认定")
    assert (await _send(staff, case_url, "start_quality_inspection", question="合页？")).is_redirect
    handler = await sign_in(console, "demo-handler")
    await _until(handler, case_url, "record_quality_ruling")
    ruled = await _send(
        handler,
        case_url,
        "record_quality_ruling",
        defect="true",
        cause="product",
        summary="整批合页螺丝过短",
    )
    assert ruled.status_code == 303, ruled.text
    await _until(handler, case_url, "商品本身")

    context = await browser.new_context(locale="zh-CN", viewport={"width": 1024, "height": 900})
    page = await context.new_page()
    await _sign_in(page, base, "Wang Wei (handler)", TEXTS["zh_Hans"])
    await page.goto(base + case_url)
    panel = page.locator("section", has=page.get_by_role("heading", name="质量认定与供应商"))
    await expect(panel).to_contain_text("商品本身")
    await expect(panel).to_contain_text(f"批次 {batch}")
    await page.get_by_text("将质量问题告知采购部", exact=True).click()
    form = page.get_by_role("form", name="将质量问题告知采购部")
    await form.get_by_label("供应商").fill("佛山家具有限公司")
    await form.get_by_label("原因").fill("品控部认定整批缺陷")
    shot = tmp_path / "supplier-claim-form-zh.png"
    await page.screenshot(path=str(shot), full_page=True)
    print(f"screenshot: {shot}")  # noqa: T201 (where the reviewer finds it)
    await form.get_by_role("button", name="告知采购部").click()

    await expect(page.get_by_text("已完成：将质量问题告知采购部")).to_be_visible()
    for _ in range(50):  # the claim tells its case it has started
        if await panel.get_by_text("登记致供应商的通知", exact=True).count():
            break
        await page.wait_for_timeout(100)
        await page.reload()
    await expect(panel.get_by_role("heading", name="供应商索赔")).to_be_visible()
    await expect(panel).to_contain_text("采购部")
    await expect(panel.get_by_text("登记致供应商的通知", exact=True)).to_be_visible()
    shot = tmp_path / "supplier-claim-panel-zh.png"
    await page.screenshot(path=str(shot), full_page=True)
    print(f"screenshot: {shot}")  # noqa: T201
    await context.close()
