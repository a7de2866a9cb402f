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
