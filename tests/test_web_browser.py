"""Drive the self-check page in headless Chromium, for real.

Starts uvicorn on 127.0.0.1 with a free port in a thread, opens the page in
/usr/bin/chromium through /usr/bin/chromedriver (Selenium), fills the form for a
三类户 household with a courtyard project and a three-cell toilet, and reads the
total and the line items off the page. Hand computation (附件3; 兴政办发〔2024〕8号 五（四））:
courtyard income gain 2300 元 is in 三档 (2000 < x ≤ 2500) → 500 元; a three-cell
toilet → 5000 元; total 5,500.00 元. Then a negative gain shows the field error.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import threading
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
ROOT = Path(__file__).resolve().parent.parent
SCREENSHOT = ROOT / "docs" / "screenshot-web.png"

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


def _wait(drv, cond, timeout=10):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(drv, timeout).until(cond)


def _css(drv, sel):
    from selenium.webdriver.common.by import By

    return drv.find_element(By.CSS_SELECTOR, sel)


def _click(drv, el):
    drv.execute_script("arguments[0].scrollIntoView({block: 'center'});", el)
    el.click()


def _fill_form(drv, gain: str) -> None:
    from selenium.webdriver.support.ui import Select

    Select(_css(drv, "#subject")).select_by_value("household")
    Select(_css(drv, "#category")).select_by_value("marginal_at_risk")
    _click(drv, _css(drv, f'input[name=rule][value="{COURTYARD}"]'))
    _click(drv, _css(drv, f'input[name=rule][value="{TOILET}"]'))

    def field(rule, name):
        return _css(drv, f'section[data-rule="{rule}"] [data-input="{name}"]:not(.field)')

    def yes_no(rule, name, answer):
        radio = _css(drv, f'section[data-rule="{rule}"] input[type=radio][data-input="{name}"][value="{answer}"]')
        _click(drv, radio.find_element("xpath", ".."))

    field(COURTYARD, "income_gain").send_keys(gain)
    Select(field(COURTYARD, "project_kind")).select_by_value("特色种植")
    field(COURTYARD, "survival_rate").send_keys("86")
    for name in ("passed_acceptance", "land_use_compliant", "within_courtyard", "new_this_year", "raises_income"):
        yes_no(COURTYARD, name, "是")
    yes_no(COURTYARD, "disorderly_or_polluting", "否")
    yes_no(TOILET, "township_self_inspection_passed", "是")
    yes_no(TOILET, "county_reinspection_passed", "是")


def test_household_courtyard_and_toilet(server, driver, tmp_path):
    driver.get(server + "/")
    _wait(driver, lambda d: d.find_element("tag name", "body").get_attribute("data-state") == "ready")
    assert "兴县" in driver.title
    _fill_form(driver, "2300")
    _click(driver, _css(driver, "#submit"))
    _wait(driver, lambda d: d.find_element("id", "result").is_displayed())

    assert _css(driver, "#total").text == "5,500.00"
    lines = {}
    for line in driver.find_elements("css selector", "#result .line"):
        lines[line.get_attribute("data-rule")] = (
            line.find_element("css selector", ".line-name").text,
            line.find_element("css selector", ".line-amount").text,
            line.find_element("css selector", ".status").text,
        )
    assert lines == {
        COURTYARD: ("庭院经济阶梯式奖补", "500.00", "予以奖补"),
        TOILET: ("户厕改造补助（三格式、双瓮式）", "5,000.00", "予以奖补"),
    }
    result_text = _css(driver, "#result").text
    assert "2300 元落在三档" in result_text
    assert "兴政办发〔2024〕12号" in result_text and "兴政办发〔2024〕8号" in result_text  # citations
    hints = _css(driver, "#hints-close").text
    assert "可达四档" in hints and "600.00" in hints
    assert "文件未量化" in _css(driver, "#hints-related").text

    # The screenshot in docs/ is refreshed on demand (UPDATE_SCREENSHOT=1) so a test run leaves the tree clean.
    driver.execute_script("document.getElementById('result').scrollIntoView({block: 'start'}); window.scrollBy(0, -64);")
    shot = SCREENSHOT if os.environ.get("UPDATE_SCREENSHOT") == "1" else tmp_path / "screenshot-web.png"
    shot.parent.mkdir(exist_ok=True)
    driver.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000


def test_negative_gain_shows_field_error(server, driver):
    driver.get(server + "/")
    _wait(driver, lambda d: d.find_element("tag name", "body").get_attribute("data-state") == "ready")
    _fill_form(driver, "-100")
    _click(driver, _css(driver, "#submit"))
    err = f'.field[data-rule="{COURTYARD}"][data-input="income_gain"] .field-error'
    _wait(driver, lambda d: _css(d, err).text != "")
    assert "不能为负数" in _css(driver, err).text
    assert "invalid" in _css(driver, f'.field[data-rule="{COURTYARD}"][data-input="income_gain"]').get_attribute("class")
    assert not _css(driver, "#result").is_displayed()
    # the typed value is never rendered as HTML
    assert driver.find_elements("css selector", "#result .line") == [] or not _css(driver, "#result").is_displayed()


def test_english_toggle(server, driver):
    driver.get(server + "/")
    _wait(driver, lambda d: d.find_element("tag name", "body").get_attribute("data-state") == "ready")
    _click(driver, _css(driver, "#lang"))
    assert _css(driver, "#title").text == "Xing County subsidy self-check"
    assert _css(driver, "#submit").text == "Calculate"


def test_typed_markup_is_shown_as_text_never_run(server, driver):
    """A name written as HTML comes back as literal text: no element is made from it, no script runs."""
    payload = '<img src=x onerror="document.body.dataset.pwned=1"><b>王</b>'
    driver.get(server + "/")
    _wait(driver, lambda d: d.find_element("tag name", "body").get_attribute("data-state") == "ready")
    _css(driver, "#name").send_keys(payload)
    _fill_form(driver, "2300")
    _click(driver, _css(driver, "#submit"))
    _wait(driver, lambda d: d.find_element("id", "result").is_displayed())
    assert payload in _css(driver, "#result").text  # shown literally
    assert driver.find_elements("css selector", "#result img, #result b") == []
    assert driver.execute_script("return document.body.dataset.pwned") is None
