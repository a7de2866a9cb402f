"""Reading what survey platforms export (briefing.inputs.readers, through validate.read_survey): the same answers from
a CSV, a workbook, an SPSS file and SurveyMonkey's or Qualtrics's header rows; personal columns dropped; every bad
input one sentence naming the file and the place as the user sees it.

Every file is written here, in a temporary folder: workbooks with openpyxl, .sav files with pyreadstat.
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

from briefing import config
from briefing.inputs import readers
from briefing.inputs.codebook import CodebookError, load_codebook
from briefing.inputs.validate import SurveyValidationError, read_survey

CODEBOOK = {
    "survey": {"name": "Tiny survey", "respondents": {"singular": "member", "plural": "members"}, "reviewed": True},
    "separator": ";",
    "personal": ["Email Address", "IP Address"],
    "questions": [
        {"id": "rid", "type": "id", "wording": "Respondent", "required": True, "source": "Respondent ID"},
        {"id": "wave", "type": "wave", "wording": "Wave", "required": True},
        {
            "id": "role",
            "type": "single_choice",
            "wording": "What is your role?",
            "source": "What is your role?",
            "responses": [{"value": "Partner"}, {"value": "Salaried"}],
        },
        {
            "id": "helps",
            "type": "multiple_choice",
            "wording": "What would help?",
            "source": "What would help?",
            "responses": [{"value": "Funding"}, {"value": "Staff"}, {"value": "Time"}],
        },
        {"id": "hours", "type": "numeric", "wording": "Hours a week", "source": "Hours a week", "integer": True},
        {"id": "comments", "type": "free_text", "wording": "Anything else?", "source": "Anything else?"},
    ],
    "themes": [{"id": "all", "title": "All"}],
    "findings": {
        "partners": {"question": "role", "counts": ["Partner"], "theme": "all", "description": "are partners"}
    },
}
ADDRESS = "planted.person@example.org"
ROWS = [  # respondent, role, helps (ticked), hours, comment
    ("R1", "Partner", ["Funding", "Time"], 10, "Too much reporting"),
    ("R2", "Salaried", [], 4, None),
    ("R3", "Partner", ["Staff"], 12, "Café hours, £50 a week"),
]
EXPECTED_HELPS = ["Funding;Time", None, "Staff"]


@pytest.fixture
def codebook(tmp_path):
    path = tmp_path / "codebook.yml"
    path.write_text(yaml.safe_dump(CODEBOOK, sort_keys=False), encoding="utf-8")
    return load_codebook(path)


def meta(path: Path, **keys) -> Path:
    path.with_suffix(".meta.yml").write_text(yaml.safe_dump({"wave": "2021", **keys}), encoding="utf-8")
    return path


def monkey_rows() -> list[list]:
    """SurveyMonkey's layout: question texts (row 1), answer options (row 2), one column per option."""
    head = ["Respondent ID", "Email Address", "What is your role?", "What would help?", "", "", "Hours a week"]
    head += ["Anything else?"]
    options = ["", "", "Response", "Funding", "Staff", "Time", "Response", "Open-Ended Response"]
    body = [
        [rid, ADDRESS, role, *[o if o in ticked else "" for o in ("Funding", "Staff", "Time")], hours, comment or ""]
        for rid, role, ticked, hours, comment in ROWS
    ]
    return [head, options, *body]


def write_csv(path: Path, rows: list[list], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle, lineterminator="\r\n").writerows(rows)
    return path


def write_workbook(path: Path, rows: list[list], sheet: str = "Responses", before: int = 0) -> Path:
    book = openpyxl.Workbook()
    book.active.title = "About"
    book.active["A1"] = "Exported by the survey tool"
    data = book.create_sheet(sheet)
    for _ in range(before):
        data.append([])
    for row in rows:
        data.append([None if v == "" else v for v in row])
    book.save(path)
    return path


def read(path: Path, codebook, wave: str = "2021") -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return read_survey(path, codebook, wave)


def error_of(path: Path, codebook) -> str:
    with pytest.raises(SurveyValidationError) as caught:
        read_survey(path, codebook, "2021")
    message = str(caught.value)
    assert str(path) in message or path.name in message
    return message


