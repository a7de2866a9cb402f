import datetime as dt
from pathlib import Path

import pytest
import yaml

from briefing import config
from briefing.inputs import survey
from tests.conftest import ROOT, SURVEY, copy_inputs

SURVEY_PARAMS = f"data/{SURVEY}/params.yml"  # the default survey's own parameters


def test_params_file_loads_with_types():
    params = config.load(ROOT / "params.yml")
    assert isinstance(params.wave, str) and params.survey == SURVEY
    assert params.survey_path == f"data/{SURVEY}/raw/pcn_cd_survey_{params.wave}.csv"
    assert params.codebook == f"data/{SURVEY}/codebook.yml"
    assert params.frame_file == f"data/{SURVEY}/reference/pcn_frame_2020-21.csv"
    assert params.edition is None  # the whole survey


def write(tmp_path: Path, text: str) -> Path:
    """A project whose params.yml adds `text` to the default survey's parameters."""
    copy_inputs(tmp_path)
    path = tmp_path / "params.yml"
    path.write_text(path.read_text() + text)
    return path


def test_overrides_win_and_none_is_ignored(tmp_path):
    params = config.load(ROOT / "params.yml", wave="2019", edition=None)
    assert params.wave == "2019" and params.survey_path.endswith("2019.csv")


def test_the_survey_params_yml_names_is_resolved_and_survey_overrides_it():
    """params.yml names the default survey; SURVEY= (the `survey` override) builds another, with its own defaults."""
    other = config.load(ROOT / "params.yml", survey="gp-partners-des")
    assert (other.survey, other.wave, other.frame_file) == ("gp-partners-des", "2021", None)
    assert other.survey_path == "data/gp-partners-des/raw/gp_partners_des_2021.csv"


def test_an_unknown_survey_names_its_folder_and_the_surveys_present():
    with pytest.raises(survey.WaveError) as caught:
        config.load(ROOT / "params.yml", survey="nope")
    assert str(caught.value) == (
        "SURVEY=nope: data/nope/ is not a survey folder (no data/nope/codebook.yml); surveys "
        "present: gp-partners-des, pcn-clinical-directors"
    )


def test_the_params_file_overrides_the_surveys_own_parameters(tmp_path):
    params = config.load(write(tmp_path, 'wave: "2019"\nsuppression_threshold: 10\n'))
    assert (params.wave, params.suppression_threshold, params.title) == (
        "2019",
        10,
        config.load(ROOT / "params.yml").title,
    )


def test_path_parameters_are_gone_a_survey_is_its_folder(tmp_path):
    with pytest.raises(ValueError, match=r"params.yml: unknown parameter\(s\) survey_file"):
        config.load(write(tmp_path, "survey_file: data/x_{wave}.csv\n"))


def test_unknown_parameter_is_named(tmp_path):
    with pytest.raises(ValueError, match="unknown parameter.*colour"):
        config.load(write(tmp_path, "colour: blue\n"))


def test_bad_estimate_is_rejected(tmp_path):
    with pytest.raises(ValueError, match="estimate"):
        config.load(write(tmp_path, "estimate: guessed\n"))


def test_find_root_walks_up(tmp_path):
    (tmp_path / "params.yml").write_text("")
    (tmp_path / "a" / "b").mkdir(parents=True)
    assert config.find_root(tmp_path / "a" / "b") == tmp_path.resolve()


def test_publication_date_is_a_date_or_null(tmp_path):
    assert config.load(ROOT / "params.yml").publication_date is None
    copy_inputs(tmp_path)
    (tmp_path / "params.yml").write_text(f"survey: {SURVEY}\npublication_date: 2027-03-01\n")
    assert config.load(tmp_path / "params.yml").publication_date == "2027-03-01"
    (tmp_path / "params.yml").write_text(f"survey: {SURVEY}\npublication_date: 'March 2027'\n")
    with pytest.raises(ValueError, match="publication_date must be a date written YYYY-MM-DD, not 'March 2027'"):
        config.load(tmp_path / "params.yml")
    # written as the rule says, as a wave's record's dates must be (one reading: config.iso_date)
    (tmp_path / "params.yml").write_text(f"survey: {SURVEY}\npublication_date: '20270301'\n")
    with pytest.raises(ValueError, match="publication_date must be a date written YYYY-MM-DD, not '20270301'"):
        config.load(tmp_path / "params.yml")


def test_the_date_comes_from_the_parameter_then_source_date_epoch_then_the_wave(monkeypatch):
    params = config.load(ROOT / "params.yml")
    released = dt.date.fromisoformat(  # the wave's declared briefing date (its data's release date is later)
        yaml.safe_load((ROOT / params.survey_path).with_suffix(".meta.yml").read_text())["briefing_date"]
    )
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert config.publication_date(params, ROOT) == released
    assert config.source_date_epoch(params, ROOT) == int(
        dt.datetime(released.year, released.month, released.day, tzinfo=dt.UTC).timestamp()
    )
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 14 November 2023, 22:13 UTC
    assert config.publication_date(params, ROOT) == dt.date(2023, 11, 14)
    assert config.source_date_epoch(params, ROOT) == 1700000000
    dated = config.Params(**{**params.as_dict(), "publication_date": "2027-03-01"})
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
    with pytest.raises(ValueError, match=r"pcn_cd_survey_2019.meta.yml: no `briefing_date` \(or `released`\) date"):
        config.publication_date(params, tmp_path)


