"""The dashboard as a real `streamlit run` process, checked in headless Chromium through Selenium.

Screenshots are kept under tests/artifacts/ (git-ignored).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from dashboard import APP_PATH
from reviewlens.store import Store

from tests.dashboard.seed import seed as seed_store
from tests.dashboard.seed import seeded_sqlite  # noqa: F401  (fixture)

pytestmark = pytest.mark.timeout(180)

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def _serving(command: list[str], env: dict[str, str], log_path: Path, port: int, timeout: float = 60):
    """Run `command` (a dashboard on 127.0.0.1:`port`) until Streamlit answers its health check; yields the
    base URL and stops the process afterwards."""
    log = open(log_path, "wb")
    proc = subprocess.Popen(command, cwd=ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1", **env}, stdout=log,
                            stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if httpx.get(f"{base}/_stcore/health", timeout=1).text == "ok":
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the dashboard did not start: {log_path.read_text()[-2000:]}")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _wait(driver, timeout: float, poll_frequency: float = 0.1):
    """A WebDriverWait that reads on through a re-render: Streamlit replaces elements as it renders, and one found
    a moment ago is stale when read (the report button's test failed so once in CI)."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=poll_frequency,
                         ignored_exceptions=(StaleElementReferenceException,))


def _click(driver, css: str, text: str, timeout: float = 30) -> None:
    """Click the element under `css` whose text is `text`, waiting for it to be there: Streamlit draws the
    sidebar and the buttons after the page's own text at times, and replaces them as it re-renders (a sidebar
    label read once, right after the page rendered, was missing in one CI run)."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By

    def clicked(d):
        for el in d.find_elements(By.CSS_SELECTOR, css):
            try:
                if el.text.strip() == text:
                    el.click()
                    return True
            except StaleElementReferenceException:
                return False
        return False

    _wait(driver, timeout, poll_frequency=0.1).until(clicked, f"no {css} reading {text!r} to click")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`streamlit run` on a free port, serving a seeded store, for the tests of this module that only read it
    (one server: each start and stop costs about 3 s); yields the base URL and the seed."""
    tmp = tmp_path_factory.mktemp("served")
    store = Store(tmp / "reviews.db")
    seed = seed_store(store)
    store.close()
    port = _free_port()
    with _serving([sys.executable, "-m", "streamlit", "run", str(APP_PATH), "--server.headless", "true",
                   "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false"],
                  {"REVIEWLENS_DB": str(tmp / "reviews.db"), "REVIEWLENS_DATA_DIR": str(tmp / "data")},
                  tmp / "streamlit.log", port, timeout=30) as base:
        yield base, seed


@pytest.fixture
def browser():
    if not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)):
        pytest.skip("Chromium/chromedriver not installed")
    os.environ.setdefault("SE_OFFLINE", "true")
    os.environ.setdefault("SE_AVOID_STATS", "true")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", "--disable-quic", "--window-size=1400,2400"):
        opts.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=opts)
    yield driver
    driver.quit()


def _wait_rendered(driver, text: str, timeout: float = 60) -> None:
    """Wait for our text, then for Streamlit's running indicator to be gone."""
    from selenium.webdriver.common.by import By

    wait = _wait(driver, timeout, poll_frequency=0.1)
    wait.until(lambda d: text in d.find_element(By.TAG_NAME, "body").text)
    wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, '[data-testid="stStatusWidget"]'))


