#!/usr/bin/env python3
"""End-to-end check of `smedx serve` in headless Chromium (Selenium + Debian's chromedriver).

Usage: serve_e2e.py BASE_URL     e.g. serve_e2e.py http://127.0.0.1:41234

Starts nothing itself: the server must already listen at BASE_URL (tests/serve_browser.rs starts one).
Walks the firm's whole path as a person would, by clicking the controls the pages render: start, the
enterprise profile, every questionnaire page (every item answered), review, submit, the firm's page
with its two links, a 取回码 and the recovery of the edit link with it, the report.

Exit status: 0 passed; 1 a check failed (the message says which, on stderr); 77 Selenium, chromedriver
or Chromium is missing (the message names the install step).
"""

import os
import re
import shutil
import sys
import tempfile
import time

SKIP = 77
INSTALL = "run `bash .ci/install-browser-test.sh` (as root)"

# A name that would create a <b> element (and run a script, were the page to let it) if it were not
# escaped. The credit code is the fictional one of questionnaires/examples/auto-parts-machining.yaml.
NAME = "测试<b>企业</b><script>document.title='XSS'</script>"
# Typed as an owner would: a wrong industry (五金 is no GB/T 4754 name) and a headcount with its unit.
PROFILE = {
    "name": NAME,
    "credit_code": "91330381MA2H8C3NXF",
    "industry": "五金",
    "employees": "45人",
    "revenue": "６０００万元",
    "assets": "4800",
    "digital_budget": "90",
    "assessor": "王会计",
    "tags": "专精特新",
}
# The industry typed again, by its name this time.
INDUSTRY_FIXED = "汽车制造业"
REGION = "330381"

# What must not appear on a Chinese page: an English sentence (three or more English words in a row;
# product acronyms such as ERP, MES, SaaS, BI, CRM are not words of a sentence, even side by side), an
# item or field id, a backtick.
WORD = r"[A-Za-z]*[a-z]{2}[A-Za-z]*"
ENGLISH_RUN = re.compile(rf"{WORD}(?:[ ,;:'-]+{WORD}){{2,}}")
ID_LIKE = re.compile(r"\b[a-z]+(?:[-_][a-z0-9]+)+\b")
LEVEL = re.compile(r"^(未达一级|[一二三四五六七八九]级)$")


class Failure(Exception):
    pass


def check(cond, message):
    if not cond:
        raise Failure(message)


def find_executable(env, *candidates):
    path = os.environ.get(env)
    if path:
        return path if os.access(path, os.X_OK) else None
    for c in candidates:
        p = c if os.path.isabs(c) else shutil.which(c)
        if p and os.access(p, os.X_OK):
            return p
    return None


def main():
    if len(sys.argv) != 2 or not sys.argv[1].startswith("http"):
        print(__doc__, file=sys.stderr)
        return 2
    base = sys.argv[1].rstrip("/")

    try:
        from selenium import webdriver  # noqa: F401  (checked here, used in run)
    except ImportError:
        print(f"SKIP: Python package selenium is missing: {INSTALL}", file=sys.stderr)
        return SKIP
    driver_path = find_executable("CHROMEDRIVER", "/usr/bin/chromedriver", "chromedriver")
    if not driver_path:
        print(f"SKIP: chromedriver is missing (Debian package chromium-driver): {INSTALL}", file=sys.stderr)
        return SKIP
    browser_path = find_executable("CHROMIUM", "/usr/bin/chromium", "chromium")
    if not browser_path:
        print(f"SKIP: chromium is missing (Debian package chromium): {INSTALL}", file=sys.stderr)
        return SKIP

    profile_dir = tempfile.mkdtemp(prefix="smedx-e2e-chromium-")
    driver = None
    started = time.monotonic()
    try:
        driver = open_browser(driver_path, browser_path, profile_dir)
        run(driver, base)
        print(f"serve_e2e: passed in {time.monotonic() - started:.1f} s")
        return 0
    except Failure as e:
        report_failure(driver, str(e))
        return 1
    except Exception as e:  # a Selenium error (element not found, timeout...) is a failure too
        report_failure(driver, f"{type(e).__name__}: {e}".strip())
        return 1
    finally:
        if driver is not None:
            try:
                driver.quit()
            except Exception:
                pass
        shutil.rmtree(profile_dir, ignore_errors=True)


def open_browser(driver_path, browser_path, profile_dir):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = browser_path
    for arg in [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1280,1024",
        "--lang=zh-CN",
        f"--user-data-dir={profile_dir}",
    ]:
        options.add_argument(arg)
    # An explicit driver path: Selenium Manager (which would go to the network) is not used.
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(30)
    return driver


