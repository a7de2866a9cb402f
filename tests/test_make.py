"""The Makefile treats what users write as data, and decides staleness by content, not by clock.

* Nothing from params.yml, the command line or the environment is ever run by make or a shell: make reads only
  the waves, paths and clock from params.yml (each a plain word), command-line values are taken literally and
  checked as words, and free text (REGIONS) reaches a recipe only quoted.
* Content stamps (scripts/stamps.sh): a file changed under an old time (cp -p, unzip, touch -d) is rebuilt; a file
  touched but unchanged is not; and the published figures and the provenance's hashes describe the same bytes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import BUILD, OLD, ROOT, SURVEY, VENV, Step, copy_built, copy_project, digest, make

STAMPS_SCRIPT = ROOT / "scripts" / "stamps.sh"
PWNED = "pwned.txt"


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A fresh copy of the sources (no build): make only plans here (-n), which still reads the parameters."""
    return copy_project(tmp_path_factory.mktemp("make-project"))


@pytest.fixture(autouse=True)
def nothing_was_run(request):
    yield
    if "project" in request.fixturenames:
        assert not (request.getfixturevalue("project") / PWNED).exists(), "make or a shell ran text from a value"


# --- values are data -----------------------------------------------------------------------------------------
def test_a_parameter_is_never_run_by_make(project):
    """`publisher: '$(shell id > pwned.txt)'` was written unescaped into build/params.mk and run by every make."""
    params = project / "data" / "pcn-clinical-directors" / "params.yml"
    good = params.read_text(encoding="utf-8")
    params.write_text(good.replace('publisher: "Briefing generator example"', f"publisher: '$(shell id > {PWNED})'"))
    try:
        for _ in range(2):  # the first writes the build plan, the second only reads it
            make(project, "-n", "report", ENGINE="pandoc")
        assert "shell" not in (project / "build" / "plans" / "params.yml.mk").read_text()
    finally:
        params.write_text(good, encoding="utf-8")


@pytest.mark.parametrize("variable", ["SURVEY", "WAVE", "ENGINE", "PARAMS", "OUT", "BUILD"])
def test_a_command_line_value_is_a_word_never_run(project, variable):
    value = f"$(shell touch {PWNED})x"
    result = make(project, "-n", "report", check=False, **{variable: value})
    assert result.returncode != 0
    assert f"{variable}={value} is not a plain word: use letters, digits and _ . - / + only" in result.stderr


def test_an_environment_value_is_never_run(project):
    env = {**os.environ, "SOURCE_DATE_EPOCH": f"$(shell touch {PWNED})"}
    result = subprocess.run(
        ["make", "-n", "report", "ENGINE=pandoc", f"VENV={VENV}"], cwd=project, capture_output=True, text=True, env=env
    )
    assert result.returncode != 0 and "SOURCE_DATE_EPOCH=$(shell" in result.stderr


def test_regions_are_free_text_handed_over_quoted(project):
    """REGIONS='...' used to be expanded by make (running a `$(shell ...)` in it), and an apostrophe broke the
    shell's quotes around it; region names also went into the editions plan, a makefile, unescaped."""
    regions = f"London|St Helen's $(shell touch {PWNED})"
    for name in ("REGIONS", "EDITIONS"):  # EDITIONS=, and REGIONS= its older name
        make(project, "-n", "editions", ENGINE="pandoc", **{name: regions})
        assert (project / BUILD / "editions-chosen").read_text(encoding="utf-8") == regions + "\n"
        assert (
            "EDITION_SLUGS := england london st-helen-s-shell-touch-pwned-txt"
            in (project / BUILD / "editions" / "editions.mk").read_text()
        )


def test_an_empty_value_is_remembered_too(tmp_path):
    """`make editions` with no EDITIONS remembers the empty value (the plan depends on that file)."""
    fresh = copy_project(tmp_path / "p")
    make(fresh, "-n", "editions", ENGINE="pandoc")
    assert (fresh / BUILD / "editions-chosen").read_text() == "\n"
    assert (fresh / BUILD / "editions" / "editions.mk").is_file()


# --- content stamps --------------------------------------------------------------------------------------------
def stamps(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", str(STAMPS_SCRIPT), "stamps"], cwd=folder, capture_output=True, text=True, check=True
    )


def stamp_of(folder: Path, name: str) -> Path:
    return folder / "stamps" / f"{name}.sha256"


