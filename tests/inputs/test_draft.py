"""`make codebook SURVEY=<name>` (briefing.inputs.draft): a codebook drafted from a survey's platform exports.

Exports are written here in a temporary project: a SurveyMonkey-style CSV, an Excel workbook, an SPSS file with
value labels, a Qualtrics CSV. The drafted codebook must load, every wave must validate against it, and the
columns holding personal data must be marked (by name and by content) so that no table holds them.
"""

from __future__ import annotations

import csv
import warnings
from pathlib import Path

import openpyxl
import pandas as pd
import pyreadstat
import pytest
import yaml

from briefing.inputs import draft
from briefing.inputs.codebook import load_codebook
from briefing.inputs.validate import read_survey

ADDRESS = "someone.real@example.org"
AGREE = ["Strongly agree", "Agree", "Neither agree nor disagree", "Disagree", "Strongly disagree"]
N = 40


def answers(i: int) -> dict:
    return {
        "role": ["Partner", "Salaried GP", "Locum"][i % 3],
        "agree": AGREE[(i * 7) % 4 + (i % 2)],  # never "Strongly disagree": the scale still gives its five points
        "helps": [o for k, o in enumerate(["Funding", "Staff", "Time"]) if (i >> k) & 1],
        "hours": (i * 13) % 40,
        "comment": f"My own words number {i}, which nobody else wrote in quite this way." if i % 4 else "",
        "contact": f"person{i}@example.org",
        "ip": f"198.51.100.{i + 1}",
        "phone": f"07700 900{i:03d}",
    }


def monkey_csv(path: Path) -> None:
    head = ["Respondent ID", "Start Date", "Email Address", "Contact me at", "IP", "Tel", "What is your role?"]
    head += ["I have enough time for patients", "What would help?", "", "", "Hours a week", "Anything else?"]
    second = ["", "", "", "Response", "Response", "Response", "Response", "Response", "Funding", "Staff", "Time"]
    second += ["Open-Ended Response", "Open-Ended Response"]
    rows = [head, second]
    for i in range(N):
        a = answers(i)
        ticks = [o if o in a["helps"] else "" for o in ("Funding", "Staff", "Time")]
        rows.append(
            [f"R{i:03d}", "2021-01-11", ADDRESS, a["contact"], a["ip"], a["phone"], a["role"], a["agree"], *ticks]
        )
        rows[-1] += [str(a["hours"]), a["comment"]]
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)