def report_failure(driver, message):
    print(f"FAIL: {message}", file=sys.stderr)
    if driver is None:
        return
    try:
        print(f"  at {driver.current_url}", file=sys.stderr)
        text = driver.find_element("tag name", "body").text
        print("  page text (start):\n    " + text[:1500].replace("\n", "\n    "), file=sys.stderr)
        out = os.environ.get("E2E_ARTIFACTS")
        if out:
            os.makedirs(out, exist_ok=True)
            driver.save_screenshot(os.path.join(out, "failure.png"))
            with open(os.path.join(out, "failure.html"), "w", encoding="utf-8") as f:
                f.write(driver.page_source)
            print(f"  screenshot and HTML in {out}", file=sys.stderr)
    except Exception:
        pass


# --- helpers --------------------------------------------------------------------------------------


def css(root, selector):
    return root.find_elements("css selector", selector)


def one(root, selector, what):
    found = css(root, selector)
    check(len(found) == 1, f"expected one {what} ({selector}), found {len(found)}")
    return found[0]


def click_and_load(driver, element, what, allow_422=False):
    """Click a control that submits a form or follows a link, and wait for the next page."""
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    old = driver.find_element("tag name", "html")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
    element.click()
    wait_for_new_page(driver, old, what)
    status_like = css(driver, "main h1")
    if status_like and re.fullmatch(r"[45]\d\d", status_like[0].text.strip()) and not allow_422:
        raise Failure(f"{what}: error page {status_like[0].text.strip()}")


