"""`make bench`'s scale section (scripts/bench.py, scripts/scale_survey.py): the GP partners' example scaled up to
5,000 respondents and to ten yearly waves by its own generator, in a copy of the project. Its waves validate as the
build validates them, are seeded and reproducible, and its plan is built without running a build. No timing is
asserted here: `make bench` measures, tests never do."""

from __future__ import annotations

import hashlib
import importlib.util
import subprocess
import sys

import pytest
import yaml

from tests.conftest import ROOT, copy_inputs, survey_script

SURVEY = ROOT / "data" / "gp-partners-des"


def script(name: str):
    """A script of scripts/, imported as a module (bench.py puts scripts/ on the path for scale_survey)."""
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
        sys.modules[name] = module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return sys.modules[name]


bench, scale = script("bench"), script("scale_survey")


@pytest.fixture
def project(tmp_path):
    """The inputs of the project in a temporary folder, its parameters naming the GP survey."""
    folder = copy_inputs(tmp_path / "project")
    (folder / "params.yml").write_text("survey: gp-partners-des\n", encoding="utf-8")
    return folder


def staged(project, *specs):
    """The waves written by the generator, each arrived in the project's raw/; their files by wave."""
    files = scale.stage(project, project.parent / "staging", specs)
    for wave_files in files.values():
        scale.arrive(project, wave_files)
    return files


def validates(project, wave: str, capsys) -> str:
    """The build's own input gate (briefing.inputs.check) on the wave: its line, which says how many rows."""
    from briefing.inputs import check

    assert check.main(["--params", str(project / "params.yml"), "--wave", wave]) == 0, capsys.readouterr().err
    return capsys.readouterr().out


def quotes_of(project, wave: str) -> dict:
    """The wave's quote picks read, checked and redacted as the narrative reads them."""
    from briefing import config
    from briefing.inputs.codebook import load_codebook
    from briefing.inputs.validate import read_survey
    from briefing.narrative.quotes import load_quotes

    params = config.load(project / "params.yml", wave=wave)
    codebook = load_codebook(project / params.codebook)
    survey = read_survey(project / params.survey_path, codebook, wave)
    return load_quotes(project / SURVEY.relative_to(ROOT) / "quotes.yml", survey, None, codebook, params, True)


def record(files) -> dict:
    return yaml.safe_load(files[1].read_text(encoding="utf-8"))


def test_the_scaled_wave_has_5000_respondents_valid_against_the_codebook(project, capsys):
    files = staged(project, scale.WaveSpec("2021", scale.SCALED))
    assert "wave 2021, 5000 rows" in validates(project, "2021", capsys)
    meta = record(files["2021"])
    assert meta["synthetic"] is True and meta["rows"] == 5000 and "SYNTHETIC" in meta["title"]
    assert meta["command"] == "python data/gp-partners-des/generate.py --wave 2021 --respondents 5000"
    assert meta["seed"] == 20210111  # the design's seed, recorded
    assert sum(len(quotes) for quotes in quotes_of(project, "2021").values()) == 4  # the example's four picks


def test_the_scaled_wave_is_seeded_and_reproducible(tmp_path):
    generate = survey_script("gp-partners-des", "generate")
    for folder, seed in (("first", []), ("again", []), ("reseeded", ["--seed", "7"])):
        generate.main(["--wave", "2021", "--respondents", "5000", *seed, "--out-dir", str(tmp_path / folder)])
    name = "gp_partners_des_2021.csv"
    first, again, reseeded = ((tmp_path / f / name).read_bytes() for f in ("first", "again", "reseeded"))
    assert first == again and first != reseeded
    assert len(first.decode("utf-8").splitlines()) == 5000 + 2  # SurveyMonkey's two header rows
    assert "--seed 7" in (tmp_path / "reseeded" / "gp_partners_des_2021.meta.yml").read_text(encoding="utf-8")