def test_a_stamp_follows_the_content_whatever_the_time(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "stamps").mkdir()
    wave, codebook = tmp_path / "data" / "wave.csv", tmp_path / "data" / "codebook.yml"
    wave.write_text("id,answer\n1,No\n")
    codebook.write_text("questions: []\n")
    (tmp_path / "stamps" / "files").write_text("data/wave.csv\ndata/codebook.yml\n")
    stamps(tmp_path)
    assert stamp_of(tmp_path, "data/wave.csv").read_text() == digest(wave) + "\n"
    os.utime(stamp_of(tmp_path, "data/wave.csv"), (1_000_000, 1_000_000))

    wave.touch()  # a new time, the same bytes: nothing to redo
    stamps(tmp_path)
    assert stamp_of(tmp_path, "data/wave.csv").stat().st_mtime == 1_000_000

    wave.write_text("id,answer\n1,Ye\n")  # one answer changed, same size, given an old time
    os.utime(wave, (OLD, OLD))
    stamps(tmp_path)
    assert stamp_of(tmp_path, "data/wave.csv").read_text() == digest(wave) + "\n"
    assert stamp_of(tmp_path, "data/wave.csv").stat().st_mtime > OLD

    codebook.unlink()  # a missing input loses its stamp, so make names it
    stamps(tmp_path)
    assert not stamp_of(tmp_path, "data/codebook.yml").exists()


@pytest.mark.e2e
def test_a_changed_wave_with_an_old_time_is_recomputed_and_its_hash_stated(one_answer_changed):
    """The issue's case: change one answer, `touch -d 2025-01-01` the CSV, `make report` (conftest's
    `one_answer_changed`, whose review pages tests/test_waves_e2e.py reads). Validation and the notebooks used to be
    skipped, the old figures published under the new file's SHA-256."""
    steps = one_answer_changed.steps
    before = published(steps["settled"])["findings"]["plan_to_leave"]
    result = steps["changed"].result
    assert "[2/6] validate: data/pcn-clinical-directors/raw/pcn_cd_survey_2020.csv is valid" in result.stdout
    assert "[3/6] wave 2020: notebooks: 8 run" in result.stdout
    changed = published(steps["changed"])
    assert changed["findings"]["plan_to_leave"]["numerator"] == before["numerator"] + 1
    stated = {record["path"]: record["sha256"] for record in changed["provenance"]["inputs"]}
    assert stated["data/pcn-clinical-directors/raw/pcn_cd_survey_2020.csv"] == one_answer_changed.changed_sha256
    assert one_answer_changed.changed_sha256 in (steps["changed"].output / "briefing.html").read_text(encoding="utf-8")

    # Put back, with the old time again: checked again, but nothing is recomputed from bytes already built.
    assert published(steps["put back"])["findings"]["plan_to_leave"] == before
    assert steps["again"].result.stdout.strip().startswith("Briefing up to date")
    # and a no-op runs no step at all: with every Python step made to fail, it still succeeds (its time is
    # make bench's to measure, never a test's)
    quiet = make(one_answer_changed.project, "report", ENGINE="pandoc", PY="/bin/false")
    assert quiet.stdout.strip().startswith("Briefing up to date"), quiet.stdout


def published(step: Step) -> dict:
    return json.loads((step.output / "findings.json").read_text(encoding="utf-8"))


# --- surveys and parameters files: each its own plan, build folder and outputs ------------------------------------
def test_an_unknown_survey_is_one_sentence_naming_its_folder_and_the_surveys_present(project):
    result = make(project, "-n", "report", check=False, SURVEY="nope")
    assert result.returncode != 0
    assert (
        "plan: SURVEY=nope: data/nope/ is not a survey folder (no data/nope/codebook.yml); surveys present: "
        "gp-partners-des, pcn-clinical-directors"
    ) in result.stderr
    assert "Traceback" not in result.stderr


def test_each_parameters_file_and_survey_gets_its_own_plan_and_build_folder(project):
    """`make report PARAMS=other.yml` used to reuse build/params.mk when other.yml was older than it."""
    other = project / "other.yml"
    other.write_text('survey: pcn-clinical-directors\nwave: "2019"\n')
    os.utime(other, (OLD, OLD))  # older than any plan: a clock-based rule would not remake it
    make(project, "-n", "report", ENGINE="pandoc")
    make(project, "-n", "report", ENGINE="pandoc", PARAMS="other.yml")
    plans = project / "build" / "plans"
    assert "WAVE := 2020\n" in (plans / "params.yml.mk").read_text()
    text = (plans / "other.yml.mk").read_text()
    assert "WAVE := 2019\n" in text and f"BUILD := build/{SURVEY}/other\n" in text and "OUT := _output/other\n" in text


