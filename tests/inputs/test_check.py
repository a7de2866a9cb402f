"""The input gate (briefing.inputs.check): each data file read as a file first (a header one column short, a quote
left open, a row too wide, a provenance record whose `rows:` disagrees, a missing record) with one sentence naming
the file, the row and the line, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefing.inputs import check
from briefing.inputs import survey as waves
from tests.conftest import copy_inputs

WAVE, FRAME = (
    "data/pcn-clinical-directors/raw/pcn_cd_survey_2020.csv",
    "data/pcn-clinical-directors/reference/pcn_frame_2020-21.csv",
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_inputs(tmp_path)


def run_check(project: Path, capsys, *extra: str) -> tuple[int, str]:
    code = check.main(["--params", str(project / "params.yml"), "--wave", "2020", *extra])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.err


def lines_of(project: Path, name: str = WAVE) -> list[str]:
    return (project / name).read_text(encoding="utf-8").splitlines(keepends=True)


def write_lines(project: Path, lines: list[str], name: str = WAVE) -> None:
    (project / name).write_text("".join(lines), encoding="utf-8")


def test_the_example_wave_passes(project, capsys):
    code, err = run_check(project, capsys)
    assert code == 0, err


def test_the_codebook_needs_its_provenance_record(project, capsys):
    (project / "data/pcn-clinical-directors/codebook.meta.yml").unlink()
    code, err = run_check(project, capsys)
    assert (
        code == 1
        and "data/pcn-clinical-directors/codebook.meta.yml: not found: every data file needs its provenance record beside it"
        in err
    )


def test_a_header_one_column_short_is_named_not_a_traceback(project, capsys):
    """It used to shift every column by one (the first read as the index) and end in a traceback."""
    lines = lines_of(project)
    lines[0] = lines[0].rsplit(",", 1)[0] + "\n"
    write_lines(project, lines)
    code, err = run_check(project, capsys)
    assert code == 1
    assert err.strip() == (
        f"check: {WAVE}: the header (row 1) names 13 columns but every row has 14 fields: "
        "a column name is missing from the header row"
    )


def test_a_quote_never_closed_is_named_with_its_row_and_line(project, capsys):
    lines = lines_of(project)
    lines[-3] = lines[-3].replace(",", ',"', 1)  # opens a quote three rows from the end; nothing closes it
    write_lines(project, lines)
    code, err = run_check(project, capsys)
    assert code == 1
    row = len(lines) - 2  # the header is row 1
    assert f"{WAVE}: row {row}, from line {row}: a quoted value is never closed, so the file ends inside quotes" in err


def test_text_after_a_closing_quote_is_named(project, capsys):
    lines = lines_of(project)
    cells = lines[4].split(",")
    cells[0] = f'"{cells[0]}"x'
    lines[4] = ",".join(cells)
    write_lines(project, lines)
    code, err = run_check(project, capsys)
    assert code == 1 and f"{WAVE}: row 5 (line 5): text follows a closing quote before the next comma" in err


def test_a_row_too_wide_is_named_with_its_row_and_line(project, capsys):
    lines = lines_of(project)
    lines[6] = lines[6].replace(",", ",,", 1)
    write_lines(project, lines)
    code, err = run_check(project, capsys)
    assert code == 1
    assert f"{WAVE}: the header (row 1) names 14 columns, but row 7 (line 7) has 15 fields" in err


def test_a_record_whose_rows_disagree_with_its_file_is_an_error(project, capsys):
    meta = project / "data/pcn-clinical-directors/reference/pcn_frame_2020-21.meta.yml"
    meta.write_text(meta.read_text().replace("rows: 1251", "rows: 1250"))
    code, err = run_check(project, capsys)
    assert code == 1
    assert (
        f"data/pcn-clinical-directors/reference/pcn_frame_2020-21.meta.yml: rows: 1,250, but {FRAME} has 1,251 data rows: the record "
        "describes another version of the file"
    ) in err


def test_a_wave_whose_record_states_its_rows_is_held_to_them(project, capsys):
    meta = project / "data/pcn-clinical-directors/raw/pcn_cd_survey_2020.meta.yml"
    meta.write_text(meta.read_text() + "rows: 198\n")
    assert run_check(project, capsys)[0] == 0
    write_lines(project, lines_of(project)[:-1])  # a respondent lost
    code, err = run_check(project, capsys)
    assert code == 1 and f"rows: 198, but {WAVE} has 197 data rows" in err


def test_a_missing_provenance_record_is_a_sentence(project):
    (project / "data/pcn-clinical-directors/raw/pcn_cd_survey_2020.meta.yml").unlink()
    from briefing import config

    with pytest.raises(
        waves.WaveError,
        match=r"^data/pcn-clinical-directors/raw/: wave 2020 is named in params.yml but no "
        r"file's .meta.yml names it \(waves present: 2019\)",
    ):
        config.load(project / "params.yml")  # a wave is the file whose record names it: no record, no wave


def test_a_bad_parameter_file_is_a_sentence_too(project, capsys):
    params = project / "data/pcn-clinical-directors/params.yml"
    params.write_text(params.read_text().replace("confidence_level: 0.95", "confidence_level: 95"))
    code, err = run_check(project, capsys)
    assert code == 1 and "params.yml: confidence_level must be a proportion between 0 and 1" in err


def test_a_build_s_waves_are_checked_in_one_process_each_failing_file_named(project, capsys):
    """Each wave was checked in a process of its own (a second of imports each); in one, a failing wave must
    not hide another: both files are named, and a good wave between them still says so."""
    for name in (WAVE, "data/pcn-clinical-directors/raw/pcn_cd_survey_2019.csv"):
        lines = lines_of(project, name)
        lines[0] = lines[0].rsplit(",", 1)[0] + "\n"
        write_lines(project, lines, name)
    code = check.main(["--params", str(project / "params.yml"), "--wave", "2019", "--wave", "2020"])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    assert "pcn_cd_survey_2019.csv" in err and "pcn_cd_survey_2020.csv" in err


def test_every_wave_named_passes_in_one_call(project, capsys):
    code = check.main(["--params", str(project / "params.yml"), "--wave", "2019", "--wave", "2020"])
    out = capsys.readouterr().out
    named = [line.split(" is valid")[0].rsplit("/", 1)[-1] for line in out.splitlines()]
    assert code == 0 and named == ["pcn_cd_survey_2019.csv", "pcn_cd_survey_2020.csv"]


# --- what validation keeps: the wave and its frame, typed, read once ----------------------------------------------


def test_validation_keeps_the_wave_and_its_frame_as_it_read_them(project, capsys):
    """The raw files are read once, at validation: what it read, typed, is what the notebooks and the quotes
    read (inputs/validated.py), so they never open the raw files again."""
    from briefing.analysis import themes
    from briefing.inputs import validated
    from briefing.inputs.codebook import load_codebook
    from briefing.inputs.validate import read_survey

    kept = project / "build" / "typed.pkl"
    code, err = run_check(project, capsys, "--typed", str(kept))
    assert code == 0, err
    survey, frame = validated.read(kept)
    codebook = load_codebook(project / "data/pcn-clinical-directors/codebook.yml")
    read = read_survey(project / WAVE, codebook, "2020")
    assert survey.equals(read) and list(survey.dtypes) == list(read.dtypes) and len(survey) == 198
    assert frame is not None and frame["pcn_code"].str.match(r"^U\d{5}$").all()  # codes kept as text
    (project / WAVE).write_text("not the wave any more\n", encoding="utf-8")  # unread from here on
    (project / FRAME).unlink()
    ctx = themes.load_context(project / "params.yml", typed_path=kept, wave="2020")
    assert ctx.survey.equals(read) and ctx.frame.equals(frame)


def test_a_wave_that_fails_keeps_no_copy(project, capsys):
    lines = lines_of(project)
    lines[1] = lines[1].replace(",", ",,", 1)
    write_lines(project, lines)
    kept = project / "build" / "typed.pkl"
    code, _ = run_check(project, capsys, "--typed", str(kept))
    assert code == 1 and not kept.exists() and not list((project / "build").glob(".typed.pkl.*"))


def test_one_typed_copy_per_wave(project, capsys):
    with pytest.raises(SystemExit):
        check.main(["--params", str(project / "params.yml"), "--wave", "2020", "--wave", "2019", "--typed", "x.pkl"])
    assert "2 --wave: one typed copy per wave" in capsys.readouterr().err


def test_a_missing_copy_is_named_not_a_traceback(project):
    from briefing.inputs import validated

    with pytest.raises(FileNotFoundError, match=r"typed.pkl: the wave's validated copy is missing; run `make compute`"):
        validated.read(project / "build" / "typed.pkl")
