"""End to end: `make report` on the example data, on the pip path, then what a reader gets."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import time
from pathlib import Path

import docx
import pypandoc
import pytest
import yaml
from docx.oxml.ns import qn
from pypdf import PdfReader

from briefing.narrative.prose import percent
from tests.conftest import BUILD, commit_project, digest, make

pytestmark = pytest.mark.e2e

OUTPUTS = ("briefing.html", "briefing.pdf", "briefing.docx", "findings.json", "changes.html")


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
    """The PDF's text, and again with its charts taken out: a chart floats to the top or foot of a page, so it can
    sit between the two halves of a paragraph that runs on to the next page."""
    pages = PdfReader(path).pages
    text = normalise(" ".join(" ".join(body_lines(page.extract_text(), i)) for i, page in enumerate(pages)))
    text = re.sub(r"(\w)- (\w)", r"\1-\2", text)  # a hyphenated word broken across lines
    return text + " " + FLOATED_CHART.sub("", text)


FLOATED_CHART = re.compile(r" Figure \d+: .*? Source: .*?\.(?= )")  # a chart: its caption to its source line


def html_text(path: Path) -> str:
    return normalise(pypandoc.convert_file(str(path), "plain", format="html", extra_args=["--wrap=none"]))


def narrative_sentences(project: Path) -> list[str]:
    """Every sentence the templates wrote, as plain text."""
    sentences = []
    for partial in sorted((project / BUILD / "narrative").glob("*.md")):
        text = "\n".join(line for line in partial.read_text(encoding="utf-8").splitlines() if not line.startswith("|"))
        bibliography = project / BUILD / "narrative" / "references.json"
        plain = pypandoc.convert_text(
            text,
            "plain",
            format="markdown",
            extra_args=[
                "--wrap=none",
                "--citeproc",
                f"--bibliography={bibliography}",
                "--metadata=suppress-bibliography:true",
            ],
        )
        for line in plain.splitlines():
            line = normalise(line.lstrip("-• "))
            if line and not line.startswith(("[", "Source:")):
                sentences.extend(s for s in re.split(r"(?<=[.:])\s+(?=[A-Z])", line) if len(s) > 20)
    return sentences


def test_outputs_exist(rendered):
    for name in OUTPUTS:
        assert (rendered / "_output" / name).stat().st_size > 0, name


def test_findings_json_is_complete(built):
    findings = json.loads((built / "_output" / "findings.json").read_text())["findings"]
    for record in findings.values():
        for key in ("id", "value", "numerator", "denominator", "base", "description", "notebook", "inputs"):
            assert key in record, (record["id"], key)
        if record["kind"] == "proportion" and record["denominator"]:
            assert record["value"] == pytest.approx(record["numerator"] / record["denominator"])
    assert {"plan_to_leave", "workload_unmanageable", "unit_count", "fig_workload_unmanageable_small_vs_large"} <= set(
        findings
    )


def docx_text(path: Path) -> str:
    """Every paragraph's text in the Word edition, tables and callouts included (python-docx opens the file)."""
    document = docx.Document(str(path))
    paragraphs = ["".join(t.text or "" for t in p.iter(qn("w:t"))) for p in document.element.body.iter(qn("w:p"))]
    return normalise(" ".join(paragraphs))


def test_every_sentence_is_in_the_pdf_the_html_and_the_word_edition(rendered):
    pdf, html = pdf_text(rendered / "_output" / "briefing.pdf"), html_text(rendered / "_output" / "briefing.html")
    word = docx_text(rendered / "_output" / "briefing.docx")
    sentences = narrative_sentences(rendered)
    assert len(sentences) >= 20
    for sentence in sentences:
        assert sentence in html, f"not in HTML: {sentence}"
        assert sentence in pdf, f"not in PDF: {sentence}"
        assert sentence in word, f"not in the Word edition: {sentence}"


def test_figures_in_prose_come_from_findings_json(rendered):
    findings = json.loads((rendered / "_output" / "findings.json").read_text())["findings"]
    pdf = pdf_text(rendered / "_output" / "briefing.pdf")
    for fid in ("plan_to_leave", "workload_unmanageable", "workload_unmanageable_small", "workload_unmanageable_large"):
        assert percent(findings[fid]["value"]) in pdf, fid
    assert f"{findings['unit_count']['value']:,}" in pdf


def test_chart_is_embedded_with_generated_alt_text(rendered):
    html = (rendered / "_output" / "briefing.html").read_text(encoding="utf-8")
    figure = json.loads((rendered / "_output" / "findings.json").read_text())["findings"][
        "fig_workload_unmanageable_small_vs_large"
    ]
    assert figure["alt"].replace("'", "&#39;") in html or figure["alt"] in html
    assert '<svg id="chart-' in html and "data:image/svg+xml" not in html  # set inline: works offline


