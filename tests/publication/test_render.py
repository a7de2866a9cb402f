"""The render layer: the dialect, includes, engine choice, and publishing only complete builds."""

import json
import os
import shutil

import pytest

from briefing import quarto
from briefing.publication import render
from tests.conftest import ROOT, copy_built, digest, make

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
    monkeypatch.setattr(quarto, "installed_quarto", lambda: None)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert render.Engine.choose("auto", ROOT).name == "pandoc"
    assert render.Engine.choose("pandoc", ROOT).name == "pandoc"
    with pytest.raises(render.RenderError, match="not on PATH; the briefing needs Quarto 1.9.0 or later.*quarto.org"):
        render.Engine.choose("quarto", ROOT)
    with pytest.raises(render.RenderError, match="unknown engine"):
        render.Engine.choose("latex", ROOT)
    monkeypatch.setattr(quarto, "installed_quarto", lambda: ("/usr/bin/quarto", (1, 11, 0)))
    assert render.Engine.choose("auto", ROOT).name == "quarto"
    assert render.Engine.choose("quarto", ROOT).name == "quarto"


def test_a_quarto_too_old_is_named_with_the_version_needed(monkeypatch, capsys):
    monkeypatch.setattr(quarto, "installed_quarto", lambda: ("/opt/old/quarto", (1, 8, 26)))
    monkeypatch.setattr(shutil, "which", lambda name: "/opt/old/quarto")
    with pytest.raises(render.RenderError) as error:
        render.Engine.choose("quarto", ROOT)
    message = str(error.value)
    assert "/opt/old/quarto is Quarto 1.8.26; the briefing needs Quarto 1.9.0 or later" in message
    assert "environment.yml" in message and "quarto.org" in message and "ENGINE=pandoc" in message
    assert render.Engine.choose("auto", ROOT).name == "pandoc"  # auto falls back, and says why
    assert "ENGINE=auto uses pandoc + Typst: /opt/old/quarto is Quarto 1.8.26" in capsys.readouterr().err


@pytest.mark.parametrize("text, version", [("1.11.0\n", (1, 11, 0)), ("99.9.1-dev", (99, 9, 1)), (">= 1.9", (1, 9, 0)), ("", None)])
def test_versions_are_read(text, version):
    assert quarto.version_tuple(text) == version


def test_the_quarto_needed_comes_from_quarto_yml(tmp_path):
    (tmp_path / "_quarto.yml").write_text('quarto-required: ">= 2.3.4"\n')
    assert quarto.quarto_required(tmp_path) == (2, 3, 4)
    (tmp_path / "_quarto.yml").write_text("project: {}\n")
    with pytest.raises(ValueError, match="quarto-required"):
        quarto.quarto_required(tmp_path)


@pytest.mark.e2e
def test_an_old_quarto_fails_clearly_and_keeps_the_last_good_briefing(built, tmp_path):
    """A `quarto` on PATH that reports an old version: ENGINE=quarto stops before rendering, says what it needs.
    (In a copy of the shared build: the narrative step reruns first, recording the engine asked for.)"""
    built = copy_built(built, tmp_path / "project")
    fake = tmp_path / "bin" / "quarto"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho 1.4.550\n")
    fake.chmod(0o755)
    outputs = sorted((built / "_output").iterdir())
    before = {p.name: digest(p) for p in outputs}
    result = make(built, "report", ENGINE="quarto", check=False, PATH=f"{fake.parent}:{os.environ['PATH']}")
    assert result.returncode != 0
    assert f"{fake} is Quarto 1.4.550; the briefing needs Quarto 1.9.0 or later" in result.stderr
    assert "unchanged" in result.stderr
    assert {p.name: digest(p) for p in outputs} == before


@pytest.mark.e2e
def test_a_failing_render_keeps_the_last_good_briefing(rendered, tmp_path):
    """Break the Typst template: HTML would succeed, PDF fails, and nothing in _output/ changes (both engines)."""
    engine = (rendered / "build" / "engine").read_text().strip()
    failed_step = {"pandoc": "typst (PDF) failed", "quarto": "quarto (HTML, PDF, Word) failed"}[engine]
    outputs = sorted((rendered / "_output").iterdir())
    before = {p.name: digest(p) for p in outputs}
    partial = rendered / "report" / "typst" / "typst-show.typ"
    good, stamp = partial.read_text(), partial.stat()
    partial.write_text(good + "\n#this-function-does-not-exist()\n")
    try:
        result = make(rendered, "report", ENGINE=engine, check=False)
        assert result.returncode != 0
        assert failed_step in result.stderr and "unchanged" in result.stderr
        assert "this-function-does-not-exist" in result.stderr  # the compiler's own diagnostic is passed on
        assert {p.name: digest(p) for p in outputs} == before
    finally:  # restore the file and its time, so the shared build stays up to date for the tests after this one
        partial.write_text(good)
        os.utime(partial, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))


@pytest.mark.quarto
@pytest.mark.e2e
def test_quarto_word_edition_carries_every_charts_alt_text(quarto_built):
    """The Word edition on the Quarto path: published with the others, every chart with its generated alt text."""
    from tests.publication.test_word_and_quotes import docx_images, unescape_xml

    findings = json.loads((quarto_built / "_output" / "findings.json").read_text(encoding="utf-8"))["findings"]
    alts = sorted(f["alt"] for f in findings.values() if f["kind"] == "figure")
    assert sorted(unescape_xml(i["descr"]) for i in docx_images(quarto_built / "_output" / "briefing.docx")) == alts
