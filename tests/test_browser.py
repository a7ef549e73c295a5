"""The HTML leaderboard in a real browser: headless Chromium driven by selenium.

The page is generated from the committed quick-suite results and their stored sample
pictures, opened from a file:// URL, and checked for loaded tables and images and for
working column sorting. A screenshot is saved in the test's temporary folder, or in
$GANBENCH_SCREENSHOT_DIR when that is set. Skipped when Chromium, chromedriver or selenium
is missing; .ci/run installs Debian's chromium and chromium-driver.
"""

import os
import shutil
from pathlib import Path

import pytest

from ganbench.reports import write_leaderboard
from ganbench.samples import SampleGrids
from ganbench.store import ResultStore

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = next(filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None)
CHROMEDRIVER = shutil.which("chromedriver")

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (test extra)")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="headless test needs chromium and chromedriver on PATH "
    "(Debian: apt-get install chromium chromium-driver)",
)

BROWSER_FLAGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1400,1000",
]


@pytest.fixture
def page(tmp_path):
    results = ResultStore(ROOT / "results" / "quick.csv").read()
    grids = SampleGrids(ROOT / "results" / "samples")
    write_leaderboard(results, tmp_path / "board", "quick", "", grids)
    return tmp_path / "board" / "quick.html"


@pytest.fixture
def browser(tmp_path):
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in BROWSER_FLAGS + [f"--user-data-dir={tmp_path / 'profile'}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def column_values(driver, table, index):
    return driver.execute_script(
        "return Array.from(arguments[0].tBodies[0].rows).map(r => r.cells[arguments[1]].getAttribute('data-sort'));",
        table, index,
    )


def test_page_loads_sorts_and_renders(page, browser, tmp_path):
    browser.get(page.as_uri())
    assert browser.title == "ganbench leaderboard: quick"

    tables = browser.find_elements("css selector", "table.sortable.results")
    assert len(tables) == 6  # two datasets × three models
    assert len(browser.find_elements("css selector", "table.sortable.overall")) == 1

    images = browser.execute_script(
        "return Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.alt]);"
    )
    assert len(images) >= 6 * 2  # at least both plots of every section
    broken = [alt for complete, width, alt in images if not (complete and width > 0)]
    assert broken == []

    table = tables[0]
    headers = table.find_elements("css selector", "th")
    fid_index = [header.text.strip() for header in headers].index("FID")
    original = column_values(browser, table, fid_index)
    headers[fid_index].click()
    ascending = column_values(browser, table, fid_index)
    assert headers[fid_index].get_attribute("aria-sort") == "ascending"
    assert sorted(ascending, key=float) == ascending
    assert sorted(original, key=float) == ascending
    headers[fid_index].click()
    descending = column_values(browser, table, fid_index)
    assert descending == ascending[::-1]

    method_index = [header.text.strip() for header in headers].index("method")
    headers[method_index].click()
    methods = [cell for cell in column_values(browser, table, method_index)]
    assert methods == sorted(methods)

    folder = Path(os.environ.get("GANBENCH_SCREENSHOT_DIR", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    screenshot = folder / "leaderboard-quick.png"
    assert browser.save_screenshot(str(screenshot))
    assert screenshot.read_bytes().startswith(b"\x89PNG")
