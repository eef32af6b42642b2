"""The customer's own page in a real browser at a phone's size (Debian's chromium driven by
Playwright, as the console's tests): a customer complains with a photo, gets a case number
and a tracking link, sees the stage change after the desk acknowledges, sends the document
the desk asked for, accepts the proposal online and rates the handling. The desk acts
through the API meanwhile. Screenshots of each step are written under the test's tmp_path."""

import io
import re
import shutil
from pathlib import Path

import httpx
import pytest
from PIL import Image

from tests.api.conftest import auth

playwright_api = pytest.importorskip("playwright.async_api")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no system chromium: `make test` installs Debian's `chromium` where apt-get exists;"
    " elsewhere install Chromium and put it on PATH",
)
PHONE = {"width": 390, "height": 844}


@pytest.fixture(autouse=True)
async def fresh_limits(pool) -> None:
    await pool.execute("DELETE FROM rate_hits")


@pytest.fixture
async def browser():
    async with playwright_api.async_playwright() as pw:
        chromium = await pw.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
        )
        yield chromium
        await chromium.close()


def photo(path: Path, colour: tuple[int, int, int]) -> Path:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, "JPEG")
    path.write_bytes(out.getvalue())
    return path


async def _desk(console: httpx.AsyncClient, case_no: str, path: str, role: str, body: dict):
    answer = await console.post(f"/complaints/{case_no}/{path}", json=body, headers=auth(role))
    assert answer.status_code == 200, answer.text