# --- every parameter checked when read (issue 16): the file, the key and the rule, before any notebook runs -----
def with_value(tmp_path: Path, key: str, value: str) -> Path:
    """The survey's params.yml with `key: value` (YAML text) in place of its own line (or added)."""
    copy_inputs(tmp_path)
    lines = [
        f"{key}: {value}" if line.startswith(f"{key}:") else line
        for line in (ROOT / SURVEY_PARAMS).read_text().splitlines()
    ]
    lines += [] if f"{key}: {value}" in lines else [f"{key}: {value}"]
    path = tmp_path / SURVEY_PARAMS
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize(
    ("key", "value", "rule"),
    [
        ("confidence_level", "95", "must be a proportion between 0 and 1, e.g. 0.95 for 95% intervals, not 95"),
        ("confidence_level", "1", "must be a proportion between 0 and 1"),
        ("confidence_level", "'0.95'", "must be a proportion between 0 and 1"),
        ("suppression_threshold", "0", "must be a whole number of at least 1"),
        ("suppression_threshold", "7.5", "must be a whole number of at least 1"),
        ("suppression_threshold", "yes", "must be a whole number of at least 1"),
        ("estimate", "guessed", "must be 'unweighted' or 'weighted', not 'guessed'"),
        ("title", "2020", "must be text, not 2020"),
        ("publisher", "''", "must be text, not ''"),
        ("edition", "[London]", "must be a value of the codebook's `editions: by:` question, or null"),
        ("index_headlines", "plan_to_leave", "must be a list of finding ids of the codebook"),
        ("wave", "'20 20'", "must be a wave label of letters, digits"),
        ("wave", "'$(shell id)'", "must be a wave label of letters, digits"),
        ("compare_wave", "'2019; rm -rf /'", "must be `latest`, null (no comparison) or a wave label"),
        ("survey", "'$(shell id)'", "must be the name of a folder of data/"),
        ("frame_year", "{'2020': '2020/21'}", "must map a wave to its QOF year"),
        ("frame_year", "2020-21", "must map a wave to its QOF year"),
        ("publication_date", "'March 2027'", "must be a date written YYYY-MM-DD"),
    ],
)
def test_each_parameter_is_checked_with_its_file_key_and_rule(tmp_path, key, value, rule):
    path = with_value(tmp_path, key, value) if key != "survey" else write(tmp_path, "")
    if key == "survey":
        path.write_text(f"survey: {value}\n")
    with pytest.raises(ValueError) as caught:
        config.load(tmp_path / "params.yml")
    message = str(caught.value)
    assert message.startswith(f"{path}: {key}"), message
    assert rule in message, message


@pytest.mark.parametrize(
    "key, value, home",
    [
        ("region", "London", "it is now `edition` (a value of the question the codebook's `editions: by:` names"),
        ("small_pcn_max", "40000", f"it is now a subgroup in data/{SURVEY}/codebook.yml's `subgroups:`"),
        ("large_pcn_min", "60000", f"it is now a subgroup in data/{SURVEY}/codebook.yml's `subgroups:`"),
    ],
)
def test_a_parameter_that_moved_names_its_new_home(tmp_path, key, value, home):
    """The PCN size bands are the codebook's subgroups, and `region` is `edition`: a parameters file still holding
    one stops the build, naming the file, the key and where it lives now."""
    path = with_value(tmp_path, key, value)
    with pytest.raises(ValueError) as caught:
        config.load(tmp_path / "params.yml")
    assert str(caught.value).startswith(f"{path}: {key}: is no longer a parameter: {home}"), str(caught.value)


def test_an_override_is_checked_too():
    with pytest.raises(ValueError, match=r"wave \(as overridden\) must be a wave label"):
        config.load(ROOT / "params.yml", wave="$(shell id)")
    assert config.load(ROOT / "params.yml", wave=2019).wave == "2019"  # a number is a wave label written bare


def test_a_parameter_written_twice_is_an_error_naming_both_lines(tmp_path):
    """A second `suppression_threshold` used to win silently."""
    copy_inputs(tmp_path)
    text = (ROOT / SURVEY_PARAMS).read_text()
    first = text.splitlines().index("suppression_threshold: 8") + 1
    path = tmp_path / SURVEY_PARAMS
    path.write_text(text + "suppression_threshold: 3\n")
    second = len(path.read_text().splitlines())
    with pytest.raises(
        ValueError, match=rf"params.yml: key 'suppression_threshold' is written twice, on lines {first} and {second}"
    ):
        config.load(tmp_path / "params.yml")


@pytest.mark.parametrize("value", ["$(shell id)", "a#b", "a b", "a\nb", "`id`", "a'b", "a\\b"])
def test_make_assignments_refuse_anything_make_or_a_shell_would_act_on(value):
    with pytest.raises(ValueError, match="cannot be handed to make"):
        config.make_assignments({"WAVE": value})
