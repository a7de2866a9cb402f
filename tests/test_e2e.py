"""End to end: `make report` on the example data, on the pip path, then what a reader gets."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pypandoc
import pytest
from pypdf import PdfReader

from briefing.narrative.prose import percent
from tests.conftest import copy_project, digest, make

pytestmark = pytest.mark.e2e

OUTPUTS = ("briefing.html", "briefing.pdf", "findings.json", "changes.html")


def normalise(text: str) -> str:
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    text = text.replace("\u00a0", " ").replace("\u2011", "-")
    return re.sub(r"\s+", " ", text).strip()


def body_lines(page_text: str, number: int) -> list[str]:
    """A page's text without its running header (pages after the first) and its footer (last line)."""
    lines = page_text.splitlines()
    lines = lines[:-1] if lines and re.search(r"Page \d+ of \d+$", lines[-1]) else lines
    return lines[1:] if number > 0 else lines


def pdf_text(path: Path) -> str:
    pages = PdfReader(path).pages
    text = normalise(" ".join(" ".join(body_lines(page.extract_text(), i)) for i, page in enumerate(pages)))
    return re.sub(r"(\w)- (\w)", r"\1-\2", text)  # a hyphenated word broken across lines


def html_text(path: Path) -> str:
    return normalise(pypandoc.convert_file(str(path), "plain", format="html", extra_args=["--wrap=none"]))


def narrative_sentences(project: Path) -> list[str]:
    """Every sentence the templates wrote, as plain text."""
    sentences = []
    for partial in sorted((project / "build" / "narrative").glob("*.md")):
        text = "\n".join(line for line in partial.read_text(encoding="utf-8").splitlines() if not line.startswith("|"))
        bibliography = project / "build" / "narrative" / "references.json"
        plain = pypandoc.convert_text(text, "plain", format="markdown",
                                      extra_args=["--wrap=none", "--citeproc", f"--bibliography={bibliography}",
                                                  "--metadata=suppress-bibliography:true"])  # fmt: skip
        for line in plain.splitlines():
            line = normalise(line.lstrip("-• "))
            if line and not line.startswith(("[", "Source:")):
                sentences.extend(s for s in re.split(r"(?<=[.:])\s+(?=[A-Z])", line) if len(s) > 20)
    return sentences


def test_outputs_exist(built):
    for name in OUTPUTS:
        assert (built / "_output" / name).stat().st_size > 0, name


def test_findings_json_is_complete(built):
    findings = json.loads((built / "_output" / "findings.json").read_text())["findings"]
    for record in findings.values():
        for key in ("id", "value", "numerator", "denominator", "base", "description", "notebook", "inputs"):
            assert key in record, (record["id"], key)
        if record["kind"] == "proportion" and record["denominator"]:
            assert record["value"] == pytest.approx(record["numerator"] / record["denominator"])
    assert {"plan_to_leave", "workload_unmanageable", "pcn_count", "fig_workload_by_size"} <= set(findings)


def test_every_sentence_is_in_the_pdf_and_the_html(built):
    pdf, html = pdf_text(built / "_output" / "briefing.pdf"), html_text(built / "_output" / "briefing.html")
    sentences = narrative_sentences(built)
    assert len(sentences) >= 5
    for sentence in sentences:
        assert sentence in html, f"not in HTML: {sentence}"
        assert sentence in pdf, f"not in PDF: {sentence}"


def test_figures_in_prose_come_from_findings_json(built):
    findings = json.loads((built / "_output" / "findings.json").read_text())["findings"]
    pdf = pdf_text(built / "_output" / "briefing.pdf")
    for fid in ("plan_to_leave", "workload_unmanageable", "workload_unmanageable_small", "workload_unmanageable_large"):
        assert percent(findings[fid]["value"]) in pdf, fid
    assert f"{findings['pcn_count']['value']:,}" in pdf


