"""Every theme's evidence as charts: all answers to each question behind a finding, and the overview."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET

import pytest
from matplotlib.colors import to_rgb

from briefing.analysis import themes
from briefing.analysis.stats import SECONDARY
from briefing.narrative import captions
from briefing.narrative.prose import percent
from briefing.publication import theme_charts
from tests.conftest import ROOT

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def ctx():
    return themes.load_context(ROOT / "params.yml", wave="2019")


@pytest.fixture(scope="module")
def results(ctx):
    return {t: themes.survey_findings(ctx, t, "nb") for t in themes.survey_themes(ctx)}


@pytest.fixture(scope="module")
def charts(ctx, results, tmp_path_factory):
    out = tmp_path_factory.mktemp("figures")
    return {c.id: c for t in results for c in theme_charts.theme_charts(ctx, results[t], out, "nb")}


def svg_texts(chart) -> list[str]:
    return [t.text or "" for t in ET.parse(chart.extra["path"]).getroot().iter(f"{SVG}text")]


def test_one_chart_per_question_behind_a_finding(ctx, charts):
    questions = {spec.question for spec in ctx.codebook.findings_in(ctx.params.wave).values()}  # asked in 2019
    assert set(charts) == {f"fig_{q}" for q in questions}
    assert all(
        c.kind == "figure" and c.extra["source"] == "Survey of PCN clinical directors, 2019" for c in charts.values()
    )


def test_each_share_is_labelled_and_stated_in_the_alt_text(charts):
    chart = charts["fig_relationship_system"]
    row = chart.extra["rows"][0]
    assert row["n"] == 211
    shares = [percent(s) for s in row["shares"].values()]
    assert shares == ["7%", "21%", "19%", "37%", "16%"]
    assert all(s in svg_texts(chart) for s in shares)
    assert chart.extra["alt"].startswith("Diverging bar chart of answers to the question")
    assert (
        "(n = 211): very good 7%, good 21%, neither good nor poor 19%, poor 37%, very poor 16%." in chart.extra["alt"]
    )


def test_the_base_is_shown(charts):
    assert any("n = 213" in t for t in svg_texts(charts["fig_priorities"]))
    assert any("(n = 82" in t for t in svg_texts(charts["fig_workload_manageable"]))


def test_priorities_are_ranked_and_single_choices_ordered(charts):
    texts = [t for t in svg_texts(charts["fig_priorities"]) if t and t[0].isupper() and not t.startswith("n =")]
    ranked = sorted(charts["fig_priorities"].extra["rows"][0]["shares"].items(), key=lambda kv: -kv[1])
    assert ranked[0][0] == "Workforce" and texts[0] == "More workforce"
    assert "Ranked bar chart" in charts["fig_priorities"].extra["alt"]


def test_small_counts_are_never_shown(ctx, charts):
    rows = charts["fig_workload_manageable"].extra["rows"]
    large = next(r for r in rows if "more than" in r["label"])
    assert large["n"] == 38 and large["shares"]["Manageable"] is None  # 1 to 7 respondents
    assert large["withheld"] == ["Just about manageable"]  # else 38 less the rest gives it away
    assert large["shares"]["Unmanageable"] == pytest.approx(16 / 38)  # the published share is spared
    alt = charts["fig_workload_manageable"].extra["alt"]
    assert "manageable fewer than 8, just about manageable withheld, unmanageable 42%" in alt


def test_titles_state_the_message_from_the_data(ctx, results, tmp_path):
    chart = theme_charts.theme_charts(ctx, results["retention"], tmp_path, "nb")[0]
    assert (
        chart.extra["title"]
        == "About 1 in 10 clinical directors plan to leave the clinical director role in the next 12 months"
    )  # 11%, its interval either side of a tenth: "about", never "over" (the narrative's caption words)
    changed = [f for f in results["retention"]]
    saved = changed[0].value, changed[0].extra["ci_low"]
    changed[0].value, changed[0].extra["ci_low"] = 0.3, 0.26
    try:
        again = theme_charts.theme_charts(ctx, changed, tmp_path, "nb")[0]
    finally:
        changed[0].value, changed[0].extra["ci_low"] = saved
    assert again.extra["title"].startswith("Over a quarter of clinical directors plan to leave")


def test_scale_colours_darken_towards_the_unfavourable_end_so_greyscale_keeps_the_order():
    def luminance(colour):
        r, g, b = to_rgb(colour)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    for picks in theme_charts.RAMP_PICKS.values():
        greys = [luminance(theme_charts.SEQUENTIAL[i]) for i in picks]
        assert greys == sorted(greys) and len(set(greys)) == len(greys)


def test_svg_is_byte_identical_from_the_same_data(ctx, results, tmp_path):
    first = theme_charts.theme_charts(ctx, results["relationships"], tmp_path / "a", "nb")
    second = theme_charts.theme_charts(ctx, results["relationships"], tmp_path / "b", "nb")
    for a, b in zip(first, second, strict=False):
        assert open(a.extra["path"], "rb").read() == open(b.extra["path"], "rb").read()
        png = a.extra["path"].replace(".svg", ".png")
        assert open(png, "rb").read() == open(b.extra["path"].replace(".svg", ".png"), "rb").read()


def test_overview_shows_every_headline_finding_with_its_interval(ctx, results, tmp_path):
    everything = [f for r in results.values() for f in r]
    chart = theme_charts.overview(ctx, everything, tmp_path, "nb")
    headline = [f for f in everything if f.kind == "proportion" and not f.extra["subgroup"]]
    assert len(chart.extra["shows"]) == len(headline) == 9
    assert (
        "71% are not confident that PCNs will improve the capacity of the GP workforce (65% to 76%)"
        in chart.extra["alt"]
    )
    assert chart.extra["title"] == (
        "Three of the nine headline findings are held by a clear majority of clinical directors, "
        "beyond the margin of error"
    )
    texts = svg_texts(chart)
    assert all(percent(f.value) in texts for f in headline)


def test_overview_title_follows_the_intervals(ctx, results):
    everything = [f for r in results.values() for f in r]
    findings = theme_charts.headline_findings(everything)
    lows = [f.extra["ci_low"] for f in findings]
    try:
        for f in findings:
            f.extra["ci_low"] = 0.4
        assert (
            captions.overview_caption([f.as_record() for f in findings], "clinical directors")
            == "No headline finding is held by a clear majority of clinical directors"
        )
        assert captions.overview_caption([f.as_record() for f in findings], "GP partners").endswith(
            "majority of GP partners"
        )
    finally:
        for f, low in zip(findings, lows, strict=False):
            f.extra["ci_low"] = low


def test_in_the_smallest_region_no_chart_shows_a_count_of_one_to_seven(tmp_path):
    region = themes.load_context(ROOT / "params.yml", wave="2019")
    smallest = region.survey["region"].value_counts().idxmin()
    ctx = themes.load_context(ROOT / "params.yml", wave="2019", edition=smallest)
    shown = 0
    for theme in themes.survey_themes(ctx):
        for chart in theme_charts.theme_charts(ctx, themes.survey_findings(ctx, theme, "nb"), tmp_path, "nb"):
            for row in chart.extra["rows"]:
                for share in row["shares"].values():
                    if share is not None:
                        count = round(share * row["n"])
                        assert count == 0 or count >= 8, f"{chart.id}: {row['label']} shows a count of {count}"
                        shown += 1
                if row["n"] is not None and None in row["shares"].values():
                    assert "fewer than 8" in chart.extra["alt"] or "withheld" in chart.extra["alt"]
    assert shown > 0  # not everything is hidden


def test_a_chart_withholds_what_the_areas_plan_lists_in_drawing_alt_text_and_record(ctx, results, tmp_path):
    withheld = {"fig:workload_manageable=Unmanageable": SECONDARY, "fig:workload_manageable:small": SECONDARY}
    planned = dataclasses.replace(ctx, withheld=withheld)
    chart = next(
        c
        for c in theme_charts.theme_charts(planned, results["workload"], tmp_path, "nb")
        if c.id == "fig_workload_manageable"
    )
    everyone, small, large = chart.extra["rows"]
    assert everyone["shares"]["Unmanageable"] is None and everyone["withheld"] == ["Unmanageable"]
    assert everyone["shares"]["Just about manageable"] == pytest.approx(93 / 213)  # the plan, not the row's rule
    assert small["n"] is None and small["withheld"] == ["Manageable", "Just about manageable", "Unmanageable"]
    assert large["withheld"] == [] and large["shares"]["Manageable"] is None  # the plan lists nothing else here
    assert (
        "unmanageable withheld" in chart.extra["alt"] and "fewer than 40,000 patients: withheld" in chart.extra["alt"]
    )
    assert percent(104 / 213) not in svg_texts(chart) and any("(withheld)" in t for t in svg_texts(chart))


def test_a_chart_with_every_answer_withheld_is_not_drawn_and_says_why(ctx, results, tmp_path):
    """An empty frame under a headline would look like a finding (the London edition): no chart is drawn, a
    sentence says why, and the title does not claim too few answered when many did."""
    everything = {
        f"fig:confidence_partnership={v}": SECONDARY for v in ctx.codebook.questions["confidence_partnership"].values()
    }
    planned = dataclasses.replace(ctx, withheld=everything)
    findings = [
        dataclasses.replace(f, extra={**f.extra, "suppressed": True, "suppression_reason": SECONDARY}, value=None)
        for f in results["relationships"]
        if f.extra.get("question") == "confidence_partnership"
    ]
    chart = theme_charts.question_chart(planned, "confidence_partnership", findings, tmp_path, "nb")
    assert chart.extra["title"].startswith("Not shown, to protect small counts: ")
    assert chart.extra["path"] is None and not list(tmp_path.glob("*.svg"))
    wording = ctx.codebook.questions["confidence_partnership"].wording
    assert chart.extra["not_drawn"] == (
        f"No chart is shown for the question \u201c{wording}\u201d: every answer is given by fewer than 8 clinical "
        "directors, or would let such a count be worked out."
    )
    assert chart.extra["rows"][0]["n"] == 210  # many answered: the base is still shown
    too_few = [dataclasses.replace(f, extra={**f.extra, "suppression_reason": "small base"}) for f in findings]
    assert theme_charts.title_for(ctx, "confidence_partnership", too_few).startswith(
        "Too few clinical directors answered"
    )
    some = theme_charts.rows_for(ctx, "confidence_partnership", findings)  # no plan: the row's own rule shows most
    assert theme_charts.title_for(ctx, "confidence_partnership", findings, some).startswith("Some answers not shown, ")


def test_the_charts_words_are_the_codebooks(ctx, results, tmp_path):
    """Who answered, the subgroups and the source line come from the codebook, never from the package."""
    from briefing.inputs.codebook import SurveyInfo, Words

    survey = SurveyInfo("Ward survey", "Survey of ward sisters", Words("ward sister", "ward sisters"))
    renamed = dataclasses.replace(ctx, codebook=dataclasses.replace(ctx.codebook, survey=survey))
    made = theme_charts.theme_charts(renamed, results["workload"], tmp_path, "nb")
    texts = " ".join(f"{c.extra['title']} {c.extra['alt']} {c.extra['source']} {' '.join(svg_texts(c))}" for c in made)
    assert "All ward sisters (n = " in texts and "Survey of ward sisters, 2019" in texts
    assert "Those leading PCNs with fewer than 40,000 patients" in texts  # the codebook's subgroup description
    assert "clinical director" not in texts.lower()
    overview = theme_charts.overview(renamed, [f for r in results.values() for f in r], tmp_path, "nb")
    assert "as shares of ward sisters" in overview.extra["alt"] and "clinical director" not in overview.extra["title"]


def test_a_comparison_too_small_to_make_is_not_drawn_and_says_why(tmp_path):
    """The London edition drew an empty comparison: two "suppressed" bars beside the whole survey's, under a title
    saying the groups cannot be compared."""
    from tests.publication.test_charts import by_size, comparison_chart

    made = comparison_chart(by_size(0.6, 0.5, 0.4, significant=False, suppressed=True), tmp_path)
    assert made.extra["path"] is None and not list(tmp_path.glob("*.svg"))
    assert made.extra["not_drawn"] == captions.comparison_not_drawn()
    assert made.extra["bars"] == ["workload_unmanageable_small", "workload_unmanageable", "workload_unmanageable_large"]
    drawn = comparison_chart(by_size(0.6, 0.5, 0.4, significant=False, suppressed=False), tmp_path)
    assert drawn.extra["path"] and "not_drawn" not in drawn.extra


def test_each_chart_is_laid_out_once_for_both_formats(ctx, results, tmp_path, monkeypatch):
    """A chart was laid out three times (for its reference line's gaps, then by savefig for the SVG at 72 dpi and
    again for the PNG at 200 dpi, measuring every label each time); it is laid out once, and both formats, and
    the gaps its reference line leaves, follow that one layout."""
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    layouts = []
    execute = ConstrainedLayoutEngine.execute
    monkeypatch.setattr(ConstrainedLayoutEngine, "execute", lambda self, fig: layouts.append(fig) or execute(self, fig))
    everything = [f for r in results.values() for f in r]
    chart = theme_charts.overview(ctx, everything, tmp_path, "nb")  # with a reference line at half
    drawn = theme_charts.theme_charts(ctx, results["workload"], tmp_path, "nb")
    made = [c for c in [chart, *drawn] if c.extra["path"]]
    assert len(made) > 1 and len(layouts) == len(made) == len({id(fig) for fig in layouts})
    assert all(tmp_path.joinpath(c.extra["path"]).with_suffix(".png").is_file() for c in made)