@pytest.mark.e2e
@pytest.mark.slow  # the other parameters file's build computes both waves again
def test_switching_parameters_files_back_and_forth_rebuilds_nothing_that_did_not_change(built, tmp_path):
    project = copy_built(built, tmp_path / "project")
    make(project, "report", ENGINE="pandoc")  # settled: an earlier test may have changed an input and put it back
    (project / "other.yml").write_text("survey: pcn-clinical-directors\nsuppression_threshold: 10\n")
    first = make(project, "report", ENGINE="pandoc", PARAMS="other.yml")
    assert "[6/6]" in first.stdout and (project / "_output" / "other" / "briefing.pdf").is_file()
    published = digest(project / "_output" / "briefing.pdf")
    for params in ("params.yml", "other.yml", "params.yml"):
        again = make(project, "report", ENGINE="pandoc", PARAMS=params)
        assert not any(f"[{n}/6]" in again.stdout for n in range(2, 7)), again.stdout
    assert digest(project / "_output" / "briefing.pdf") == published  # never overwritten by the other file's build
    other = json.loads((project / "_output" / "other" / "findings.json").read_text())
    assert other["parameters"]["suppression_threshold"] == 10


@pytest.mark.e2e
@pytest.mark.slow  # a cold build of its own
def test_a_build_folder_removed_is_built_again_to_the_same_bytes(built, tmp_path):
    """`rm -rf build/<survey>` (its plan kept in build/plans/) once stopped the next build: the parameters file the
    plan writes in that folder was gone, and the plan, up to date, was not remade."""
    project = copy_built(built, tmp_path / "project")
    shutil.rmtree(project / BUILD.parent)
    result = make(project, "report", ENGINE="pandoc")
    assert "[1/6] plan" in result.stdout and "[6/6] render" in result.stdout, result.stdout
    for name in ("briefing.pdf", "briefing.html", "briefing.docx", "findings.json"):
        assert digest(project / "_output" / name) == digest(built / "_output" / name), name


@pytest.mark.e2e
def test_the_editions_plan_is_made_again_after_the_build_folder_is_removed(built, tmp_path):
    """The editions' plan reads the parameters file the plan writes in the build folder: with that folder gone,
    `make editions` stopped at once ("No rule to make target .../parameters.yml"). Now the plan is remade first
    (`make -n` still remakes the makefiles it includes: the plan's and the editions')."""
    project = copy_built(built, tmp_path / "project")
    shutil.rmtree(project / BUILD.parent)
    result = make(project, "-n", "editions", ENGINE="pandoc", check=False)
    assert result.returncode == 0, result.stderr
    assert (project / BUILD / "parameters.yml").is_file() and (project / BUILD / "editions" / "editions.mk").is_file()


@pytest.mark.e2e
def test_briefing_another_wave_reuses_the_waves_already_analysed(wave_2019_once, built, tmp_path):
    """`make report WAVE=2019` after `make report` (2020 against 2019), then `make report` again: 2019's analysis
    (its record the same for either selection) and the 2020-against-2019 change (its own folder) are reused, so
    each switch runs no notebook and only picks the newly reported wave's quotes (once: 2020's are kept beside its
    analysis), merges, writes and renders; back at 2020, the briefing is the same bytes as before."""
    project, to_2019 = wave_2019_once
    back = make(copy_built(project, tmp_path / "project"), "report", ENGINE="pandoc")
    for switched in (to_2019, back):
        assert "notebooks:" not in switched.stdout and "[2/6]" not in switched.stdout, switched.stdout
        assert "[4/6]" in switched.stdout and "[6/6]" in switched.stdout
    assert [line for line in to_2019.stdout.splitlines() if line.startswith("[3/6]")] == [
        f"[3/6] quotes 2019: picked from wave 2019 into {BUILD}/waves/2019/quotes.json"
    ]
    assert "[3/6]" not in back.stdout
    assert digest(tmp_path / "project" / "_output" / "briefing.pdf") == digest(built / "_output" / "briefing.pdf")
    assert (tmp_path / "project" / BUILD / "changes" / "2020-vs-2019" / "change.json").is_file()


@pytest.mark.e2e
def test_a_waves_record_changed_reanalyses_that_wave_alone(built, tmp_path):
    """A new wave's arrival (its .meta.yml added to raw/) or an edit to one wave's record reanalyses that wave and
    the change only: each wave's analysis reads its own file's and frame's records, not every wave's."""
    project = copy_built(built, tmp_path / "project")
    record = project / "data" / SURVEY / "raw" / "pcn_cd_survey_2019.meta.yml"
    record.write_text(record.read_text(encoding="utf-8") + "# reviewed again\n", encoding="utf-8")
    result = make(project, "report", ENGINE="pandoc")
    assert "[3/6] wave 2019: notebooks: 8 run" in result.stdout and "[3/6] wave 2020" not in result.stdout
    assert "[3/6] change: notebooks: 1 run" in result.stdout
