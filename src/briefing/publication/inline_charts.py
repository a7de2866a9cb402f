"""The HTML page's charts as inline SVG, not images: inside the page their text is set in the page's own typeface
(Inter, which the page embeds once for its body text), so no chart carries a copy of its glyphs, and a reader can
find and copy a chart's words like any other text on the page.

Both render paths write each chart as `<img role="img" aria-label="..." src="data:image/svg+xml;base64,...">`
(pandoc's --embed-resources); this replaces each with the SVG itself, named by the same alt text. An inline SVG
shares the page's id space, so a chart's ids are made its own ("chart-3-p1a2b..."), and those nothing refers to
(matplotlib's "figure_1", "patch_2"... group names) are dropped. Its <title> and <desc> go: the alt text names the
chart, and the headline above it is the caption (a <title> would also pop up as a tooltip). matplotlib's one style
rule (`*{stroke-linejoin: round; ...}`) would apply to the whole page inline: it is scoped to its chart.
Standard library only: a plain `quarto render` runs it too (scripts/quarto_post_render.py), with any Python.
"""

from __future__ import annotations

import base64
import re

CHART_IMAGE = re.compile(r"<img\b(?P<attrs>[^>]*?)\s*/?>")
_SRC = re.compile(r'\bsrc="data:image/svg\+xml;base64,(?P<data>[A-Za-z0-9+/=]+)"')
_ALT = re.compile(r'\baria-label="(?P<alt>[^"]*)"')
_PLAIN_ALT = re.compile(r'\balt="(?P<alt>[^"]*)"')
_PROLOGUE = re.compile(r"\A.*?(?=<svg\b)", re.DOTALL)  # the XML declaration and DOCTYPE
_LABELS = re.compile(r"<title>.*?</title>|<desc>.*?</desc>", re.DOTALL)
_ID = re.compile(r'\sid="(?P<id>[^"]*)"')
_REFERENCE = re.compile(r'(?P<head>url\(#|href="#)(?P<id>[^)"]+)')
_ROOT = re.compile(r"<svg\b(?P<attrs>[^>]*)>")
_ROLE = re.compile(r'\s(?:role|aria-label|id)="[^"]*"')
_STYLE = re.compile(r'(<style type="text/css">)\s*\*\s*\{')


def inline_svg(svg: str, alt: str, number: int) -> str:
    """One chart's SVG document as an element of the page: `alt` (already escaped for HTML) its accessible name,
    its ids prefixed with `chart-<number>-`."""
    svg = _LABELS.sub("", _PROLOGUE.sub("", svg, count=1))
    referenced = {match.group("id") for match in _REFERENCE.finditer(svg)}
    prefix = f"chart-{number}-"

    def keep_id(match: re.Match) -> str:
        return f' id="{prefix}{match.group("id")}"' if match.group("id") in referenced else ""

    svg = _ID.sub(keep_id, svg)
    svg = _REFERENCE.sub(lambda m: m.group("head") + prefix + m.group("id"), svg)
    svg = _STYLE.sub(lambda m: f"{m.group(1)}#chart-{number} *{{", svg)

    def root(match: re.Match) -> str:
        return f'<svg id="chart-{number}" role="img" aria-label="{alt}"{_ROLE.sub("", match.group("attrs"))}>'

    return _ROOT.sub(root, svg, count=1).rstrip()


def inline_charts(page: str) -> str:
    """The page with every embedded SVG image (a chart) replaced by the SVG itself; other images are left alone."""
    count = 0

    def inline(match: re.Match) -> str:
        nonlocal count
        source = _SRC.search(match.group("attrs"))
        if not source:
            return match.group()
        count += 1
        alt = _ALT.search(match.group("attrs")) or _PLAIN_ALT.search(match.group("attrs"))
        svg = base64.b64decode(source.group("data")).decode("utf-8")
        return inline_svg(svg, alt.group("alt") if alt else "", count)

    return CHART_IMAGE.sub(inline, page)


_INLINE_SVG = re.compile(r"<svg\b.*?</svg>", re.DOTALL)  # a chart set inline: its SVG holds no other <svg>


def charts_removed(page: str) -> str:
    """The page without its inline charts: what reads the page's words or tables parses it so, skipping the charts'
    hundreds of elements (two-thirds of the page's tags) that it would only pass over. A chart's own words are
    not the page's text: its alt text, on the chart's element, goes with it. (Text on the page cannot open an <svg>:
    what the data say is escaped, narrative/escape.py.)"""
    return _INLINE_SVG.sub("", page)
