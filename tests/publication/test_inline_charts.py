"""The HTML page's charts set inline (publication/inline_charts.py): named by their alt text, in the page's own
typeface, each with ids of its own, and nothing of one chart reaching another or the page."""

from __future__ import annotations

import base64

import lxml.html

from briefing.publication.changes import sentences
from briefing.publication.data_files import page_tables
from briefing.publication.inline_charts import charts_removed, inline_charts

# What matplotlib writes (a prologue, a style rule for every element, group ids, a clip path referred to), with
# the title and description charts.finish_svg adds.
CHART = """<?xml version="1.0" encoding="utf-8" standalone="no"?>
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN"
  "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
<svg role="img" xmlns:xlink="http://www.w3.org/1999/xlink" width="338.4pt" height="126.72pt" viewBox="0 0 338.4 126.72"
 xmlns="http://www.w3.org/2000/svg" version="1.1"><title>A headline</title><desc>Bar chart: 61% say yes</desc>
 <defs><style type="text/css">*{stroke-linejoin: round; stroke-linecap: butt}</style></defs>
 <g id="figure_1"><g id="patch_1"><path d="M 0 0" clip-path="url(#p0a1b2c3d)"/></g>
 <text style="font-family: 'Inter'">id="figure_1" &lt;b&gt;</text></g>
 <defs><clipPath id="p0a1b2c3d"><rect x="0" y="0" width="10" height="10"/></clipPath></defs></svg>
"""


def image(svg: str, alt: str) -> str:
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return f'<img role="img" aria-label="{alt}" src="data:image/svg+xml;base64,{data}" alt="{alt}" />'


def page(*images: str) -> str:
    return f"<html><body><figure>{'</figure><figure>'.join(images)}</figure></body></html>"


def test_a_chart_image_becomes_the_svg_named_by_its_alt_text():
    html = inline_charts(page(image(CHART, "Bar chart: 61% say yes, &lt;b&gt; &amp; &#39;x&#39;")))
    assert "<img" not in html and "<?xml" not in html and "DOCTYPE" not in html
    (svg,) = lxml.html.fromstring(html).iter("svg")
    assert svg.get("role") == "img" and svg.get("aria-label") == "Bar chart: 61% say yes, <b> & 'x'"
    assert svg.get("viewbox") == "0 0 338.4 126.72" and svg.get("width") == "338.4pt"
    assert not list(svg.iter("title", "desc")), "the alt text names it; the caption above is its headline"
    assert [t.text_content() for t in svg.iter("text")] == ['id="figure_1" <b>'], "its text is left as written"


def test_each_chart_has_ids_of_its_own_and_its_references_follow():
    html = inline_charts(page(image(CHART, "first"), image(CHART, "second")))
    root = lxml.html.fromstring(html)
    ids = [element.get("id") for element in root.iter() if element.get("id")]
    assert ids == ["chart-1", "chart-1-p0a1b2c3d", "chart-2", "chart-2-p0a1b2c3d"]  # the group names dropped
    clipped = [path.get("clip-path") for path in root.iter("path")]
    assert clipped == ["url(#chart-1-p0a1b2c3d)", "url(#chart-2-p0a1b2c3d)"]


def test_a_chart_s_style_rule_stays_inside_the_chart():
    html = inline_charts(page(image(CHART, "first"), image(CHART, "second")))
    styles = [style.text for style in lxml.html.fromstring(html).iter("style")]
    assert styles == [
        "#chart-1 *{stroke-linejoin: round; stroke-linecap: butt}",
        "#chart-2 *{stroke-linejoin: round; stroke-linecap: butt}",
    ]


def test_other_images_are_left_as_they_are():
    other = '<img src="data:image/png;base64,iVBORw0KGgo=" alt="a logo" />'
    assert inline_charts(page(other)) == page(other)


def test_what_reads_the_page_s_words_and_tables_parses_it_without_its_charts():
    """The review (changes.py) and the data files (data_files.py) read the page with its inline charts taken out:
    the same sentences and tables as the whole page gives (they skip a chart's elements anyway), the charts gone."""
    words = "<p>Sixty-one per cent say yes. Fewer &lt;svg&gt; than in 2019.</p>"
    table = "<table><caption>Table 1</caption><tr><th>Finding</th><th>Share</th></tr><tr><td>Yes</td><td>61%</td></tr></table>"
    html = inline_charts(page(image(CHART, "first"), image(CHART, "second"))).replace(
        "<body>", "<body>" + words + table
    )
    left = charts_removed(html)
    assert "<svg" not in left and "<text" not in left and html.count("<svg") == 2
    assert words in left and table in left
    assert sentences(html) == ["Sixty-one per cent say yes.", "Fewer <svg> than in 2019."]
    assert page_tables(html) == [[["Finding", "Share"], ["Yes", "61%"]]]