def assert_the_rows(survey: pd.DataFrame) -> None:
    assert list(survey.columns) == ["rid", "wave", "role", "helps", "hours", "comments"]
    assert survey["rid"].tolist() == ["R1", "R2", "R3"]
    assert set(survey["wave"]) == {"2021"}  # from the record: the export has no wave column
    assert survey["role"].tolist() == ["Partner", "Salaried", "Partner"]
    assert [None if pd.isna(v) else v for v in survey["helps"]] == EXPECTED_HELPS
    assert survey["hours"].tolist() == [10, 4, 12] and str(survey["hours"].dtype) == "Int64"
    assert survey["comments"].iloc[2] == "Café hours, £50 a week"
    assert not survey.astype(str).apply(lambda c: c.str.contains(ADDRESS, regex=False)).any().any()


# --- the same answers from every format --------------------------------------------------------------------------
def test_a_surveymonkey_csv_folds_its_option_columns_and_drops_the_email(tmp_path, codebook):
    path = meta(write_csv(tmp_path / "monkey.csv", monkey_rows()))
    assert_the_rows(read(path, codebook))


def test_a_workbook_is_read_from_the_sheet_its_record_names(tmp_path, codebook):
    path = meta(write_workbook(tmp_path / "wave.xlsx", monkey_rows()), sheet="Responses")
    assert_the_rows(read(path, codebook))


def test_a_workbook_without_a_named_sheet_is_read_from_its_first(tmp_path, codebook):
    book = openpyxl.Workbook()
    for row in monkey_rows():
        book.active.append([None if v == "" else v for v in row])
    book.save(tmp_path / "wave.xlsx")
    assert_the_rows(read(meta(tmp_path / "wave.xlsx"), codebook))


def spss(path: Path, **overrides) -> Path:
    table = pd.DataFrame(
        {
            "RespondentID": [r[0] for r in ROWS],
            "Q1": [1.0, 2.0, 1.0],
            "Q2": [";".join(r[2]) for r in ROWS],
            "Q3": [float(r[3]) for r in ROWS],
            "Q4": [r[4] or "" for r in ROWS],
            "Email": [ADDRESS] * 3,
        }
    )
    labels = {"Q1": "What is your role?", "Q2": "What would help?", "Q3": "Hours a week", "Q4": "Anything else?"}
    value_labels = overrides.get("value_labels", {"Q1": {1.0: "Partner", 2.0: "Salaried"}})
    pyreadstat.write_sav(
        table,
        str(path),
        column_labels={**labels, "RespondentID": "Respondent ID", "Email": "Email Address"},
        variable_value_labels=value_labels,
    )
    return path


def test_an_spss_file_gives_answers_from_its_value_labels_and_finds_questions_by_variable_label(tmp_path, codebook):
    assert_the_rows(read(meta(spss(tmp_path / "wave.sav")), codebook))


def test_qualtrics_header_rows_map_by_question_id_or_text(tmp_path, codebook):
    rows = monkey_rows()
    head = ["ResponseId", "RecipientEmail", "Q1", "Q2", "Q3", "Q4"]
    texts = ["Respondent ID", "Email Address", "What is your role?", "What would help?", "Hours a week"]
    texts.append("Anything else?")
    import_ids = [f'{{"ImportId":"{name}"}}' for name in ("_recordId", "recipientEmail", "QID1", "QID2", "QID3")]
    import_ids.append('{"ImportId":"QID4_TEXT"}')
    body = [
        [r[0], ADDRESS, r[2], ",".join(t for t in ("Funding", "Staff", "Time") if t in r[3:6]), r[6], r[7]]
        for r in rows[2:]
    ]
    path = meta(write_csv(tmp_path / "qualtrics.csv", [head, texts, import_ids, *body]), separator=",")
    assert_the_rows(read(path, codebook))


def test_a_csv_in_the_encoding_its_record_declares(tmp_path, codebook):
    path = write_csv(tmp_path / "wave.csv", monkey_rows(), encoding="cp1252")
    message = error_of(meta(path), codebook)
    assert "not UTF-8" in message and "encoding: windows-1252" in message  # says how to declare it
    assert_the_rows(read(meta(path, encoding="windows-1252"), codebook))