def wait_for_new_page(driver, old, what):
    """Wait until `old` (the previous <html>) is gone and the new document has loaded. Scripts run
    while a page unloads may fail; those errors are retried, not reported."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        wait = WebDriverWait(driver, 30, ignored_exceptions=(WebDriverException,))
        wait.until(ec.staleness_of(old))
        wait.until(lambda d: d.execute_script("return document.readyState") == "complete")
    except Exception as e:
        raise Failure(f"{what}: no new page within 30 s ({type(e).__name__})")


def button(driver, go, what):
    """The submit button with name=go and value `go` (保存，下一页 / 保存，上一页 / 保存，去检查)."""
    return one(driver, f"main form button[type=submit][name=go][value={go}]:not(.default-submit)", what)


def click_control(driver, control):
    """Tick a radio button or check box through its label, as a person would."""
    if control.is_selected():
        return
    label = control.find_element("xpath", "./ancestor::label[1]")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", label)
    label.click()
    check(control.is_selected(), f"clicking the label of {control.get_attribute('name')}="
          f"{control.get_attribute('value')} did not select it")


def type_into(field, text):
    field.clear()
    field.send_keys(text)
    check(field.get_attribute("value") == text,
          f"field {field.get_attribute('name')} holds {field.get_attribute('value')!r}, typed {text!r}")


# --- the firm's path -----------------------------------------------------------------------------


def run(driver, base):
    # Start page.
    driver.get(base + "/")
    check("中小企业数字化水平自评" in driver.title, f"start page title is {driver.title!r}")
    start = one(driver, "form[action='/start'] button[type=submit]", "start button")
    check(start.text.strip() == "开始自评", f"start button reads {start.text!r}")
    click_and_load(driver, start, "start")
    check(re.search(r"/d/[0-9a-f]{32}/profile$", driver.current_url),
          f"after start: expected the profile page, at {driver.current_url}")
    token = driver.current_url.split("/d/")[1].split("/")[0]

    # Profile: every field found through its visible label.
    check_chinese(driver, "profile page")
    labels = {lab.text.strip().split("\n")[0].rstrip(" *"): lab for lab in css(driver, "main form label")}
    check("企业名称" in labels and "统一社会信用代码" in labels,
          f"profile labels: {sorted(labels)}")
    choose_region(driver, REGION)
    for key, value in PROFILE.items():
        field = one(driver, f"main form input[name={key}]", f"profile field {key}")
        type_into(field, value)
    click_and_load(driver, button(driver, "next", "profile next"), "profile: 保存，下一页", allow_422=True)

    # The wrong industry is refused beside its field, in Chinese, with a hint; 45人 is read as 45.
    check(driver.current_url.endswith(f"/d/{token}/profile"),
          f"a wrong industry should keep the profile page, at {driver.current_url}")
    check_chinese(driver, "profile page with problems")
    problem = one(driver, "#industry .note.error", "the message beside the industry").text
    check(problem.startswith("找不到行业“五金”") and "金属制品业" in problem,
          f"industry message reads {problem!r}")
    saved = one(driver, "#employees .note.saved", "the remark beside the employees").text
    check("45" in saved and "人" in saved, f"employees remark reads {saved!r}")
    value = one(driver, "main form input[name=employees]", "employees").get_attribute("value")
    check(value == "45", f"employees holds {value!r}, expected 45")
    check("汽车制造业" not in one(driver, "#industry", "industry").text, "the wrong industry is named")
    check(one(driver, "main form input[name=revenue]", "revenue").get_attribute("value") == "6000",
          "revenue not read as 6000")
    check(one(driver, "main form input[name=region]", "region").get_attribute("value") == REGION,
          "the region chosen is not kept")
    type_into(one(driver, "main form input[name=industry]", "industry"), INDUSTRY_FIXED)
    click_and_load(driver, button(driver, "next", "profile next"), "profile: 保存，下一页 (fixed)")
    check(driver.current_url.endswith(f"/d/{token}/page/1"),
          f"after fixing the industry: expected page 1, at {driver.current_url}")

    # The review before any answer: problems grouped by page, each linking to its question.
    driver.get(f"{base}/d/{token}/review")
    check_chinese(driver, "review page (unanswered)")
    links = css(driver, "main section.problems li.error a[href*='/page/1#']")
    check(links, "review: no problem linking to a question of page 1")
    first = links[0]
    anchor = first.get_attribute("href").rsplit("#", 1)[1]
    check("尚未回答" in first.find_element("xpath", "..").text, f"review problem reads {first.text!r}")
    click_and_load(driver, first, "review: link to a question")
    check(driver.current_url.endswith(f"/page/1#{anchor}"), f"link went to {driver.current_url}")
    one(driver, f"main .item[id='{anchor}']", "the question the review links to")
    driver.get(f"{base}/d/{token}/page/1")

    # Questionnaire pages, until the review page.
    pages = 0
    items_total = 0
    saved = {}
    while "/page/" in driver.current_url:
        n = int(driver.current_url.rsplit("/", 1)[1])
        heading = one(driver, "main h1", "page heading").text
        m = re.match(r"(\d+) / (\d+) · ", heading)
        check(m and int(m.group(1)) == n, f"page {n}: heading {heading!r}")
        count = int(m.group(2))
        check_chinese(driver, f"page {n}")
        items = answer_page(driver, n)
        check(items > 0, f"page {n}: no questions")
        items_total += items
        pages += 1
        saved[n] = snapshot(driver)
        if n == 2:
            # Drafts are saved page by page: go back and forth and find the answers still there.
            click_and_load(driver, button(driver, "back", "back"), "page 2: 保存，上一页")
            check(driver.current_url.endswith(f"/d/{token}/page/1"), f"back went to {driver.current_url}")
            check(snapshot(driver) == saved[1], "page 1: answers not shown again after going back")
            click_and_load(driver, button(driver, "next", "next"), "page 1: 保存，下一页")
            check(snapshot(driver) == saved[2], "page 2: answers not shown again after going back and forth")
        if n == 1:
            # Enter in a text field submits the form: it must go forward, not back.
            field = css(driver, "main form .item input[type=text][name^='a:']")
            check(field, "page 1: no text field to press Enter in")
            from selenium.webdriver.common.keys import Keys
            old = driver.find_element("tag name", "html")
            field[0].send_keys(Keys.ENTER)
            wait_for_new_page(driver, old, "page 1: Enter")
            check(driver.current_url.endswith(f"/d/{token}/page/2"), f"Enter on page 1 went to {driver.current_url}")
            continue
        click_and_load(driver, button(driver, "next", f"page {n} next"), f"page {n}: 保存，下一页")
    check(pages == count, f"walked {pages} pages, the headings say {count}")
    check(driver.current_url.endswith(f"/d/{token}/review"),
          f"after the last page: expected the review page, at {driver.current_url}")

    # Review: no problem in red, a preview of the level, a submit button.
    check_chinese(driver, "review page")
    errors = [e.text for e in css(driver, "main li.error")]
    check(not errors, "review lists errors:\n  " + "\n  ".join(errors))
    warnings = [e.text for e in css(driver, "main li.warning")]
    preview = one(driver, "main p .big", "expected level on the review page").text.strip()
    check(LEVEL.match(preview), f"review: expected level reads {preview!r}")
    submit = one(driver, "main form[action$='/submit'] button[type=submit]", "submit button")
    check(submit.text.strip() == "提交", f"submit button reads {submit.text!r}")
    click_and_load(driver, submit, "review: 提交")

    # The firm's page (behind the edit link).
    check(driver.current_url.endswith(f"/d/{token}"), f"after submit: at {driver.current_url}")
    check_name_is_text(driver, "firm's page")
    level = one(driver, "main .big", "level on the firm's page").text.strip()
    check(LEVEL.match(level), f"firm's page: level reads {level!r}")
    check(level == preview, f"firm's page says {level}, the review said {preview}")
    body = driver.find_element("tag name", "body").text
    check(re.search(r"已提交第\s*1\s*版", body), "firm's page: no 'submission version 1'")
    check_chinese(driver, "firm's page")
    report = check_links_and_recovery(driver, base, token)

    # The full HTML report (same as `smedx report`), behind the report link.
    driver.get(f"{base}/r/{report}")
    check_name_is_text(driver, "report page")
    check(one(driver, "main .big", "level on the report page").text.strip() == level,
          "the report page shows another level")
    link = one(driver, f"main a[href='/r/{report}/report.html']", "link to the full report")
    click_and_load(driver, link, "查看诊断报告")
    text = driver.find_element("tag name", "body").text
    check(level in text, f"full report: level {level} not shown")
    check(NAME in text, "full report: the company name is not shown as typed")
    check(not [b for b in css(driver, "b") if b.text == "企业"],
          "full report: the company name created a <b> element")
    check(driver.execute_script("return document.title") != "XSS", "full report: script ran")
    check(css(driver, "svg"), "full report: no chart")

    print(f"serve_e2e: {pages} pages, {items_total} questions answered by clicking and typing; "
          f"level {level}; {len(warnings)} review warning(s)")
    for w in warnings:
        print(f"  warning: {w}")


def check_links_and_recovery(driver, base, edit):
    """The firm's page shows two different links; the report link opens no edit page; a 取回码
    made on the firm's page recovers the edit link. Returns the report token."""
    links = [c.text.strip() for c in css(driver, "main code.link")]
    check(len(links) == 2, f"firm's page: expected the edit and the report link, found {links}")
    check(links[0].endswith(f"/d/{edit}"), f"firm's page: first link is {links[0]!r}")
    check(re.search(r"/r/[0-9a-f]{32}$", links[1]), f"firm's page: report link is {links[1]!r}")
    report = links[1].rsplit("/r/", 1)[1]
    check(report != edit, "the report link carries the edit token")
    body = driver.find_element("tag name", "body").text
    check("报告链接（只读" in body and "不能：打开问卷、修改或提交" in body,
          "firm's page: what the report link allows is not said")

    make = one(driver, "main form[action$='/recovery-code'] button", "button to make a 取回码")
    click_and_load(driver, make, "生成取回码")
    code = one(driver, "main .big.code", "the new 取回码").text.strip()
    check(re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", code), f"取回码 reads {code!r}")

    # The report link opens no edit page, and its page offers no way to edit.
    for path in ["", "/profile", "/page/1", "/review"]:
        driver.get(f"{base}/d/{report}{path}")
        status = one(driver, "main h1", "heading").text.strip()
        check(status == "404", f"/d/<report token>{path} opened a page ({status!r})")
    driver.get(f"{base}/r/{report}")
    check(not css(driver, "a[href^='/d/']"), "the report page links to an edit page")
    check(edit not in driver.page_source, "the report page shows the edit token")

    # Recovery: credit code and 取回码 typed as a person might (lower case, spaces).
    driver.get(base + "/")
    click_and_load(driver, one(driver, "main a[href='/recover']", "link to 找回编辑链接"), "找回编辑链接")
    type_into(one(driver, "main input[name=credit_code]", "credit code field"), PROFILE["credit_code"])
    type_into(one(driver, "main input[name=code]", "取回码 field"), code.lower().replace("-", " "))
    click_and_load(driver, one(driver, "main form button[type=submit]", "找回 button"), "找回")
    new = one(driver, "main a[href^='/d/']", "the new edit link").get_attribute("href")
    check(new.rsplit("/d/", 1)[1] != edit, "recovery gave the old edit link back")
    driver.get(f"{base}/d/{edit}/profile")
    check(one(driver, "main h1", "heading").text.strip() == "404", "the old edit link still opens the draft")
    driver.get(new)
    check_name_is_text(driver, "firm's page after recovery")
    return report


def check_name_is_text(driver, where):
    h1 = one(driver, "main h1", f"{where} heading")
    check(h1.text == NAME, f"{where}: heading shows {h1.text!r}, expected the name as typed {NAME!r}")
    check(not css(h1, "b"), f"{where}: the company name created a <b> element")
    check(not css(driver, "script"), f"{where}: the page has a <script> element")
    check(driver.title != "XSS", f"{where}: a script from the company name ran")


def check_chinese(driver, where):
    """No English sentence, item or field id, or backtick in what the page shows."""
    text = driver.find_element("tag name", "body").text
    check("`" not in text, f"{where}: a backtick on the page")
    english = ENGLISH_RUN.findall(text)
    check(not english, f"{where}: English on a Chinese page: {english[:3]}")
    ids = ID_LIKE.findall(text)
    check(not ids, f"{where}: ids on the page: {ids[:5]}")
    check(driver.find_element("tag name", "html").get_attribute("lang") == "zh-CN", f"{where}: not zh-CN")


def choose_region(driver, code):
    """Province → city → county with the selects, one level at a time (no JavaScript); the code is
    typed only if the selects did not reach it."""
    from selenium.webdriver.support.ui import Select

    for name, length in (("region_p", 2), ("region_c", 4), ("region_d", 6)):
        found = css(driver, f"main form select[name={name}]")
        if not found:
            break
        Select(found[0]).select_by_value(code[:length].ljust(6, "0"))
        step = one(driver, "main form button[name=go][value=stay]", "the region's next-level button")
        click_and_load(driver, step, f"region: {name}")
        check_chinese(driver, f"profile page, region {name}")
    field = one(driver, "main form input[name=region]", "region code")
    check(field.get_attribute("value") == code,
          f"the selects give region {field.get_attribute('value')!r}, expected {code}")
    named = one(driver, "#region .named", "the region's name").text
    check(named == "浙江省温州市瑞安市", f"the region is named {named!r}")


def snapshot(driver):
    """What the controls of the page hold: the ticked choices and the typed values."""
    state = []
    for inp in css(driver, "main form .item input"):
        kind = inp.get_attribute("type")
        if kind in ("radio", "checkbox"):
            if inp.is_selected():
                state.append((inp.get_attribute("name"), inp.get_attribute("value")))
        elif inp.get_attribute("value"):
            state.append((inp.get_attribute("name"), inp.get_attribute("value")))
    return state


def answer_page(driver, n):
    """Answer every question of the current page through its controls; returns how many."""
    items = css(driver, "main form .item")
    used_ratio = False
    opened_help = False
    for item in items:
        iid = item.get_attribute("id")
        name = f"a:{iid}"
        radios = css(item, f"input[type=radio][name='{name}']")
        boxes = css(item, f"input[type=checkbox][name='{name}']")
        texts = css(item, f"input[type=text][name='{name}']")
        if not opened_help:
            summaries = css(item, "details > summary")
            if summaries:
                opened_help = True
                details = summaries[0].find_element("xpath", "..")
                summaries[0].click()
                check(details.get_attribute("open") is not None, f"{iid}: help does not open")
        if texts:
            num = css(item, f"input[name='n:{iid}']")
            den = css(item, f"input[name='d:{iid}']")
            if num and den and not used_ratio:
                # One ratio item per page answered with its two figures, the rest with the value.
                used_ratio = True
                type_into(num[0], "36")
                type_into(den[0], "62")
            else:
                type_into(texts[0], "50")
        elif radios:
            values = [r.get_attribute("value") for r in radios]
            real = [r for r in radios if r.get_attribute("value") != "na"]
            check(real, f"{iid}: only 不适用 offered")
            if "2" in values:  # a scenario: level 2
                choice = radios[values.index("2")]
            elif "better" in values:  # a trend
                choice = radios[values.index("better")]
            else:  # a single choice: the middle option
                choice = real[len(real) // 2]
            click_control(driver, choice)
        elif boxes:
            real = [b for b in boxes if b.get_attribute("value") != "na"]
            # The first option is "无" (none), which excludes the others: tick the second and third.
            picks = real[1:3] if len(real) > 2 else real[:1]
            check(picks, f"{iid}: no options")
            for b in picks:
                click_control(driver, b)
        else:
            raise Failure(f"page {n}: question {iid} has no control this test knows")
        answered = (
            any(r.is_selected() for r in radios)
            or any(b.is_selected() for b in boxes)
            or any(t.get_attribute("value") for t in css(item, "input[type=text]"))
        )
        check(answered, f"page {n}: question {iid} still unanswered")
    return len(items)


if __name__ == "__main__":
    sys.exit(main())