def test_two_clean_builds_in_two_folders_are_byte_identical(built, built_elsewhere):
    """Same inputs and parameters, another folder (another absolute path), another time: the same bytes. The
    second build runs the command the provenance appendix gives for rebuilding."""
    again, result = built_elsewhere
    assert result.returncode == 0, result.stderr
    # the review page compares with the previously published build, so it matches only when both folders have the
    # same history; other tests rebuild the shared build, so it is compared with the briefing's own files only then
    history_alike = b"first build" in (built / "_output" / "changes.html").read_bytes().lower()
    for name in OUTPUTS if history_alike else [n for n in OUTPUTS if n != "changes.html"]:
        assert (again / "_output" / name).read_bytes() == (built / "_output" / name).read_bytes(), name
    assert str(again) not in (again / "_output" / "briefing.html").read_text(encoding="utf-8")


def test_one_labelled_region_per_table(built):
    """Each table sits in exactly one scroll region named after it (a screen reader announces one table)."""
    html = (built / "_output" / "briefing.html").read_text(encoding="utf-8")
    regions = re.findall(r'<div class="table-scroll" tabindex="0" role="region" aria-label="([^"]*)">\s*<table', html)
    assert len(regions) == html.count("<table") == html.count('class="table-scroll"') == 3  # with the change table
    assert [name.split(":")[0] for name in regions] == ["Table 1", "Table 2", "Table 3"]
    # every other region is a chart's own box, one per chart: nothing is wrapped twice
    assert html.count('role="region"') == 3 + html.count('class="chart-scroll"') == 3 + html.count('<svg id="chart-')
    assert regions[0].startswith("Table 1: Every survey finding")


def test_the_briefing_is_dated_from_its_data(built):
    """publication_date is null: the date is the wave's `briefing_date` (or the caller's SOURCE_DATE_EPOCH)."""
    meta = yaml.safe_load(
        (built / "data" / "pcn-clinical-directors" / "raw" / "pcn_cd_survey_2020.meta.yml").read_text(encoding="utf-8")
    )
    day = dt.date.fromisoformat(meta["briefing_date"])
    if os.environ.get("SOURCE_DATE_EPOCH"):
        day = dt.datetime.fromtimestamp(int(os.environ["SOURCE_DATE_EPOCH"]), dt.UTC).date()
    printed = day.strftime("%-d %B %Y")
    assert printed in PdfReader(built / "_output" / "briefing.pdf").pages[0].extract_text()
    assert f'<p class="date">{printed}</p>' in (built / "_output" / "briefing.html").read_text(encoding="utf-8")
    epoch = int(os.environ.get("SOURCE_DATE_EPOCH") or dt.datetime.combine(day, dt.time(), dt.UTC).timestamp())
    assert PdfReader(built / "_output" / "briefing.pdf").metadata["/CreationDate"].startswith(day.strftime("D:%Y%m%d"))
    assert json.loads((built / "_output" / "findings.json").read_text())["provenance"]["source_date_epoch"] == epoch


def test_the_provenance_appendix_and_findings_json_carry_the_same_record(built):
    record = json.loads((built / "_output" / "findings.json").read_text())["provenance"]
    assert record == json.loads((built / BUILD / "narrative" / "provenance.json").read_text())
    for item in record["inputs"]:
        assert item["sha256"] == digest(built / item["path"])
    assert record["code"] == {"git": "not a git checkout"}  # the test copy has no .git
    pdf, html = pdf_text(built / "_output" / "briefing.pdf"), html_text(built / "_output" / "briefing.html")
    assert re.findall(r'<section id="([^"]+)"', (built / "_output" / "briefing.html").read_text())[-1] == "provenance"
    for text in (pdf, html):
        assert text.rindex("How this briefing was built") > text.rindex("References")  # the briefing ends with it
        for item in record["inputs"]:
            assert item["sha256"] in text and item["path"] in text
        assert record["rebuild"] in text and f"Python {record['versions']['python']}" in text


def test_findings_are_byte_identical_across_builds(built, built_elsewhere):
    again, _ = built_elsewhere
    assert (again / BUILD / "findings.json").read_bytes() == (built / BUILD / "findings.json").read_bytes()


def test_second_make_does_nothing(built):
    make(built, "report", ENGINE="pandoc")  # settled: an earlier test may have changed an input and put it back
    result = make(built, "report", ENGINE="pandoc")
    assert "Briefing up to date" in result.stdout
    # Nothing ran: the only output is the closing line (the engine stamp is checked silently and left unchanged).
    assert result.stdout.strip().splitlines() == [
        line for line in result.stdout.strip().splitlines() if line.startswith("Briefing up to date")
    ]
    assert "notebooks:" not in result.stdout and "render:" not in result.stdout


