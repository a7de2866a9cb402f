"""Waves side by side: which wave is compared with which, each against its own year's frame, and bad set-ups
stopped with a message naming the file and what to do."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from briefing import config
from briefing.inputs import waves
from tests.conftest import copy_inputs


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """params.yml, the codebook, both example waves and both frames (with their records)."""
    return copy_inputs(tmp_path)


def params_of(project: Path, **changes) -> config.Params:
    path = project / "params.yml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw.update(changes)
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return config.load(path)


def test_the_example_reports_2020_against_the_latest_earlier_wave(project):
    selection = waves.select(project, params_of(project))
    assert selection.current == waves.WaveInputs("2020", "data/raw/pcn_cd_survey_2020.csv", "2020-21",
                                                 "data/reference/pcn_frame_2020-21.csv")  # fmt: skip
    assert selection.compare == waves.WaveInputs("2019", "data/raw/pcn_cd_survey_2019.csv", "2019-20",
                                                 "data/reference/pcn_frame_2019-20.csv")  # fmt: skip


def test_the_earliest_wave_has_nothing_to_compare_and_null_turns_comparison_off(project):
    assert waves.select(project, params_of(project, wave="2019")).compare is None
    assert waves.select(project, params_of(project, compare_wave=None)).compare is None
    assert waves.select(project, params_of(project, wave="2020", compare_wave="2019")).compare.wave == "2019"


def test_make_vars_name_both_waves_and_frames(project):
    params = params_of(project)
    text = waves.make_vars(params, waves.select(project, params), project)
    for line in ("WAVE := 2020", "COMPARE_WAVE := 2019", "FRAME_FILE := data/reference/pcn_frame_2020-21.csv",
                 "COMPARE_SURVEY_PATH := data/raw/pcn_cd_survey_2019.csv",
                 "COMPARE_FRAME_FILE := data/reference/pcn_frame_2019-20.csv"):  # fmt: skip
        assert line in text.splitlines(), line


def test_two_files_claiming_the_same_wave_are_named_with_what_to_do(project):
    shutil.copy(project / "data/raw/pcn_cd_survey_2020.csv", project / "data/raw/pcn_cd_survey_2020-final.csv")
    with pytest.raises(waves.WaveError) as caught:
        waves.select(project, params_of(project))
    message = str(caught.value)
    assert "data/raw/pcn_cd_survey_2020-final.csv and data/raw/pcn_cd_survey_2020.csv both claim wave 2020" in message
    assert "keep one file per wave" in message


def test_a_missing_comparison_wave_names_the_file_expected(project):
    with pytest.raises(waves.WaveError) as caught:
        waves.select(project, params_of(project, compare_wave="2018"))
    message = str(caught.value)
    assert message.startswith("data/raw/pcn_cd_survey_2018.csv: compare_wave 2018")
    assert "waves present: 2019, 2020" in message and "set compare_wave to `latest` or null" in message


def test_a_missing_reported_wave_is_named(project):
    with pytest.raises(waves.WaveError, match=r"pcn_cd_survey_2021.csv: wave 2021 is to be reported"):
        waves.select(project, params_of(project, wave="2021"))


def test_a_wave_paired_with_another_years_frame_names_both(project):
    params = params_of(project, frame_file="data/reference/pcn_frame_2019-20.csv")  # a fixed path, not per year
    with pytest.raises(waves.WaveError) as caught:
        waves.select(project, params)
    message = str(caught.value)
    assert "wave 2020 is set against data/reference/pcn_frame_2019-20.csv, the frame for QOF year 2019-20" in message
    assert "its own year is 2020-21" in message


def test_params_and_the_waves_record_must_agree_on_its_frame_year(project):
    with pytest.raises(waves.WaveError) as caught:
        waves.select(project, params_of(project, frame_year={"2020": "2019-20"}))
    message = str(caught.value)
    assert "data/raw/pcn_cd_survey_2020.meta.yml names frame year 2020-21 for wave 2020" in message
    assert "params.yml names frame_year 2019-20" in message


def test_a_missing_frame_says_how_to_build_it(project):
    (project / "data/reference/pcn_frame_2020-21.csv").unlink()
    with pytest.raises(waves.WaveError, match=r"make reference FRAME_YEAR=2020-21"):
        waves.select(project, params_of(project))


def test_cli_prints_make_variables_or_the_error(project, capsys):
    params_of(project)
    assert waves.main(["--params", str(project / "params.yml"), "--wave", "2019"]) == 0
    assert "WAVE := 2019" in capsys.readouterr().out
    assert waves.main(["--params", str(project / "params.yml"), "--wave", "2018"]) == 1
    assert "wave 2018 is to be reported" in capsys.readouterr().err
