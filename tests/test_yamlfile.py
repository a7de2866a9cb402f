"""One home for reading YAML (briefing.yamlfile): every file the project reads refuses a key written twice, naming
both lines, and a file that cannot be read is one sentence naming the file and the line, never a traceback."""

from __future__ import annotations

import datetime
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from briefing import config, quarto, yamlfile
from briefing.inputs import codebook, crosscheck
from briefing.inputs import survey as waves
from briefing.narrative import context_figures, provenance, quotes
from briefing.publication import editions
from tests.conftest import ROOT, copy_inputs


def test_libyaml_parses_when_it_is_installed():
    if hasattr(yaml, "CSafeLoader"):
        assert issubclass(yamlfile.StrictLoader, yaml.CSafeLoader)
    assert issubclass(yamlfile.StrictLoader, yaml.SafeLoader) or issubclass(yamlfile.StrictLoader, yaml.CSafeLoader)


def test_a_key_written_twice_names_both_lines_at_any_depth():
    with pytest.raises(yamlfile.YAMLFileError, match=r"^f.yml: key 'id' is written twice, on lines 2 and 4; keep one"):
        yamlfile.loads("q:\n  - id: a\n    type: x\n    id: b\n", "f.yml")
    assert yamlfile.loads("base: &b {x: 1}\nd:\n  <<: *b\n  x: 2\n", "f.yml")["d"] == {
        "x": 2
    }  # a merge key may be overridden


def test_a_text_is_parsed_once_and_each_reader_gets_its_own_copy(monkeypatch):
    """A plan reads the same codebook once per edition: the second read of the same text is not parsed again,
    and what one caller changes never reaches the next (nor a file whose text differs by one byte)."""
    parses = []
    real = yaml.load
    monkeypatch.setattr(yamlfile.yaml, "load", lambda text, Loader: parses.append(text) or real(text, Loader=Loader))
    text = "wave: 2020\nasked: [q1, q2]\nopened: 2020-02-01\n"
    first = yamlfile.loads(text, "a.yml")
    first["asked"].append("changed by its reader")
    second = yamlfile.loads(text, "b.yml")
    assert second == {"wave": 2020, "asked": ["q1", "q2"], "opened": datetime.date(2020, 2, 1)}
    assert second is not first and second["asked"] is not first["asked"]
    assert yamlfile.loads(text + "more: 1\n", "a.yml")["more"] == 1
    assert parses == [text, text + "more: 1\n"]


def test_a_broken_text_is_named_by_the_file_it_came_from_each_time():
    text = "id: a\nid: b\n"
    for name in ("first.yml", "second.yml"):
        with pytest.raises(yamlfile.YAMLFileError, match=rf"^{name}: key 'id' is written twice"):
            yamlfile.loads(text, name)


def test_only_safe_yaml_is_read():
    with pytest.raises(yamlfile.YAMLFileError, match="f.yml: not valid YAML"):
        yamlfile.loads("a: !!python/object/apply:os.system ['id']\n", "f.yml")


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("a: [1, 2\nb: 3\n", "not valid YAML at line 2"),
        ("a: b: c\n", "not valid YAML at line 1, column 5: mapping values are not allowed"),
        ("a: 'open\n", "not valid YAML at line 2"),
        ("a: 1\nfieldwork: 2021-02-30\n", "not valid YAML at line 2, column 12: '2021-02-30' is not a date"),
    ],
)
def test_malformed_yaml_is_a_sentence_with_its_line(tmp_path, text, said):
    path = tmp_path / "f.yml"
    path.write_text(text)
    with pytest.raises(yamlfile.YAMLFileError) as caught:
        yamlfile.load(path, "a file")
    assert str(caught.value).startswith(f"{path}: {said}") and "\n" not in str(caught.value)


def test_missing_and_non_utf8_files_are_sentences(tmp_path):
    with pytest.raises(yamlfile.YAMLFileError, match=r"nothing.yml: codebook not found$"):
        yamlfile.load(tmp_path / "nothing.yml", "codebook")
    (tmp_path / "latin.yml").write_bytes("title: caf\xe9\n".encode("cp1252"))
    with pytest.raises(yamlfile.YAMLFileError, match=r"latin.yml: codebook is not UTF-8 text \(byte 0xe9 on line 1\)"):
        yamlfile.load(tmp_path / "latin.yml", "codebook")


# --- every reader in src/ goes through it ---------------------------------------------------------------------
def test_no_yaml_is_parsed_outside_yamlfile():
    """One home: yaml.safe_load, yaml.load and yaml.compose appear only in briefing/yamlfile.py."""
    calls = re.compile(r"\byaml\.(?:safe_load|load|compose|full_load|unsafe_load)\b")
    offenders = [
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "src").rglob("*.py")
        if p.name != "yamlfile.py" and calls.search(p.read_text(encoding="utf-8"))
    ]
    assert offenders == []


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_inputs(tmp_path, "_quarto.yml")


