"""The Makefile treats what users write as data.

* Nothing from params.yml, the command line or the environment is ever run by make or a shell: make reads only
  the waves, paths and clock from params.yml (each a plain word), command-line values are taken literally and
  checked as words, and free text (REGIONS) reaches a recipe only quoted.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import VENV, copy_project, make

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
    params = project / "params.yml"
    good = params.read_text(encoding="utf-8")
    params.write_text(good.replace('publisher: "Briefing generator example"', f"publisher: '$(shell id > {PWNED})'"))
    try:
        for _ in range(2):  # the first writes build/params.mk, the second only reads it
            make(project, "-n", "report", ENGINE="pandoc")
        assert "shell" not in (project / "build" / "params.mk").read_text()
    finally:
        params.write_text(good, encoding="utf-8")


@pytest.mark.parametrize("variable", ["WAVE", "ENGINE", "PARAMS", "OUT", "BUILD"])
def test_a_command_line_value_is_a_word_never_run(project, variable):
    value = f"$(shell touch {PWNED})x"
    result = make(project, "-n", "report", check=False, **{variable: value})
    assert result.returncode != 0
    assert f"{variable}={value} is not a plain word: use letters, digits and _ . - / + only" in result.stderr


def test_an_environment_value_is_never_run(project):
    env = {**os.environ, "SOURCE_DATE_EPOCH": f"$(shell touch {PWNED})"}
    result = subprocess.run(["make", "-n", "report", "ENGINE=pandoc", f"VENV={VENV}"], cwd=project, capture_output=True,
                            text=True, env=env)  # fmt: skip
    assert result.returncode != 0 and "SOURCE_DATE_EPOCH=$(shell" in result.stderr


def test_regions_are_free_text_handed_over_quoted(project):
    """REGIONS='...' used to be expanded by make (running a `$(shell ...)` in it), and an apostrophe broke the
    shell's quotes around it; region names also went into the editions plan, a makefile, unescaped."""
    regions = f"London|St Helen's $(shell touch {PWNED})"
    make(project, "-n", "editions", ENGINE="pandoc", REGIONS=regions)
    assert (project / "build" / "editions-regions").read_text(encoding="utf-8") == regions + "\n"
    assert "EDITION_SLUGS := england london st-helen-s-shell-touch-pwned-txt" in (project / "build" / "editions" / "editions.mk").read_text()
