"""Issue 19's wording rules, read off the whole PCN narrative of both waves (rendered from the golden findings, as
test_pcn_narrative renders it): words true of the test, a lede and summary by rule, the interval once per finding,
varied sentence forms, a question and base under every chart, dates and sources by the wave."""

from __future__ import annotations

import json
import re

import pytest

from briefing.analysis.stats import SECONDARY
from briefing.narrative import writer
from tests.narrative.test_pcn_narrative import CLOCK, GOLDEN, pcn_narrative

BANNED = (
    "differ little, within",
    "no more likely",
    "no less likely",
    "is within the margin of error",
    "whether this is a majority is uncertain",
    "little changed since",
)


@pytest.fixture(scope="module", params=["2019", "2020"])
def briefing(request, tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("SOURCE_DATE_EPOCH", CLOCK)
    try:
        text = pcn_narrative(request.param, tmp_path_factory.mktemp(request.param))
    finally:
        mp.undo()
    return request.param, text.replace("\\", "")  # the Markdown escapes off: the words a reader reads


def prose_lines(text: str) -> list[str]:
    """The running text: no tables, figures (their alt text), front matter or provenance."""
    body = text.split("\n---\n", 1)[-1]
    return [line for line in body.splitlines() if line and not line.startswith(("|", "![", ":", ">"))]


def test_no_wording_says_more_than_the_test(briefing):
    wave, text = briefing
    for phrase in BANNED:  # none of these intervals is within +/-5 points, so "little changed" is never earned here
        assert phrase not in text, phrase
    if wave == "2020":  # 64% against 47%, interval -1 to +35: the survey cannot tell
        assert "The survey cannot tell whether the two groups differ: the gap of 17 percentage points" in text


def test_the_interval_of_each_finding_is_given_once_in_the_text(briefing):
    wave, text = briefing
    findings = json.loads((GOLDEN / ("findings.json" if wave == "2019" else "findings-2020.json")).read_text())
    running = "\n".join(prose_lines(text))
    for r in findings["findings"].values():
        if r.get("kind") == "proportion" and not r.get("subgroup") and not r.get("suppressed") and r.get("question"):
            span = f"{round(r['ci_low'] * 100)}% to {round(r['ci_high'] * 100)}%"
            assert running.count(f"confidence interval {span}") == 1, (r["id"], span)


def test_a_lede_leads_by_rule_before_the_summary(briefing):
    wave, text = briefing
    key = text.split("## Key findings {#key-findings}", 1)[1].split("::: {.key-findings}", 1)[0].strip()
    if wave == "2020":  # the largest supported change: too early to tell, 63% -> 41%
        assert key.startswith("The clearest change since 2019: the share of clinical directors who say it is too early")
    else:  # no comparison: the strongest share (lowest end of its interval highest) leads
        assert key.startswith("In 2019, most clinical directors (71%) are not confident that PCNs will improve")


def test_the_summary_adds_to_the_lede_and_stays_short(briefing):
    wave, text = briefing
    section = text.split("## Key findings {#key-findings}", 1)[1].split(":::", 2)
    lede, panel = section[0], section[1]
    bullets = [line for line in panel.splitlines() if line.startswith("- ")]
    assert len(bullets) <= 6  # with the lede, it fits under the notice on the first page
    for bullet in bullets:  # nothing the lede said is said again
        assert not any(f"({share})" in lede and f"({share})" in bullet for share in re.findall(r"\d+%", bullet))
    assert not any(line.startswith("- Fewer than") or "withheld number" in line for line in bullets)


def test_no_headline_form_three_times_running(briefing):
    _, text = briefing
    themes = text.split("## Retention", 1)[1].split("## Change since", 1)[0].split("Every headline finding", 1)[0]
    forms = []
    for line in prose_lines(themes):
        if re.match(r"^[A-Z][a-z-]+( [a-z-]+)* of the \d", line):
            forms.append("count")
        elif re.match(r"^[A-Z][a-z-]+( [a-z-]+)* per cent of", line):
            forms.append("percent")
        elif re.match(r"^(About|Over|Almost|Fewer) ", line):
            forms.append("share")
    assert len(forms) >= 6
    assert not any(forms[i] == forms[i + 1] == forms[i + 2] for i in range(len(forms) - 2)), forms


def test_every_chart_has_its_question_or_base_under_it(briefing):
    _, text = briefing
    for figure in re.finditer(r"^!\[.*$", text, re.M):
        after = text[figure.end() :].lstrip("\n").split("\n", 1)[0]
        assert after.startswith(("Question: “", "Base: ")), after


def test_dates_and_sources_follow_the_wave(briefing):
    wave, text = briefing
    assert f"fieldwork: October to November {wave}" in text  # from the wave's .meta.yml, for every wave
    if wave == "2019":  # everything in context/ was published after the 2019 fieldwork ended (November 2019)
        assert "## In context" not in text and "[@" not in text
    else:  # by the end of November 2020 April 2020 is out; a date known only as "2020" may not be; and a source
        # with a placeholder title and no page of its own (NHS Confederation's) is never cited
        assert "## In context" in text and "[@cogora_state_primary_care]" in text
        for key in ("nhse_des_signup", "pulse_des_survey", "nhsconfed_cd_leadership"):
            assert f"[@{key}]" not in text, key


def test_an_edition_says_each_kind_of_comparison_once():
    filters = writer.record_filters(8, "clinical directors")

    def finding(fid, suppressed=False, reason=None):
        return {
            "id": fid,
            "subgroup": None,
            "description": f"do {fid}",
            "suppressed": suppressed,
            "suppression_reason": reason,
        }

    def versus(significant, low, high, suppressed=False):
        return {
            "kind": "comparison",
            "significant": significant,
            "ci_low": low,
            "ci_high": high,
            "difference": (low + high) / 2,
            "suppressed": suppressed,
            "p1": 0.5,
            "p2": 0.4,
        }

    results = [
        finding("a"),
        finding("b"),
        finding("c"),
        finding("d", True, "small count"),
        finding("e", True, SECONDARY),
        finding("g", True, SECONDARY),
    ]
    f = {
        "a_vs_rest": versus(True, 0.02, 0.2),
        "b_vs_rest": versus(False, -0.1, 0.2),
        "c_vs_rest": versus(False, -0.04, 0.03),
        "d_vs_rest": versus(False, 0, 0, True),
        "e_vs_rest": versus(False, 0, 0, True),
        "g_vs_rest": versus(False, 0, 0, True),
    }
    groups = filters["area_groups"](results, f)
    assert [row["finding"]["id"] for row in groups["each"]] == ["a", "c"]  # supported, and narrow (+/-5 points)
    assert [row["finding"]["id"] for row in groups["uncertain"]] == ["b"]  # wide: said together, once
    assert [[r["id"] for r in h["findings"]] for h in groups["hidden"]] == [["d"], ["e", "g"]]
    assert groups["hidden"][1]["reason"].startswith("they are withheld")
