"""Drive the self-check page in headless Chromium at a phone's size, as a farmer would.

Starts uvicorn on 127.0.0.1 with a free port in a thread, opens the page in /usr/bin/chromium
through /usr/bin/chromedriver (Selenium) in a 390×844 window, and goes through the questionnaire
one step at a time for a 三类户 household with a courtyard project and a three-cell toilet —
going back, refreshing half-way (the answers stay, on the phone), changing an answer from the
review page — then reads the result in plain words and how to apply, prints it to PDF (one A4
page) and saves the answers as a file that `calc` recomputes. Hand computation (附件3;
兴政办发〔2024〕8号 五（四））: courtyard income gain 2300 元 is in 三档 (2000 < x ≤ 2500) → 500 元;
a three-cell toilet → 5000 元; total 5,500.00 元.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "docs"

COURTYARD = "xzbf12.s5.courtyard_tiered"
TOILET = "xzbf8.s5-4.three_cell_or_double_urn"

if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
    pytest.skip(f"needs the Debian packages chromium and chromium-driver ({CHROMIUM}, {CHROMEDRIVER} not found)", allow_module_level=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(pack):
    import uvicorn

    from xingxian_subsidy.web import create_app

    port = _free_port()
    config = uvicorn.Config(create_app(pack), host="127.0.0.1", port=port, access_log=False, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not srv.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def driver():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="xx-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
                "--window-size=390,844", "--lang=zh-CN"):
        opts.add_argument(arg)
    drv = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    drv.set_window_size(390, 844)
    drv.set_page_load_timeout(20)
    yield drv
    drv.quit()
    shutil.rmtree(profile, ignore_errors=True)


def _wait(drv, cond, timeout=30):  # generous: the machine is shared
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(drv, timeout).until(cond)


def _css(drv, sel):
    from selenium.webdriver.common.by import By

    return drv.find_element(By.CSS_SELECTOR, sel)


def _click(drv, el):
    drv.execute_script("arguments[0].scrollIntoView({block: 'center'});", el)
    el.click()


def _open(drv, server, clear=True):
    if clear:  # on a page of the same origin that runs no script: nothing can write the answers back
        drv.get(server + "/healthz")
        drv.execute_script("sessionStorage.clear(); localStorage.clear();")
    drv.get(server + "/")
    _wait(drv, lambda d: d.find_element("tag name", "body").get_attribute("data-state") == "ready")


def _step(drv) -> str:
    return drv.find_element("tag name", "body").get_attribute("data-step")


def _next(drv) -> None:
    before = _step(drv)
    _click(drv, _css(drv, "#next"))
    _wait(drv, lambda d: _step(d) != before or _css(d, "#form-error").is_displayed())


def _back(drv) -> None:
    before = _step(drv)
    _click(drv, _css(drv, "#back"))
    _wait(drv, lambda d: _step(d) != before)


def _field(drv, rule, name):
    return _css(drv, f'section[data-rule="{rule}"] [data-input="{name}"]:not(.field)')


def _yes_no(drv, rule, name, answer):
    radio = _css(drv, f'section[data-rule="{rule}"] input[type=radio][data-input="{name}"][value="{answer}"]')
    _click(drv, radio.find_element("xpath", ".."))


def _who(drv, subject="household", category="marginal_at_risk", name=None):
    from selenium.webdriver.support.ui import Select

    if name:
        _css(drv, "#name").send_keys(name)
    Select(_css(drv, "#subject")).select_by_value(subject)
    if category:
        Select(_css(drv, "#category")).select_by_value(category)
    _next(drv)


def _tick(drv, *rules):
    for r in rules:
        _click(drv, _css(drv, f'input[name=rule][value="{r}"]'))
    _next(drv)


def _courtyard(drv, gain="2300"):
    from selenium.webdriver.support.ui import Select

    _field(drv, COURTYARD, "income_gain").clear()
    _field(drv, COURTYARD, "income_gain").send_keys(gain)
    Select(_field(drv, COURTYARD, "project_kind")).select_by_value("特色种植")
    _field(drv, COURTYARD, "survival_rate").clear()
    _field(drv, COURTYARD, "survival_rate").send_keys("86")
    for name in ("passed_acceptance", "land_use_compliant", "within_courtyard", "new_this_year", "raises_income"):
        _yes_no(drv, COURTYARD, name, "是")
    _yes_no(drv, COURTYARD, "disorderly_or_polluting", "否")


def _calculate(drv):
    assert _step(drv) == "review"
    _click(drv, _css(drv, "#next"))
    _wait(drv, lambda d: _step(d) == "result" and d.find_element("id", "result").is_displayed())


def _has_cjk_font() -> bool:
    try:
        out = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return bool(out.strip())


def _shot(drv, tmp_path, name):
    """Screenshots for docs/ are refreshed on demand (UPDATE_SCREENSHOT=1); a test run leaves the tree clean."""
    path = (SCREENSHOTS if os.environ.get("UPDATE_SCREENSHOT") == "1" else tmp_path) / name
    drv.save_screenshot(str(path))
    assert path.stat().st_size > 10_000


def test_a_farmer_goes_through_with_back_steps_a_refresh_and_a_change(server, driver, tmp_path):
    _open(driver, server)
    assert "兴县" in driver.title  # the county's name comes from the rule pack
    assert _step(driver) == "who" and not _css(driver, "#back").is_displayed()
    _shot(driver, tmp_path, "screenshot-web-start.png")
    _who(driver, name="王秀英")
    assert _step(driver) == "what"
    _tick(driver, COURTYARD, TOILET)
    assert _step(driver) == f"claim:{COURTYARD}"
    assert "第 3 步，共 5 步" in _css(driver, "#progress").text
    _courtyard(driver, gain="2300")
    # the question where 是 loses is marked on its 是
    losing = _css(driver, f'section[data-rule="{COURTYARD}"] fieldset[data-input="disorderly_or_polluting"] .losing')
    assert "是" in losing.text and "不能领" in losing.text
    _shot(driver, tmp_path, "screenshot-web-question.png")

    # a refresh half-way: the step and every answer come back (kept on the phone, not the server)
    driver.refresh()
    _wait(driver, lambda d: d.find_element("tag name", "body").get_attribute("data-state") == "ready")
    assert _step(driver) == f"claim:{COURTYARD}"
    assert _field(driver, COURTYARD, "income_gain").get_attribute("value") == "2300"
    assert _css(driver, f'section[data-rule="{COURTYARD}"] input[data-input="disorderly_or_polluting"][value="否"]').is_selected()

    _next(driver)
    assert _step(driver) == f"claim:{TOILET}"
    _back(driver)  # back to the courtyard: the answers are still there
    assert _step(driver) == f"claim:{COURTYARD}"
    assert _field(driver, COURTYARD, "income_gain").get_attribute("value") == "2300"
    _next(driver)
    _yes_no(driver, TOILET, "township_self_inspection_passed", "是")
    _yes_no(driver, TOILET, "county_reinspection_passed", "是")
    _next(driver)

    # the review page reads every answer back; “修改” goes to its step
    assert _step(driver) == "review"
    review = _css(driver, "#review").text
    assert "王秀英" in review and "2300 元" in review and "特色种植" in review
    _shot(driver, tmp_path, "screenshot-web-review.png")
    _click(driver, driver.find_elements("css selector", f'#review button[data-goto="claim:{COURTYARD}"]')[0])
    assert _step(driver) == f"claim:{COURTYARD}"
    _field(driver, COURTYARD, "income_gain").clear()
    _field(driver, COURTYARD, "income_gain").send_keys("2300")
    _next(driver)
    _next(driver)
    _calculate(driver)

    # the result, in plain words
    assert _css(driver, "#total").text == "5,500.00"
    lines = {line.get_attribute("data-rule"): (line.find_element("css selector", ".line-amount").text,
                                               line.find_element("css selector", ".status").text,
                                               line.find_element("css selector", ".plain-text").text)
             for line in driver.find_elements("css selector", "#result .line")}
    assert lines == {COURTYARD: ("500.00", "可以领", "可以领 500.00 元"), TOILET: ("5,000.00", "可以领", "可以领 5,000.00 元")}
    text = _css(driver, "#result").text
    assert "I-011" not in text and "ROUND_HALF_UP" not in text and "sha256" not in text  # folded behind 依据
    assert "兴政办发〔2024〕12号" not in text
    basis = _css(driver, f'#result .line[data-rule="{COURTYARD}"] details.basis')
    _click(driver, basis.find_element("css selector", "summary"))
    assert "兴政办发〔2024〕12号" in basis.text and "2300 元落在三档" in basis.text and "I-011" in basis.text

    # how to apply, after the award
    how = _css(driver, "#how-to").text
    assert "怎么申请" in how and "“一卡通”" in how and "附件5" in how and "10 天" in how
    toilet_guide = _css(driver, f'#how-to .guide[data-rules="{TOILET}"]')
    assert "文件未写明" in toilet_guide.find_element("css selector", '[data-topic="materials"]').text
    assert "可达四档" in _css(driver, "#hints-close").text
    driver.execute_script("document.getElementById('result').scrollIntoView({block: 'start'}); window.scrollBy(0, -64);")
    _shot(driver, tmp_path, "screenshot-web.png")
    driver.execute_script("document.getElementById('how-to').scrollIntoView({block: 'start'}); window.scrollBy(0, -64);")
    _shot(driver, tmp_path, "screenshot-web-how-to.png")

    # printed: one A4 page
    from pypdf import PdfReader
    from selenium.webdriver.common.print_page_options import PrintOptions

    opts = PrintOptions()
    opts.page_width, opts.page_height = 21.0, 29.7
    pdf = tmp_path / "result.pdf"
    pdf.write_bytes(base64.b64decode(driver.print_page(opts)))
    reader = PdfReader(str(pdf))
    assert len(reader.pages) == 1
    printed = reader.pages[0].extract_text()
    assert "5,500.00" in printed
    if _has_cjk_font():  # without one Chromium prints boxes, whose text a PDF reader cannot give back
        assert "一卡通" in printed and "怎么申请" in printed
    if os.environ.get("UPDATE_SCREENSHOT") == "1":  # the print view, as a picture for docs/web.md
        driver.set_window_size(794, 1123)
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
        driver.execute_script("window.scrollTo(0, 0)")
        _shot(driver, tmp_path, "screenshot-web-print.png")
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
        driver.set_window_size(390, 844)

    # saved as a file: staff recompute it with calc and get the same
    href = _css(driver, "#save").get_attribute("href")
    assert href.startswith("data:application/json")
    saved = tmp_path / "saved.json"
    saved.write_text(urllib.parse.unquote(href.split(",", 1)[1]), encoding="utf-8")
    calc = subprocess.run([sys.executable, "-m", "xingxian_subsidy", "calc", str(saved), "-f", "json"], capture_output=True, text=True, timeout=60)
    assert calc.returncode == 0, calc.stderr
    assert json.loads(calc.stdout)["total"] == "5500.00"


def test_awaiting_reinspection_says_so_and_what_it_pays_then(server, driver):
    _open(driver, server)
    _who(driver, category="general")
    _tick(driver, TOILET)
    _yes_no(driver, TOILET, "township_self_inspection_passed", "是")
    _yes_no(driver, TOILET, "county_reinspection_passed", "")  # 不清楚: the re-inspection has not happened
    _next(driver)
    _calculate(driver)
    line = _css(driver, f'#result .line[data-rule="{TOILET}"]')
    assert line.find_element("css selector", ".status").text == "待确认"
    assert line.find_element("css selector", ".line-amount").text == "待定"  # never 0.00, as if nothing
    assert "通过后可领 5,000.00 元" in line.text
    assert "通过后还可领 5,000.00 元" in _css(driver, "#result").text


def test_yes_no_questions_are_groups_for_screen_readers_and_large_text_works(server, driver):
    _open(driver, server)
    _who(driver)
    _tick(driver, TOILET)
    group = _css(driver, f'section[data-rule="{TOILET}"] fieldset[data-input="county_reinspection_passed"]')
    assert group.find_element("css selector", "legend").text == "县农业农村局复验通过"
    assert group.find_element("css selector", "[role=radiogroup]")
    radios = group.find_elements("css selector", "input[type=radio]")
    assert len(radios) == 3 and len({r.get_attribute("name") for r in radios}) == 1
    size = lambda: float(driver.execute_script("return parseFloat(getComputedStyle(document.body).fontSize)"))
    before = size()
    _click(driver, _css(driver, "#big"))
    assert size() >= before * 1.3 and _css(driver, "#big").get_attribute("aria-pressed") == "true"
    driver.refresh()  # a preference, kept
    _wait(driver, lambda d: d.find_element("tag name", "body").get_attribute("data-state") == "ready")
    assert size() >= before * 1.3
    _click(driver, _css(driver, "#big"))


def test_negative_gain_sends_the_farmer_back_to_the_field(server, driver):
    _open(driver, server)
    _who(driver)
    _tick(driver, COURTYARD)
    _courtyard(driver, gain="-100")
    _next(driver)
    _click(driver, _css(driver, "#next"))  # 测算 on the review page
    err = f'.field[data-rule="{COURTYARD}"][data-input="income_gain"] .field-error'
    _wait(driver, lambda d: _css(d, err).text != "")
    assert _step(driver) == f"claim:{COURTYARD}"
    assert "不能为负数" in _css(driver, err).text
    assert not _css(driver, "#result").is_displayed()


def test_english_toggle(server, driver):
    _open(driver, server)
    _click(driver, _css(driver, "#lang"))
    assert _css(driver, "#title").text == "Xing County subsidy self-check"
    assert _css(driver, "#next").text == "Next"
    _click(driver, _css(driver, "#lang"))


def test_typed_markup_is_shown_as_text_never_run(server, driver):
    """A name written as HTML comes back as literal text: no element is made from it, no script runs."""
    payload = '<img src=x onerror="document.body.dataset.pwned=1"><b>王</b>'
    _open(driver, server)
    _who(driver, category="general", name=payload)
    _tick(driver, TOILET)
    _yes_no(driver, TOILET, "township_self_inspection_passed", "是")
    _next(driver)
    _calculate(driver)
    assert payload in _css(driver, "#result").text  # shown literally
    assert driver.find_elements("css selector", "#result img, #result b") == []
    assert driver.execute_script("return document.body.dataset.pwned") is None
