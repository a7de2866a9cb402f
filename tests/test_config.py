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


# --- every parameter checked when read (issue 16): the file, the key and the rule, before any notebook runs -----
def with_value(tmp_path: Path, key: str, value: str) -> Path:
    """params.yml with `key: value` (YAML text) in place of its own line."""
    lines = [f"{key}: {value}" if line.startswith(f"{key}:") else line for line in (ROOT / "params.yml").read_text().splitlines()]
    assert f"{key}: {value}" in lines, key
    path = tmp_path / "params.yml"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize(("key", "value", "rule"), [
    ("confidence_level", "95", "must be a proportion between 0 and 1, e.g. 0.95 for 95% intervals, not 95"),
    ("confidence_level", "1", "must be a proportion between 0 and 1"),
    ("confidence_level", "'0.95'", "must be a proportion between 0 and 1"),
    ("suppression_threshold", "0", "must be a whole number of at least 1"),
    ("suppression_threshold", "7.5", "must be a whole number of at least 1"),
    ("suppression_threshold", "yes", "must be a whole number of at least 1"),
    ("small_pcn_max", "-40000", "must be a whole number of registered patients, at least 1"),
    ("large_pcn_min", "'lots'", "must be a whole number of registered patients, at least 1"),
    ("estimate", "guessed", "must be 'unweighted' or 'weighted', not 'guessed'"),
    ("title", "2020", "must be text, not 2020"),
    ("publisher", "''", "must be text, not ''"),
    ("region", "[London]", "must be the name of an NHS England region, or null for England"),
    ("wave", "'20 20'", "must be a wave label of letters, digits"),
    ("wave", "'$(shell id)'", "must be a wave label of letters, digits"),
    ("compare_wave", "'2019; rm -rf /'", "must be `latest`, null (no comparison) or a wave label"),
    ("survey_file", "/etc/passwd", "must be a path relative to the project folder, not the absolute path '/etc/passwd'"),
    ("survey_file", "../../data/raw/pcn_cd_survey_{wave}.csv", "must stay inside the project folder"),
    ("survey_file", "data/raw/pcn_cd_survey.csv", "must hold {wave}, where each wave's name goes"),
    ("survey_file", "data/raw/pcn_cd_survey_{year}.csv", "holds a placeholder that is not allowed (allowed: {wave})"),
    ("codebook", "/etc/passwd", "must be a path relative to the project folder"),
    ("codebook", "data/../../codebook.yml", "climbs out of it with `..`"),
    ("codebook", "'data/code book.yml'", "may use only letters, digits, '_', '-', '.' and '/' (make reads it)"),
    ("codebook", "'data/$(shell id).yml'", "may use only letters, digits"),
    ("frame_file", "~/frames/pcn_frame_{frame_year}.csv", "must be a path relative to the project folder"),
    ("frame_year", "{'2020': '2020/21'}", "must map a wave to its QOF year"),
    ("frame_year", "2020-21", "must map a wave to its QOF year"),
    ("publication_date", "'March 2027'", "must be a date written YYYY-MM-DD"),
])  # fmt: skip
def test_each_parameter_is_checked_with_its_file_key_and_rule(tmp_path, key, value, rule):
    path = with_value(tmp_path, key, value)
    with pytest.raises(ValueError) as caught:
        config.load(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: {key}"), message
    assert rule in message, message


def test_bands_must_be_in_order(tmp_path):
    with pytest.raises(ValueError, match=r"params.yml: small_pcn_max must not exceed large_pcn_min \(70000 > 60000\)"):
        config.load(with_value(tmp_path, "small_pcn_max", "70000"))


def test_an_override_is_checked_too():
    with pytest.raises(ValueError, match=r"wave \(as overridden\) must be a wave label"):
        config.load(ROOT / "params.yml", wave="$(shell id)")
    assert config.load(ROOT / "params.yml", wave=2019).wave == "2019"  # a number is a wave label written bare


def test_a_parameter_written_twice_is_an_error_naming_both_lines(tmp_path):
    """A second `suppression_threshold` used to win silently."""
    text = (ROOT / "params.yml").read_text()
    first = text.splitlines().index("suppression_threshold: 8") + 1
    path = tmp_path / "params.yml"
    path.write_text(text + "suppression_threshold: 3\n")
    second = len(path.read_text().splitlines())
    with pytest.raises(ValueError, match=rf"params.yml: key 'suppression_threshold' is written twice, on lines {first} and {second}"):
        config.load(path)


def test_make_reads_only_waves_paths_and_the_clock_never_free_text():
    """The title, publisher and region never reach make, which would run a `$(shell ...)` in them."""
    text = config.make_vars(config.load(ROOT / "params.yml", publisher="$(shell id > pwned.txt)", title="a # b"))
    assert {line.split(" := ")[0] for line in text.splitlines()} == {"WAVE", "COMPARE_WAVE", "SURVEY_FILE", "SURVEY_PATH",
                                                                     "CODEBOOK", "FRAME_FILE"}  # fmt: skip
    assert "$" not in text and "#" not in text


@pytest.mark.parametrize("value", ["$(shell id)", "a#b", "a b", "a\nb", "`id`", "a'b", "a\\b"])
def test_make_assignments_refuse_anything_make_or_a_shell_would_act_on(value):
    with pytest.raises(ValueError, match="cannot be handed to make"):
        config.make_assignments({"WAVE": value})