def test_dashboard_in_a_real_browser(server, browser):
    from selenium.webdriver.common.by import By

    base, seed = server
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": "window.__xss = undefined;"})
    t0 = time.perf_counter()
    browser.get(base + "/")
    _wait_rendered(browser, "Top complaints")
    _wait(browser, 60, poll_frequency=0.1).until(
        lambda d: len(d.find_elements(By.CSS_SELECTOR, ".vega-embed canvas, .vega-embed svg.marks")) >= 5)
    first_render = time.perf_counter() - t0
    body = browser.find_element(By.TAG_NAME, "body").text
    for text in ("Reviews", "Average rating", "Share negative", "Net sentiment", "Late delivery",
                 "Download Excel report"):
        assert text in body, text
    assert "<script>window.__xss=1</script>" in body  # the hostile quote shows as text
    browser.save_screenshot(str(ARTIFACTS / "dashboard.png"))
    assert browser.execute_script("return window.__xss") is None
    assert '![img](https://evil.example/t.png) **Boom**' in body.replace("\u200b", "")  # the label, as text
    bad = browser.find_elements(By.CSS_SELECTOR, "img[src*='evil'], img[onerror], a[href*='evil']")
    assert not bad, [b.get_attribute("outerHTML")[:300] for b in bad]

    browser.get(base + "/?page=Reviews")
    _wait_rendered(browser, "Review detail")
    _wait(browser, 30, poll_frequency=0.1).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "div.rl-review"))
    detail = browser.find_element(By.CSS_SELECTOR, "div.rl-review")
    assert "Nice <script>window.__xss=1</script> kettle" in detail.text
    assert '<img src=x onerror="window.__xss=1">' in detail.text
    assert "**bold** [click](javascript:window.__xss=1)" in detail.text  # markdown not interpreted either
    marks = detail.find_elements(By.CSS_SELECTOR, "mark")
    assert [m.text.replace("\n", "") for m in marks] == ["ACME Corpcompany"]
    assert not detail.find_elements(By.CSS_SELECTOR, "script, img, a[href^='javascript']")
    assert browser.execute_script("return document.querySelectorAll('img[onerror]').length") == 0
    browser.save_screenshot(str(ARTIFACTS / "dashboard-reviews.png"))
    time.sleep(0.5)  # give any injected handler a chance to run
    assert browser.execute_script("return window.__xss") is None
    assert (ARTIFACTS / "dashboard.png").stat().st_size > 10_000
    print(f"first render in the browser: {first_render:.2f} s")


def test_the_excel_report_downloads_from_the_dashboard(server, browser, tmp_path):
    """The sidebar's "Download Excel report", clicked in a real browser, saves a workbook that opens. It
    once raised a TypeError at the click (the filters had gained a field the report did not take), which
    no AppTest saw: the report is built only when the button is clicked."""
    from openpyxl import load_workbook
    from selenium.webdriver.common.by import By

    base, _ = server
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    browser.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    browser.get(base + "/")
    _wait_rendered(browser, "Top complaints")
    button = _wait(browser, 30, poll_frequency=0.1).until(  # the sidebar's button may come after the page
        lambda d: next((b for b in d.find_elements(By.CSS_SELECTOR, "button") if "Download Excel report" in b.text),
                       None))
    button.click()
    _wait(browser, 90, poll_frequency=0.2).until(
        lambda d: [p for p in downloads.iterdir() if p.suffix == ".xlsx"])
    [path] = [p for p in downloads.iterdir() if p.suffix == ".xlsx"]
    wb = load_workbook(path)
    assert {"Summary", "Top complaints", "Reviews"} <= set(wb.sheetnames)
    assert wb["Reviews"].max_row > 1


def test_the_address_bar_is_a_link_to_the_view(server, browser):
    """A link opens its view, and the address bar follows what the user changes (st.query_params)."""
    from urllib.parse import parse_qs, urlsplit

    from selenium.webdriver.common.by import By

    base, seed = server
    browser.get(base + "/?page=Reviews&period=all&sentiment=negative&theme=Breaks+quickly")
    _wait_rendered(browser, "Review detail")
    n = len(seed.theme_ids["Breaks quickly"])
    _wait(browser, 30, poll_frequency=0.1).until(
        lambda d: f"{n} reviews match" in d.find_element(By.TAG_NAME, "body").text)
    assert parse_qs(urlsplit(browser.current_url).query) == {
        "page": ["Reviews"], "period": ["all"], "sentiment": ["negative"], "theme": ["Breaks quickly"]}
    _click(browser, '[data-testid="stSidebar"] label', "Overview")
    _wait_rendered(browser, "Top complaints")
    _wait(browser, 30, poll_frequency=0.1).until(
        lambda d: parse_qs(urlsplit(d.current_url).query) == {"period": ["all"], "sentiment": ["negative"]})


