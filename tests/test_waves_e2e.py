"""End to end over time: the 2020 briefing states each change, the 2019 one reproduces 2019 as published, a wave is
chosen with WAVE=, the review page follows the data, and bad wave set-ups stop the build without touching _output/."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from briefing.narrative.change_prose import change_clause
from briefing.narrative.prose import UNCERTAIN, difference_kind, percent, pp
from tests.conftest import digest, make
from tests.publication.test_changes import text_of
from tests.test_e2e import OUTPUTS, html_text, normalise, pdf_text

pytestmark = pytest.mark.e2e


def findings_of(project: Path) -> dict:
    return json.loads((project / "_output" / "findings.json").read_text(encoding="utf-8"))


def stated(change: dict) -> str:
    """What the briefing says of a change, whatever form its sentence takes: a change the survey cannot tell from
    chance is a sentence of its own (in one of change_prose.UNCERTAIN_FORMS), the rest the clause."""
    if change["status"] == "compared" and difference_kind(change) == UNCERTAIN:
        return f"change of {pp(change['difference'])}"
    return change_clause(change)


def test_2020_briefing_states_each_change_in_pdf_and_html(built):
    data = findings_of(built)
    assert (data["parameters"]["wave"], data["parameters"]["compare_wave"]) == ("2020", "2019")
    pdf, html = pdf_text(built / "_output" / "briefing.pdf"), html_text(built / "_output" / "briefing.html")
    changes = [r for r in data["findings"].values() if r["kind"] == "change"]
    assert len([c for c in changes if c["status"] == "compared"]) == 11
    for c in changes:
        clause = normalise(stated(c))
        assert clause in pdf, f"not in PDF: {clause}"
        assert clause in html, f"not in HTML: {clause}"
    plan = data["findings"]["plan_to_leave_change"]
    assert plan["significant"] and "up from 11% in 2019: a rise of 10 percentage points" in pdf
    # workload unmanageable, 54% against 49%, interval -4 to +14: the survey cannot tell, never "little changed"
    assert "In 2019 it was 49%; a change of 5 percentage points is within what chance could produce" in pdf
    assert "little changed" not in pdf and "within the margin of error" not in pdf
    assert "asked for the first time in 2020" in pdf and "asked for the first time in 2020" in html
    assert "Change since 2019" in pdf and "Change since 2019" in html


def test_2020_briefing_is_marked_synthetic_and_invented(built):
    pdf = pdf_text(built / "_output" / "briefing.pdf")
    assert "no 2020 results of this survey have been published" in pdf
    assert "The 2019 wave it is compared with is synthetic too" in pdf


def test_2020_chart_of_change_has_data_alt_text_and_a_source(built):
    figure = findings_of(built)["findings"]["fig_change_headlines"]
    assert figure["title"] == "Three of nine findings moved by more than chance alone would explain since 2019"
    assert figure["alt"].startswith(
        "Dot chart: each finding in 2019 and 2020, with its 95% confidence interval, largest rise first; a filled "
        "2020 dot marks a change of more than chance alone would explain. Plan to leave "
    )
    assert (
        "plan to leave the clinical director role in the next 12 months: 11% in 2019 (8% to 15%), 21% in 2020 (16% to "
        "27%), moved by more than chance" in figure["alt"].lower()
    )
    html = (built / "_output" / "briefing.html").read_text(encoding="utf-8")
    assert figure["alt"].replace("'", "&#39;") in html or figure["alt"] in html
    assert "Source: Survey of PCN clinical directors, 2019 and 2020." in pdf_text(built / "_output" / "briefing.pdf")


def test_2020_briefing_says_how_the_frame_moved_since_the_2019_waves_frame(built):
    import pandas as pd

    now, then = (
        len(pd.read_csv(built / "data" / "pcn-clinical-directors" / "reference" / f"pcn_frame_{year}.csv"))
        for year in ("2020-21", "2019-20")
    )
    record = findings_of(built)["findings"]["unit_count_change"]
    assert (record["value"], record["previous"], record["compare_wave"]) == (now - then, then, "2019")
    more = f"{now - then:,} more than" if now > then else f"{then - now:,} fewer than" if now < then else "as many as"
    sentence = f"{more} the {then:,} in the frame the 2019 wave is set against (Quality and Outcomes Framework, 2019-20"
    for text in (pdf_text(built / "_output" / "briefing.pdf"), html_text(built / "_output" / "briefing.html")):
        assert sentence in normalise(text)


def test_2019_briefing_has_no_comparison(built_2019):
    data = findings_of(built_2019)
    assert data["parameters"]["wave"] == "2019" and data["parameters"]["compare_wave"] is None
    assert not [r for r in data["findings"].values() if r["kind"] in ("change", "frame_change")]
    assert "not_enough_time" not in data["findings"]  # asked first in 2020
    pdf = pdf_text(built_2019 / "_output" / "briefing.pdf")
    assert "since 2019" not in pdf and "Change since" not in pdf and "in 2019:" not in pdf
    assert f"{percent(data['findings']['plan_to_leave']['value'])}" == "11%"


def test_wave_on_the_command_line_rebuilds_nothing_the_second_time(built_2019):
    # The first call brings the shared build up to date after tests that changed an input and put it back (new
    # content twice, so rebuilt by content); the second must then find nothing to do.
    make(built_2019, "report", ENGINE="pandoc", WAVE="2019")
    result = make(built_2019, "report", ENGINE="pandoc", WAVE="2019")
    assert [line for line in result.stdout.strip().splitlines()] == [
        line for line in result.stdout.strip().splitlines() if line.startswith("Briefing up to date")
    ]
    assert "(wave 2019)" in result.stdout


def review_text(output: Path) -> str:
    return normalise(text_of((output / "changes.html").read_text(encoding="utf-8")))


def plan_to_leave(output: Path) -> dict:
    return json.loads((output / "findings.json").read_text(encoding="utf-8"))["findings"]["plan_to_leave"]


def test_review_page_after_one_changed_value_and_after_no_change(one_answer_changed):
    """One answer changed (conftest's `one_answer_changed`, whose rebuild by content tests/test_make.py checks): the
    review page names the finding it moved, from and to; the same data written and rendered again: no change."""
    steps = one_answer_changed.steps
    before, after = plan_to_leave(steps["settled"].output), plan_to_leave(steps["changed"].output)
    assert after["numerator"] == before["numerator"] + 1
    text = review_text(steps["changed"].output)
    assert f"Plan to leave the clinical director role in the next 12 months {percent(before['value'], 1)}" in text
    assert percent(after["value"], 1) in text
    assert "Sentences whose wording changed" in text
    assert plan_to_leave(steps["put back"].output) == before
    assert "No changes: every finding and every sentence is the same" in review_text(steps["rendered again"].output)


@pytest.mark.parametrize("breakage", ["duplicate wave", "missing comparison wave"])
def test_bad_wave_setups_stop_the_build_and_keep_the_briefing(built, breakage):
    before = {name: digest(built / "_output" / name) for name in OUTPUTS}
    params = built / "params.yml"
    good_params = params.read_text(encoding="utf-8")
    raw_folder = built / "data" / "pcn-clinical-directors" / "raw"
    extras = [raw_folder / f"pcn_cd_survey_2020b{suffix}" for suffix in (".csv", ".meta.yml")]
    if breakage == "duplicate wave":  # a second copy of the wave, with its record
        for extra in extras:
            shutil.copy(raw_folder / extra.name.replace("2020b", "2020"), extra)
        expected = [
            "data/pcn-clinical-directors/raw/pcn_cd_survey_2020.csv and data/pcn-clinical-directors/raw/pcn_cd_survey_2020b.csv both claim wave 2020",
            "keep one file per wave",
        ]
    else:
        raw = yaml.safe_load(good_params)
        raw["compare_wave"] = "2018"
        params.write_text(yaml.safe_dump(raw), encoding="utf-8")
        expected = [
            "data/pcn-clinical-directors/raw/: compare_wave 2018 is named in the parameters",
            "set compare_wave to `latest` or null",
        ]
    try:
        result = make(built, "report", ENGINE="pandoc", check=False)
        assert result.returncode != 0
        for words in expected:
            assert words in result.stderr, result.stderr
        assert {name: digest(built / "_output" / name) for name in OUTPUTS} == before
    finally:
        for extra in extras:
            extra.unlink(missing_ok=True)
        params.write_text(good_params, encoding="utf-8")
    assert "Briefing up to date" in make(built, "report", ENGINE="pandoc").stdout


@pytest.mark.quarto
@pytest.mark.skipif(shutil.which("quarto") is None, reason="quarto is not on PATH (the pip path is tested instead)")
def test_quarto_path_states_each_change_and_writes_the_review_page(quarto_render):
    """The same computed project rendered by Quarto (conftest's `quarto_render`: a copy of `built`, its times kept, so
    only the render step runs): the change wording reaches its PDF and HTML too."""
    project, result = quarto_render
    assert "papermill" not in result.stdout and "render: quarto wrote" in result.stdout
    pdf, html = pdf_text(project / "_output" / "briefing.pdf"), html_text(project / "_output" / "briefing.html")
    for c in (r for r in findings_of(project)["findings"].values() if r["kind"] == "change"):
        clause = normalise(stated(c))
        assert clause in pdf and clause in html, clause
    assert (project / "_output" / "changes.html").stat().st_size > 0
