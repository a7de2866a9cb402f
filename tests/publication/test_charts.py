"""Charts: one house style, SVG with text kept as text in the page's typeface, alt text written from the data."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from types import SimpleNamespace

import pytest
from afcharts.af_colours import get_af_colours

from briefing.analysis.findings import Finding
from briefing.inputs.codebook import load_codebook
from briefing.narrative.prose import percent
from briefing.publication import charts
from tests.conftest import ROOT

SVG = "{http://www.w3.org/2000/svg}"


def finding(fid: str, value: float, inputs=("q1",)) -> Finding:
    return Finding(id=fid, value=value, description=fid, base="respondents", notebook="nb", inputs=list(inputs))


PCN = load_codebook(ROOT / "data" / "pcn-clinical-directors" / "codebook.yml")  # its comparison, subgroups, words
COMPARED = PCN.comparisons[0]


def context():
    return SimpleNamespace(params=SimpleNamespace(wave="2019"), codebook=PCN)


def by_size(small: float, overall: float, large: float, significant: bool = True, suppressed=False) -> list[Finding]:
    comparison = finding("workload_unmanageable_small_vs_large", small - large)
    comparison.extra.update(significant=significant, suppressed=suppressed)
    found = [
        comparison,
        finding("workload_unmanageable_small", small, ["q5", "list_size"]),
        finding("workload_unmanageable", overall, ["q5"]),
        finding("workload_unmanageable_large", large, ["q5", "list_size"]),
    ]
    for f in found:
        f.description = "describe the workload as unmanageable"
        f.extra["theme"] = "workload"
    return found


def comparison_chart(results, folder):
    (made,) = charts.comparison_charts(context(), results, folder, "notebooks/theme.ipynb")
    return made


@pytest.fixture
def chart(tmp_path):
    return comparison_chart(by_size(0.634, 0.49, 0.421), tmp_path)


def svg_root(chart):
    return ET.parse(chart.extra["path"]).getroot()


def test_the_record_is_a_figure_finding_with_path_alt_title_and_source(chart):
    assert COMPARED.id == "workload_unmanageable_small_vs_large"
    assert chart.kind == "figure" and chart.value is None and chart.id == f"fig_{COMPARED.id}"
    assert set(chart.extra) >= {"path", "alt", "title", "source", "bars", "comparison", "theme"}
    assert chart.extra["path"].endswith(f"fig_{COMPARED.id}.svg")
    assert chart.extra["source"] == "Survey of PCN clinical directors, 2019"  # the codebook's source line
    assert chart.inputs == ["list_size", "q5"]  # union of what the bars were computed from
    assert chart.extra["bars"] == [
        "workload_unmanageable_small",
        "workload_unmanageable",
        "workload_unmanageable_large",
    ]


def test_alt_text_is_written_from_the_plotted_numbers(chart):
    assert chart.extra["alt"] == (
        "Bar chart: 63% of those leading PCNs with fewer than 40,000 patients describe the workload as "
        "unmanageable, compared with 49% of all clinical directors and 42% of those leading PCNs with more than "
        "60,000 patients."
    )


@pytest.mark.parametrize("value", [0.0, 0.05, 0.5, 0.999, 1.0])
def test_alt_text_follows_any_value(tmp_path, value):
    bars = [("Group A", finding("a", value)), ("Group B", finding("b", 1 - value))]
    made = charts.share_bars("fig_x", "Title", bars, "say yes", tmp_path, "nb", "Source")
    assert (
        made.extra["alt"]
        == f"Bar chart: {percent(value)} of group A say yes, compared with {percent(1 - value)} of group B."
    )
    labels = [t.text for t in svg_root(made).iter(f"{SVG}text")]
    assert percent(value) in labels and percent(1 - value) in labels


def test_acronyms_keep_their_capitals_in_alt_text():
    assert charts._lower_first("All PCNs") == "all PCNs"
    assert charts._lower_first("PCNs under 40,000 patients") == "PCNs under 40,000 patients"
    assert charts._lower_first("NHS trusts") == "NHS trusts"


LEADING = "clinical directors leading PCNs with fewer than 40,000 patients"
OTHERS = "those leading PCNs with more than 60,000 patients"


@pytest.mark.parametrize(
    "small, large, significant, suppressed, headline",
    [
        (
            0.6,
            0.4,
            True,
            False,
            f"C{LEADING[1:]} (60%) and {OTHERS} (40%) describe the workload as unmanageable: a gap larger",
        ),
        (
            0.4,
            0.6,
            True,
            False,
            f"C{LEADING[1:]} (40%) and {OTHERS} (60%) describe the workload as unmanageable: a gap larger",
        ),
        (
            0.6,
            0.4,
            False,
            False,
            f"C{LEADING[1:]} (60%) and {OTHERS} (40%) describe the workload as unmanageable: a gap the survey cannot tell "
            "from chance",  # the narrative's caption (narrative/captions.py)
        ),
        (0.6, 0.4, False, True, f"The survey cannot tell whether {LEADING} and {OTHERS} differ: too few answered"),
    ],
)
def test_the_headline_follows_the_test(tmp_path, small, large, significant, suppressed, headline):
    made = comparison_chart(by_size(small, 0.5, large, significant, suppressed), tmp_path)
    assert made.extra["title"].startswith(headline)
    assert "differ little" not in made.extra["title"]


def test_labels_are_direct_and_there_is_no_legend(chart):
    root = svg_root(chart)
    texts = [t.text for t in root.iter(f"{SVG}text")]
    labels = ("Those leading PCNs with", "fewer than 40,000 patients", "All clinical directors", "63%", "49%", "42%")
    for label in labels:  # a long label wraps, so the bars keep the narrow chart's width
        assert label in texts
    assert not any(g.get("id", "").startswith("legend") for g in root.iter(f"{SVG}g"))


def test_text_stays_text_in_the_page_typeface(chart):
    svg = open(chart.extra["path"], encoding="utf-8").read()
    texts = list(svg_root(chart).iter(f"{SVG}text"))
    assert texts, "svg.fonttype must be 'none' so labels are text, not paths"
    for text in texts:
        assert "font-family: 'Inter', 'DejaVu Sans'" in text.get("style")
    assert "<path" in svg and 'id="glyph' not in svg.lower() and "DejaVuSans-" not in svg


def test_every_face_its_text_uses_is_one_the_page_embeds(chart):
    """The chart carries no font of its own: the page sets it inline, in the Inter faces its style sheet embeds
    once (publication/inline_charts.py); every weight and style its text asks for is one of them."""
    svg = open(chart.extra["path"], encoding="utf-8").read()
    assert "@font-face" not in svg
    css = (ROOT / "report" / "styles" / "briefing.css").read_text(encoding="utf-8")
    page = set(re.findall(r'font-family: "Inter"; font-style: (\w+); font-weight: (\d+);', css))
    used = {
        (
            "italic" if "font-style: italic" in text.get("style") else "normal",
            (re.search(r"font-weight: (\d+)", text.get("style")) or ("", "400"))[1],
        )
        for text in svg_root(chart).iter(f"{SVG}text")
    }
    assert used == {("normal", "400"), ("normal", "600")} and used <= page  # labels; highlighted values


def test_house_colours_are_the_analysis_function_focus_palette(chart):
    svg = open(chart.extra["path"], encoding="utf-8").read().lower()
    dark, grey = (c.lower() for c in get_af_colours("focus"))
    bars = re.findall(r"fill: (#[0-9a-f]{6})", svg)
    assert bars.count(dark) == 2 and bars.count(grey) == 1  # the compared groups highlighted, the rest grey


def test_svg_describes_itself_and_prints_at_the_text_width(chart):
    root = svg_root(chart)
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == chart.extra["title"]
    assert root.find(f"{SVG}desc").text == chart.extra["alt"]
    assert root.get("width") == f"{charts.WIDTH_IN * 72:g}pt"  # fixed width: text prints at the body size


def test_svg_is_byte_identical_between_builds(tmp_path):
    first = comparison_chart(by_size(0.6, 0.5, 0.4), tmp_path / "a")
    second = comparison_chart(by_size(0.6, 0.5, 0.4), tmp_path / "b")
    assert open(first.extra["path"], "rb").read() == open(second.extra["path"], "rb").read()
    assert "<dc:date>" not in open(first.extra["path"], encoding="utf-8").read()


def test_the_word_copy_is_the_svg_drawn_at_200_dpi_and_says_so(chart):
    """The PNG twin (Word's): the SVG's own size at PNG_DPI, its resolution stated (pandoc and Word size the picture
    by it), opaque, and the chart's dark blue bars drawn."""
    from PIL import Image

    svg = Path(chart.extra["path"])
    root = svg_root(chart)
    width_pt, height_pt = (float(root.get(side).removesuffix("pt")) for side in ("width", "height"))
    with Image.open(svg.with_suffix(".png")) as png:
        assert png.size == (round(width_pt / 72 * 200), round(height_pt / 72 * 200))
        assert png.info["dpi"] == pytest.approx((200, 200), abs=0.01)
        pixels = png.convert("RGBA")
        assert pixels.getextrema()[3] == (255, 255)  # no transparency: Word's page shows through nothing
        dark_blue = tuple(int(charts.DARK_BLUE[i : i + 2], 16) for i in (1, 3, 5))
        assert sum(count for count, rgba in pixels.getcolors(1 << 20) if rgba[:3] == dark_blue) > 1000


def test_the_word_copy_is_byte_identical_between_builds(tmp_path):
    first = comparison_chart(by_size(0.6, 0.5, 0.4), tmp_path / "a")
    second = comparison_chart(by_size(0.6, 0.5, 0.4), tmp_path / "b")
    png = [Path(c.extra["path"]).with_suffix(".png").read_bytes() for c in (first, second)]
    assert png[0] == png[1] and b"tEXt" not in png[0] and b"tIME" not in png[0]


def test_a_chart_file_name_is_data_to_the_rasteriser(tmp_path):
    """The file's name reaches Typst as an input value, never as code: quotes and a `#` are just characters."""
    folder = tmp_path / 'a "quoted" #folder'
    folder.mkdir()
    svg = folder / 'fig_"); #panic("x.svg'
    svg.write_text(Path(comparison_chart(by_size(0.6, 0.5, 0.4), tmp_path / "c").extra["path"]).read_text())
    png = charts.save_raster_twin(svg)
    assert png.read_bytes().startswith(b"\x89PNG")


def test_the_resolution_chunk_follows_the_header():
    bare = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\x0dIHDR" + bytes(13) + b"CRC!" + b"rest"
    stated = charts.with_resolution(bare, 200)
    assert stated[33:37] == b"\x00\x00\x00\x09" and stated[37:41] == b"pHYs"
    assert stated[41:50] == (7874).to_bytes(4, "big") * 2 + b"\x01"  # 200 dpi = 7,874 pixels a metre
    assert stated.endswith(b"rest")
    with pytest.raises(ValueError, match="not a PNG"):
        charts.with_resolution(b"GIF89a" + bytes(40), 200)


def test_house_style_starts_from_afcharts():
    sheets = charts.house_style()
    assert sheets[0].endswith("afcharts.mplstyle")
    assert sheets[1]["svg.fonttype"] == "none" and sheets[1]["font.family"] == ["Inter"]
