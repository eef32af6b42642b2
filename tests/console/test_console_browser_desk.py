"""The case page's evidence and the desk's settle-on-the-spot form in a real browser
(Debian's chromium, as tests/console/test_console_browser.py): the clerk uploads a photo
from the case page, sees its thumbnail, and settles the small complaint on the spot.
A screenshot of the case page is written under the test's tmp_path."""

import re
from pathlib import Path

import httpx
import pytest

from tests.console.test_console_browser import CHROMIUM, LOCALES, _sign_in, browser  # noqa: F401

playwright_api = pytest.importorskip("playwright.async_api")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no system chromium (see test_console_browser)"
)

T = {"sign_in": "登录", "my_work": "我的工作"}


async def test_the_desk_uploads_a_photo_and_settles_on_the_spot_in_the_browser(
    console: httpx.AsyncClient,
    browser,  # noqa: F811 (the fixture of test_console_browser)
    tmp_path: Path,
) -> None:
    from tests.api.test_evidence_http import jpeg

    expect = playwright_api.expect
    base = str(console.base_url).rstrip("/")
    context = await browser.new_context(
        locale=LOCALES["zh_Hans"], viewport={"width": 1024, "height": 900}
    )
    page = await context.new_page()
    await _sign_in(page, base, "Li Na (service desk)", T)

    await page.get_by_role("link", name="登记投诉").click()
    await page.get_by_label("渠道").select_option(label="到店")
    await page.get_by_label("商场", exact=True).select_option("Beijing Chaoyang")
    await page.get_by_label("类别").select_option(label="商品质量")
    await page.get_by_label("事情经过").fill("靠枕的线头开了。")
    await page.get_by_label("顾客要求").fill("道歉")
    await page.get_by_label("顾客姓名").fill("周欣")
    await page.get_by_label("电话或电子邮件").fill("zhou@example.com")
    await page.get_by_role("button", name="登记投诉").click()
    heading = page.get_by_role("heading", level=1)
    await expect(heading).to_contain_text(re.compile(r"\d{6}-\d{4}"))

    # A photo from the case page: its thumbnail shows in the evidence list.
    photo = tmp_path / "cushion.jpg"
    photo.write_bytes(jpeg(800, 600))
    await page.get_by_text("添加文件", exact=True).click()
    upload = page.get_by_role("form", name="添加文件")
    await upload.get_by_label("种类").select_option(label="照片")
    await upload.get_by_label("说明").fill("线头开裂")
    await upload.get_by_label("文件", exact=True).set_input_files(str(photo))
    await upload.get_by_role("button", name="上传").click()
    await expect(page.get_by_role("status")).to_contain_text("已为投诉添加 1 个文件")
    thumb = page.locator("img.thumb").first
    await expect(thumb).to_be_visible()
    # Visible is not loaded: decode() waits for the picture (and fails on a broken one).
    width = await thumb.evaluate("img => img.decode().then(() => img.naturalWidth)")
    assert 0 < width <= 320  # the API's thumbnail

    # Settled on the spot with the customer's oral consent.
    await page.get_by_text("现场处理", exact=True).first.click()
    settle = page.get_by_role("form", name="现场处理")
    await settle.get_by_label("处理方案").select_option(label="道歉")
    await settle.get_by_label("给予顾客的内容").fill("当面道歉并更换靠枕套")
    await settle.get_by_label("顾客同意方式").select_option(label="口头同意")
    await settle.get_by_role("button", name="现场处理").click()
    await expect(page.get_by_role("status")).to_be_visible()
    facts = page.locator("#p-desk").locator("..")
    await expect(facts).to_contain_text("现场处理")
    assert re.search(r"现场处理\s*是", await facts.inner_text())
    shot = tmp_path / "case-evidence-settled.png"
    await page.screenshot(path=str(shot), full_page=True)
    print(f"screenshot: {shot}")  # noqa: T201
    await context.close()
