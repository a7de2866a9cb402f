"""Issue 19, item 6: a briefing's date and its fieldwork come from the wave's own record (`briefing_date:`,
`fieldwork: {start, end}` in its .meta.yml), for every wave of both bundled surveys; the build's clock is derived
from them; absent, a documented fallback; malformed, an error naming the file and the key."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from briefing import config
from briefing.inputs import survey
from briefing.narrative.context_figures import NOT_RECORDED, fieldwork_end, fieldwork_words
from tests.conftest import ROOT

WAVES = sorted(p.relative_to(ROOT) for p in ROOT.glob("data/*/raw/*.meta.yml"))


def params_for(meta: Path) -> config.Params:
    surveyed, wave = meta.parts[1], str(yaml.safe_load((ROOT / meta).read_text())["wave"])
    return config.load(ROOT / "params.yml", survey=surveyed, wave=wave)


@pytest.mark.parametrize("meta", WAVES, ids=str)
def test_every_bundled_wave_dates_its_briefing_after_its_fieldwork_not_by_its_file(meta, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    data_file = survey.data_file_of(ROOT / meta, ROOT).relative_to(ROOT)
    dates = survey.wave_dates(ROOT, data_file)
    assert dates.briefing and dates.fieldwork, meta
    assert fieldwork_end(dates) < dates.briefing < dates.released  # the synthetic file was made years later
    params = params_for(meta)
    assert config.publication_date(params, ROOT) == dates.briefing  # was the file's `released` date
    midnight = dt.datetime.combine(dates.briefing, dt.time(), dt.UTC)
    assert config.default_epoch(params, ROOT) == int(midnight.timestamp())  # the plan's PUBLICATION_EPOCH


@pytest.mark.parametrize(
    "fieldwork, words, end",
    [
        (("2019-10", "2019-11"), "October to November 2019", dt.date(2019, 11, 30)),
        (("2020-01-13", "2020-02-07"), "13 January to 7 February 2020", dt.date(2020, 2, 7)),
        (("2019-12", "2020-01-10"), "December 2019 to 10 January 2020", dt.date(2020, 1, 10)),
    ],
)
def test_fieldwork_is_printed_from_its_dates(fieldwork, words, end):
    dates = survey.WaveDates(briefing=None, released=None, fieldwork=fieldwork, year="2020")
    assert fieldwork_words(dates) == words and fieldwork_end(dates) == end


def write_wave(tmp_path: Path, record: str) -> Path:
    meta = tmp_path / "data/s/raw/s_2021.meta.yml"
    meta.parent.mkdir(parents=True, exist_ok=True)
    meta.write_text('wave: "2021"\nyear: "2021"\n' + record, encoding="utf-8")
    return Path("data/s/raw/s_2021.csv")


def test_without_declared_dates_the_fallback_is_the_release_date_and_the_wave_year(tmp_path):
    dates = survey.wave_dates(tmp_path, write_wave(tmp_path, "released: 2021-06-01\n"))
    assert dates.briefing is None and dates.released == dt.date(2021, 6, 1)
    assert fieldwork_words(dates) == NOT_RECORDED and fieldwork_end(dates) == dt.date(2021, 12, 31)


@pytest.mark.parametrize(
    "record, key",
    [
        ("briefing_date: 31/01/2021\n", "briefing_date"),
        ("briefing_date:\n", "briefing_date"),
        ("briefing_date: '2021-02-30'\n", "briefing_date"),
        ("released: January 2021\n", "released"),
        ("fieldwork: October to November 2020\n", "fieldwork"),
        ("fieldwork: {start: 2020-10-01}\n", "fieldwork: end"),
        ("fieldwork: {start: 2020-13, end: 2020-11}\n", "fieldwork: start"),
        ("fieldwork: {start: 2020-11-02, end: 2020-10-01}\n", "fieldwork"),
    ],
)
def test_a_missing_or_malformed_date_names_the_file_and_the_key(tmp_path, record, key):
    with pytest.raises(survey.WaveError, match=rf"^data/s/raw/s_2021\.meta\.yml: {key} must "):
        survey.wave_dates(tmp_path, write_wave(tmp_path, record))