def test_an_unmapped_export_column_is_ignored_with_a_warning_naming_where_it_is(tmp_path, codebook):
    rows = monkey_rows()
    rows = [r + [extra] for r, extra in zip(rows, ["Collector ID", "", "C1", "C1", "C1"], strict=True)]
    path = meta(write_workbook(tmp_path / "wave.xlsx", rows), sheet="Responses")
    with pytest.warns(UserWarning, match=r"sheet 'Responses' column I \('Collector ID'\) is not in the codebook"):
        read_survey(path, codebook, "2021")


# --- errors as the user sees the source ---------------------------------------------------------------------------
def test_a_bad_answer_in_a_workbook_names_its_sheet_row_and_column(tmp_path, codebook):
    rows = monkey_rows()
    rows[3][2] = "Locum"  # R2, the second respondent
    path = meta(write_workbook(tmp_path / "wave.xlsx", rows, before=2), sheet="Responses")
    message = error_of(path, codebook)
    assert "rows numbered as Excel shows them in sheet 'Responses'" in message
    assert "column 'role' (sheet 'Responses' column C ('What is your role?'))" in message
    assert "row 6 ('Locum')" in message  # two blank rows, two header rows, then R1 in row 5


def test_a_bad_answer_in_a_two_header_csv_is_numbered_as_a_spreadsheet_shows_it(tmp_path, codebook):
    rows = monkey_rows()
    rows[2][6] = "ten"
    message = error_of(meta(write_csv(tmp_path / "wave.csv", rows)), codebook)
    assert "the header rows are rows 1 to 2, the first respondent row 3" in message
    assert "column 'hours' (column 7 ('Hours a week'))" in message and "row 3 ('ten')" in message


def test_a_missing_sheet(tmp_path, codebook):
    path = meta(write_workbook(tmp_path / "wave.xlsx", monkey_rows()), sheet="Sheet1")
    message = error_of(path, codebook)
    assert "no sheet 'Sheet1' (sheets: About, Responses)" in message and "sheet:" in message


def test_a_corrupt_workbook(tmp_path, codebook):
    path = tmp_path / "wave.xlsx"
    write_workbook(path, monkey_rows())
    path.write_bytes(path.read_bytes()[:300])  # cut short, as a failed download leaves it
    message = error_of(meta(path), codebook)
    assert "not a readable Excel workbook" in message and "export it again" in message


def test_a_password_protected_workbook(tmp_path, codebook):
    path = tmp_path / "wave.xlsx"  # Excel saves an encrypted workbook as an OLE compound file
    path.write_bytes(readers.OLE_MAGIC + bytes(504))
    message = error_of(meta(path), codebook)
    assert "password-protected" in message and "remove the password" in message


def test_an_spss_value_with_no_label(tmp_path, codebook):
    path = meta(spss(tmp_path / "wave.sav", value_labels={"Q1": {1.0: "Partner"}}))
    message = error_of(path, codebook)
    assert "variable Q1: value(s) with no value label: case 2 (2)" in message


def test_an_spss_answer_the_codebook_does_not_allow_names_the_variable_and_case(tmp_path, codebook):
    path = meta(spss(tmp_path / "wave.sav", value_labels={"Q1": {1.0: "Partner", 2.0: "Locum"}}))
    message = error_of(path, codebook)
    assert "rows are SPSS cases, numbered from 1" in message
    assert "column 'role' (variable Q1 ('What is your role?')) breaks the rule: answer must be one of" in message
    assert "row 2 ('Locum')" in message


def test_two_export_columns_mapped_to_one_question(tmp_path, codebook):
    rows = [
        r + [extra] for r, extra in zip(monkey_rows(), ["What is your role?", "Response", "X", "Y", "Z"], strict=True)
    ]
    message = error_of(meta(write_csv(tmp_path / "wave.csv", rows)), codebook)
    assert "column 3 ('What is your role?') and column 9 ('What is your role?')" in message


def test_an_answer_option_in_the_header_rows_the_codebook_does_not_know(tmp_path, codebook):
    rows = monkey_rows()
    rows[1][5] = "More time"
    message = error_of(meta(write_csv(tmp_path / "wave.csv", rows)), codebook)
    assert "column 6 ('What would help?', option 'More time')" in message
    assert "header rows do not match the codebook" in message


