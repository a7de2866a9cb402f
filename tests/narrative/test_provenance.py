"""The provenance record and the appendix: input digests and sidecars, versions, the code's version, escaping."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pypandoc
import pytest

from briefing import config
from briefing.analysis import findings as findings_io
from briefing.narrative import provenance, writer
from tests.conftest import BUILD, ROOT, copy_project, git

NASTY = "a*b_c `d` <script>alert(1)</script> [x](y) $z$ @cite #h \\ {{ j }} | 1. {.class}"


@pytest.fixture(scope="module")
def example_record() -> dict:
    return provenance.record(
        findings_io.resolved_params(ROOT / "params.yml", "2019"), ROOT / "params.yml", ROOT, "pandoc"
    )


def test_every_input_is_named_by_project_path_with_its_digest(example_record):
    params = findings_io.resolved_params(ROOT / "params.yml", "2019")
    by_role = {item["role"]: item for item in example_record["inputs"]}
    assert [by_role[r]["path"] for r in ("survey wave", "codebook", "reference frame", "parameters")] == [
        params.survey_path,
        params.codebook,
        params.frame_file,
        "params.yml",
    ]
    for item in example_record["inputs"]:
        assert item["sha256"] == hashlib.sha256((ROOT / item["path"]).read_bytes()).hexdigest()
        assert not Path(item["path"]).is_absolute()


def test_origin_and_licence_come_from_the_sidecars(example_record):
    by_role = {item["role"]: item for item in example_record["inputs"]}
    assert by_role["reference frame"]["licence"] == "Open Government Licence v3.0"
    assert by_role["reference frame"]["origin"].startswith(
        "NHS Digital, Quality and Outcomes Framework, 2019-20, https://"
    )
    assert by_role["survey wave"]["synthetic"] is True and by_role["reference frame"]["synthetic"] is False
    assert "licence" not in by_role["parameters"]  # its values are listed instead
    assert example_record["parameters"] == findings_io.resolved_params(ROOT / "params.yml", "2019").as_dict()


def test_versions_and_the_rebuild_command(example_record):
    versions = example_record["versions"]
    assert versions["renderer"] == {
        "engine": "pandoc",
        "pandoc": pypandoc.get_pandoc_version(),
        "typst": versions["packages"]["typst"],
    }
    assert set(provenance.KEY_PACKAGES) == set(versions["packages"])
    epoch = example_record["source_date_epoch"]
    # 2019 is not params.yml's wave (2020): the command says WAVE=2019, or it would rebuild another briefing
    assert (
        example_record["rebuild"] == f"SOURCE_DATE_EPOCH={epoch} make report PARAMS=params.yml WAVE=2019 ENGINE=pandoc"
    )
    default = provenance.record(
        findings_io.resolved_params(ROOT / "params.yml", None), ROOT / "params.yml", ROOT, "pandoc"
    )
    assert "WAVE=" not in default["rebuild"]


def test_a_comparison_lists_both_waves_and_both_frames():
    params = findings_io.resolved_params(ROOT / "params.yml", "2020")  # compared with 2019
    listed = {r["role"]: r["path"] for r in provenance.inputs(params, ROOT / "params.yml", ROOT)}
    assert listed["survey wave"] == "data/pcn-clinical-directors/raw/pcn_cd_survey_2020.csv"
    assert listed["reference frame"] == "data/pcn-clinical-directors/reference/pcn_frame_2020-21.csv"
    assert listed["comparison wave"] == "data/pcn-clinical-directors/raw/pcn_cd_survey_2019.csv"
    assert listed["comparison frame"] == "data/pcn-clinical-directors/reference/pcn_frame_2019-20.csv"


def test_a_missing_sidecar_is_named(tmp_path):
    project = copy_project(tmp_path)
    (project / "data" / "pcn-clinical-directors" / "codebook.meta.yml").unlink()
    with pytest.raises(
        FileNotFoundError,
        match=r"data/pcn-clinical-directors/codebook.yml: no provenance record data/pcn-clinical-directors/codebook.meta.yml",
    ):
        provenance.record(
            findings_io.resolved_params(project / "params.yml", "2019"), project / "params.yml", project, "pandoc"
        )


@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
def test_code_version_commit_and_uncommitted_changes(tmp_path):
    assert provenance.code_version(tmp_path) == {"git": "not a git checkout"}
    git(tmp_path, "init", "-q")
    (tmp_path / "a.txt").write_text("a")
    git(tmp_path, "add", "a.txt")
    git(tmp_path, "commit", "-q", "-m", "a")
    head = git(tmp_path, "rev-parse", "HEAD")
    assert provenance.code_version(tmp_path) == {"git": "checkout", "commit": head, "uncommitted_changes": False}
    (tmp_path / "a.txt").write_text("b")
    assert provenance.code_version(tmp_path)["uncommitted_changes"] is True
    inner = tmp_path / "project"  # a project copied into another repository is not that repository's checkout
    inner.mkdir()
    assert provenance.code_version(inner) == {"git": "not a git checkout"}


@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
def test_an_edition_folder_names_the_commit_and_state_of_the_project_it_links_to(tmp_path):
    """<build>/editions/<slug>/ is ignored, inside the checkout, and links src/ to it: it is built from that checkout."""
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.py").write_text("a")
    (tmp_path / ".gitignore").write_text("/build/\n")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "a")
    edition = tmp_path / BUILD / "editions" / "london"
    edition.mkdir(parents=True)
    (edition / "src").symlink_to(os.path.relpath(tmp_path / "src", edition))
    assert provenance.code_version(edition) == provenance.code_version(tmp_path)
    assert provenance.code_version(edition)["uncommitted_changes"] is False
    (tmp_path / "src" / "a.py").write_text("b")
    assert provenance.code_version(edition) == provenance.code_version(tmp_path)
    assert provenance.code_version(edition)["uncommitted_changes"] is True
    (edition / "src").unlink()  # its own code, not the checkout's: not that checkout's version
    (edition / "src").mkdir()
    assert provenance.code_version(edition) == {"git": "not a git checkout"}


def test_appendix_escapes_a_nasty_parameter_and_shows_the_record(example_record):
    env = writer.environment(ROOT / "report" / "templates")
    record = json.loads(json.dumps(example_record))
    record["parameters"]["publisher"] = NASTY
    record["inputs"][0]["origin"] = NASTY
    text = env.get_template("provenance.md.j2").render(provenance=record)
    html = pypandoc.convert_text(text, "html", format="markdown")
    assert "<script>" not in html and html.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 2
    for item in example_record["inputs"]:
        assert f"<code>{item['sha256']}</code>" in html and f"<code>{item['path']}</code>" in html
    assert "not a git checkout" in text.lower() or example_record["code"]["commit"] in text
    assert f"<code>{example_record['rebuild']}</code>" in html


def test_the_rebuild_command_names_the_wave_when_the_default_waves_file_is_gone(tmp_path):
    """A survey whose params.yml names a wave not (or no longer) in raw/: a build of another wave states its WAVE=,
    and reading the default wave's name needs no file of it (this was a traceback at the narrative step)."""
    from tests.conftest import copy_inputs

    project = copy_inputs(tmp_path)
    for name in ("gp_partners_des_2021.csv", "gp_partners_des_2021.meta.yml"):
        (project / "data" / "gp-partners-des" / "raw" / name).unlink()
    params = config.load(project / "params.yml", survey="gp-partners-des", wave="2020")
    assert provenance.wave_given(params, project / "params.yml", "gp-partners-des") == "2020"
    with pytest.raises(ValueError, match="2021"):
        config.load(project / "params.yml", survey="gp-partners-des")  # the default wave itself: still an error
