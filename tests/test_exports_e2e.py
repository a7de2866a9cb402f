"""From a survey platform's export to a draft briefing in two commands (issue 18), end to end, in a copy of the
project: `make codebook SURVEY=<name>` on exports written here (an Excel workbook and a SurveyMonkey-style CSV,
each carrying respondents' e-mail and IP addresses), then `make report SURVEY=<name>` on the unedited draft; and the
GP partners' example, shipped as such exports. Every file built is searched for the personal data.
"""

from __future__ import annotations

import csv
import json
import re
import zipfile
from pathlib import Path

import docx
import openpyxl
import pandas as pd
import pypdf
import pyreadstat
import pytest
import yaml

from tests.conftest import GP_SURVEY, ROOT, copy_project, make

pytestmark = [
    pytest.mark.e2e,
    # A survey other than the PCN one builds once the analysis reads the codebook (issue 17: notebooks/theme.ipynb).
    pytest.mark.skipif(
        not (ROOT / "notebooks" / "theme.ipynb").is_file(), reason="this pipeline cannot build a second survey yet"
    ),
]

SURVEY = "newsurvey"  # an Excel workbook and a SurveyMonkey CSV
UNIT = "unitsurvey"  # an SPSS file and a Qualtrics CSV
PLANTED = "planted.respondent@example.org"
PLANTED_IP = re.compile(rb"198\.51\.100\.\d+")
GP_PERSONAL = re.compile(rb"gpp\d{4}@practice\.example|192\.0\.2\.\d+")
ROLES = ["Partner", "Salaried GP", "Locum"]
AGREE = ["Strongly agree", "Agree", "Neither agree nor disagree", "Disagree", "Strongly disagree"]
HELPS = ["Funding", "Staff", "Time"]
N = 60


def answer(i: int, wave: int) -> tuple[str, str, list[str], int]:
    return ROLES[(i + wave) % 3], AGREE[(i * 7 + wave) % 5], [h for k, h in enumerate(HELPS) if (i >> k) & 1], i % 30


def write_exports(raw: Path) -> None:
    raw.mkdir(parents=True)
    book = openpyxl.Workbook()
    book.active.append(["ID", "Email", "What is your role?", "I have enough time for patients", "Hours a week"])
    for i in range(N):
        role, agree, _, hours = answer(i, 2020)
        book.active.append([f"A{i:03d}", PLANTED, role, agree, hours])
    book.save(raw / "members_2020.xlsx")
    rows = [
        [
            "Respondent ID",
            "Email Address",
            "IP Address",
            "What is your role?",
            "I have enough time for patients",
            "What would help?",
            "",
            "",
            "Hours a week",
        ],
        ["", "", "", "Response", "Response", *HELPS, "Open-Ended Response"],
    ]
    for i in range(N):
        role, agree, helps, hours = answer(i, 2021)
        rows.append([f"B{i:03d}", PLANTED, f"198.51.100.{i}", role, agree, *[h if h in helps else "" for h in HELPS]])
        rows[-1].append(str(hours))
    with (raw / "members_2021.csv").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)


def write_research_unit_exports(raw: Path) -> None:
    """2020 from SPSS (value labels), 2021 a Qualtrics CSV: the same question ids, as Qualtrics exports both."""
    raw.mkdir(parents=True)
    codes = {role: float(k) for k, role in enumerate(ROLES, start=1)}
    scale = {point: float(k) for k, point in enumerate(AGREE, start=1)}
    table = pd.DataFrame(
        {
            "ResponseId": [f"R_{i:03d}" for i in range(N)],
            "RecipientEmail": [PLANTED] * N,
            "Q1": [codes[answer(i, 2020)[0]] for i in range(N)],
            "Q2": [scale[answer(i, 2020)[1]] for i in range(N)],
        }
    )
    pyreadstat.write_sav(
        table,
        str(raw / "unit_2020.sav"),
        column_labels={
            "ResponseId": "Response ID",
            "RecipientEmail": "Recipient Email",
            "Q1": "What is your role?",
            "Q2": "I have enough time for patients",
        },
        variable_value_labels={"Q1": {v: k for k, v in codes.items()}, "Q2": {v: k for k, v in scale.items()}},
    )
    names = ["StartDate", "IPAddress", "ResponseId", "RecipientEmail", "Q1", "Q2"]
    texts = ["Start Date", "IP Address", "Response ID", "Recipient Email", "What is your role?"]
    texts.append("I have enough time for patients")
    rows = [names, texts, [f'{{"ImportId":"{n}"}}' for n in names]]
    for i in range(N):
        role, agree, _, _ = answer(i, 2021)
        rows.append(["2021-03-01 10:00:00", f"198.51.100.{i}", f"R_{i + N:03d}", PLANTED, role, agree])
    with (raw / "unit_2021.csv").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    project = copy_project(tmp_path_factory.mktemp("exports"))
    write_exports(project / "data" / SURVEY / "raw")
    write_research_unit_exports(project / "data" / UNIT / "raw")
    for survey in (SURVEY, UNIT):
        make(project, "codebook", SURVEY=survey)
        make(project, "report", SURVEY=survey, ENGINE="pandoc")
    return project


