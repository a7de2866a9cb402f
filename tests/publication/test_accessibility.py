"""The HTML briefing is accessible and self-contained: axe-core finds no violations in a real headless browser
(Debian's chromium with chromedriver, driven by selenium), and the page works offline.

axe-core is pinned (AXE_CORE_VERSION) and installed from the npm registry into a git-ignored folder by
`make test` (build/axe/node_modules/axe-core/axe.min.js; AXE_CORE_JS overrides the path). Without a browser,
a driver or axe-core the browser tests skip and say what is missing; `.ci/run` installs them first.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.conftest import ROOT

AXE_CORE_VERSION = "4.14.1"
AXE_JS = Path(os.environ.get("AXE_CORE_JS", ROOT / "build" / "axe" / "node_modules" / "axe-core" / "axe.min.js"))
CHROMIUM = (
    os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser") or "/usr/bin/chromium"
)
CHROMEDRIVER = os.environ.get("CHROMEDRIVER") or shutil.which("chromedriver") or "/usr/bin/chromedriver"

# Viewports the page is checked at: a desktop (contents beside the text) and a phone (contents above it).
VIEWPORTS = {"desktop": (1280, 900), "phone": (375, 740)}


# --- static checks: no browser needed ---------------------------------------------------------------------------


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def parse(path: Path) -> list[tuple[str, dict]]:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page.tags


def test_stylesheet_has_print_and_small_screen_rules_and_embeds_the_font():
    css = (ROOT / "report" / "styles" / "briefing.css").read_text(encoding="utf-8")
    assert "@media print" in css and "@media (max-width" in css
    for face in re.findall(r'url\("([^"]+)"\)', css):
        assert (ROOT / "report" / "styles" / face).resolve().is_file(), f"briefing.css points at a missing {face}"
    assert "font-family: var(--font)" in css and '"Inter"' in css


@pytest.mark.e2e
def test_html_works_offline_and_describes_itself(rendered):
    html_path = rendered / "_output" / "briefing.html"
    text = html_path.read_text(encoding="utf-8")
    tags = parse(html_path)
    html = next(attrs for tag, attrs in tags if tag == "html")
    assert html.get("lang") == "en-GB"
    for tag, attrs in tags:
        for attr in ("src", "href"):
            value = attrs.get(attr) or ""
            if tag in ("img", "script", "link", "source", "iframe", "video", "audio"):  # links to read on are fine
                assert not re.match(r"^(https?:)?//", value), f"<{tag} {attr}={value[:60]}> needs the network"
    assert "data:font/" in text, "the typeface is not embedded"
    charts = [attrs for tag, attrs in tags if tag == "svg"]
    assert charts, "the briefing has charts"
    assert [attrs for tag, attrs in tags if tag == "img"] == [], "charts are set inline (inline_charts.py)"
    findings = json.loads((rendered / "_output" / "findings.json").read_text(encoding="utf-8"))["findings"]
    alts = sorted(f["alt"] for f in findings.values() if f.get("kind") == "figure")
    assert sorted(a.get("aria-label") or "" for a in charts) == alts  # every chart, its own words
    for attrs in charts:
        assert attrs.get("role") == "img", "each chart is read as one image"
        assert re.search(r"\d+%", attrs["aria-label"]), "the alt text states the numbers"
    assert sum(1 for tag, _ in tags if tag == "h1") == 1
    assert any(tag == "main" for tag, _ in tags) and any(tag == "nav" for tag, _ in tags)


# --- axe-core in a real browser ----------------------------------------------------------------------------------


def missing_browser() -> str | None:
    if not Path(CHROMIUM).is_file():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium; .ci/run does)"
    if not Path(CHROMEDRIVER).is_file():
        return f"no chromedriver at {CHROMEDRIVER} (apt-get install chromium-driver; .ci/run does)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed"
    return None


def _missing() -> str | None:
    if missing := missing_browser():
        return missing
    if not AXE_JS.is_file():
        return (
            f"axe-core not found at {AXE_JS}: `make test` installs it "
            f"(npm install --prefix build/axe axe-core@{AXE_CORE_VERSION}), or set AXE_CORE_JS"
        )
    return None


@pytest.fixture(scope="module")
def browser():
    missing = _missing()
    if missing:
        pytest.skip(f"accessibility check in a browser skipped: {missing}")
    driver = chrome_driver()
    yield driver
    driver.quit()


def chrome_driver():
    """Headless Debian chromium through chromedriver (also used for the render paths' screenshots)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--allow-file-access-from-files",
    ):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_script_timeout(120)
    return driver