def test_ten_waves_are_distinct_and_each_validates(project, capsys):
    files = staged(project, *map(scale.WaveSpec, scale.SERIES))
    assert list(files) == [str(year) for year in range(2020, 2030)]
    assert len({hashlib.sha256(f[0].read_bytes()).hexdigest() for f in files.values()}) == 10
    for wave, wave_files in files.items():
        meta = record(wave_files)
        assert meta["wave"] == meta["year"] == wave and meta["synthetic"] is True
        assert meta["fieldwork"]["start"].startswith(wave) and meta["released"] > meta["fieldwork"]["end"]
        assert f"wave {wave}, {meta['rows']} rows" in validates(project, wave, capsys)
        assert set(quotes_of(project, wave)) == {"signing", "time_workload", "what_would_help"}
    survey_params = yaml.safe_load((project / SURVEY.relative_to(ROOT) / "params.yml").read_text(encoding="utf-8"))
    assert survey_params["wave"] == "2020"  # the default wave: present from the series' first build on
    assert record(files["2025"])["made_like"].startswith("the 2021 wave")
    assert record(files["2025"])["seed"] == 20250111  # seeded by its fieldwork's first day, as the designs are


def test_the_committed_waves_come_out_of_the_scale_route_byte_identical(project):
    """The generator's edits for scale leave the committed waves as they are, by the route the bench takes too."""
    files = staged(project, scale.WaveSpec("2020"), scale.WaveSpec("2021"))
    for wave_files in files.values():
        for file in wave_files:
            assert file.read_bytes() == (SURVEY / "raw" / file.name).read_bytes(), file.name


def test_a_wave_that_is_not_a_year_or_has_no_respondents_is_refused():
    generate = survey_script("gp-partners-des", "generate")
    with pytest.raises(ValueError, match="a year"):
        generate.design_for("20x1")
    with pytest.raises(ValueError, match="at least one respondent"):
        generate.design_for("2021", respondents=0)


def test_the_scale_plan_is_built_without_running_a_build(monkeypatch, capsys):
    def refuse(*args, **kwargs):
        raise AssertionError(f"the dry run ran or copied something: {args}")

    for name in ("Popen", "run"):
        monkeypatch.setattr(subprocess, name, refuse)
    monkeypatch.setattr(bench, "copy_project", refuse)
    monkeypatch.setattr(scale, "stage", refuse)
    bench.main(["--only", "scale", "--dry-run"])
    lines = capsys.readouterr().out.splitlines()
    makes = [line for line in lines if "`make report" in line]
    assert len(lines) == 1 + 3 + 12 and len(makes) == 12  # a title, three copies, twelve builds
    assert all("SURVEY=gp-partners-des" in line and "ENGINE=pandoc" in line for line in makes)
    assert [line.split("WAVE=")[1][:4] for line in makes] == ["2021", "2021", *scale.SERIES]
    assert "2021 (5,000 respondents)" in lines[3] and sum("cold, beside its floor" in line for line in makes) == 2


def test_the_scale_plan_varies_only_what_it_measures():
    one, scaled, series = bench.scale_plan()
    assert one.waves == (scale.WaveSpec("2021"),) and scaled.waves == (scale.WaveSpec("2021", 5000),)
    assert one.reported == scaled.reported == ("2021",) and one.cold and scaled.cold
    assert [spec.wave for spec in series.waves] == list(series.reported) == list(scale.SERIES)
    assert not series.cold and len(set(series.reported)) == 10


def test_dry_run_is_only_for_the_scale_section(capsys):
    with pytest.raises(SystemExit):
        bench.main(["--dry-run"])
    assert "--only scale" in capsys.readouterr().err


def test_the_scale_script_never_rewrites_the_checkout():
    with pytest.raises(SystemExit):
        scale.main([str(ROOT)])


def test_the_summaries_ratios():
    steps = [
        ("2020", 6.0, "[3/6] wave 2020"),
        *((str(2021 + n), 10.0 + n % 2, f"[3/6] wave {2021 + n}") for n in range(9)),
    ]
    steps[3] = ("2023", 10.0, "[3/6] wave 2023, [3/6] wave 2022")  # this one computed the wave before again
    summary = bench.waves_summary(steps)
    assert "1 of 9 briefings computed again the wave the one before them had computed" in summary
    assert (
        "10 waves' briefings 100.00 s = 10.0 x one wave's (10.00 s" in summary
        and "10th wave's / the 2nd's 1.00" in summary
    )
    line = bench.respondents_summary((612, [20.0, 30.0], [10.0, 10.0]), (5000, [22.0, 33.0], [11.0, 11.0]))
    assert "median of 2 runs" in line and "1,000 more respondents" in line
    assert "cold 27.50 s = 1.10 x the 612-respondent cold build (25.00 s), 1.00 x in floors" in line
    assert "for 8.2 x the respondents" in line and "+0.57 s per 1,000 more respondents" in line