def test_chart_is_embedded_with_generated_alt_text(built):
    html = (built / "_output" / "briefing.html").read_text(encoding="utf-8")
    figure = json.loads((built / "_output" / "findings.json").read_text())["findings"]["fig_workload_by_size"]
    assert figure["alt"].replace("'", "&#39;") in html or figure["alt"] in html
    assert "data:image/svg+xml" in html  # embedded, works offline


def test_findings_are_byte_identical_across_builds(built, tmp_path):
    again = copy_project(tmp_path)
    make(again, "compute")
    assert (again / "build" / "findings.json").read_bytes() == (built / "_output" / "findings.json").read_bytes()


def test_second_make_does_nothing(built):
    result = make(built, "report", ENGINE="pandoc")
    assert "Briefing up to date" in result.stdout
    # Nothing ran: the only output is the closing line (the engine stamp is checked silently and left unchanged).
    assert result.stdout.strip().splitlines() == [line for line in result.stdout.strip().splitlines() if line.startswith("Briefing up to date")]
    assert "papermill" not in result.stdout and "briefing.publication.render" not in result.stdout


def dry_run(project: Path) -> str:
    return make(project, "-n", "report", ENGINE="pandoc").stdout


def test_touching_a_template_rerenders_without_recomputing(built):
    time.sleep(1.1)
    (built / "report" / "templates" / "retention.md.j2").touch()
    plan = dry_run(built)
    assert "briefing.narrative.writer" in plan and "briefing.publication.render" in plan
    assert "papermill" not in plan and "briefing.inputs.validate" not in plan
    make(built, "report", ENGINE="pandoc")


def test_touching_the_stylesheet_only_rerenders(built):
    time.sleep(1.1)
    (built / "report" / "styles" / "briefing.css").touch()
    plan = dry_run(built)
    assert "briefing.publication.render" in plan
    assert "briefing.narrative.writer" not in plan and "papermill" not in plan
    make(built, "report", ENGINE="pandoc")


def test_touching_one_notebook_reruns_only_that_notebook(built):
    """For each wave (the reported one and its comparison), then the change between them."""
    time.sleep(1.1)
    (built / "notebooks" / "retention.ipynb").touch()
    plan = dry_run(built)
    runs = [line for line in plan.splitlines() if "papermill" in line]
    assert len(runs) == 3
    assert sum("notebooks/retention.ipynb" in r for r in runs) == 2 and sum("notebooks/change.ipynb" in r for r in runs) == 1
    assert "build/waves/2020/executed/retention.ipynb" in plan and "build/waves/2019/executed/retention.ipynb" in plan
    make(built, "report", ENGINE="pandoc")


def test_broken_input_fails_and_keeps_the_last_good_briefing(built):
    before = {name: digest(built / "_output" / name) for name in OUTPUTS}
    survey = next((built / "data" / "raw").glob("pcn_cd_survey_*.csv"))
    good = survey.read_text(encoding="utf-8")
    lines = good.splitlines(keepends=True)
    header = lines[0].rstrip("\r\n").split(",")
    cells = lines[3].rstrip("\r\n").split(",")
    cells[header.index("pcn_list_size")] = "lots"
    lines[3] = ",".join(cells) + "\n"
    survey.write_text("".join(lines), encoding="utf-8")
    try:
        result = make(built, "report", ENGINE="pandoc", check=False)
        assert result.returncode != 0
        assert survey.name in result.stderr and "pcn_list_size" in result.stderr
        assert {name: digest(built / "_output" / name) for name in OUTPUTS} == before
    finally:
        survey.write_text(good, encoding="utf-8")


def test_findings_match_the_reviewed_golden_copy(built_2019):
    """The 2019 briefing reproduces every published 2019 figure: a change in any figure shows up here.
    Regenerate on purpose with `make golden WAVE=2019` and review the diff."""
    golden = Path(__file__).parent / "golden" / "findings.json"
    assert (built_2019 / "_output" / "findings.json").read_text() == golden.read_text()
