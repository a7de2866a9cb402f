"""Pages that keep together, measured from the PDF's own layout (poppler's `pdftotext -bbox`: every word with its
box): no page before the appendix is more than a third empty, no heading ends a page, and no figure's or
table's caption is left at a page's foot without what it captions."""

from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.test_gp_e2e import gp_built  # noqa: F401 (a fixture; gp_pandoc, the build it copies, is conftest.py's)

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) not installed"),
]

CM = 72 / 2.54
TOP, BOTTOM = 2.2 * CM, 2.3 * CM  # inside the page margins: the running header (to 1.7 cm) and footer sit outside
HEADING_PT = 13  # a line this tall is a heading (level 2 is 14.5 pt, level 3 11.5 pt semibold: see below)
CAPTION = re.compile(r"^(Figure|Table) \d+:")


@dataclass
class Line:
    top: float
    bottom: float
    text: str


def pages(pdf: Path, top: float = TOP, bottom: float = BOTTOM) -> list[tuple[float, list[Line]]]:
    """Each page's height and its body's lines, top to bottom (words within 2 pt of one baseline are a line); the
    body is what lies lower than `top` and higher than `bottom` from the page's foot (its running header and footer
    outside)."""
    xhtml = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    ns = {"x": "http://www.w3.org/1999/xhtml"}
    found = []
    for page in ET.fromstring(xhtml).iterfind(".//x:page", ns):
        height = float(page.get("height"))
        lines: list[Line] = []
        words = sorted(page.iterfind("x:word", ns), key=lambda w: (float(w.get("yMax")), float(w.get("xMin"))))
        for word in words:
            y_min, y_max = float(word.get("yMin")), float(word.get("yMax"))
            if y_min < top or y_max > height - bottom:
                continue
            if lines and abs(lines[-1].bottom - y_max) < 2:
                lines[-1].text += " " + (word.text or "")
                lines[-1].top = min(lines[-1].top, y_min)
            else:
                lines.append(Line(y_min, y_max, word.text or ""))
        found.append((height, lines))
    return found


def appendix_page(layout) -> int:
    """The page on which the appendix ("Methods and sources", as a heading) begins."""
    for number, (_, lines) in enumerate(layout):
        if any(line.text == "Methods and sources" and line.bottom - line.top >= HEADING_PT for line in lines):
            return number
    raise AssertionError("no Methods and sources heading found")


def empty_share(height: float, lines: list[Line], top: float = TOP, bottom: float = BOTTOM) -> float:
    """How much of a page's body lies empty below its last line of text."""
    return (height - bottom - max(line.bottom for line in lines)) / (height - top - bottom)


def test_no_page_before_the_appendix_is_more_than_a_third_empty(rendered):
    layout = pages(rendered / "_output" / "briefing.pdf")
    for number, (height, lines) in enumerate(layout[: appendix_page(layout)], start=1):
        empty = empty_share(height, lines)
        assert empty <= 1 / 3, f"page {number} is {empty:.0%} empty"


def test_no_heading_or_caption_is_left_at_a_pages_foot(rendered):
    for number, (_, lines) in enumerate(pages(rendered / "_output" / "briefing.pdf"), start=1):
        for k, line in enumerate(lines):
            after = len(lines) - k - 1
            if line.bottom - line.top >= HEADING_PT and k > 0:  # (the title band's lines are on page 1, at the top)
                assert after >= 2, f"page {number} ends with the heading {line.text!r}"
            if CAPTION.match(line.text):
                assert after >= 3, f"page {number} ends with the caption {line.text!r}"


def figures_in_the_appendix(pdf: Path) -> list[str]:
    """The figure captions laid out after the appendix's heading ("Methods and sources"): a theme's chart that
    floated past the end of the text."""
    layout = pages(pdf)
    start = appendix_page(layout)
    _, lines = layout[start]
    heading = next(k for k, line in enumerate(lines) if line.text == "Methods and sources")
    after = lines[heading:] + [line for _, later in layout[start + 1 :] for line in later]
    return [line.text for line in after if line.text.startswith("Figure ") and CAPTION.match(line.text)]


def test_no_chart_floats_into_the_appendix(rendered):
    assert figures_in_the_appendix(rendered / "_output" / "briefing.pdf") == []


def test_no_chart_of_the_gp_survey_floats_into_the_appendix(gp_built):  # noqa: F811
    """The GP survey's Figure 10 ("What would help") was laid out under "Methods and sources"."""
    assert figures_in_the_appendix(gp_built / "_output" / "gp-partners-des" / "briefing.pdf") == []