def test_ask_in_the_browser_answered_by_reviewlens_dashboard(seeded_sqlite, browser, tmp_path):
    """`reviewlens dashboard` (the command, not bare `streamlit run`) answers the Ask page's question in the
    background; the page shows the review sentences it found, verbatim, without a reload."""
    from selenium.webdriver.common.by import By

    _, seed, db = seeded_sqlite
    port = _free_port()
    with _serving([sys.executable, "-m", "reviewlens.app.cli", "dashboard", "--db", db, "--port", str(port), "--no-llm"],
                  {}, tmp_path / "dashboard.log", port) as base:
        browser.get(base + "/?page=Ask&period=all")
        _wait_rendered(browser, "Ask the reviews")
        assert "Questions are answered in the background" in browser.find_element(By.TAG_NAME, "body").text  # its heartbeat
        _wait(browser, 30, poll_frequency=0.2).until(lambda d: d.find_elements(By.CSS_SELECTOR, "textarea"))
        browser.find_element(By.CSS_SELECTOR, "textarea").send_keys("Did it arrive late and broken?")
        _click(browser, "button", "Ask")
        _wait(browser, 120, poll_frequency=0.5).until(
            lambda d: "arrived late and broke." in d.find_element(By.TAG_NAME, "body").text)
        quotes = [q.text for q in browser.find_elements(By.CSS_SELECTOR, "div.rl-quote")]
        texts = [r.text for r in seed.reviews]
        assert quotes and all(any(q.split("“", 1)[1].split("”", 1)[0] in t for t in texts) for q in quotes)
        browser.save_screenshot(str(ARTIFACTS / "dashboard-ask.png"))


@pytest.mark.slow
def test_import_in_the_browser_analyzed_by_reviewlens_dashboard(browser, tmp_path):
    """A new user's first minutes: `reviewlens dashboard` on an empty store, a CSV chosen in the file picker
    and imported, analyzed in the background by the same process with the real model, and the Overview
    then shows the reviews analyzed, without a restart or a command."""
    from selenium.webdriver.common.by import By

    db = str(tmp_path / "new.db")
    csv_file = tmp_path / "shop export.csv"
    rows = ["The kettle leaks from the lid.", "Arrived three weeks late, the box was crushed.",
            "Boils fast and quietly, love it.", "The handle broke after a week."]
    csv_file.write_text("Review Content,Review Stars\n" + "".join(f"\"{t}\",{1 if i != 2 else 5}\n"
                                                                  for i, t in enumerate(rows)), encoding="utf-8")
    port = _free_port()
    with _serving([sys.executable, "-m", "reviewlens.app.cli", "dashboard", "--db", db, "--port", str(port),
                   "--no-answers"], {}, tmp_path / "dashboard.log", port) as base:
        browser.get(base + "/")
        _wait_rendered(browser, "Add reviews from a file")
        _wait(browser, 30, poll_frequency=0.2).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, "input[type=file]"))
        browser.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(str(csv_file))
        _wait(browser, 30, poll_frequency=0.2).until(lambda d: "shop export.csv" in d.page_source)
        _click(browser, "button", "Import")
        _wait(browser, 60, poll_frequency=0.5).until(
            lambda d: "4 new reviews" in d.find_element(By.TAG_NAME, "body").text)
        _wait(browser, 240, poll_frequency=1).until(
            lambda d: "Last analysis here: analyzed 4 review texts" in d.find_element(By.TAG_NAME, "body").text)
        store = Store(db)
        assert set(store.reviews_frame()["sentiment"]) == {"negative", "positive"}
        assert [(r["kind"], r["trigger"]) for r in store.list_runs()][:2] == [("analyze", "dashboard"),
                                                                            ("import", "dashboard")]
        browser.get(base + "/?period=all")
        _wait_rendered(browser, "Top complaints")
        body = browser.find_element(By.TAG_NAME, "body").text
        assert "No complaint themes computed yet" not in body  # the background job recomputed them
        browser.save_screenshot(str(ARTIFACTS / "dashboard-import-overview.png"))


