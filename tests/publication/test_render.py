"""The render layer: the dialect, includes, engine choice, and publishing only complete builds."""

import json
import os
import shutil

import pytest

from briefing.publication import render
from tests.conftest import ROOT, copy_project, digest, make

REPORT_SOURCES = [ROOT / render.DOCUMENT, *sorted((ROOT / "report" / "templates").glob("*.j2"))]


@pytest.mark.parametrize("path", REPORT_SOURCES, ids=lambda p: p.name)
def test_report_sources_keep_to_the_dialect(path):
    assert render.dialect_problems(path.read_text(encoding="utf-8"), path.name) == []


@pytest.mark.parametrize(
    "text, problem",
    [
        ("{{< meta title >}}", "Quarto-only"),
        ("::: {.panel-tabset}\n:::", "outside the dialect"),
        ("```{python}\n1\n```", "code cells"),
        ("See @fig-workload.", "cross-references"),
    ],
)
def test_dialect_breaches_are_named(text, problem):
    problems = render.dialect_problems(text, "x.qmd")
    assert len(problems) == 1 and problem in problems[0] and problems[0].startswith("x.qmd")


def test_callouts_and_includes_are_in_the_dialect():
    assert render.dialect_problems('::: {.callout-note title="A"}\nx\n:::\n{{< include a.md >}}', "x") == []


def test_includes_resolve_relative_and_from_root(tmp_path):
    (tmp_path / "report").mkdir()
    (tmp_path / "parts").mkdir()
    (tmp_path / "parts" / "a.md").write_text("A {{< include b.md >}}")
    (tmp_path / "parts" / "b.md").write_text("B")
    (tmp_path / "parts" / "c.md").write_text("C")
    text = "{{< include ../parts/a.md >}} {{< include /parts/c.md >}}"
    assert render.resolve_includes(text, tmp_path / "report", tmp_path) == "A B C"


def test_missing_include_says_to_compute_first(tmp_path):
    with pytest.raises(render.RenderError, match="not found.*compute step"):
        render.resolve_includes("{{< include gone.md >}}", tmp_path, tmp_path)


def test_include_cycle_is_caught(tmp_path):
    (tmp_path / "a.md").write_text("{{< include a.md >}}")
    with pytest.raises(render.RenderError, match="cycle"):
        render.resolve_includes("{{< include a.md >}}", tmp_path, tmp_path)


def test_publish_refuses_an_incomplete_set(tmp_path):
    staging, out = tmp_path / "staging", tmp_path / "out"
    staging.mkdir()
    out.mkdir()
    (out / "briefing.html").write_text("last good")
    (staging / "briefing.html").write_text("new")
    with pytest.raises(render.RenderError, match="briefing.pdf missing"):
        render.publish(staging, out, ("briefing.html", "briefing.pdf"))
    assert (out / "briefing.html").read_text() == "last good"


def test_engine_choice(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert render.Engine.choose("auto").name == "pandoc"
    with pytest.raises(render.RenderError, match="not on PATH"):
        render.Engine.choose("quarto")
    monkeypatch.setattr(shutil, "which", lambda name: "/usr/bin/quarto")
    assert render.Engine.choose("auto").name == "quarto"


@pytest.mark.e2e
def test_a_failing_render_keeps_the_last_good_briefing(built, tmp_path):
    """Break the Typst template: HTML would succeed, PDF fails, and nothing in _output/ changes."""
    outputs = sorted((built / "_output").iterdir())
    before = {p.name: digest(p) for p in outputs}
    partial = built / "report" / "typst" / "typst-show.typ"
    good, stamp = partial.read_text(), partial.stat()
    partial.write_text(good + "\n#this-function-does-not-exist()\n")
    try:
        result = make(built, "report", ENGINE="pandoc", check=False)
        assert result.returncode != 0
        assert "typst (PDF) failed" in result.stderr and "unchanged" in result.stderr
        assert {p.name: digest(p) for p in outputs} == before
    finally:  # restore the file and its time, so the shared build stays up to date for the tests after this one
        partial.write_text(good)
        os.utime(partial, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))


@pytest.mark.quarto
@pytest.mark.skipif(shutil.which("quarto") is None, reason="quarto is not on PATH (the pip path is tested instead)")
def test_quarto_path_renders_the_same_briefing(tmp_path):
    project = copy_project(tmp_path)
    make(project, "report", ENGINE="quarto")
    for name in ("briefing.html", "briefing.pdf", "briefing.docx", "findings.json"):
        assert (project / "_output" / name).stat().st_size > 0
    from tests.publication.test_word_and_quotes import docx_images, unescape_xml

    findings = json.loads((project / "_output" / "findings.json").read_text(encoding="utf-8"))["findings"]
    alts = sorted(f["alt"] for f in findings.values() if f["kind"] == "figure")
    assert sorted(unescape_xml(i["descr"]) for i in docx_images(project / "_output" / "briefing.docx")) == alts
    # `quarto render` itself works on the project after the compute step
    import subprocess

    subprocess.run(["quarto", "render"], cwd=project, check=True)
