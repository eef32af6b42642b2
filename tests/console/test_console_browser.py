"""The console in a real browser (Debian's chromium driven by Playwright): a complaint
from the service desk's form to closed, by the clerk, the handler and the department
manager, each signed in as themselves; once in Chinese and once in English. Screenshots of
My work, the case page and the approval queue are written under the test's tmp_path."""

import re
import shutil
from pathlib import Path

import httpx
import pytest

playwright_api = pytest.importorskip("playwright.async_api")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no system chromium: `make test` installs Debian's `chromium` where apt-get exists;"
    " elsewhere install Chromium and put it on PATH",
)

# What each person reads and clicks, per language (the catalogues' words).
TEXTS = {
    "zh_Hans": {
        "sign_in": "登录",
        "sign_out": "退出",
        "register": "登记投诉",
        "register_button": "登记投诉",
        "channel": "渠道",
        "phone": "电话",
        "store": "商场",
        "category": "类别",
        "delivery": "送货安装 / 延误",
        "what_happened": "事情经过",
        "asks_for": "顾客要求",
        "name": "顾客姓名",
        "contact": "电话或电子邮件",
        "case": "投诉 {case_no}",
        "acknowledge": "受理",
        "findings": "记录调查结果",
        "valid": "投诉是否成立？",
        "yes": "是",
        "liability": "责任认定",
        "company": "本公司",
        "findings_text": "调查结果",
        "propose_form": "提出处理方案",
        "remedy": "处理方案",
        "refund": "退款",
        "amount": "金额（元）",
        "details": "详情",
        "propose": "提交方案",
        "approvals": "审批",
        "comment": "意见",
        "approve": "批准 ¥800.00",
        "answer_form": "记录顾客答复",
        "accepted": "顾客是否同意？",
        "agreement": "协议书编号",
        "record_answer": "记录答复",
        "resolution": "记录处理结果",
        "what_done": "处理结果",
        "follow_up": "记录回访",
        "satisfaction": "满意度（1 到 5）",
        "closed": "已关闭",
        "wrong_stage": "投诉当前阶段不能进行此操作",
        "my_work": "我的工作",
    },
    "en": {
        "sign_in": "Sign in",
        "sign_out": "Sign out",
        "register": "Register a complaint",
        "register_button": "Register the complaint",
        "channel": "Channel",
        "phone": "Phone",
        "store": "Store",
        "category": "Category",
        "delivery": "Delivery and installation",
        "what_happened": "What happened",
        "asks_for": "What the customer asks for",
        "name": "Customer's name",
        "contact": "Phone or email",
        "case": "Case {case_no}",
        "acknowledge": "Acknowledge",
        "findings": "Record findings",
        "valid": "Is the complaint valid?",
        "yes": "Yes",
        "liability": "Liability",
        "company": "The company",
        "findings_text": "Findings",
        "propose_form": "Propose a remedy",
        "remedy": "Remedy",
        "refund": "Refund",
        "amount": "Amount (CNY)",
        "details": "Details",
        "propose": "Propose",
        "approvals": "Approvals",
        "comment": "Comment",
        "approve": "Approve CN¥800.00",
        "answer_form": "Record the customer's answer",
        "accepted": "Did the customer accept?",
        "agreement": "Agreement reference",
        "record_answer": "Record the answer",
        "resolution": "Record the resolution",
        "what_done": "What was done",
        "follow_up": "Record the follow-up",
        "satisfaction": "Satisfaction (1 to 5)",
        "closed": "Closed",
        "wrong_stage": "Not in the case's current stage",
        "my_work": "My work",
    },
}
LOCALES = {"zh_Hans": "zh-CN", "en": "en-GB"}


@pytest.fixture
async def browser():
    async with playwright_api.async_playwright() as pw:
        chromium = await pw.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
        )
        yield chromium
        await chromium.close()


async def _sign_in(page, base: str, who: str, t: dict[str, str]) -> None:
    await page.goto(base + "/")
    await page.get_by_label(who).check()
    await page.get_by_role("button", name=t["sign_in"], exact=True).click()
    await playwright_api.expect(page.get_by_role("heading", name=t["my_work"])).to_be_visible()


async def _sign_out(page, t: dict[str, str]) -> None:
    await page.get_by_role("button", name=t["sign_out"]).click()
    await playwright_api.expect(
        page.get_by_role("button", name=t["sign_in"], exact=True)
    ).to_be_visible()


