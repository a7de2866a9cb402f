"""What a template change runs (issue 20): the narrative renders its templates without reading the wave or loading
the statistics stack, and the render makes its formats each in a chain of its own, all at once. Structure only:
speed is `make bench`'s to measure, never a test's."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from briefing.analysis import findings as findings_io
from briefing.narrative import writer
from briefing.publication import render
from tests.conftest import KEEP_ENV, ROOT, VENV, copy_built, make

GOLDEN = ROOT / "tests" / "golden"
CLOCK = "1700000000"
HEAVY = ("pandas", "numpy", "scipy", "matplotlib", "pandera", "phonenumbers", "pypandoc")


def params_2020():
    """The PCN survey's 2020 wave against 2019 (its quotes, frame and comparison), as tests/golden holds its findings."""
    return findings_io.resolved_params(str(ROOT / "params.yml"), "2020", compared=True)


def golden_findings(tmp: Path) -> Path:
    path = tmp / "findings.json"
    path.write_text((GOLDEN / "findings-2020.json").read_text(encoding="utf-8"), encoding="utf-8")
    return path


def loaded_after(code: str) -> list[str]:
    """The heavy libraries a fresh interpreter has loaded after running `code`."""
    check = f"{code}\nimport sys\nprint(sorted({{m.split('.')[0] for m in sys.modules}} & {set(HEAVY)!r}))"
    env = {**os.environ, "SOURCE_DATE_EPOCH": CLOCK}
    done = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, cwd=ROOT, env=env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1].replace("'", '"'))


def test_the_narrative_renders_from_picked_quotes_without_the_statistics_stack(tmp_path, monkeypatch):
    """The narrative step imported pandas, pandera and scipy's stack (the codebook, the disclosure rule, the quotes
    read from the wave) on every template change: with the wave's quotes picked by their own step, it loads none."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", CLOCK)
    quotes = writer.write_quotes(params_2020(), tmp_path / "quotes.json", ROOT)
    assert json.loads(quotes.read_text(encoding="utf-8")), "the 2020 wave's quotes.yml picks quotes: none written"
    findings = golden_findings(tmp_path)
    argv = ["--params", str(ROOT / "params.yml"), "--wave", "2020", "--findings", str(findings)]
    argv += ["--quotes", str(quotes), "--out", str(tmp_path / "narrative"), "--engine", "pandoc"]
    code = f"from briefing.narrative import writer\nwriter.main({argv!r})"
    assert loaded_after(code) == []
    assert "Clinical director" in (tmp_path / "narrative" / "themes.md").read_text(encoding="utf-8")


def test_the_narrative_from_picked_quotes_is_the_narrative_from_the_wave(tmp_path, monkeypatch):
    """The two narrative steps give the very partials the one step gave, reading the wave itself."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", CLOCK)
    params, findings = params_2020(), golden_findings(tmp_path)
    quotes = writer.write_quotes(params, tmp_path / "quotes.json", ROOT)
    templates = ROOT / "report" / "templates"
    writer.render_all(findings, params, templates, tmp_path / "from-wave")
    writer.render_all(
        findings, params, templates, tmp_path / "from-quotes", quotes_file=quotes, compiled=tmp_path / "c"
    )
    writer.render_all(
        findings, params, templates, tmp_path / "compiled-again", quotes_file=quotes, compiled=tmp_path / "c"
    )
    names = sorted(p.name for p in (tmp_path / "from-wave").iterdir())
    for other in ("from-quotes", "compiled-again"):
        assert sorted(p.name for p in (tmp_path / other).iterdir()) == names
        for name in names:
            assert (tmp_path / other / name).read_bytes() == (tmp_path / "from-wave" / name).read_bytes(), name


def test_a_missing_answer_in_a_quotes_cell_is_kept_as_none():
    """pandas' NA (an attribution question left blank) and numpy's numbers go into quotes.json as JSON has them."""
    import numpy as np
    import pandas as pd

    assert [writer.plain(v) for v in (pd.NA, np.int64(3), "South East", None)] == [None, 3, "South East", None]


def test_the_render_step_loads_neither_the_statistics_stack_nor_pypandoc():
    """The render imported pandas and numpy through the disclosure rule's module, and pypandoc (urllib, ssl, and a
    run of every pandoc it finds) to find the pinned pandoc."""
    assert loaded_after("from briefing.publication import render\nprint(render.pandoc_binary())") == []


def test_the_render_step_loads_no_jinja():
    """The review page's and the data files' words (narrative/prose.py, change_prose.py) imported Jinja, a
    twentieth of a second of every render's start-up, to ask whether a value was a template's missing name."""
    code = "from briefing.publication import render\nimport sys\nprint(sorted(m for m in sys.modules if 'jinja' in m))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def fake_pandoc(monkeypatch) -> list[list[str]]:
    """render.run writing each output's name into it, every call remembered."""
    calls = []

    def run(command, step, cwd, env=None):
        calls.append(command)
        Path(command[command.index("--output") + 1]).write_text(step, encoding="utf-8")

    monkeypatch.setattr(render, "run", run)
    monkeypatch.setattr(render, "built_from", lambda root: {"source_date_epoch": int(CLOCK)})
    return calls


