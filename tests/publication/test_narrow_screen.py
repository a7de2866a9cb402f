"""The HTML on a 390 px phone, in a real headless browser: every chart fits the screen (no sideways scrolling, none
cut off) and every table's caption can be read whole, even when its table scrolls in its own box."""

from __future__ import annotations

import pytest

from tests.publication.test_accessibility import browser  # noqa: F401 (fixture)

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
    assert browser.execute_script("return document.querySelectorAll('figure img').length") >= 5
    assert outside(browser, "figure img, .chart-scroll, figure") == []
    shown = browser.execute_script(
        "return [...document.querySelectorAll('caption, .table-title')].filter(el => el.getClientRects().length"
        " && el.getBoundingClientRect().width > 1).map(el => el.textContent.trim())"
    )
    tables = browser.execute_script("return document.querySelectorAll('table caption').length")
    assert len(shown) == tables, "each table's caption is shown once"
    assert outside(browser, "caption, .table-title") == []
