"""A third survey, neither bundled example, made inside the test: a folder of data/ with a codebook, one wave and
its provenance record, built by `make report SURVEY=...` into _output/<survey>/ with nothing but what its codebook
says. Its figures are counted here from the rows the test wrote, and the briefing must state those."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from tests.conftest import copy_project, make

pytestmark = pytest.mark.e2e

SURVEY = "ward-sisters"
CODEBOOK = """\
survey:
  name: Survey of ward sisters (test, synthetic)
  source: Survey of ward sisters (synthetic test data)
  respondents: {singular: ward sister, plural: ward sisters}
  coverage: the trust
  reviewed: true
separator: ";"
questions:
  - {id: rid, type: id, wording: Respondent identifier, required: true}
  - {id: wave, type: wave, wording: Survey wave, required: true}
  - id: site
    type: single_choice
    wording: Which site is your ward on?
    required: true
    responses: [{value: N, label: Northgate}, {value: S, label: Southfield}]
  - id: safe
    type: single_choice
    wording: Is staffing safe on your ward?
    responses: [{value: "Yes", label: "yes"}, {value: "No", label: "no"}]
  - {id: shift, type: numeric, wording: How long was your last shift in hours?, min: 1, max: 24, unit: hours}
  - {id: remarks, type: free_text, wording: Anything else?}
themes:
  - {id: staffing, title: Staffing the wards}
  - {id: shifts, title: Length of shifts}
subgroups:
  north: {question: site, values: [N], label: Northgate's ward sisters, describe: at Northgate}
  south: {question: site, values: [S], label: Southfield's ward sisters, describe: at Southfield}
partitions: {sites: [north, south]}
comparisons:
  - {finding: unsafe, between: [north, south]}
findings:
  unsafe: {question: safe, counts: ["No"], theme: staffing, description: say staffing on their ward is unsafe}
  long_shift: {question: shift, at_least: 12, theme: shifts, description: "worked {at_least} hours or more on their last shift"}
"""
PARAMS = """\
wave: "2026"
compare_wave: null
confidence_level: 0.95
estimate: unweighted
suppression_threshold: 8
title: Ward sisters on staffing and shifts (test)
publisher: Test desk
publication_date: "2026-06-01"
"""
META = """\
title: Survey of ward sisters, 2026 (SYNTHETIC test data)
synthetic: true
notice: The ward sisters and their answers were invented by a test.
origin: written by tests/test_third_survey.py
licence: MIT
wave: "2026"
released: "2026-05-01"
fieldwork: {start: "2026-03-01", end: "2026-03-31"}
"""


def rows() -> list[dict[str, str]]:
    """90 ward sisters, deterministic: 50 at Northgate (30 unsafe), 40 at Southfield (10 unsafe); shifts 8 to 14
    hours; every fifth leaves the shift blank."""
    out = []
    for i in range(90):
        north = i < 50
        unsafe = (i < 30) if north else (i < 60)
        shift = "" if i % 5 == 4 else str(8 + i % 7)
        out.append(
            {
                "rid": f"WS{i:03d}",
                "wave": "2026",
                "site": "N" if north else "S",
                "safe": "No" if unsafe else "Yes",
                "shift": shift,
                "remarks": "",
            }
        )
    return out


@pytest.fixture(scope="module")
def third(tmp_path_factory) -> tuple[Path, list[dict[str, str]]]:
    project = copy_project(tmp_path_factory.mktemp("third"))
    folder = project / "data" / SURVEY
    (folder / "raw").mkdir(parents=True)
    (folder / "codebook.yml").write_text(CODEBOOK, encoding="utf-8")
    (folder / "params.yml").write_text(PARAMS, encoding="utf-8")
    (folder / "raw" / "ward_sisters_2026.meta.yml").write_text(META, encoding="utf-8")
    (folder / "codebook.meta.yml").write_text("origin: written by the test\nlicence: MIT\n", encoding="utf-8")
    data = rows()
    with (folder / "raw" / "ward_sisters_2026.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(data[0]))
        writer.writeheader()
        writer.writerows(data)
    make(project, "report", SURVEY=SURVEY, ENGINE="pandoc")
    return project, data


def test_third_survey_findings_are_counted_from_its_rows(third):
    project, data = third
    findings = json.loads((project / "_output" / SURVEY / "findings.json").read_text(encoding="utf-8"))["findings"]
    unsafe = sum(r["safe"] == "No" for r in data)
    assert (findings["unsafe"]["numerator"], findings["unsafe"]["denominator"]) == (unsafe, len(data))
    answered = [int(r["shift"]) for r in data if r["shift"]]
    assert findings["long_shift"]["numerator"] == sum(h >= 12 for h in answered)
    assert findings["long_shift"]["denominator"] == len(answered)
    north = [r for r in data if r["site"] == "N"]
    assert findings["unsafe_north"]["numerator"] == sum(r["safe"] == "No" for r in north)
    comparison = findings["unsafe_north_vs_south"]
    assert comparison["value"] == pytest.approx(30 / 50 - 10 / 40)
    assert comparison["significant"] is True  # 35 points on bases of 50 and 40: the test establishes it
    assert comparison["ci_low"] > 0


def test_third_survey_briefing_speaks_of_its_own_respondents(third):
    project, _ = third
    html = (project / "_output" / SURVEY / "briefing.html").read_text(encoding="utf-8")
    html = re.sub(r"<(style|script)\b.*?</\1>", " ", html, flags=re.DOTALL)  # the embedded fonts are not text
    text = re.sub(r"<[^>]+>", " ", html)
    assert "Staffing the wards" in text and "Length of shifts" in text
    assert re.search(r"ward sisters", text)
    for foreign in ("clinical director", "GP partner", "PCN", "primary care network"):
        assert foreign.lower() not in text.lower(), foreign
    for fmt in ("briefing.pdf", "briefing.docx"):
        assert (project / "_output" / SURVEY / fmt).stat().st_size > 0
    # The default survey's outputs are not this survey's: nothing was written to _output/ itself.
    assert not (project / "_output" / "briefing.html").exists()
