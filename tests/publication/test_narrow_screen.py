"""The HTML on a 390 px phone, in a real headless browser: every chart fits the screen (no sideways scrolling, none
cut off) with its text legible (about the size it prints at, read from the SVG's own geometry), and every table's
caption can be read whole, even when its table scrolls in its own box."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from briefing.publication import theme_charts
from briefing.publication.charts import comparison_charts
from tests.publication.test_accessibility import browser  # noqa: F401 (fixture)
from tests.publication.test_theme_charts import charts, ctx, results  # noqa: F401 (fixtures)

PHONE = (390, 844)


def outside(browser, selector: str) -> list[str]:  # noqa: F811 (fixture)
    return browser.execute_script(
        """
        const width = document.documentElement.clientWidth;
        return [...document.querySelectorAll(arguments[0])]
          .filter(el => el.getClientRects().length && el.getBoundingClientRect().width > 1)
          .filter(el => el.getBoundingClientRect().right > width + 1 || el.scrollWidth > el.clientWidth + 1)
          .map(el => el.tagName + ' ' + Math.round(el.getBoundingClientRect().right) + 'px: '
               + (el.getAttribute('alt') || el.textContent || '').trim().slice(0, 50));
        """,
        selector,
    )


@pytest.mark.e2e
def test_at_390_px_every_chart_fits_and_every_table_caption_reads_whole(rendered, browser):  # noqa: F811
    browser.set_window_size(*PHONE)
    browser.get((rendered / "_output" / "briefing.html").as_uri())
    assert browser.execute_script("return document.querySelectorAll('figure svg').length") >= 5
    assert outside(browser, "figure svg, .chart-scroll, figure") == []
    shown = browser.execute_script(
        "return [...document.querySelectorAll('caption, .table-title')].filter(el => el.getClientRects().length"
        " && el.getBoundingClientRect().width > 1).map(el => el.textContent.trim())"
    )
    tables = browser.execute_script("return document.querySelectorAll('table caption').length")
    assert len(shown) == tables, "each table's caption is shown once"
    assert outside(browser, "caption, .table-title") == []


# --- chart text on a phone: its size read from the SVG's own geometry ----------------------------------------------

PHONE_COLUMN = PHONE[0] - 2 * 16  # the page's padding at 40rem and below (briefing.css: .page)
LEGIBLE_PX = 9.5  # the smallest chart text a phone may show, in CSS px (the body's is 16)
FONT_SIZE = re.compile(r"font-size:\s*([\d.]+)px")


def smallest_text_px(svg: str, shown_px: float) -> float:
    """The smallest text of a chart shown `shown_px` wide: its font size scaled by the width shown over its viewBox's."""
    root = ET.fromstring(svg)
    view_width = float(root.get("viewBox").split()[2])
    return min(float(size) for size in FONT_SIZE.findall(svg)) * shown_px / view_width


def natural_px(svg: str) -> float:
    """How wide the page shows a chart when the column is wide enough: its drawn width (pt), in CSS px."""
    return float(ET.fromstring(svg).get("width").removesuffix("pt")) * 96 / 72


def test_every_chart_s_text_reads_at_390_px_from_its_geometry(charts, ctx, results, tmp_path):  # noqa: F811
    everything = [f for r in results.values() for f in r]
    compared = [c for r in results.values() for c in comparison_charts(ctx, r, tmp_path, "nb")]
    drawn = [*charts.values(), *compared, theme_charts.overview(ctx, everything, tmp_path, "nb")]
    assert len(drawn) >= 10
    for chart in drawn:
        svg = Path(chart.extra["path"]).read_text(encoding="utf-8")
        shown = min(PHONE_COLUMN, natural_px(svg))
        assert smallest_text_px(svg, shown) >= LEGIBLE_PX, chart.id  # was 6.9 px: 9 px text, 6.5 in to 358 px
        assert smallest_text_px(svg, natural_px(svg)) <= 14, chart.id  # and no larger than print on a wide screen


@pytest.mark.e2e
def test_at_390_px_chart_text_is_legible_as_the_browser_shows_it(rendered, browser):  # noqa: F811
    """As a phone shows it: a 390 px screen whose scrollbar overlays the page (a desktop window of 390 px gives 15 of
    them to a classic scrollbar, which no phone has)."""
    width, height = PHONE
    phone = {"width": width, "height": height, "deviceScaleFactor": 3, "mobile": True}
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", phone)
    try:
        browser.get((rendered / "_output" / "briefing.html").as_uri())
        assert browser.execute_script("return document.documentElement.clientWidth") == width
        shown = browser.execute_script(
            "return [...document.querySelectorAll('figure svg')]"
            ".map(svg => [svg.getBoundingClientRect().width, svg.outerHTML])"
        )
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    assert len(shown) >= 5
    for width, svg in shown:
        assert smallest_text_px(svg, width) >= LEGIBLE_PX, (width, svg[:300])
