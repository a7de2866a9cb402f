"""Same inputs, same bytes on the Quarto path too (the pandoc path is checked in tests/test_e2e.py), and both paths
date the PDF by the build's one clock, SOURCE_DATE_EPOCH."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.conftest import VENV, copy_built, make

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.quarto,
    pytest.mark.skipif(shutil.which("quarto") is None, reason="quarto is not on PATH"),
]


def pdf_clock(project: Path) -> tuple[str, str, list]:
    """The PDF's dates and the ID Typst derives from them."""
    reader = PdfReader(project / "_output" / "briefing.pdf")
    return reader.metadata["/CreationDate"], reader.metadata["/ModDate"], reader.trailer["/ID"]


def builds_clock(project: Path) -> str:
    epoch = json.loads((project / "_output" / "findings.json").read_text())["provenance"]["source_date_epoch"]
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("D:%Y%m%d%H%M%S")


def test_quarto_builds_in_two_folders_are_identical(quarto_built, built_elsewhere, tmp_path_factory):
    """The shared Quarto build (`built` rendered by Quarto) and the same rendering of the build made from scratch
    in another folder (`built_elsewhere`, copied to a third path), later."""
    first = quarto_built
    time.sleep(1.1)  # a later clock
    second = copy_built(built_elsewhere[0], tmp_path_factory.mktemp("quarto-b-in-another-folder") / "project")
    make(second, "report", ENGINE="quarto")
    for name in ("briefing.html", "briefing.pdf", "findings.json"):  # the PDF's dates and ID included
        assert (first / "_output" / name).read_bytes() == (second / "_output" / name).read_bytes(), name


def test_both_paths_date_the_pdf_by_the_builds_clock(built, quarto_built):
    for project in (built, quarto_built):
        created, modified, _ = pdf_clock(project)
        assert created.startswith(builds_clock(project)) and modified == created, project


def test_the_quarto_render_follows_the_builds_clock_without_make(quarto_built, tmp_path):
    """Run outside make (which exports SOURCE_DATE_EPOCH), with no clock in the environment: the Quarto path still
    dates the PDF, and derives its ID, from the build's clock, as the pandoc path does."""
    project = copy_built(quarto_built, tmp_path / "project")
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    command = [str(VENV / "bin" / "python"), "-m", "briefing.publication.render", "--engine", "quarto"]
    result = subprocess.run(command, cwd=project, capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    assert pdf_clock(project) == pdf_clock(quarto_built)
    assert (project / "_output" / "briefing.pdf").read_bytes() == (
        quarto_built / "_output" / "briefing.pdf"
    ).read_bytes()