def run_axe(driver, url: str, size: tuple[int, int]) -> dict:
    driver.set_window_size(*size)
    driver.get(url)
    driver.execute_script(AXE_JS.read_text(encoding="utf-8"))
    return driver.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        axe.run(document, {resultTypes: ['violations']})
          .then(r => done({version: axe.version, violations: r.violations, passes: r.passes.length}))
          .catch(e => done({error: String(e)}));
        """
    )


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} {v['helpUrl']}")
        for node in v["nodes"][:5]:
            lines.append(f"    {node['target']}: {node.get('failureSummary', '').splitlines()[-1:]}")
    return "\n".join(lines)


@pytest.mark.e2e
@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_axe_finds_no_violations(rendered, browser, viewport):
    result = run_axe(browser, (rendered / "_output" / "briefing.html").as_uri(), VIEWPORTS[viewport])
    assert "error" not in result, result.get("error")
    assert result["version"] == AXE_CORE_VERSION, f"axe-core {result['version']} loaded; the pin is {AXE_CORE_VERSION}"
    assert result["violations"] == [], f"axe-core {result['version']}, {viewport}:\n{describe(result['violations'])}"


@pytest.mark.e2e
def test_charts_render_as_images_with_their_alt_text(rendered, browser):
    """In the browser: each chart is drawn (set inline, inline_charts.py), is one image to assistive technology,
    named by the alt text from findings.json, and its text is set in the page's embedded Inter."""
    from selenium.webdriver.common.by import By

    findings = json.loads((rendered / "_output" / "findings.json").read_text(encoding="utf-8"))["findings"]
    browser.set_window_size(*VIEWPORTS["desktop"])
    browser.get((rendered / "_output" / "briefing.html").as_uri())
    charts = browser.find_elements(By.CSS_SELECTOR, "figure svg")
    expected = sorted(f["alt"] for f in findings.values() if f.get("kind") == "figure")
    assert sorted(chart.accessible_name for chart in charts) == expected
    assert {chart.aria_role for chart in charts} == {"image"}  # (Chrome's name for role="img")
    drawn = browser.execute_script(
        "return [...document.querySelectorAll('figure svg')].map(s => [s.getBoundingClientRect().width,"
        " s.querySelectorAll('text').length, getComputedStyle(s.querySelector('text')).fontFamily])"
    )
    assert all(width > 200 and texts > 0 and family.startswith("Inter") for width, texts, family in drawn), drawn
    fonts = browser.execute_script("return document.fonts.ready.then(() => document.fonts.check('16px Inter'))")
    assert fonts, "the embedded Inter font did not load"


def wider_than_the_screen(driver) -> list[str]:
    """The elements of the loaded page that reach past the window's right edge, outside a table's or a chart's own
    scrolling box (tag and the start of their text)."""
    return driver.execute_script(
        """
        const width = document.documentElement.clientWidth;
        return [...document.querySelectorAll('body *')]
          .filter(el => el.getBoundingClientRect().right > width + 1 && !el.closest('.table-scroll, .chart-scroll'))
          .map(el => el.tagName + ': ' + (el.textContent || '').trim().slice(0, 60));
        """
    )


@pytest.mark.e2e
def test_page_reflows_on_a_phone_without_sideways_scrolling(rendered, browser):
    """WCAG 1.4.10: at 320 CSS pixels wide nothing but a wide table's or a chart's own box scrolls sideways."""
    browser.set_window_size(320, 740)
    browser.get((rendered / "_output" / "briefing.html").as_uri())
    wide = wider_than_the_screen(browser)
    assert wide == [], f"wider than the screen: {wide[:5]}"