async def test_a_customer_complains_follows_answers_and_rates_from_a_phone(
    console: httpx.AsyncClient, browser, tmp_path: Path
) -> None:
    expect = playwright_api.expect
    base = str(console.base_url).rstrip("/")
    context = await browser.new_context(
        locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    page = await context.new_page()

    async def shot(name: str) -> None:
        path = tmp_path / f"customer-{name}.png"
        await page.screenshot(path=str(path), full_page=True)
        print(f"screenshot: {path}")  # noqa: T201 (where the reviewer finds it)

    # The store's page, as the QR code opens it: Chinese, phone-sized.
    await page.goto(base + "/c/beijing-chaoyang")
    await expect(page.get_by_role("heading", name="在线投诉")).to_be_visible()
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "the page scrolls sideways on a phone"
    await page.get_by_label("投诉类别").select_option(label="送货或安装")
    await page.get_by_label("事情经过").fill("衣柜晚到三天，柜门有划痕。<script>alert(1)</script>")
    await page.get_by_label("您的要求").fill("上门维修柜门")
    await page.get_by_label("照片（选填）").set_input_files(
        str(photo(tmp_path / "door.jpg", (180, 40, 40)))
    )
    await page.get_by_label("您的姓名").fill("周欣")
    await page.get_by_label("手机号码").fill("138 0000 0000")
    await page.get_by_label("电子邮箱").fill("zhou@example.com")
    await page.get_by_label("需要，通过电子邮件").check()
    await page.get_by_label("我同意按上述说明处理我的个人信息").check()
    await shot("1-form")
    await page.get_by_role("button", name="提交投诉").click()

    # The case number and the tracking link.
    await expect(page.get_by_role("heading", name="我们已收到您的投诉")).to_be_visible()
    case_no = (await page.locator("[data-case-no]").inner_text()).strip()
    assert re.fullmatch(r"\d{6}-\d{4}", case_no)
    await shot("2-received")
    await page.get_by_role(
        "link", name=re.compile(r"[A-Za-z0-9_-]{43}[.][A-Za-z0-9_-]{43}$")
    ).click()
    stage = page.locator("#stage")
    await expect(stage).to_have_text("我们已收到您的投诉，将尽快与您联系。")
    await expect(page.get_by_role("heading", name=f"您的投诉 {case_no}")).to_be_visible()
    await shot("3-tracking-received")

    # The desk acknowledges and asks for the delivery note: the page says so, in its words.
    await _desk(console, case_no, "acknowledge", "handler", {"note": "已电话联系"})
    await _desk(
        console,
        case_no,
        "clocks/pause",
        "handler",
        {"reason": "customer", "note": "内部：等顾客送货单"},
    )
    await page.reload()
    await expect(stage).to_have_text("我们正在调查核实您的投诉。")
    await expect(page.get_by_text("我们正在等待您的回复")).to_be_visible()
    assert "内部" not in await page.content()
    await shot("4-tracking-asked")

    # The customer sends it.
    await page.get_by_label("留言", exact=True).fill("送货单照片已上传。")
    await page.get_by_label("资料或照片（选填）").set_input_files(
        str(photo(tmp_path / "delivery-note.jpg", (240, 240, 230)))
    )
    await page.get_by_role("button", name="发送", exact=True).click()
    await expect(page.get_by_text("谢谢，我们已收到您提交的内容。")).to_be_visible()
    evidence = await console.get(f"/complaints/{case_no}/evidence", headers=auth("handler"))
    assert sorted(e["kind"] for e in evidence.json()) == ["customer_statement", "photo"]

    # A repair costs the customer nothing: they accept it on the page.
    await _desk(console, case_no, "clocks/resume", "handler", {"note": "收到送货单"})
    await _desk(
        console,
        case_no,
        "findings",
        "handler",
        {"valid": True, "liability": "company", "summary": "配送延误，柜门划伤"},
    )
    await _desk(
        console,
        case_no,
        "proposal",
        "handler",
        {"kind": "repair", "amount": "0", "details": "本周六上门修复柜门"},
    )
    await _desk(console, case_no, "approval", "manager", {"approve": True, "comment": "同意"})
    await page.reload()
    await expect(stage).to_have_text("我们已为您准备了处理方案。")
    await expect(page.get_by_text("本周六上门修复柜门")).to_be_visible()
    await shot("5-tracking-proposal")
    await page.get_by_label("同意", exact=True).check()
    await page.get_by_role("button", name="提交答复").click()
    await expect(page.get_by_text("谢谢，我们已收到您的答复。")).to_be_visible()
    await expect(stage).to_have_text("我们正在执行双方同意的处理方案。")

    # Carried out: the survey is on the tracking page; the customer rates the handling.
    await _desk(console, case_no, "resolution", "handler", {"summary": "柜门已修复"})
    rate = page.get_by_role("link", name="评价本次投诉处理")
    for _ in range(50):
        await page.reload()
        if await rate.count():
            break
        await page.wait_for_timeout(200)
    await expect(stage).to_have_text("双方同意的处理方案已执行完毕。")
    await shot("6-tracking-done")
    await rate.click()
    await page.get_by_label("5 非常满意").check()
    await page.get_by_role("button", name="提交评价").click()
    await expect(page.get_by_role("heading", name="感谢您的评价")).to_be_visible()
    await shot("7-rated")
    case = (await console.get(f"/complaints/{case_no}", headers=auth("handler"))).json()
    assert case["status"]["satisfaction"] == 5
    await context.close()


async def test_on_a_flooded_page_the_phone_does_the_work_and_the_complaint_goes_through(
    console: httpx.AsyncClient, browser, pool, tmp_path: Path
) -> None:
    from infra.rate_limits import limit_key

    expect = playwright_api.expect
    base = str(console.base_url).rstrip("/")
    await pool.executemany(
        "INSERT INTO rate_hits (key, at) VALUES ($1, now())",
        [(limit_key("store", "beijing-chaoyang"),)] * 60,
    )
    context = await browser.new_context(locale="en-GB", viewport=PHONE, is_mobile=True)
    page = await context.new_page()
    await page.goto(base + "/c/beijing-chaoyang?lang=en")
    await expect(page.get_by_text("Many people are using this page right now.")).to_be_visible()
    await page.get_by_label("What is it about?").select_option(label="A price")
    await page.get_by_label("What happened?").fill("The shelf price and the till price differ.")
    await page.get_by_label("What would you like us to do?").fill("Charge the shelf price")
    await page.get_by_label("Your name").fill("Li Ming")
    await page.get_by_label("Email address").fill("li.ming@example.com")
    await page.get_by_label("I agree to the processing of my personal information").check()
    # The solver runs while the customer types; sent before it is done, the page holds the
    # complaint and sends it again itself once the work is in.
    await page.get_by_role("button", name="Send my complaint").click()
    await expect(page.get_by_role("heading", name="We have your complaint")).to_be_visible(
        timeout=60_000
    )
    await page.screenshot(path=str(tmp_path / "customer-flooded-received.png"), full_page=True)
    await context.close()
