"""A survey the package has never heard of gets the whole briefing from its codebook alone: a section per theme in
the codebook's order, a headline sentence per finding with its interval, the declared subgroup comparison worded
by its test, quotes attributed in the codebook's words, methods true of a survey without a frame. Its own templates
override a section or a theme; an override naming a finding the briefing lacks, or a theme the codebook lacks, is
an error naming the file."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from briefing import config
from briefing.narrative import writer
from tests.conftest import ROOT

CODEBOOK = """\
survey:
  name: Survey of ward sisters (test)
  source: Ward sisters survey
  respondents: {singular: ward sister, plural: ward sisters}
separator: ";"
questions:
  - {id: rid, type: id, wording: Id, required: true}
  - {id: wave, type: wave, wording: Wave, required: true}
  - id: site
    type: single_choice
    wording: Which site?
    required: true
    responses: [{value: N, label: Northgate}, {value: S, label: Southfield}]
  - id: safe
    type: single_choice
    wording: Is staffing safe on your ward?
    responses: [{value: "Yes", label: "yes"}, {value: "No", label: "no"}]
  - {id: shift, type: numeric, wording: How long was your last shift in hours?, min: 1, max: 24, unit: hours}
  - id: morale
    type: likert
    wording: How is morale on your ward?
    responses: [{value: Good, label: good}, {value: Fair, label: fair}, {value: Poor, label: poor}]
  - {id: remarks, type: free_text, wording: Anything else?}
themes:
  - {id: staffing, title: Staffing the wards}
  - {id: morale, title: Morale}