def dry_run(project: Path) -> str:
    return make(project, "-n", "report", ENGINE="pandoc").stdout


def edited_under_its_old_time(path: Path, extra: str) -> str:
    """Append `extra` to the file and give it back its old time (as cp -p or unzip would); returns the old text."""
    good, stamp = path.read_text(encoding="utf-8"), path.stat()
    path.write_text(good + extra, encoding="utf-8")
    os.utime(path, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    return good


def test_a_changed_template_rerenders_without_recomputing(built):
    """Content decides, not the clock: a template touched but unchanged redoes nothing; one changed under its old
    time re-renders, without recomputing."""
    template = built / "report" / "templates" / "theme.md.j2"
    make(built, "report", ENGINE="pandoc")  # settled
    time.sleep(1.1)
    template.touch()
    assert "briefing.narrative.writer" not in dry_run(built)
    good = edited_under_its_old_time(template, "{# a comment: new bytes, the same text #}\n")
    try:
        plan = dry_run(built)
        assert "briefing.narrative.writer" in plan and "briefing.publication.render" in plan
        assert "run_notebooks" not in plan and "briefing.inputs.check" not in plan
    finally:
        template.write_text(good, encoding="utf-8")
        make(built, "report", ENGINE="pandoc")


def test_a_changed_stylesheet_only_rerenders(built):
    stylesheet = built / "report" / "styles" / "briefing.css"
    good = edited_under_its_old_time(stylesheet, "/* a comment */\n")
    try:
        plan = dry_run(built)
        assert "briefing.publication.render" in plan
        assert "briefing.narrative.writer" not in plan and "run_notebooks" not in plan
    finally:
        stylesheet.write_text(good, encoding="utf-8")
        make(built, "report", ENGINE="pandoc")


def test_one_more_uncommitted_change_rerenders_nothing(built, tmp_path):
    """The provenance appendix says whether the checkout has uncommitted changes, not which files: in one already
    changed (an analyst's, mid-work), one more changed file changes no byte of the briefing, so nothing is made
    again. (A copy of the build, made a git checkout: the shared build is not one.)"""
    project = tmp_path / "checkout"
    shutil.copytree(built, project, symlinks=True)
    commit_project(project)
    (project / "notes-in-progress.txt").write_text("an analyst's uncommitted notes\n", encoding="utf-8")
    rebuilt = make(project, "report", ENGINE="pandoc")
    assert "[5/6] narrative" in rebuilt.stdout  # its commit, "with uncommitted changes"
    (project / "more-notes.txt").write_text("and some more\n", encoding="utf-8")
    plan = dry_run(project)
    assert "briefing.narrative.writer" not in plan and "briefing.publication.render" not in plan, plan


def test_changing_one_notebook_reruns_only_that_notebook(built):
    """For each wave (the reported one and its comparison) the runner reruns only that notebook, then the change
    between them: one runner, so one process, for the whole build. The notebook is changed as a copy from elsewhere
    would be, with an old time: content decides, not the clock."""
    waves = [built / BUILD / "waves" / wave / "executed" for wave in ("2020", "2019")]
    before = {p: p.stat().st_mtime_ns for folder in waves for p in folder.glob("*.ipynb")}
    time.sleep(1.1)
    notebook = built / "notebooks" / "population.ipynb"
    original = notebook.read_bytes()
    notebook.write_bytes(original.replace(b'"# The population', b'"# The population (edited)', 1))
    assert notebook.read_bytes() != original
    os.utime(notebook, (946684800, 946684800))  # 2000-01-01: older than every output
    plan = dry_run(built)
    assert plan.count("briefing.analysis.run_notebooks") == 1
    assert "--plan build/plans/params.yml.json" in plan  # both waves and the change: the steps the plan lists
    result = make(built, "report", ENGINE="pandoc")
    assert result.stdout.count("notebooks: 1 run in one process (population)") == 2
    assert "notebooks: 1 run in one process (change)" in result.stdout
    changed = sorted(p.relative_to(built / BUILD).as_posix() for p in before if p.stat().st_mtime_ns != before[p])
    assert changed == ["waves/2019/executed/population.ipynb", "waves/2020/executed/population.ipynb"]
    notebook.write_bytes(original)  # as it was, for the tests that share this build
    make(built, "report", ENGINE="pandoc")


def test_build_log_is_one_counted_line_per_step_without_warnings(built_elsewhere):
    """Step 2 runs once per wave; step 3 logs a line per wave, one for the change and one for the quotes picked from
    the reported wave, in the plan's order whichever finished first; step 5 one for the narrative; the count runs 1
    to 6."""
    project, result = built_elsewhere
    steps = [line for line in result.stdout.splitlines() if line.startswith("[")]
    assert [line[:5] for line in steps] == [
        "[1/6]",
        "[2/6]",
        "[2/6]",
        "[3/6]",
        "[3/6]",
        "[3/6]",
        "[3/6]",
        "[4/6]",
        "[5/6]",
        "[6/6]",
    ]
    quotes = "[3/6] quotes 2020: picked from wave 2020 into build/pcn-clinical-directors/params/waves/2020/quotes.json"
    assert steps[5].startswith("[3/6] change: ") and steps[6] == quotes and steps[-2].startswith("[5/6] narrative: ")
    assert sum(line.startswith("[3/6] wave 2020: notebooks:") for line in steps) == 1
    assert sum(line.startswith("[3/6] wave 2019: notebooks:") for line in steps) == 1
    executed = json.loads((project / BUILD / "waves" / "2020" / "executed" / "theme-workload.ipynb").read_text())
    outputs = [o for cell in executed["cells"] for o in cell.get("outputs", [])]
    assert outputs and not [o for o in outputs if o.get("name") == "stderr"]


def fails_keeping_the_last_good_briefing(project: Path, path: Path, broken: bytes, **variables: str) -> str:
    """Put `broken` in `path` and run `make report`: it must fail and leave _output/ byte for byte. The file is
    restored with its time, so the shared build stays up to date. Returns make's stderr."""
    before = {name: digest(project / "_output" / name) for name in OUTPUTS}
    good, stamp = path.read_bytes(), path.stat()
    path.write_bytes(broken)
    try:
        result = make(project, "report", ENGINE="pandoc", check=False, **variables)
        assert result.returncode != 0
        assert {name: digest(project / "_output" / name) for name in OUTPUTS} == before
        return result.stderr
    finally:
        path.write_bytes(good)
        os.utime(path, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))