def doubled(path: Path, key: str) -> tuple[int, int]:
    """Write `key`'s line (a top-level or indented `key: value` line) a second time, just after the first;
    returns both line numbers."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    first = next(i for i, line in enumerate(lines) if line.lstrip().startswith(f"{key}:"))
    if lines[first].rstrip().endswith(":"):  # a mapping: repeat it with its block
        end = next(
            i
            for i in range(first + 1, len(lines))
            if len(lines[i]) - len(lines[i].lstrip()) <= len(lines[first]) - len(lines[first].lstrip())
        )
        block = lines[first:end]
    else:
        end, block = first + 1, [lines[first]]
    path.write_text("".join(lines[:end] + block + lines[end:]), encoding="utf-8")
    return first + 1, end + 1


def test_a_second_finding_in_the_codebook_is_an_error_not_a_wrong_figure(project):
    """A second `plan_to_leave:` silently replaced the first (and published its figure)."""
    path = project / "data" / "pcn-clinical-directors" / "codebook.yml"
    first, second = doubled(path, "plan_to_leave")
    with pytest.raises(
        codebook.CodebookError,
        match=rf"codebook.yml: key 'plan_to_leave' is written twice, on lines {first} and {second}",
    ):
        codebook.load_codebook(path)


READERS = {  # file -> (the key written twice, how the project reads it)
    "data/pcn-clinical-directors/params.yml": ("estimate", lambda p: config.load(p / "params.yml")),
    "params.yml": ("survey", lambda p: config.load(p / "params.yml")),
    "data/pcn-clinical-directors/raw/pcn_cd_survey_2020.meta.yml": (
        "frame_year",
        lambda p: waves.select(p, config.load(p / "params.yml")),
    ),
    "data/pcn-clinical-directors/reference/pcn_frame_2020-21.meta.yml": (
        "year",
        lambda p: crosscheck.meta_of(p / "data/pcn-clinical-directors/reference/pcn_frame_2020-21.csv"),
    ),
    "data/pcn-clinical-directors/raw/pcn_cd_survey_2019.meta.yml": (
        "licence",
        lambda p: provenance.sidecar("data/pcn-clinical-directors/raw/pcn_cd_survey_2019.csv", p),
    ),
    "data/pcn-clinical-directors/context/context_figures.yml": (
        "schema_version",
        lambda p: context_figures.load_context_figures(p / "data/pcn-clinical-directors/context/context_figures.yml"),
    ),
    "data/pcn-clinical-directors/quotes.yml": (
        "theme",
        lambda p: quotes.entries(p / "data/pcn-clinical-directors/quotes.yml", "2019"),
    ),
    "_quarto.yml": ("quarto-required", lambda p: quarto.quarto_required(p)),
    "data/pcn-clinical-directors/codebook.yml": (
        "separator",
        lambda p: codebook.load_codebook(p / "data/pcn-clinical-directors/codebook.yml"),
    ),
}


@pytest.mark.parametrize("name", READERS)
def test_every_yaml_file_the_project_reads_refuses_a_key_written_twice(project, name):
    key, read = READERS[name]
    read(project)  # as committed: reads
    first, second = doubled(project / name, key)
    with pytest.raises(
        ValueError, match=rf"{re.escape(name)}: key '{key}' is written twice, on lines {first} and {second}"
    ):
        read(project)


def test_the_edition_parameters_are_read_the_same_way(project):
    (project / "params.yml").write_text("survey: pcn-clinical-directors\nregion: null\n")
    first, second = doubled(project / "params.yml", "region")
    with pytest.raises(ValueError, match=rf"key 'region' is written twice, on lines {first} and {second}"):
        editions.edition_params(project, project / "params.yml", editions.Edition("london", "London"))


@pytest.mark.parametrize(
    ("name", "module"),
    [
        ("params.yml", "briefing.plan"),
        ("data/pcn-clinical-directors/params.yml", "briefing.plan"),
        ("data/pcn-clinical-directors/raw/pcn_cd_survey_2020.meta.yml", "briefing.plan"),
        ("data/pcn-clinical-directors/codebook.yml", "briefing.inputs.check"),
    ],
)
def test_broken_yaml_stops_the_build_step_with_one_sentence(project, name, module):
    path = project / name
    path.write_text(path.read_text(encoding="utf-8") + "oops: [unclosed\n", encoding="utf-8")
    args = [
        "--params",
        "params.yml",
        *(["--wave", "2020"] if module.endswith("check") else ["--out", "build/plans/p.mk"]),
    ]
    done = subprocess.run([sys.executable, "-m", module, *args], cwd=project, capture_output=True, text=True)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert f"{name}: not valid YAML at line" in done.stderr