subgroups:
  north: {question: site, values: [N], label: Northgate's ward sisters, describe: at Northgate}
  south: {question: site, values: [S], label: Southfield's ward sisters, describe: at Southfield}
partitions: {sites: [north, south]}
comparisons:
  - {finding: unsafe, between: [north, south]}
quotes: {text: remarks, attribution: [site]}
findings:
  unsafe: {question: safe, counts: ["No"], theme: staffing, description: say staffing on their ward is unsafe}
  long_shift: {question: shift, at_least: 12, theme: staffing, description: "worked {at_least} hours or more on their last shift"}
  low_morale: {question: morale, counts: [Poor], theme: morale, description: say morale on their ward is poor}
"""


def proportion(fid, value, low, high, n=120, subgroup=None, theme="staffing", question="safe"):
    return {
        "id": fid,
        "kind": "proportion",
        "value": value,
        "ci_low": low,
        "ci_high": high,
        "confidence_level": 0.95,
        "numerator": round(value * n),
        "denominator": n,
        "suppressed": False,
        "suppression_reason": None,
        "subgroup": subgroup,
        "theme": theme,
        "question": question,
        "estimate": "unweighted",
        "unweighted": {"value": value, "ci_low": low, "ci_high": high},
        "description": DESCRIPTIONS[fid],
    }


DESCRIPTIONS = {
    "unsafe": "say staffing on their ward is unsafe",
    "unsafe_north": "say staffing on their ward is unsafe",
    "unsafe_south": "say staffing on their ward is unsafe",
    "long_shift": "worked 12 hours or more on their last shift",
    "low_morale": "say morale on their ward is poor",
}


def figure(fid, theme, question=None):
    record = {
        "id": fid,
        "kind": "figure",
        "value": None,
        "title": f"Chart {fid}",
        "alt": f"Alt of {fid}",
        "source": "Ward sisters survey, 2021",
        "path": f"build/figures/{fid}.svg",
        "theme": theme,
    }
    return record | ({"question": question} if question else {})


def findings() -> dict:
    records = [
        proportion("unsafe", 0.62, 0.53, 0.70),
        proportion("unsafe_north", 0.75, 0.63, 0.84, n=60, subgroup="north"),
        proportion("unsafe_south", 0.49, 0.37, 0.61, n=60, subgroup="south"),
        {
            "id": "unsafe_north_vs_south",
            "kind": "comparison",
            "value": 0.26,
            "difference": 0.26,
            "significant": True,
            "suppressed": False,
            "ci_low": 0.09,
            "ci_high": 0.41,
            "confidence_level": 0.95,
            "p1": 0.75,
            "p2": 0.49,
            "test": "two-proportion z-test",
            "first": "unsafe_north",
            "second": "unsafe_south",
        },
        proportion("long_shift", 0.31, 0.23, 0.40, question="shift"),
        proportion("low_morale", 0.48, 0.39, 0.57, theme="morale", question="morale"),
        figure("fig_overview", "overview"),
        figure("fig_safe", "staffing", "safe"),
        figure("fig_morale", "morale", "morale"),
    ]
    return {"findings": {r["id"]: r for r in records}, "parameters": {}}


@pytest.fixture
def ward_survey(tmp_path) -> Path:
    """A project holding only the ward sisters' survey: its codebook, one wave, a quote, and the generic templates."""
    shutil.copytree(ROOT / "report" / "templates", tmp_path / "report" / "templates")
    params = yaml.safe_load((ROOT / "data" / "pcn-clinical-directors" / "params.yml").read_text(encoding="utf-8"))
    params.update(
        wave="2021", compare_wave=None, title="Ward sisters: staffing and morale", publication_date="2021-06-01"
    )
    (tmp_path / "params.yml").write_text("survey: wards\n", encoding="utf-8")
    survey = tmp_path / "data" / "wards"
    (survey / "raw").mkdir(parents=True)
    (survey / "params.yml").write_text(yaml.safe_dump(params), encoding="utf-8")
    (survey / "codebook.yml").write_text(CODEBOOK, encoding="utf-8")
    rows = ["rid,wave,site,safe,shift,morale,remarks"] + [
        f"W{i:02d},2021,{'N' if i % 2 else 'S'},No,12,Poor,{'Too few of us <b>again</b>' if i == 3 else ''}"
        for i in range(20)
    ]
    (survey / "raw" / "wards_2021.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (survey / "raw" / "wards_2021.meta.yml").write_text(
        "title: Ward sisters survey 2021\ndescription: twenty invented ward sisters\nsynthetic: true\n"
        'notice: These ward sisters are invented.\nwave: "2021"\nreleased: 2021-05-01\norigin: made by the test\nlicence: MIT\n',
        encoding="utf-8",
    )
    for record in ("codebook.meta.yml", "quotes.meta.yml"):
        (survey / record).write_text("origin: made by the test\nlicence: MIT\n", encoding="utf-8")
    (survey / "quotes.yml").write_text('"2021":\n  - {respondent: W03, theme: morale}\n', encoding="utf-8")
    (survey / "findings.json").write_text(json.dumps(findings()), encoding="utf-8")
    return tmp_path


def narrative(project: Path) -> dict[str, str]:
    params = config.load(project / "params.yml")
    out = project / "build" / "narrative"
    writer.render_all(
        project / "data" / "wards" / "findings.json",
        params,
        project / "report" / "templates",
        out,
        project / "params.yml",
        engine="pandoc",
    )
    return {p.stem: p.read_text(encoding="utf-8") for p in out.glob("*.md")}


def plain(markdown: str) -> str:
    """The text as read: Markdown's backslash escapes undone."""
    return re.sub(r"\\(.)", r"\1", markdown)


def test_a_survey_with_no_templates_of_its_own_gets_the_whole_briefing(ward_survey):
    parts = {name: plain(text) for name, text in narrative(ward_survey).items()}
    themes = parts["themes"]
    assert re.findall(r"^## (.+)$", themes, re.M) == ["Staffing the wards {#staffing}", "Morale {#morale}"]
    # the sentence's form varies in turn (writer.HEADLINE_FORMS); its figures and interval do not
    assert re.search(r"say staffing on their ward is unsafe \((62%; )?95% confidence interval 53% to 70%\)\.", themes)
    assert "62%" in themes.split("{#morale}")[0]
    assert "worked 12 hours or more on their last shift" in themes and "31%" in themes
    # the hedge holds for the interval too (48%, 39% to 57%: never "almost half ... so whether this is a majority")
    assert re.search(r"say morale on their ward is poor \((48%; )?95% confidence interval 39% to 57%\)\.", themes)
    assert "whether this is a majority" not in themes and "almost half" not in themes.lower()
    assert (
        "Of ward sisters at Northgate, 75% say staffing on their ward is unsafe, against 49% of those at "
        "Southfield. The gap of 26 percentage points is larger than chance alone would explain."
    ) in themes
    assert themes.index("{#morale}") < themes.index("— Ward sister, Northgate (synthetic example comment)")
    assert "“Too few of us <b>again</b>”" in themes and "![Chart fig_morale]" in themes
    key = parts["key_findings"]
    # the lede leads with the strongest share (62%, a majority beyond the margin of error), the panel adds the rest
    assert key.startswith("In 2021, most ward sisters (62%) say staffing on their ward is unsafe, a majority beyond")
    assert "say morale on their ward is poor" in key
    assert "- Of ward sisters at Northgate, 75% say staffing on their ward is unsafe, against 49%" in key
    assert "without a finite population correction" in parts["methods"] and "Reference frame" not in parts["methods"]
    assert parts["population"].strip() == "" and parts["context"].strip() == "" and parts["edition"].strip() == ""
    everything = "\n".join(text for name, text in parts.items() if name != "provenance")  # it lists params.yml as is
    for word in ("clinical director", "PCN", "practice", "network", "England"):
        assert word.lower() not in everything.lower(), word


def test_a_theme_override_replaces_that_theme_under_the_codebooks_heading(ward_survey):
    own = ward_survey / "data" / "wards" / "templates"
    own.mkdir()
    (own / "theme-morale.md.j2").write_text("Morale, in our words: {{ f.low_morale.value | percent }}.\n")
    themes = plain(narrative(ward_survey)["themes"])
    assert "## Morale {#morale}\n\nMorale, in our words: 48%." in themes
    assert "say staffing on their ward is unsafe (95% confidence interval" in themes  # the other theme: generic


@pytest.mark.parametrize(
    "name, text, message",
    [
        (
            "theme-staffing.md.j2",
            "{{ f.plan_to_leave.value | percent }}",
            r"theme-staffing\.md\.j2: names finding 'plan_to_leave', which is not among this briefing's findings",
        ),
        (
            "key_findings.md.j2",
            "{% set x = f.workload_unmanageable %}{{ x.value }}",
            r"key_findings\.md\.j2: names finding 'workload_unmanageable'",
        ),
        (
            "theme-retention.md.j2",
            "x",
            r"theme-retention\.md\.j2: overrides theme 'retention', which is not a theme of the "
            r"codebook \(themes: staffing, morale\)",
        ),
        ("landscape.md.j2", "x", r"landscape\.md\.j2: overrides no section of the briefing"),
        ("methods.md.j2", "{% if x %}never closed", r"methods\.md\.j2: line 1: Unexpected end of template"),
        ("methods.md.j2", "{# a comment never closed", r"methods\.md\.j2: line 1: Missing end of comment tag"),
    ],
)
def test_an_override_naming_what_the_survey_lacks_is_an_error_naming_the_file(ward_survey, name, text, message):
    own = ward_survey / "data" / "wards" / "templates"
    own.mkdir()
    (own / name).write_text(text)
    with pytest.raises(writer.NarrativeError, match=message):
        narrative(ward_survey)
    assert not (ward_survey / "build" / "narrative").exists()  # nothing half-written
