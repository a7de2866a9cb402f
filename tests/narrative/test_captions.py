"""Issue 19: a chart's caption is worded once (narrative/captions.py). The SVG's <title>, the chart's record, the
caption the briefing prints and the alt text agree, for every chart of the 2020 briefing (drawn here from the
wave's data, then written into the narrative); and the words follow the test on both sides of its thresholds."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import fields

import pytest

from briefing.analysis import themes
from briefing.analysis.findings import Finding
from briefing.narrative import captions
from briefing.publication import change_charts, charts, theme_charts
from tests.conftest import ROOT
from tests.narrative.test_pcn_narrative import CLOCK, GOLDEN, pcn_narrative

SVG = "{http://www.w3.org/2000/svg}"
IMAGE = re.compile(r'^!\[(?P<caption>.*)\]\(\.\./(?P<path>[^)]*)\)\{fig-alt="(?P<alt>.*)"\}$', re.M)
ESCAPED = re.compile(r"\\(.)")


def as_finding(record: dict) -> Finding:
    base = {f.name for f in fields(Finding)} - {"extra"}
    return Finding(
        **{k: record[k] for k in base if k in record}, extra={k: v for k, v in record.items() if k not in base}
    )


@pytest.fixture(scope="module")
def drawn(tmp_path_factory):
    """Every chart of the 2020 wave drawn as the notebooks draw it (theme, comparison, overview, change charts)."""
    out = tmp_path_factory.mktemp("figures")
    ctx = themes.load_context(ROOT / "params.yml", wave="2020")
    made, everything = [], []
    for theme in themes.survey_themes(ctx):
        results = themes.survey_findings(ctx, theme, "nb")
        everything += results
        made += charts.comparison_charts(ctx, results, out, "nb") + theme_charts.theme_charts(ctx, results, out, "nb")
    made.append(theme_charts.overview(ctx, everything, out, "nb"))
    golden = json.loads((GOLDEN / "findings-2020.json").read_text(encoding="utf-8"))["findings"]
    changes = [as_finding(r) for r in golden.values() if r["kind"] == "change"]
    made.append(change_charts.change_chart(changes, out, "nb", "Survey of PCN clinical directors"))
    return {c.id: c.as_record() for c in made}


def svg_title_and_desc(path: str) -> tuple[str, str]:
    root = ET.parse(path).getroot()
    return root.find(f"{SVG}title").text, root.find(f"{SVG}desc").text


def test_the_svg_title_the_caption_and_the_alt_text_agree(drawn, tmp_path, monkeypatch):
    shown = {fid: r for fid, r in drawn.items() if r["path"]}
    assert len(shown) >= 10
    for record in shown.values():
        assert svg_title_and_desc(record["path"]) == (record["title"], record["alt"]), record["id"]
    # the narrative, written from these very records: each caption and alt text is the SVG's
    data = json.loads((GOLDEN / "findings-2020.json").read_text(encoding="utf-8"))
    data["findings"].update(drawn)
    findings = tmp_path / "findings-2020.json"
    findings.write_text(json.dumps(data), encoding="utf-8")
    monkeypatch.setattr("tests.narrative.test_pcn_narrative.GOLDEN", tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", CLOCK)
    (tmp_path / "n").mkdir()
    printed = {m["path"]: m for m in IMAGE.finditer(pcn_narrative("2020", tmp_path / "n"))}
    by_path = {ESCAPED.sub(r"\1", p): m for p, m in printed.items()}
    assert len(by_path) == len(shown)
    for record in shown.values():
        image = by_path[record["path"]]
        title, desc = svg_title_and_desc(record["path"])
        assert ESCAPED.sub(r"\1", image["caption"]) == title
        assert ESCAPED.sub(r"\1", image["alt"]).replace("&quot;", '"') == desc


def test_a_caption_never_says_more_than_the_interval(drawn):
    # 2020: 54% describe workload as unmanageable, interval below half at its low end: "about half", not "over half"
    record = drawn["fig_workload_manageable"]
    assert record["title"].startswith("About half of clinical directors ")
    share = {"value": 0.54, "ci_low": 0.51, "ci_high": 0.57, "description": "say so"}
    assert captions.question_caption([share], "nurses", "Q?") == "Over half of nurses say so"
    assert captions.question_caption([{**share, "ci_low": 0.48}], "nurses", "Q?") == "About half of nurses say so"


COMPARISON = {"value": 0.17, "ci_low": -0.01, "ci_high": 0.34, "significant": False, "suppressed": False}
SMALL = {"value": 0.64, "description": "find it hard"}
LARGE = {"value": 0.47, "description": "find it hard"}


@pytest.mark.parametrize(
    "change, words",
    [
        (
            {},
            "Nurses on small wards (64%) and those on large wards (47%) find it hard: a gap the survey cannot tell "
            "from chance",
        ),
        (
            {"ci_low": -0.04, "ci_high": 0.05},
            "Nurses on small wards (64%) and those on large wards (47%) find it hard: little difference",
        ),
        ({"ci_low": -0.04, "ci_high": 0.06}, "a gap the survey cannot tell from chance"),
        (
            {"significant": True, "ci_low": 0.02},
            "Nurses on small wards (64%) and those on large wards (47%) find it hard: a gap larger than chance alone "
            "would explain",
        ),
        ({"suppressed": True}, "The survey cannot tell whether nurses on small wards and those on large wards differ"),
    ],
)
def test_a_comparison_chart_is_captioned_by_what_its_test_found(change, words):
    caption = captions.comparison_caption(
        {**COMPARISON, **change},
        SMALL,
        LARGE,
        "nurses",
        ("on small wards", "on large wards"),
    )
    assert words in caption and "differ little" not in caption
    assert "of small wards" not in caption  # the people, never the units' short labels ("64% of small wards")


@pytest.mark.parametrize(
    ("lows", "caption"),
    [
        ((0.2, 0.3, 0.4), "No headline finding is held by a clear majority of nurses"),
        ((0.6, 0.3, 0.4), "One of the three headline findings is held by a clear majority of nurses, beyond the"),
        ((0.6, 0.7, 0.4), "Two of the three headline findings are held by a clear majority of nurses, beyond the"),
    ],
)
def test_the_overview_caption_agrees_with_its_count(lows, caption):
    """ "One of the ten headline findings are held" (a regional edition's Figure 2): the verb follows the count."""
    findings = [{"value": low + 0.05, "ci_low": low} for low in lows]
    assert captions.overview_caption(findings, "nurses").startswith(caption)