def test_a_question_whose_source_is_not_in_the_header_rows(tmp_path, codebook):
    rows = monkey_rows()
    rows[0][6] = "Hours per week"
    with pytest.warns(UserWarning, match=r"column 7 \('Hours per week'\) is not in the codebook"):
        message = error_of(meta(write_csv(tmp_path / "wave.csv", rows)), codebook)
    assert "column 'hours' breaks the rule: required column" in message
    assert (
        "its `source:` 'Hours a week' names no column of the export's header rows; the nearest is 'Hours per week'"
        in message
    )


def test_a_workbook_saved_as_csv_is_an_encoding_error_not_a_crash(tmp_path, codebook):
    """The issue's first defect: an .xlsx renamed .csv (or so saved) crashed inside the error path (_csv.Error)."""
    path = tmp_path / "wave.xlsx"
    write_workbook(path, monkey_rows())
    renamed = tmp_path / "wave.csv"
    renamed.write_bytes(path.read_bytes())
    assert "not UTF-8 text: byte 0x" in error_of(renamed, codebook)


@pytest.mark.parametrize("suffix", [".ods", ".xls", ""])
def test_a_file_type_the_tool_does_not_read(tmp_path, codebook, suffix):
    path = tmp_path / f"wave{suffix}"
    path.write_bytes(b"PK\x03\x04 not read")
    message = error_of(path, codebook)
    assert "is not a type this tool reads (.csv, .xlsx, .sav)" in message


def test_a_personal_column_cannot_be_a_question(tmp_path):
    raw = {**CODEBOOK, "personal": ["Respondent ID"]}
    (tmp_path / "codebook.yml").write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(CodebookError, match=r"personal: 'respondent id' is question 'rid'"):
        load_codebook(tmp_path / "codebook.yml")


def test_the_frame_crosscheck_reads_a_workbook_wave_through_its_reader(tmp_path):
    from briefing.inputs import crosscheck
    from tests.conftest import ROOT

    survey = ROOT / "data" / "pcn-clinical-directors"
    wave = pd.read_csv(survey / "raw" / "pcn_cd_survey_2019.csv", dtype=str, keep_default_na=False)
    book = openpyxl.Workbook()
    book.active.append(list(wave.columns))
    for row in wave.itertuples(index=False):
        book.active.append([v or None for v in row])
    book.active["D3"].value = 9_999_999  # the second respondent, in row 3: a list size no PCN of its region has
    book.save(tmp_path / "wave.xlsx")
    frame = survey / "reference" / "pcn_frame_2019-20.csv"
    inputs = crosscheck.read_inputs(tmp_path / "wave.xlsx", frame, load_codebook(survey / "codebook.yml"))
    assert inputs is not None and len(inputs.wave) == len(wave)
    params = config.load(ROOT / "params.yml", wave="2019")
    problems = [p for p in crosscheck.check_wave(inputs, params) if "pcn_list_size" in p]
    assert len(problems) == 1 and "row 3 ('9999999')" in problems[0]


def test_a_source_must_name_columns(tmp_path):
    raw = {**CODEBOOK, "questions": [{**CODEBOOK["questions"][0], "source": 5}, *CODEBOOK["questions"][1:]]}
    (tmp_path / "codebook.yml").write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(CodebookError, match=r"question 'rid': `source` must be an export column's name"):
        load_codebook(tmp_path / "codebook.yml")


def test_a_question_whose_two_named_columns_are_both_in_the_export(tmp_path):
    raw = {**CODEBOOK, "questions": [{**CODEBOOK["questions"][0], "source": ["Respondent ID", "ID"]}]}
    raw["questions"] += CODEBOOK["questions"][1:]
    (tmp_path / "codebook.yml").write_text(yaml.safe_dump(raw), encoding="utf-8")
    rows = [r + [extra] for r, extra in zip(monkey_rows(), ["ID", "", "1", "2", "3"], strict=True)]
    message = error_of(meta(write_csv(tmp_path / "wave.csv", rows)), load_codebook(tmp_path / "codebook.yml"))
    assert "column 1 ('Respondent ID') and column 9 ('ID') both map to question 'rid'" in message