def test_suspicious_reviews_left_out_in_the_browser(browser, tmp_path, capsys):
    """The Overview's note on suspicious reviews in a real browser: its findings render, "Leave them out"
    sets the sidebar's box, the numbers drop by the suspicious reviews and the address says so."""
    from urllib.parse import parse_qs, urlsplit

    from selenium.webdriver.common.by import By

    from tests.reviewlens.test_integrity import make_shop

    db = make_shop(tmp_path, capsys)
    port = _free_port()
    with _serving([sys.executable, "-m", "streamlit", "run", str(APP_PATH), "--server.headless", "true",
                   "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false"],
                  {"REVIEWLENS_DB": db}, tmp_path / "streamlit.log", port, timeout=30) as base:
        browser.get(base + "/?period=all")
        _wait_rendered(browser, "look suspicious")
        body = browser.find_element(By.TAG_NAME, "body").text
        assert "12 of 87 reviews look suspicious" in body
        browser.find_element(By.XPATH, "//summary[.//p[contains(text(), 'What looks suspicious')]]").click()
        _wait(browser, 30, poll_frequency=0.1).until(
            lambda d: len(d.find_elements(By.CSS_SELECTOR, '[data-testid="rl-suspicious-finding"]')) == 3)
        _click(browser, "button", "Leave them out")
        _wait(browser, 30, poll_frequency=0.1).until(
            lambda d: parse_qs(urlsplit(d.current_url).query) == {"period": ["all"], "suspicious": ["out"]})
        _wait_rendered(browser, "12 suspicious reviews left out")
        metrics = browser.find_elements(By.CSS_SELECTOR, '[data-testid="stMetricValue"]')
        assert metrics and metrics[0].text == "75"


def test_reset_filters_clears_every_box(server, browser):
    """Reset filters cleared the selection but left the Product and Search boxes showing their values, and the
    next change brought them back into the selection (the widgets' browser side kept them)."""
    from urllib.parse import parse_qs, urlsplit

    from selenium.webdriver.common.by import By

    base, seed = server
    browser.get(base + "/?period=all&sentiment=negative&q=late")
    _wait_rendered(browser, "Reset filters")
    search = browser.find_element(By.CSS_SELECTOR, '[data-testid="stSidebar"] input[aria-label="Search text"]')
    assert search.get_attribute("value") == "late"
    _click(browser, "button", "Reset filters")
    _wait(browser, 30, poll_frequency=0.1).until(lambda d: not urlsplit(d.current_url).query)
    _wait(browser, 30, poll_frequency=0.1).until(lambda d: d.find_element(
        By.CSS_SELECTOR, '[data-testid="stSidebar"] input[aria-label="Search text"]').get_attribute("value") == "")
    sidebar = browser.find_element(By.CSS_SELECTOR, '[data-testid="stSidebar"]').text
    assert "Negative" not in sidebar.split("Sentiment", 1)[1].split("Topic", 1)[0], sidebar
    # the next change keeps them cleared
    _click(browser, '[data-testid="stSidebar"] label', "Reviews")
    _wait_rendered(browser, "Review detail")
    _wait(browser, 30, poll_frequency=0.1).until(lambda d: "page" in parse_qs(urlsplit(d.current_url).query))
    query = parse_qs(urlsplit(browser.current_url).query)
    assert "q" not in query and "sentiment" not in query, query
