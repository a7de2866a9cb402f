"""The render layer: the dialect, includes, engine choice, and publishing only complete builds."""

import json
import os
import shutil
import subprocess
from contextlib import contextmanager, nullcontext
from pathlib import Path

import pytest

from briefing import quarto
from briefing.publication import publish, render
from tests.conftest import BUILD, ROOT, copy_built, digest, make

REPORT_SOURCES = [
    ROOT / render.DOCUMENT,
    *sorted((ROOT / "report" / "templates").glob("*.j2")),
    *sorted(ROOT.glob("data/**/templates/*.j2")),
]  # a survey's own templates, beside its codebook


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


# --- publishing: every file of a build is replaced, or none is -------------------------------------------------

SET = render.PUBLISHED


def published_set(tmp_path: Path) -> tuple[Path, Path]:
    """A staged new build and a folder holding the last good one (every file of the set, "old <name>")."""
    staging, out = tmp_path / "staging", tmp_path / "project" / "_output"
    staging.mkdir()
    out.mkdir(parents=True)
    for name in SET:
        (staging / name).write_text(f"new {name}")
        (out / name).write_text(f"old {name}")
    return staging, out


def contents(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(folder.iterdir()) if p.is_file()}


def assert_last_good_and_nothing_left(out: Path, before: dict[str, str]) -> None:
    assert contents(out) == before
    assert sorted(p.name for p in out.iterdir() if p.name not in before) in (
        [],
        ["findings.json"],
    )  # the planted folder
    assert [p.name for p in out.parent.iterdir()] == ["_output"], "a staging folder or temporary file was left behind"


def test_publish_refuses_an_incomplete_set(tmp_path):
    staging, out = published_set(tmp_path)
    (staging / "briefing.pdf").unlink()
    before = contents(out)
    with pytest.raises(publish.PublishError, match="briefing.pdf missing"):
        publish.publish(staging, out, SET)
    assert_last_good_and_nothing_left(out, before)


def test_publish_replaces_the_whole_set_and_leaves_nothing_behind(tmp_path):
    staging, out = published_set(tmp_path)
    (out / "changes.html").unlink()  # a first build of the review page
    publish.publish(staging, out, SET)
    assert contents(out) == {name: f"new {name}" for name in SET}
    assert [p.name for p in out.parent.iterdir()] == ["_output"]


def test_a_folder_where_a_file_goes_publishes_nothing_and_names_it(tmp_path):
    staging, out = published_set(tmp_path)
    (out / "findings.json").unlink()
    (out / "findings.json").mkdir()
    before = contents(out)
    with pytest.raises(publish.PublishError) as error:
        publish.publish(staging, out, SET)
    assert (
        str(error.value)
        == f"{out / 'findings.json'} is a folder, not a file: move it away so findings.json can be published there"
    )
    assert_last_good_and_nothing_left(out, before)


def test_a_rename_that_fails_midway_puts_back_what_it_replaced(tmp_path, monkeypatch):
    """findings.json cannot be replaced after the HTML, PDF and Word were: they are put back, the old set stays."""
    staging, out = published_set(tmp_path)
    (out / "changes.html").unlink()  # no review page published before: the new one must not stay either
    before = contents(out)
    replace = os.replace

    def blocked(source, target):
        if Path(target) == out / "findings.json":
            raise PermissionError(1, "Operation not permitted")
        replace(source, target)

    monkeypatch.setattr(publish.os, "replace", blocked)
    with pytest.raises(publish.PublishError) as error:
        publish.publish(staging, out, SET)
    assert str(error.value) == f"could not replace {out / 'findings.json'} (Operation not permitted)"
    assert_last_good_and_nothing_left(out, before)


@contextmanager
def immutable(path: Path):
    """`path` made unchangeable even for root (who ignores chmod): chattr +i, or the test is skipped."""
    if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not available here")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


@contextmanager
def read_only(folder: Path):
    """A folder this user cannot write: chmod, or for root (whom chmod does not stop) chattr +i."""
    mode = folder.stat().st_mode
    folder.chmod(0o555)
    try:
        if os.access(folder, os.W_OK):  # root
            with immutable(folder):
                yield
        else:
            yield
    finally:
        folder.chmod(mode)


