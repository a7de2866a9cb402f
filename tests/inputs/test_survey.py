"""Waves side by side: which wave is compared with which, each against its own year's frame, and bad set-ups
stopped with a message naming the file and what to do."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from briefing import config
from briefing.inputs import survey as waves
from tests.conftest import copy_inputs


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """params.yml, the codebook, both example waves and both frames (with their records)."""
    return copy_inputs(tmp_path)


RAW = "data/pcn-clinical-directors/raw"
REFERENCE = "data/pcn-clinical-directors/reference"


def params_of(project: Path, **changes) -> config.Params:
    """The project's parameters, with `changes` written into its params.yml."""
    path = project / "params.yml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw.update(changes)
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return config.load(path)


def selection_error(project: Path, **changes) -> str:
    """The message selecting the waves stops with, the parameters changed as given."""
    with pytest.raises(waves.WaveError) as caught:
        waves.select(project, params_of(project, **changes))
    return str(caught.value)


def test_the_example_reports_2020_against_the_latest_earlier_wave(project):
    selection = waves.select(project, params_of(project))
    assert selection.current == waves.WaveInputs(
        "2020", f"{RAW}/pcn_cd_survey_2020.csv", "2020-21", f"{REFERENCE}/pcn_frame_2020-21.csv"
    )
    assert selection.compare == waves.WaveInputs(
        "2019", f"{RAW}/pcn_cd_survey_2019.csv", "2019-20", f"{REFERENCE}/pcn_frame_2019-20.csv"
    )


def test_the_earliest_wave_has_nothing_to_compare_and_null_turns_comparison_off(project):
    assert waves.select(project, params_of(project, wave="2019")).compare is None
    assert waves.select(project, params_of(project, compare_wave=None)).compare is None
    assert waves.select(project, params_of(project, wave="2020", compare_wave="2019")).compare.wave == "2019"


def test_a_wave_is_the_file_whose_record_names_it_whatever_its_name(project):
    """Waves are found by their .meta.yml's `wave:`, not by a file-name pattern."""
    for suffix in (".csv", ".meta.yml"):
        (project / f"{RAW}/pcn_cd_survey_2019{suffix}").rename(project / f"{RAW}/first_wave{suffix}")
    assert waves.waves_present(project, "pcn-clinical-directors")["2019"] == f"{RAW}/first_wave.csv"
    (project / f"{RAW}/notes.meta.yml").write_text("title: a record of no wave\n")  # not a wave: ignored
    assert set(waves.waves_present(project, "pcn-clinical-directors")) == {"2019", "2020"}


def test_a_record_disagreeing_with_its_wave_column_names_both(project):
    meta = project / f"{RAW}/pcn_cd_survey_2020.meta.yml"
    meta.write_text(meta.read_text().replace("wave: '2020'", "wave: '2021'"))
    assert waves.wave_column_problem(project, params_of(project, wave="2021").survey_path, "2021") == (
        f"{RAW}/pcn_cd_survey_2020.meta.yml names wave 2021, but {RAW}/pcn_cd_survey_2020.csv's "
        "`wave` column holds 2020: correct the record or the file"
    )


def test_two_files_claiming_the_same_wave_are_named_with_what_to_do(project):
    for suffix in (".csv", ".meta.yml"):
        shutil.copy(project / f"{RAW}/pcn_cd_survey_2020{suffix}", project / f"{RAW}/pcn_cd_survey_2020-final{suffix}")
    message = selection_error(project)
    assert f"{RAW}/pcn_cd_survey_2020-final.csv and {RAW}/pcn_cd_survey_2020.csv both claim wave 2020" in message
    assert "keep one file per wave" in message


def test_a_missing_comparison_wave_names_the_folder_and_the_waves_present(project):
    message = selection_error(project, compare_wave="2018")
    assert message.startswith(f"{RAW}/: compare_wave 2018 is named in the parameters but no file's .meta.yml names it")
    assert "waves present: 2019, 2020" in message and "set compare_wave to `latest` or null" in message


def test_a_missing_reported_wave_is_named(project):
    with pytest.raises(
        waves.WaveError, match=rf"{RAW}/: wave 2021 is named in params.yml but no file's .meta.yml names it"
    ):
        params_of(project, wave="2021")


def test_a_wave_paired_with_another_years_frame_names_both(project):
    frame_meta = project / f"{REFERENCE}/pcn_frame_2020-21.meta.yml"
    frame_meta.write_text(frame_meta.read_text().replace("year: 2020-21", "year: 2019-20"))
    message = selection_error(project)
    assert f"wave 2020 is set against {REFERENCE}/pcn_frame_2020-21.csv, the frame for year 2019-20" in message
    assert "its own year is 2020-21" in message


def test_params_and_the_waves_record_must_agree_on_its_frame_year(project):
    with pytest.raises(waves.WaveError) as caught:
        params_of(project, frame_year={"2020": "2019-20"})
    message = str(caught.value)
    assert f"{RAW}/pcn_cd_survey_2020.meta.yml names frame year 2020-21 for wave 2020" in message
    assert "the parameters name frame_year 2019-20" in message


def test_a_missing_frame_says_how_to_build_it(project):
    (project / f"{REFERENCE}/pcn_frame_2020-21.csv").unlink()
    with pytest.raises(waves.WaveError, match=r"make reference FRAME_YEAR=2020-21"):
        waves.select(project, params_of(project))


def test_a_survey_without_a_frame_has_none(project):
    """The GP partners' codebook declares no population frame: its waves have no frame file and no frame year."""
    selection = waves.select(project, params_of(project, survey="gp-partners-des"))
    assert [(w.wave, w.frame_year, w.frame_file) for w in selection.waves] == [
        ("2021", None, None),
        ("2020", None, None),
    ]