def texts_of(path: Path) -> bytes:
    """A built file's bytes, and the text inside it where it is packed (PDF, Word, any zip)."""
    data = path.read_bytes()
    if path.suffix == ".pdf":
        return data + "".join(page.extract_text() for page in pypdf.PdfReader(path).pages).encode()
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as packed:
            return data + b"".join(packed.read(name) for name in packed.namelist())
    return data


def built_files(project: Path) -> list[Path]:
    return [
        p
        for folder in ("build", "_output")
        for p in (project / folder).rglob("*")
        if p.is_file() and not p.is_symlink()
    ]


@pytest.mark.parametrize("survey", [SURVEY, UNIT])
def test_the_unedited_draft_builds_a_briefing_marked_draft(project, survey):
    out = project / "_output" / survey
    html = re.sub(r"\s+", " ", (out / "briefing.html").read_text(encoding="utf-8"))
    first = html[: html.index('<section id="key-findings"')]  # the page's opening, before its first section
    assert '<div class="briefing-callout-title"> Draft </div>' in first and "This briefing is a draft" in first
    page_one = pypdf.PdfReader(out / "briefing.pdf").pages[0].extract_text()
    assert "Draft" in page_one and "This briefing is a draft" in re.sub(r"\s+", " ", page_one)
    opening = re.sub(r"\s+", " ", " ".join(p.text for p in docx.Document(out / "briefing.docx").paragraphs[:15]))
    assert "This briefing is a draft" in opening
    assert "Origin: not recorded. Licence: not recorded." in re.sub(r"<[^>]+>", "", html)


@pytest.mark.parametrize("survey", [SURVEY, UNIT])
def test_the_draft_charts_every_choice_question_and_words_its_findings(project, survey):
    codebook = yaml.safe_load((project / "data" / survey / "codebook.yml").read_text(encoding="utf-8"))
    findings = json.loads((project / "_output" / survey / "findings.json").read_text(encoding="utf-8"))["findings"]
    for fid in codebook["findings"]:
        assert findings[fid]["value"] is not None and 0 <= findings[fid]["value"] <= 1, fid
    charted = {r.get("question") for r in findings.values() if r.get("kind") == "figure"}
    choice = {q["id"] for q in codebook["questions"] if q["type"] in ("single_choice", "likert", "multiple_choice")}
    assert choice <= charted


def test_no_built_file_holds_the_exports_personal_data(project):
    files = built_files(project)
    assert any(p.suffix == ".pdf" for p in files) and any(p.suffix == ".ipynb" for p in files)
    holding = [p for p in files if PLANTED.encode() in texts_of(p) or PLANTED_IP.search(texts_of(p))]
    assert holding == []


def test_the_gp_example_builds_from_its_exports_without_their_personal_data(gp_pandoc):
    """The GP partners' example as shipped (its one build, conftest's `gp_pandoc`, which tests/test_gp_e2e.py reads)."""
    findings = json.loads((gp_pandoc / "_output" / GP_SURVEY / "findings.json").read_text(encoding="utf-8"))
    record = gp_pandoc / "data" / GP_SURVEY / "raw" / "gp_partners_des_2021.meta.yml"
    invented = yaml.safe_load(record.read_text(encoding="utf-8"))["invented_figures_percent"]
    assert {fid: round(100 * findings["findings"][fid]["value"]) for fid in invented} == invented  # same figures
    holding = [p for p in built_files(gp_pandoc) if GP_PERSONAL.search(texts_of(p))]
    assert holding == []


def test_a_corrupt_workbook_stops_the_build_in_one_sentence_and_keeps_the_last_briefing(project):
    out = project / "_output" / SURVEY
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    workbook = project / "data" / SURVEY / "raw" / "members_2020.xlsx"
    good = workbook.read_bytes()
    try:
        workbook.write_bytes(good[:400])
        result = make(project, "report", SURVEY=SURVEY, ENGINE="pandoc", check=False)
    finally:
        workbook.write_bytes(good)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert f"data/{SURVEY}/raw/members_2020.xlsx: not a readable Excel workbook" in result.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