def test_a_blocked_findings_json_publishes_nothing(tmp_path):
    """The case as found: findings.json cannot be replaced (immutable), the rest could. Nothing changes."""
    staging, out = published_set(tmp_path)
    before = contents(out)
    with immutable(out / "findings.json"):
        with pytest.raises(
            publish.PublishError, match=r"could not replace .*findings\.json \(Operation not permitted\)"
        ):
            publish.publish(staging, out, SET)
        assert_last_good_and_nothing_left(out, before)


def test_a_read_only_output_folder_is_one_sentence(tmp_path):
    staging, out = published_set(tmp_path)
    before = contents(out)
    with read_only(out):
        with pytest.raises(publish.PublishError) as error:
            publish.publish(staging, out, SET)
        assert str(error.value) == f"{out}/ is read-only: make it writable and build again"
    assert_last_good_and_nothing_left(out, before)


def test_quarto_is_handed_the_builds_clock(tmp_path, monkeypatch):
    """Quarto passes Typst no --creation-timestamp: the PDF's date and ID follow SOURCE_DATE_EPOCH in the
    environment. The render hands Quarto the build's clock (the provenance's), whatever the caller's environment."""
    provenance = tmp_path / render.PROVENANCE
    provenance.parent.mkdir(parents=True)
    provenance.write_text(json.dumps({"source_date_epoch": 1795392000}))
    calls = []
    monkeypatch.setattr(render, "run", lambda command, step, cwd, env=None: calls.append(env))
    for environment in (None, "1700000000"):
        if environment is None:
            monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
        else:
            monkeypatch.setenv("SOURCE_DATE_EPOCH", environment)
        with pytest.raises(render.RenderError, match="wrote no briefing.html"):
            render.render_quarto(tmp_path, tmp_path / "staging")
        assert calls[-1] is not None and calls[-1]["SOURCE_DATE_EPOCH"] == "1795392000"
        assert calls[-1]["PATH"] == os.environ["PATH"]


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


@pytest.mark.parametrize(
    "text, version", [("1.11.0\n", (1, 11, 0)), ("99.9.1-dev", (99, 9, 1)), (">= 1.9", (1, 9, 0)), ("", None)]
)
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
    engine = (rendered / BUILD / "engine").read_text().strip()
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


@pytest.mark.e2e
@pytest.mark.parametrize("blocked", ["folder", "read-only"])
def test_a_build_that_cannot_publish_says_why_in_a_sentence_and_changes_nothing(built, tmp_path, blocked):
    """A new style sheet (so the new HTML differs), then `make report` with a folder where findings.json goes, or
    with a read-only _output/: it fails with one sentence, no traceback; _output/ is byte for byte the last good
    briefing, with no temporary file in it or beside it."""
    project = copy_built(built, tmp_path / "project")
    out = project / "_output"
    if blocked == "folder":
        (out / "findings.json").unlink()
        (out / "findings.json").mkdir()
    before = {p.name: digest(p) for p in out.iterdir() if p.is_file()}
    with open(project / render.STYLESHEET, "a", encoding="utf-8") as css:
        css.write("\nbody { letter-spacing: 0.01em; }\n")
    with read_only(out) if blocked == "read-only" else nullcontext():
        result = make(project, "report", ENGINE="pandoc", check=False)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    reason = {
        "folder": "_output/findings.json is a folder, not a file: move it away so findings.json can be published there",
        "read-only": "_output/ is read-only: make it writable and build again",
    }[blocked]
    assert f"render: {reason}; the previous briefing in _output/ is unchanged.\n" in result.stderr
    assert {p.name: digest(p) for p in out.iterdir() if p.is_file()} == before
    # The briefing's files, and its charts' and tables' data (data_files: one CSV each), as before.
    assert sorted(p.name for p in out.iterdir() if p.suffix != ".csv") == sorted(render.PUBLISHED)
    assert not [p.name for p in project.iterdir() if "publishing" in p.name]
