"""Survey validation: each bad input gives an error naming the file, the column, the rule and the rows.

Crafted files are made in tmp_path from the committed example wave. Rows are spreadsheet rows: the header is
row 1, so the respondent at position i (0-based) is row i + 2.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pandas as pd
import pytest
import yaml

from briefing.inputs.codebook import load_codebook
from briefing.inputs.validate import SurveyValidationError, main, read_survey
from tests.conftest import ROOT, SURVEY  # noqa: E402

EXAMPLE = ROOT / "data/pcn-clinical-directors/raw/pcn_cd_survey_2019.csv"
CODEBOOK = ROOT / "data/pcn-clinical-directors/codebook.yml"
WAVE = "2019"


@pytest.fixture(scope="module")
def codebook():
    return load_codebook(CODEBOOK)


@pytest.fixture
def example() -> pd.DataFrame:
    """The example wave as text cells (blanks as empty strings), ready to be broken."""
    return pd.read_csv(EXAMPLE, dtype=str, keep_default_na=False)


def row(position: int) -> int:
    return position + 2


def write(tmp_path: Path, table: pd.DataFrame, name: str = "wave.csv") -> Path:
    path = tmp_path / name
    table.to_csv(path, index=False, lineterminator="\n")
    return path


def error_for(path: Path, codebook, wave: str = WAVE) -> str:
    with pytest.raises(SurveyValidationError) as caught:
        read_survey(path, codebook, wave)
    message = str(caught.value)
    assert str(path) in message
    return message


def test_example_wave_is_valid_and_typed(codebook):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        survey = read_survey(EXAMPLE, codebook, WAVE)
    assert list(survey.columns) == [q.id for q in codebook.asked_in(WAVE)]
    assert "protected_time" not in survey.columns  # asked first in 2020
    assert len(survey) == len(pd.read_csv(EXAMPLE))
    for question in (q for q in codebook.asked_in(WAVE) if q.type in ("single_choice", "likert")):
        dtype = survey[question.id].dtype
        assert isinstance(dtype, pd.CategoricalDtype) and dtype.ordered
        assert list(dtype.categories) == question.values()
    assert str(survey["pcn_list_size"].dtype) == "Int64"
    assert set(survey["wave"]) == {WAVE}
    assert survey["comments"].isna().sum() > 0  # blanks are NA, not ""


def test_missing_column(tmp_path, example, codebook):
    path = write(tmp_path, example.drop(columns="workload_impact"))
    message = error_for(path, codebook)
    assert "'workload_impact'" in message and "missing from the header" in message


def test_unknown_response_value(tmp_path, example, codebook):
    example.loc[3, "region"] = "Narnia"
    message = error_for(write(tmp_path, example), codebook)
    assert "'region'" in message and "must be one of" in message
    assert f"row {row(3)} ('Narnia')" in message


def test_unknown_multiple_choice_member(tmp_path, example, codebook):
    example.loc[5, "priorities"] = "Adequate funding;Free lunches"
    message = error_for(write(tmp_path, example), codebook)
    assert "'priorities'" in message and "separated choice must be one of" in message
    assert f"row {row(5)} ('Adequate funding;Free lunches')" in message


def test_duplicate_respondent_id(tmp_path, example, codebook):
    example.loc[9, "respondent_id"] = example.loc[2, "respondent_id"]
    message = error_for(write(tmp_path, example), codebook)
    assert "'respondent_id'" in message and "must be unique" in message
    assert f"rows {row(2)} ('{example.loc[2, 'respondent_id']}'), {row(9)}" in message


def test_non_numeric_list_size(tmp_path, example, codebook):
    example.loc[0, "pcn_list_size"] = "about 40k"
    example.loc[6, "pcn_list_size"] = "n/a"
    message = error_for(write(tmp_path, example), codebook)
    assert "'pcn_list_size'" in message and "must be a number" in message
    assert f"rows {row(0)} ('about 40k'), {row(6)} ('n/a')" in message


def test_out_of_range_and_fractional_list_size(tmp_path, example, codebook):
    example.loc[1, "pcn_list_size"] = "999"
    example.loc[4, "pcn_list_size"] = "600000"
    example.loc[8, "pcn_list_size"] = "45000.5"
    message = error_for(write(tmp_path, example), codebook)
    question = codebook.questions["pcn_list_size"]
    assert f"must be between {question.min} and {question.max}; rows {row(1)} ('999'), {row(4)} ('600000')" in message
    assert f"must be a whole number; row {row(8)} ('45000.5')" in message


def test_required_answer_blank(tmp_path, example, codebook):
    example.loc[7, "region"] = ""
    message = error_for(write(tmp_path, example), codebook)
    assert "'region'" in message and "an answer is required" in message and f"row {row(7)}" in message


def test_wrong_wave_label_lists_first_rows_and_counts_the_rest(tmp_path, example, codebook):
    example["wave"] = "2020"
    message = error_for(write(tmp_path, example), codebook)
    assert "'wave'" in message and "must be the requested wave '2019'" in message
    assert f"rows {row(0)} ('2020')" in message and f"and {len(example) - 10} more" in message


def test_requesting_another_wave_fails_on_the_example(codebook):
    message = error_for(EXAMPLE, codebook, wave="2021")
    assert "must be the requested wave '2021'" in message


def test_empty_file(tmp_path, codebook):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    assert "empty" in error_for(path, codebook)


def test_header_only_file(tmp_path, codebook):
    path = tmp_path / "header.csv"
    path.write_text(EXAMPLE.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    assert "header row but no respondents" in error_for(path, codebook)


def test_utf8_bom_passes(tmp_path, codebook):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + EXAMPLE.read_bytes())
    pd.testing.assert_frame_equal(read_survey(path, codebook, WAVE), read_survey(EXAMPLE, codebook, WAVE))


def test_windows_line_endings_pass(tmp_path, codebook):
    path = tmp_path / "crlf.csv"
    path.write_bytes(EXAMPLE.read_bytes().replace(b"\n", b"\r\n"))
    pd.testing.assert_frame_equal(read_survey(path, codebook, WAVE), read_survey(EXAMPLE, codebook, WAVE))


def test_latin1_file_is_rejected_with_line_and_remedy(tmp_path, example, codebook):
    example.loc[4, "comments"] = "Caf\u00e9 meetings help"
    path = tmp_path / "latin1.csv"
    example.to_csv(path, index=False, lineterminator="\n", encoding="latin-1")
    message = error_for(path, codebook)
    assert "not UTF-8" in message and f"line {row(4)}" in message and "'\u00e9'" in message
    assert "CSV UTF-8" in message


def test_invalid_utf8_in_the_comments_names_the_file_row_column_and_rule(tmp_path, example, codebook):
    example.loc[6, "comments"] = "placeholder, with a comma"
    path = tmp_path / "bad-bytes.csv"
    example.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")
    path.write_bytes(path.read_bytes().replace(b"placeholder", b"bad \xff\xfe bytes"))
    message = error_for(path, codebook)
    assert str(path) in message and f"byte 0xff on line {row(6)}, column `comments`" in message
    assert "not UTF-8 text" in message


def test_several_breaches_are_reported_together(tmp_path, example, codebook):
    example.loc[3, "region"] = "Narnia"
    example.loc[9, "respondent_id"] = example.loc[2, "respondent_id"]
    example.loc[0, "pcn_list_size"] = "lots"
    example = example.drop(columns="relationship_system")
    message = error_for(write(tmp_path, example), codebook)
    assert "4 breach(es)" in message
    for column in ("region", "respondent_id", "pcn_list_size", "relationship_system"):
        assert f"column '{column}'" in message
    assert "header is row 1" in message  # the row convention is stated


def test_unknown_extra_column_warns_and_is_dropped(tmp_path, example, codebook):
    path = write(tmp_path, example.assign(interviewer="X"))
    with pytest.warns(UserWarning, match=r"wave\.csv.*'interviewer'"):
        survey = read_survey(path, codebook, WAVE)
    assert "interviewer" not in survey.columns


# --- CLI ------------------------------------------------------------------------------------------------------
def project(tmp_path: Path, survey: Path) -> Path:
    """A throwaway project folder: params.yml, the survey's codebook and parameters, and the given wave (with its
    record) as the example wave these tests break."""
    folder = tmp_path / "data" / SURVEY
    (folder / "raw").mkdir(parents=True)
    for name in ("codebook.yml", "params.yml"):
        shutil.copy(ROOT / "data" / SURVEY / name, folder / name)
    shutil.copy(survey, folder / "raw" / f"pcn_cd_survey_{WAVE}.csv")
    shutil.copy(
        ROOT / "data" / SURVEY / "raw" / f"pcn_cd_survey_{WAVE}.meta.yml",
        folder / "raw" / f"pcn_cd_survey_{WAVE}.meta.yml",
    )
    (tmp_path / "params.yml").write_text(yaml.safe_dump({"survey": SURVEY, "wave": WAVE}), encoding="utf-8")
    return tmp_path / "params.yml"


def test_cli_summary_on_a_valid_wave(tmp_path, capsys):
    assert main(["--params", str(project(tmp_path, EXAMPLE))]) == 0
    out = capsys.readouterr().out
    assert "pcn_cd_survey_2019.csv" in out and f"{len(pd.read_csv(EXAMPLE))} rows" in out and "0 warning(s)" in out


def test_cli_reports_a_bad_wave_on_stderr_and_exits_1(tmp_path, example, capsys):
    example.loc[3, "region"] = "Narnia"
    bad = write(tmp_path, example, "bad.csv")
    assert main(["--params", str(project(tmp_path / "p", bad))]) == 1
    captured = capsys.readouterr()
    assert "Narnia" in captured.err and "Traceback" not in captured.err and captured.out == ""


def test_cli_as_a_module_on_the_repository():
    for wave in ("2019", "2020"):
        done = subprocess.run(
            [sys.executable, "-m", "briefing.inputs.validate", "--wave", wave], cwd=ROOT, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        assert f"data/pcn-clinical-directors/raw/pcn_cd_survey_{wave}.csv is valid" in done.stdout


# --- waves: a question asked in some waves only, an answer reworded between waves ---------------------------------
WAVE_2020 = ROOT / "data" / "pcn-clinical-directors" / "raw" / "pcn_cd_survey_2020.csv"


def test_reworded_answer_is_read_as_its_canonical_value(codebook):
    raw = pd.read_csv(WAVE_2020, dtype=str, keep_default_na=False)
    assert "Not manageable" in set(raw["workload_manageable"]) and "Unmanageable" not in set(raw["workload_manageable"])
    survey = read_survey(WAVE_2020, codebook, "2020")
    assert (
        int((survey["workload_manageable"] == "Unmanageable").sum())
        == int((raw["workload_manageable"] == "Not manageable").sum())
        == 107
    )
    assert list(survey["workload_manageable"].cat.categories) == ["Manageable", "Just about manageable", "Unmanageable"]


def test_the_canonical_wording_is_a_breach_in_a_wave_that_exports_another(tmp_path, codebook):
    raw = pd.read_csv(WAVE_2020, dtype=str, keep_default_na=False)
    raw["workload_manageable"] = raw["workload_manageable"].replace("Not manageable", "Unmanageable")
    message = error_for(write(tmp_path, raw), codebook, wave="2020")
    assert "for wave 2020" in message and "'workload_manageable'" in message and "'Not manageable'" in message


def test_question_new_in_2020_is_absent_from_2019_and_required_in_2020(tmp_path, codebook, example):
    assert "protected_time" not in read_survey(EXAMPLE, codebook, WAVE).columns
    raw = pd.read_csv(WAVE_2020, dtype=str, keep_default_na=False)
    message = error_for(write(tmp_path, raw.drop(columns="protected_time")), codebook, wave="2020")
    assert "for wave 2020" in message and "'protected_time'" in message and "asked in wave 2020" in message


def test_a_column_asked_only_in_another_wave_is_a_breach_naming_the_waves(tmp_path, codebook, example):
    message = error_for(write(tmp_path, example.assign(protected_time="Yes")), codebook)
    assert "for wave 2019" in message and "'protected_time'" in message
    assert "only in wave(s) 2020, not in wave 2019" in message and "remove the column" in message