def test_broken_input_fails_and_keeps_the_last_good_briefing(built):
    survey = next((built / "data" / "pcn-clinical-directors" / "raw").glob("pcn_cd_survey_*.csv"))
    lines = survey.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\r\n").split(",")
    cells = lines[3].rstrip("\r\n").split(",")
    cells[header.index("pcn_list_size")] = "lots"
    lines[3] = ",".join(cells) + "\n"
    stderr = fails_keeping_the_last_good_briefing(built, survey, "".join(lines).encode("utf-8"))
    assert survey.name in stderr and "pcn_list_size" in stderr


def test_a_wave_larger_than_its_population_fails_before_any_notebook(built):
    """The issue's example: more respondents than PCNs used to fail 30 s in, inside a notebook. Now the
    cross-check stops the build first, naming the file, the rows and the rule; _output/ stays byte for byte.
    The compared wave (2019) is checked against its own frame too."""
    before = {name: digest(built / "_output" / name) for name in OUTPUTS}
    survey = built / "data" / "pcn-clinical-directors" / "raw" / "pcn_cd_survey_2019.csv"
    good, stamp = survey.read_bytes(), survey.stat()
    header, *rows = good.decode("utf-8").splitlines(keepends=True)
    survey.write_text(header + "".join(rows) * 6, encoding="utf-8")
    try:
        result = make(built, "report", ENGINE="pandoc", check=False)
        assert result.returncode != 0
        assert (
            f"{survey.relative_to(built)}: rows 2 to {6 * len(rows) + 1:,} are {6 * len(rows):,} respondents"
            in result.stderr
        )
        assert (
            "cannot outnumber the primary care networks they speak for (1 clinical director per primary care network)"
            in result.stderr
        )
        assert "papermill" not in result.stdout and "briefing.inputs.check" not in result.stdout
        assert {name: digest(built / "_output" / name) for name in OUTPUTS} == before
    finally:  # the file and its time restored: the shared build stays up to date
        survey.write_bytes(good)
        os.utime(survey, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    # Put back as it was, the wave is not checked again nor its notebooks rerun: its last good validation stands.
    settled = make(built, "report", ENGINE="pandoc")
    assert "[2/6]" not in settled.stdout and "notebooks:" not in settled.stdout, settled.stdout
    assert {name: digest(built / "_output" / name) for name in OUTPUTS} == before


def test_findings_match_the_reviewed_golden_copy(built_2019):
    """The 2019 briefing reproduces every published 2019 figure: a change in any figure shows up here.
    Regenerate on purpose with `make golden WAVE=2019` and review the diff. The provenance record (digests,
    versions) is checked on its own above, so a new package version is not a new finding."""
    golden = Path(__file__).parent / "golden" / "findings.json"
    assert (built_2019 / BUILD / "findings.json").read_text() == golden.read_text()
    published = json.loads((built_2019 / "_output" / "findings.json").read_text())
    assert set(published) == {"parameters", "findings", "provenance"}
    assert {k: v for k, v in published.items() if k != "provenance"} == json.loads(golden.read_text())