def test_the_word_file_is_mended_while_the_pdf_compiles(monkeypatch, tmp_path):
    """Word's python-docx mending and what reads the page waited for the PDF; each now follows its own format."""
    fake_pandoc(monkeypatch)
    finished = {"briefing.docx": threading.Event(), "briefing.html": threading.Event()}
    seen_while_compiling = {}

    def compile_typst(root, source, pdf, timestamp=None):
        for name, event in finished.items():  # the PDF's chain holds until the others have finished
            seen_while_compiling[name] = event.wait(timeout=20)
        pdf.write_text("pdf", encoding="utf-8")

    monkeypatch.setattr(render, "compile_typst", compile_typst)
    monkeypatch.setattr(render, "assemble_markdown", lambda root: "# A briefing\n")
    then = {name: (lambda path, e=event: e.set() if path.is_file() else None) for name, event in finished.items()}
    render.render_pandoc(ROOT, tmp_path, then)
    assert seen_while_compiling == {"briefing.docx": True, "briefing.html": True}


def test_the_chart_box_filter_is_given_to_the_html_alone(monkeypatch, tmp_path):
    """chart-box.lua changes HTML only; pandoc ran it, for nothing, on the Typst and Word documents too."""
    calls = fake_pandoc(monkeypatch)
    monkeypatch.setattr(render, "compile_typst", lambda root, source, pdf, timestamp=None: pdf.write_text("pdf"))
    monkeypatch.setattr(render, "assemble_markdown", lambda root: "# A briefing\n")
    render.render_pandoc(ROOT, tmp_path)
    by_format = {c[c.index("--to") + 1]: [c[i + 1] for i, a in enumerate(c) if a == "--lua-filter"] for c in calls}
    compat, box = str(ROOT / render.LUA_FILTER), str(ROOT / render.CHART_BOX_FILTER)
    assert by_format == {"json": [], "html5": [compat, box], "docx": [compat], "typst-citations": [compat]}


def test_the_markdown_is_read_and_its_citations_resolved_once_for_every_format(monkeypatch, tmp_path):
    """pandoc parsed the Markdown and ran citeproc three times, once per format; now once, into its document tree,
    from which each format is written (Typst told the citations are resolved: no `@key` of Typst's own)."""
    calls = fake_pandoc(monkeypatch)
    monkeypatch.setattr(render, "compile_typst", lambda root, source, pdf, timestamp=None: pdf.write_text("pdf"))
    monkeypatch.setattr(render, "assemble_markdown", lambda root: "# A briefing\n")
    render.render_pandoc(ROOT, tmp_path)
    read = {c[c.index("--to") + 1]: (c[1], c[c.index("--from") + 1], "--citeproc" in c) for c in calls}
    tree = str(tmp_path / "briefing.json")
    assert read == {
        "json": (str(tmp_path / "briefing.md"), "markdown", True),
        "html5": (tree, "json", False),
        "docx": (tree, "json", False),
        "typst-citations": (tree, "json", False),
    }
    assert calls[0][calls[0].index("--to") + 1] == "json"  # first: the others read what it wrote


@pytest.mark.e2e
def test_a_template_change_rebuilds_without_pandas_or_the_wave(built, tmp_path):
    """A template edited: the narrative and the render run, the quotes are not picked again, and neither step can
    have read a wave: with pandas made unimportable the briefing still rebuilds."""
    project = copy_built(built, tmp_path / "project")
    make(project, "report", ENGINE="pandoc")  # settled: an earlier test may have changed an input and put it back
    template = project / "report" / "templates" / "theme.md.j2"
    template.write_text(template.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    no_pandas = tmp_path / "no-pandas" / "pandas"
    no_pandas.mkdir(parents=True)
    (no_pandas / "__init__.py").write_text("raise ImportError('pandas is not for a template change')\n")
    env = {**os.environ, "PYTHONPATH": str(no_pandas.parent), "PYTHONDONTWRITEBYTECODE": "1"}
    command = ["make", "--no-print-directory", *KEEP_ENV, "report", f"VENV={VENV}", "ENGINE=pandoc"]
    done = subprocess.run(command, cwd=project, capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert "[5/6] narrative" in done.stdout and "[6/6] render" in done.stdout
    assert "quotes:" not in done.stdout and "[3/6]" not in done.stdout


def test_every_editions_narrative_shares_one_compilation_of_the_templates(tmp_path, monkeypatch):
    """Each edition renders its narrative in its own folder, from its own copy of report/templates: a template is
    kept compiled by the path the loader gives it (the same in every folder) and used only while its source is the
    same, so the first edition compiles it and the others reuse it; a changed copy is compiled again."""
    import shutil

    import jinja2

    compiled, made = tmp_path / "compiled", []
    compile_template = jinja2.Environment.compile
    monkeypatch.setattr(
        jinja2.Environment,
        "compile",
        lambda env, source, name=None, *a, **k: made.append(name) or compile_template(env, source, name, *a, **k),
    )
    for edition in ("london", "north-west", "changed"):
        folder = tmp_path / edition
        shutil.copytree(ROOT / "report" / "templates", folder / "report" / "templates")
        if edition == "changed":
            with (folder / "report" / "templates" / "notice.md.j2").open("a", encoding="utf-8") as template:
                template.write("\n")
        monkeypatch.chdir(folder)
        writer.environment(Path("report/templates"), compiled=compiled).get_template("notice.md.j2")
    assert made == ["notice.md.j2", "notice.md.j2"]  # London's, then the changed copy's: not North West's
    assert writer.COMPILED_TEMPLATES == "build/templates.compiled"  # (the folder the Makefile's narrative rule names)
