"""`make lint` as a test: the code is formatted by ruff and passes its lint rules (pyproject.toml), so the suite
fails when either drifts (61 lint errors had gathered unseen while only `make lint` checked them)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

RUFF = Path(sys.prefix) / "bin" / "ruff"
TREES = ["src", "tests", "scripts"]


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]], ids=["lint", "format"])
def test_ruff_passes(command):
    ruff = RUFF if RUFF.exists() else shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed in this environment")
    result = subprocess.run([str(ruff), *command, *TREES], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
