"""Notebooks are thin, parameterised for papermill, and committed without outputs."""

import json
import re

import pytest

from tests.conftest import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 3


def declared_parameters(path):
    cells = json.loads(path.read_text())["cells"]
    tagged = [c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, path.name
    return set(re.findall(r"^(\w+) =", "".join(tagged[0]["source"]), re.MULTILINE))


def test_each_notebook_declares_every_parameter_the_runner_gives_it():
    """papermill injects what the build plan gives each notebook; a parameter the notebook does not declare would
    be a silent default there (papermill only warns)."""
    from briefing import plan

    steps = plan.build_plan(ROOT, "params.yml").of("notebook")
    assert {ROOT / job.notebook for job in steps} == set(NOTEBOOKS)
    for job in steps:
        assert set(job.parameters) <= declared_parameters(ROOT / job.notebook), job.notebook
        assert {"params_path", "wave"} <= declared_parameters(ROOT / job.notebook)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs(path):
    for cell in json.loads(path.read_text())["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_thin(path):
    code = [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]
    assert len(code) <= 6
    assert all(len("".join(c["source"]).splitlines()) <= 10 for c in code)


def survey_words() -> set[str]:
    """What names one survey: every bundled codebook's question, finding, theme and subgroup ids, its respondents'
    and its frame's unit words (the plain words such as `wave` or `comments` every survey may use left out)."""
    from briefing.inputs.codebook import load_codebook

    words = set()
    for path in sorted((ROOT / "data").glob("*/codebook.yml")):
        codebook = load_codebook(path)
        words |= {q for q in codebook.questions if "_" in q}  # region, wave, comments: words, not names
        words |= set(codebook.findings) | set(codebook.themes) | set(codebook.subgroups) - {"small", "large"}
        words |= {codebook.respondents.singular, codebook.respondents.plural}
        if codebook.population.frame:
            unit = codebook.population.frame.unit
            words |= {unit.singular, unit.plural} | ({unit.short} if unit.short else set())
            words |= set(codebook.population.frame.match.values()) | {codebook.population.frame.id}
    return words


def test_both_bundled_surveys_run_every_notebook_of_their_plan():
    """The one theme notebook runs once per codebook theme, for any survey; the population notebook only with a
    frame."""
    from briefing import plan

    for survey, population in (("pcn-clinical-directors", True), ("gp-partners-des", False)):
        built = plan.build_plan(ROOT, "params.yml", survey=survey)
        steps = [s for s in built.of("notebook") if s.wave == built.selection.current.wave]
        themes = [s.parameters["theme"] for s in steps if s.notebook == "notebooks/theme.ipynb"]
        assert themes == list(load_codebook_of(built).themes)
        assert any(s.notebook == "notebooks/population.ipynb" for s in steps) == population


def load_codebook_of(built):
    from briefing.inputs.codebook import load_codebook

    return load_codebook(ROOT / built.codebook)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_a_notebook_names_no_survey(path):
    """Everything survey-specific is the codebook's: no notebook (its code or its words) names a survey's
    questions, findings, themes, subgroups, respondents or frame."""
    text = "".join("".join(c["source"]) for c in json.loads(path.read_text())["cells"])
    named = sorted(w for w in survey_words() if re.search(rf"(?<![\w-]){re.escape(w.strip())}(?![\w-])", text))
    assert not named, (path.name, named)