def workbook(path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Form1"
    sheet.append(["ID", "Email", "What is your role?", "I have enough time for patients", "Hours a week"])
    for i in range(N):
        a = answers(i + 1)
        sheet.append([f"F{i:03d}", ADDRESS, a["role"], a["agree"], a["hours"]])
    book.save(path)


def spss(path: Path) -> None:
    table = pd.DataFrame(
        {
            "caseid": [f"S{i:03d}" for i in range(N)],
            "q1": [float(i % 3 + 1) for i in range(N)],
            "q2": [float(i % 4 + 1) for i in range(N)],
        }
    )
    pyreadstat.write_sav(
        table,
        str(path),
        column_labels={"caseid": "Case ID", "q1": "What is your role?", "q2": "How is your workload?"},
        variable_value_labels={
            "q1": {1.0: "Partner", 2.0: "Salaried GP", 3.0: "Locum"},
            "q2": {1.0: "Low", 2.0: "Moderate", 3.0: "High", 4.0: "Very high"},  # a scale the tool does not know
        },
    )


@pytest.fixture
def project(tmp_path) -> Path:
    raw = tmp_path / "data" / "newsurvey" / "raw"
    raw.mkdir(parents=True)
    monkey_csv(raw / "export_2021.csv")
    workbook(raw / "export_2020.xlsx")
    return tmp_path


def drafted(project: Path, survey: str = "newsurvey") -> tuple[dict, str]:
    assert draft.main([survey, "--root", str(project)]) == 0
    folder = project / "data" / survey
    return yaml.safe_load((folder / "codebook.yml").read_text(encoding="utf-8")), (folder / "codebook.yml").read_text()


def by_source(book: dict) -> dict[str, dict]:
    found = {}
    for q in book["questions"]:
        for name in [q.get("source", q["id"])] if isinstance(q.get("source", q["id"]), str) else q["source"]:
            found[name] = q
    return found


def test_types_answers_and_the_column_map_are_drafted(project):
    book, text = drafted(project)
    questions = by_source(book)
    assert questions["Respondent ID"]["type"] == "id" and questions["ID"] is questions["Respondent ID"]
    assert questions["What is your role?"]["type"] == "single_choice"
    assert [r["value"] for r in questions["What is your role?"]["responses"]] == ["Partner", "Salaried GP", "Locum"]
    scale = questions["I have enough time for patients"]
    assert scale["type"] == "likert" and [r["value"] for r in scale["responses"]] == AGREE
    helps = questions["What would help?"]
    assert helps["type"] == "multiple_choice" and [r["value"] for r in helps["responses"]] == [
        "Funding",
        "Staff",
        "Time",
    ]
    assert questions["Hours a week"]["type"] == "numeric" and questions["Hours a week"]["integer"] is True
    assert questions["Anything else?"]["type"] == "free_text"
    assert questions["Anything else?"]["waves"] == ["2021"]  # the workbook of 2020 did not ask it
    assert [q["type"] for q in book["questions"][:2]] == ["id", "wave"]
    assert book["survey"]["reviewed"] is False and "TODO" in text
    assert book["ignored"] == ["Start Date"]


def test_personal_columns_are_marked_by_name_and_by_content(project):
    book, _ = drafted(project)
    assert set(book["personal"]) == {"Email Address", "Email", "Contact me at", "IP", "Tel"}
    assert not set(book["personal"]) & set(by_source(book))


def test_every_choice_question_gets_a_finding_and_every_theme_one(project):
    book, _ = drafted(project)
    choice = {q["id"] for q in book["questions"] if q["type"] in ("single_choice", "likert", "multiple_choice")}
    assert {f["question"] for f in book["findings"].values()} == choice
    assert {f["theme"] for f in book["findings"].values()} == {t["id"] for t in book["themes"]}
    scale = next(f for f in book["findings"].values() if f["counts"][0] == "Strongly agree")
    assert scale["counts"] == ["Strongly agree", "Agree"]


def test_the_draft_loads_and_every_wave_validates_without_personal_data(project):
    drafted(project)
    folder = project / "data" / "newsurvey"
    codebook = load_codebook(folder / "codebook.yml")
    assert codebook.survey.reviewed is False
    for wave, name in (("2020", "export_2020.xlsx"), ("2021", "export_2021.csv")):
        record = yaml.safe_load((folder / "raw" / name).with_suffix(".meta.yml").read_text())
        assert record["wave"] == wave and record["origin"] is None and record["licence"] is None
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no column left unmapped
            table = read_survey(folder / "raw" / name, codebook, wave)
        text = table.astype(str).to_csv()
        assert ADDRESS not in text and "@example.org" not in text and "198.51.100." not in text
    params = yaml.safe_load((folder / "params.yml").read_text())
    assert params["wave"] == "2021" and params["compare_wave"] == "latest"
    assert (folder / "codebook.meta.yml").is_file()


def test_spss_value_labels_give_the_answers_and_their_order(tmp_path):
    raw = tmp_path / "data" / "spss" / "raw"
    raw.mkdir(parents=True)
    spss(raw / "wave_2019.sav")
    book, _ = drafted(tmp_path, "spss")
    questions = by_source(book)
    assert questions["caseid"]["type"] == "id"
    workload = questions["q2"]
    assert workload["wording"] == "How is your workload?" and workload["type"] == "single_choice"
    assert [r["value"] for r in workload["responses"]] == ["Low", "Moderate", "High", "Very high"]
    codebook = load_codebook(tmp_path / "data" / "spss" / "codebook.yml")
    assert list(read_survey(raw / "wave_2019.sav", codebook, "2019")[workload["id"]].cat.categories)[-1] == "Very high"


def test_qualtrics_metadata_columns_are_personal_or_ignored(tmp_path):
    raw = tmp_path / "data" / "qx" / "raw"
    raw.mkdir(parents=True)
    names = ["StartDate", "IPAddress", "ResponseId", "RecipientEmail", "LocationLatitude", "Q1"]
    texts = ["Start Date", "IP Address", "Response ID", "Recipient Email", "Location Latitude", "Do you agree?"]
    ids = [f'{{"ImportId":"{n}"}}' for n in names]
    rows = [[f"2020-0{1 + i % 3}-01", f"203.0.113.{i}", f"R_{i}", "", "51.5", AGREE[i % 5]] for i in range(N)]
    with (raw / "qx_2020.csv").open("w", newline="") as handle:
        csv.writer(handle).writerows([names, texts, ids, *rows])
    book, _ = drafted(tmp_path, "qx")
    assert set(book["personal"]) == {"IPAddress", "RecipientEmail", "LocationLatitude"}
    assert book["ignored"] == ["StartDate"]
    assert yaml.safe_load((raw / "qx_2020.meta.yml").read_text())["layout"] == "qualtrics"


def test_a_written_codebook_is_never_overwritten(project, capsys):
    folder = project / "data" / "newsurvey"
    drafted(project)
    mine = folder / "codebook.yml"
    edited = mine.read_text().replace("- Contact me at\n", "").replace("  - value: Locum\n    label: Locum\n", "")
    mine.write_text(edited)
    records = {p: p.read_bytes() for p in folder.rglob("*.yml")}
    capsys.readouterr()
    assert draft.main(["newsurvey", "--root", str(project)]) == 0
    out = capsys.readouterr().out
    assert mine.read_text() == edited
    assert all(p.read_bytes() == content for p, content in records.items())  # records and params kept too
    assert (folder / "codebook.draft.yml").is_file()
    assert "left as it is: the draft is data/newsurvey/codebook.draft.yml" in out
    assert "column 'What is your role?': answers in the exports the codebook does not list: Locum" in out
    assert "personal data the codebook does not mark `personal:`: Contact me at" in out


def test_a_panel_keeps_its_ids_from_wave_to_wave(tmp_path):
    raw = tmp_path / "data" / "panel" / "raw"
    raw.mkdir(parents=True)
    for year in (2020, 2021):
        rows = [
            ["Respondent ID", "Are you a partner?"],
            *([f"P{i}", "Yes" if (i + year) % 3 else "No"] for i in range(N)),
        ]
        with (raw / f"panel_{year}.csv").open("w", newline="") as handle:
            csv.writer(handle).writerows(rows)
    book, _ = drafted(tmp_path, "panel")
    assert by_source(book)["Respondent ID"]["type"] == "id"


def test_two_exports_of_one_name(project, capsys):
    raw = project / "data" / "newsurvey" / "raw"
    (raw / "export_2021.xlsx").write_bytes((raw / "export_2020.xlsx").read_bytes())
    assert draft.main(["newsurvey", "--root", str(project)]) == 1
    assert "data/newsurvey/raw/export_2021.csv: another file in raw/ has the same name" in capsys.readouterr().err


def test_nothing_to_draft_from(tmp_path, capsys):
    (tmp_path / "data" / "empty" / "raw").mkdir(parents=True)
    assert draft.main(["empty", "--root", str(tmp_path)]) == 1
    assert "data/empty/raw/: no export to draft from" in capsys.readouterr().err
    assert draft.main(["absent", "--root", str(tmp_path)]) == 1
    assert "data/absent/: no such folder" in capsys.readouterr().err


def test_value_labels_of_one_wave_order_the_answers_of_all(tmp_path):
    from tests.test_exports_e2e import ROLES, write_research_unit_exports

    write_research_unit_exports(tmp_path / "data" / "unit" / "raw")  # 2020 SPSS (labelled), 2021 Qualtrics (text)
    book, _ = drafted(tmp_path, "unit")
    role = by_source(book)["Q1"]
    assert role["type"] == "single_choice" and [r["value"] for r in role["responses"]] == ROLES
    assert by_source(book)["Q2"]["type"] == "likert"
    assert set(book["personal"]) == {"IPAddress", "RecipientEmail"} and book["ignored"] == ["StartDate"]
