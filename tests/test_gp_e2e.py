"""End to end: the second bundled survey (`make report SURVEY=gp-partners-des`), a survey with no reference frame,
a numeric finding and subgroup comparisons by role, built once per render path; and its editions.

Its figures are checked against the wave itself (plain pandas on the CSV), and its pages for any word of the PCN
survey: everything survey-specific comes from its codebook."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import lxml.html
import pandas as pd
import pytest

from briefing.analysis import stats
from tests.conftest import ENGINES, GP_SURVEY, make, on_engine

pytestmark = pytest.mark.e2e

SURVEY = GP_SURVEY  # its one build: conftest's `gp_pandoc`
WAVE = "2021"
OUT = Path("_output") / SURVEY  # another survey than params.yml's: its own output folder
# Words of the PCN survey that must never show in another survey's briefing ("clinical director" as who answered:
# the GP survey's own subgroups are partners who are also "PCN clinical directors").
PCN_WORDS = (
    re.compile(r"(?<!PCN )[Cc]linical directors?\b"),
    re.compile(r"PCNs in the reference frame"),
    re.compile(r"small PCNs|large PCNs"),
    re.compile(r"primary care networks? in the reference frame"),
    re.compile(r"(?<![\"“])differ little"),  # a verdict; the methods may quote the words when stating their rule
)


@pytest.fixture(scope="module", params=ENGINES)
def gp_built(request, gp_pandoc, tmp_path_factory) -> Path:
    """The GP survey's briefing on each render path (Quarto: a copy of the computed pandoc build, re-rendered)."""
    return on_engine(request.param, gp_pandoc, tmp_path_factory, SURVEY=SURVEY)


def wave() -> pd.DataFrame:
    """The wave's question columns, read from its platform export independently of the package (blank: NA)."""
    from tests.inputs.test_gp_example import read_wave

    return read_wave(WAVE).replace("", pd.NA)


def findings(project: Path) -> dict:
    return json.loads((project / OUT / "findings.json").read_text(encoding="utf-8"))["findings"]


def page_text(project: Path) -> str:
    """Every word of the web page a reader or a screen reader meets: text, captions and alt text."""
    page = lxml.html.fromstring((project / OUT / "briefing.html").read_text(encoding="utf-8"))
    for hidden in page.xpath("//script | //style"):
        hidden.drop_tree()
    alts = " ".join(page.xpath("//img/@alt"))
    return re.sub(r"\s+", " ", f"{page.text_content()} {alts}".replace("\u00a0", " "))


def test_the_numeric_finding_is_the_share_at_or_above_its_threshold_without_fpc(gp_built):
    hours = pd.to_numeric(wave()["pcn_hours"], errors="coerce").dropna()
    record = findings(gp_built)["long_pcn_hours"]
    assert (record["numerator"], record["denominator"]) == (int((hours >= 10).sum()), len(hours))
    assert record["value"] == pytest.approx((hours >= 10).mean())
    assert (record["population"], record["fpc"]) == (None, "none")  # no frame, no stated size: no correction
    low, high = stats.proportion_ci(record["numerator"], record["denominator"])
    assert (record["ci_low"], record["ci_high"]) == (pytest.approx(low), pytest.approx(high))


def test_the_role_comparison_is_the_codebooks_and_worded_by_its_test(gp_built):
    data, found = wave(), findings(gp_built)
    answered = data[data["sign_des"].notna()]
    director = answered["partner_role"] == "Partner and PCN clinical director"
    share = lambda rows: (rows["sign_des"] == "No").mean()  # noqa: E731
    record = found["des_not_sign_cd_partner_vs_other_partner"]
    assert record["kind"] == "comparison"
    assert record["p1"] == pytest.approx(share(answered[director]))
    assert record["p2"] == pytest.approx(share(answered[~director]))
    assert record["value"] == pytest.approx(record["p1"] - record["p2"])
    assert record["significant"] == (record["p_value"] < 0.05) and record["significant"]
    chart = found["fig_des_not_sign_cd_partner_vs_other_partner"]
    assert chart["bars"] == ["des_not_sign_cd_partner", "des_not_sign", "des_not_sign_other_partner"]
    shares = (
        f"({round(record['p1'] * 100)}%) and those who are not PCN clinical directors ({round(record['p2'] * 100)}%)"
    )
    assert chart["title"].startswith(f"GP partners who are also PCN clinical directors {shares} say")
    assert chart["title"].endswith(": a gap larger than chance alone would explain")
    text = page_text(gp_built)
    assert chart["title"] in text
    unclear = found["fig_workload_unmanageable_practice_small_practice_vs_large_practice"]
    assert not found["workload_unmanageable_practice_small_practice_vs_large_practice"]["significant"]
    # The chart's title is the caption readers see (narrative/captions.py), held to the same rule.
    assert unclear["title"].endswith(
        "describe their practice's workload as unmanageable: a gap the survey cannot tell from chance"
    )
    assert unclear["title"] in text
    assert "The survey cannot tell whether the two groups differ" in text


def test_a_survey_without_a_frame_has_no_frame_findings(gp_built):
    found = findings(gp_built)
    assert not {"unit_count", "response_rate", "weighting", "subarea_table"} & set(found)
    assert not list((gp_built / "build" / SURVEY / "params" / "waves" / WAVE / "executed").glob("population*"))


def test_no_word_of_the_pcn_survey_shows(gp_built):
    text = page_text(gp_built)
    assert "GP partners" in text
    for words in PCN_WORDS:
        assert not words.search(text), (words.pattern, words.search(text))


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="pdftoppm (poppler) is not installed")
def test_the_pdf_has_pages_to_look_at(gp_built, tmp_path):
    import subprocess

    subprocess.run(
        ["pdftoppm", "-png", "-r", "30", str(gp_built / OUT / "briefing.pdf"), str(tmp_path / "p")], check=True
    )
    assert len(list(tmp_path.glob("p-*.png"))) >= 5


def test_its_editions_build_by_its_codebooks_editions_question(gp_pandoc):
    """`make editions SURVEY=gp-partners-des`: the whole survey and one region (EDITIONS= limits the run), each
    comparing the region with the rest of the survey's coverage."""
    result = make(gp_pandoc, "-j2", "editions", ENGINE="pandoc", SURVEY=SURVEY, EDITIONS="London")
    assert sorted(re.findall(r"\[\d/2\] editions: (.+?) \.\.\. done", result.stdout)) == ["England", "London"]
    london = gp_pandoc / OUT / "editions" / WAVE / "london"
    record = json.loads((london / "findings.json").read_text(encoding="utf-8"))
    assert record["parameters"]["edition"] == "London"
    here = wave()[wave()["region"] == "London"]
    leave = record["findings"]["des_not_sign"]
    assert leave["denominator"] in (int(here["sign_des"].notna().sum()), None)
    assert record["findings"]["des_not_sign_vs_rest"]["versus"] == "the rest of England"
    index = (gp_pandoc / OUT / "index.html").read_text(encoding="utf-8")
    assert "GP partners who say their practice will not sign" in index and "Clinical directors" not in index
