"""The PCN survey's briefing reads as it did before the narrative became generic: the whole document (briefing.qmd
with every partial it includes) rendered from fixed findings is compared with a stored copy, for 2019 on its own
and 2020 against 2019. Only the provenance section is left out (it names the commit and every input's digest).

After an intended change of wording, rewrite the stored copies with
`.venv/bin/python -m tests.narrative.test_pcn_narrative` and review their diff.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from briefing.analysis import findings as findings_io
from briefing.narrative import writer
from tests.conftest import ROOT

GOLDEN = ROOT / "tests" / "golden"
COMMENT = re.compile(r"<!--.*?-->\n*", re.DOTALL)  # the qmd's notes to its authors: no reader sees them
INCLUDE = re.compile(r"\{\{< include \.\./build/current/narrative/(?P<name>[\w.-]+) >\}\}")
LEFT_OUT = {"provenance.md": "[provenance: not compared]\n"}
CLOCK = "1700000000"  # SOURCE_DATE_EPOCH: the date on the briefing
CASES = {  # wave -> (findings it is rendered from, compared with the latest earlier wave)
    "2019": ("findings.json", False),
    "2020": ("findings-2020.json", True),
}


def assembled(partials: Path) -> str:
    """briefing.qmd with each include replaced by the partial it names: the text a reader gets."""
    qmd = COMMENT.sub("", (ROOT / "report" / "briefing.qmd").read_text(encoding="utf-8"))
    body = INCLUDE.sub(lambda m: LEFT_OUT.get(m["name"]) or (partials / m["name"]).read_text(encoding="utf-8"), qmd)
    metadata = (partials / "metadata.yml").read_text(encoding="utf-8")
    return f"---\n{metadata}---\n{body}"


def pcn_narrative(wave: str, tmp: Path) -> str:
    source, compared = CASES[wave]
    findings = tmp / "findings.json"
    data = json.loads((GOLDEN / source).read_text(encoding="utf-8"))
    findings.write_text(json.dumps(data), encoding="utf-8")
    params = findings_io.resolved_params(str(ROOT / "params.yml"), wave, compared=compared)
    writer.render_all(findings, params, ROOT / "report" / "templates", tmp / "narrative")
    return assembled(tmp / "narrative")


@pytest.mark.parametrize("wave", CASES)
def test_the_pcn_briefing_reads_as_before(wave, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", CLOCK)
    expected = (GOLDEN / "narrative" / f"pcn-{wave}.md").read_text(encoding="utf-8")
    assert pcn_narrative(wave, tmp_path) == expected


if __name__ == "__main__":  # rewrite the stored copies
    import os
    import tempfile

    os.environ["SOURCE_DATE_EPOCH"] = CLOCK

    for wave in CASES:
        with tempfile.TemporaryDirectory() as tmp:
            (GOLDEN / "narrative" / f"pcn-{wave}.md").write_text(pcn_narrative(wave, Path(tmp)), encoding="utf-8")
    sys.exit(0)