@pytest.mark.parametrize("lang", ["zh_Hans", "en"])
async def test_a_complaint_goes_from_the_desk_to_closed_in_the_browser(
    console: httpx.AsyncClient, browser, tmp_path: Path, lang: str
) -> None:
    t = TEXTS[lang]
    expect = playwright_api.expect
    base = str(console.base_url).rstrip("/")
    context = await browser.new_context(
        locale=LOCALES[lang], viewport={"width": 1024, "height": 900}
    )
    page = await context.new_page()

    # The department manager's My work is open in another browser meanwhile.
    watching = await browser.new_context(locale=LOCALES[lang])
    watcher = await watching.new_page()
    await _sign_in(watcher, base, "Zhang Min (department manager)", t)
    approvals_count = watcher.locator('[data-count="approvals"]')
    before = int(await approvals_count.inner_text())

    # The clerk registers the complaint from the form.
    await _sign_in(page, base, "Li Na (service desk)", t)
    await page.get_by_role("link", name=t["register"]).click()
    await page.get_by_label(t["channel"]).select_option(label=t["phone"])
    await page.get_by_label(t["store"], exact=True).select_option("Beijing Chaoyang")
    await page.get_by_label(t["category"]).select_option(label=t["delivery"])
    await page.get_by_label(t["what_happened"]).fill("衣柜晚到三天，门有划痕。")
    await page.get_by_label(t["asks_for"]).fill("维修并赔偿")
    await page.get_by_label(t["name"]).fill("周欣")
    await page.get_by_label(t["contact"]).fill("zhou@example.com")
    await page.get_by_role("button", name=t["register_button"]).click()
    heading = page.get_by_role("heading", level=1)
    await expect(heading).to_contain_text(re.compile(r"\d{6}-\d{4}"))
    case_no = re.search(r"\d{6}-\d{4}", await heading.inner_text()).group(0)
    case_url = f"{base}/console/cases/{case_no}"
    await _sign_out(page, t)

    # The handler finds it in My work and acknowledges it.
    await _sign_in(page, base, "Wang Wei (handler)", t)
    await expect(page.get_by_role("link", name=case_no)).to_be_visible()
    shot = tmp_path / f"my-work-{lang}.png"
    await page.screenshot(path=str(shot), full_page=True)
    print(f"screenshot: {shot}")  # noqa: T201 (where the reviewer finds it)
    # A second tab with the same page, left behind by the first.
    stale = await context.new_page()
    await stale.goto(case_url)
    await page.get_by_role("link", name=case_no).click()
    ack = page.get_by_role("form", name=t["acknowledge"], exact=True)
    await ack.get_by_role("button", name=t["acknowledge"], exact=True).click()
    await expect(page.get_by_role("status")).to_be_visible()

    # The stale tab's acknowledgement is refused, with the reason in words.
    await (
        stale.get_by_role("form", name=t["acknowledge"], exact=True)
        .get_by_role("button", name=t["acknowledge"], exact=True)
        .click()
    )
    await expect(stale.get_by_role("alert").first).to_contain_text(t["wrong_stage"])
    await stale.close()

    findings = page.get_by_role("form", name=t["findings"])
    await findings.get_by_label(t["valid"]).select_option(label=t["yes"])
    await findings.get_by_label(t["liability"]).select_option(label=t["company"])
    await findings.get_by_label(t["findings_text"]).fill("配送延误，责任在我方。")
    await findings.get_by_role("button", name=t["findings"]).click()

    proposal = page.get_by_role("form", name=t["propose_form"])
    await proposal.get_by_label(t["remedy"]).select_option(label=t["refund"])
    await proposal.get_by_label(t["amount"]).fill("800")
    await proposal.get_by_label(t["details"]).fill("退款 800 元")
    await proposal.get_by_role("button", name=t["propose"]).click()
    await expect(page.get_by_role("table").filter(has_text="800.00").first).to_be_visible()
    await _sign_out(page, t)

    # Without a reload, the manager's page shows one more approval (the script's refresh,
    # run now instead of at its next 30-second tick).
    await watcher.evaluate("window.consoleRefresh()")
    await expect(approvals_count).to_have_text(str(before + 1))
    await expect(watcher.get_by_role("link", name=case_no)).to_be_visible()
    await watching.close()

    # The department manager approves it from the approval queue.
    await _sign_in(page, base, "Zhang Min (department manager)", t)
    await (
        page.get_by_role("navigation").get_by_role("link", name=re.compile(t["approvals"])).click()
    )
    await expect(page.get_by_role("link", name=re.compile(case_no)).first).to_be_visible()
    shot = tmp_path / f"approvals-{lang}.png"
    await page.screenshot(path=str(shot), full_page=True)
    print(f"screenshot: {shot}")  # noqa: T201
    # Other proposals may wait in the queue too (a shared database): this case's own.
    ours = page.get_by_role("region", name=re.compile(case_no))
    await ours.get_by_label(t["comment"]).fill("同意")
    await ours.get_by_role("button", name=t["approve"]).click()
    await expect(page.get_by_role("status")).to_be_visible()
    await _sign_out(page, t)

    # The clerk records the customer's acceptance.
    await _sign_in(page, base, "Li Na (service desk)", t)
    await page.goto(case_url)
    answer = page.get_by_role("form", name=t["answer_form"])
    await answer.get_by_label(t["accepted"]).select_option(label=t["yes"])
    await answer.get_by_label(t["agreement"]).fill(f"AG-{case_no}")
    await answer.get_by_role("button", name=t["record_answer"]).click()
    await expect(page.get_by_role("status")).to_be_visible()
    await _sign_out(page, t)

    # The handler records the resolution.
    await _sign_in(page, base, "Wang Wei (handler)", t)
    await page.goto(case_url)
    resolution = page.get_by_role("form", name=t["resolution"])
    await resolution.get_by_label(t["what_done"]).fill("门已修好，已退款。")
    await resolution.get_by_role("button", name=t["resolution"]).click()
    await expect(page.get_by_role("status")).to_be_visible()
    await _sign_out(page, t)

    # The clerk's follow-up visit closes it.
    await _sign_in(page, base, "Li Na (service desk)", t)
    await page.goto(case_url)
    follow_up = page.get_by_role("form", name=t["follow_up"])
    await follow_up.get_by_label(t["satisfaction"]).select_option("4")
    await follow_up.get_by_role("button", name=t["follow_up"]).click()
    await expect(page.locator(".steps [aria-current=step]")).to_have_text(t["closed"])
    shot = tmp_path / f"case-{lang}.png"
    await page.screenshot(path=str(shot), full_page=True)
    print(f"screenshot: {shot}")  # noqa: T201
    # A tablet at the service desk: nothing wider than the screen.
    await page.set_viewport_size({"width": 768, "height": 1024})
    assert await page.evaluate("document.documentElement.scrollWidth") <= 768
    shot = tmp_path / f"case-768-{lang}.png"
    await page.screenshot(path=str(shot), full_page=True)
    print(f"screenshot: {shot}")  # noqa: T201
    await context.close()
