"""Same inputs, same bytes on the Quarto path too (the pandoc path is checked in tests/test_e2e.py)."""

from __future__ import annotations

import re
import shutil
import time

import pytest

from tests.conftest import copy_project, make

pytestmark = [pytest.mark.e2e, pytest.mark.quarto,
              pytest.mark.skipif(shutil.which("quarto") is None, reason="quarto is not on PATH")]  # fmt: skip

# What a PDF writer derives from its clock: the dates and the document ids made from them.
PDF_CLOCK = re.compile(rb"(D:\d{14}Z|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d|<xmpMM:(?:Instance|Document)ID>[^<]*<|/ID\[\([^)]*\)\([^)]*\)\])")


def test_quarto_builds_in_two_folders_are_identical(tmp_path_factory):
    first = copy_project(tmp_path_factory.mktemp("quarto-a"))
    make(first, "report", ENGINE="quarto")
    time.sleep(1.1)  # a later clock
    second = copy_project(tmp_path_factory.mktemp("quarto-b-in-another-folder"))
    make(second, "report", ENGINE="quarto")
    for name in ("briefing.html", "findings.json"):
        assert (first / "_output" / name).read_bytes() == (second / "_output" / name).read_bytes(), name
    pdfs = [(p / "_output" / "briefing.pdf").read_bytes() for p in (first, second)]
    # Quarto hands the PDF to `typst compile`, which takes SOURCE_DATE_EPOCH (exported by the Makefile) as its clock;
    # the Typst stand-in of a source-built Quarto does not read it. Everything else must already be the same.
    assert PDF_CLOCK.sub(b"<clock>", pdfs[0]) == PDF_CLOCK.sub(b"<clock>", pdfs[1])
    assert len(pdfs[0]) == len(pdfs[1])
