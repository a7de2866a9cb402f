from pathlib import Path

import pytest

from briefing import config
from tests.conftest import ROOT


def test_params_file_loads_with_types():
    params = config.load(ROOT / "params.yml")
    assert isinstance(params.wave, str)
    assert params.survey_path == params.survey_file.format(wave=params.wave)
    assert params.small_pcn_max <= params.large_pcn_min


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "params.yml"
    path.write_text((ROOT / "params.yml").read_text() + text)
    return path


def test_overrides_win_and_none_is_ignored(tmp_path):
    params = config.load(ROOT / "params.yml", wave="2021", region=None)
    assert params.wave == "2021" and params.survey_path.endswith("2021.csv")


def test_unknown_parameter_is_named(tmp_path):
    with pytest.raises(ValueError, match="unknown parameter.*colour"):
        config.load(write(tmp_path, "colour: blue\n"))


def test_bad_estimate_is_rejected(tmp_path):
    with pytest.raises(ValueError, match="estimate"):
        config.load(write(tmp_path, "estimate: guessed\n"))


def test_make_vars_are_assignments():
    text = config.make_vars(config.load(ROOT / "params.yml"))
    assert "WAVE := " in text and "SURVEY_PATH := data/raw/" in text


def test_find_root_walks_up(tmp_path):
    (tmp_path / "params.yml").write_text("")
    (tmp_path / "a" / "b").mkdir(parents=True)
    assert config.find_root(tmp_path / "a" / "b") == tmp_path.resolve()
