import datetime as dt
from pathlib import Path

import pytest
import yaml

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


def test_publication_date_is_a_date_or_null(tmp_path):
    assert config.load(ROOT / "params.yml").publication_date is None
    text = (ROOT / "params.yml").read_text().replace("publication_date: null", "publication_date: 2027-03-01")
    (tmp_path / "params.yml").write_text(text)
    assert config.load(tmp_path / "params.yml").publication_date == "2027-03-01"
    (tmp_path / "params.yml").write_text(text.replace("2027-03-01", "'March 2027'"))
    with pytest.raises(ValueError, match="publication_date must be a date written YYYY-MM-DD, not 'March 2027'"):
        config.load(tmp_path / "params.yml")


def test_the_date_comes_from_the_parameter_then_source_date_epoch_then_the_wave(monkeypatch):
    params = config.load(ROOT / "params.yml")
    released = dt.date.fromisoformat(yaml.safe_load((ROOT / params.survey_path).with_suffix(".meta.yml").read_text())["released"])
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert config.publication_date(params, ROOT) == released
    assert config.source_date_epoch(params, ROOT) == int(dt.datetime(released.year, released.month, released.day, tzinfo=dt.timezone.utc).timestamp())
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 14 November 2023, 22:13 UTC
    assert config.publication_date(params, ROOT) == dt.date(2023, 11, 14)
    assert config.source_date_epoch(params, ROOT) == 1700000000
    fields = {k: v for k, v in params.as_dict().items() if k != "survey_path"}
    dated = config.Params(**{**fields, "publication_date": "2027-03-01"})
    assert config.publication_date(dated, ROOT) == dt.date(2027, 3, 1)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "soon")
    with pytest.raises(ValueError, match="SOURCE_DATE_EPOCH must be whole seconds"):
        config.source_date_epoch(params, ROOT)


def test_a_wave_without_a_release_date_needs_a_date_from_elsewhere(tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    params = config.load(ROOT / "params.yml", wave="2019")
    meta = tmp_path / Path(params.survey_path).with_suffix(".meta.yml")
    meta.parent.mkdir(parents=True)
    meta.write_text("title: a wave\n")
    with pytest.raises(ValueError, match=r"pcn_cd_survey_2019.meta.yml: no `released` date"):
        config.publication_date(params, tmp_path)
