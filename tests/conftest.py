"""Shared fixtures: the project root, and built copies of the project for end-to-end tests.

A cold build costs 20-60 s, so end-to-end tests share session-scoped builds rather than making their own: `built`
(pandoc + Typst) and `quarto_built` (a copy of it, rendered by Quarto) for params.yml's wave, `built_2019` for a
one-wave briefing, `built_elsewhere` (the same build from scratch in another folder, for the reproducibility
checks of both engines) and `editions_built`. A check that needs a cold build of its own is marked `slow`."""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SURVEY = "pcn-clinical-directors"  # the default survey (params.yml)
BUILD = Path("build") / SURVEY / "params"  # its build folder, relative to a project (briefing.plan)
VENV = Path(sys.prefix)  # the environment running the tests (the project's .venv under `make test`)


# Builds beyond the shared ones (`built`, `built_2019`, `quarto_built`), each cold: a test using one is marked slow.
# (`editions_built`: eight; `planted_pandoc` and `hostile`: the example with hostile answers, one wave each.)
OWN_BUILDS = {"built_elsewhere", "editions_built", "planted_pandoc", "hostile"}


def pytest_collection_modifyitems(items) -> None:
    for item in items:
        if OWN_BUILDS.intersection(item.fixturenames):
            item.add_marker(pytest.mark.slow)


def survey_script(survey: str, name: str):
    """A script a survey's folder ships (e.g. its frame builder, data/<survey>/frame.py), imported as a module."""
    import importlib.util

    module_name = f"{survey.replace('-', '_')}_{name}"
    if module_name not in sys.modules:
        spec = importlib.util.spec_from_file_location(module_name, ROOT / "data" / survey / f"{name}.py")
        sys.modules[module_name] = module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return sys.modules[module_name]


def project_files(root: Path = ROOT) -> list[str]:
    """Files a fresh clone would have: tracked plus untracked-but-not-ignored."""
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [line for line in out.splitlines() if line and (root / line).is_file()]


def copy_project(dest: Path) -> Path:
    """A clean copy of the sources with their modification times, as a clone would give."""
    for name in project_files():
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    return dest


def copy_inputs(dest: Path, *extra: str) -> Path:
    """params.yml and every file under data/ (and `extra` files, e.g. _quarto.yml): the inputs, without the code."""
    for name in ["params.yml", *extra, *(p.relative_to(ROOT).as_posix() for p in (ROOT / "data").rglob("*.*"))]:
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, dest / name)
    return dest


def git(project: Path, *args: str) -> str:
    command = [
        "git",
        "-C",
        str(project),
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@t",
        "-c",
        "commit.gpgsign=false",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()


def commit_project(project: Path) -> str:
    """Make a copy a git checkout of its files (one commit), as a clone is; returns the commit."""
    git(project, "init", "-q")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "copy")
    return git(project, "rev-parse", "HEAD")


# The environment running the tests is given, never rebuilt by a copy's make (its `make env` would reinstall the
# package from the temporary copy, for every later test): `make -o` takes it as up to date, whatever its time.
KEEP_ENV = ("-o", str(VENV / ".ready"))


def pytest_sessionstart(session) -> None:
    ready = VENV / ".ready"
    stale = [
        n
        for n in ("pyproject.toml", "requirements.lock")
        if ready.exists() and (ROOT / n).stat().st_mtime > ready.stat().st_mtime
    ]
    if stale:
        pytest.exit(f"{ready} is older than {' and '.join(stale)}: run `make env` (or `make test`) first", returncode=4)


def make(project: Path, *targets: str, check: bool = True, **variables: str) -> subprocess.CompletedProcess:
    args = [
        "make",
        "--no-print-directory",
        *KEEP_ENV,
        *targets,
        f"VENV={VENV}",
        *(f"{k}={v}" for k, v in variables.items()),
    ]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run(args, cwd=project, capture_output=True, text=True, env=env)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def metadata_as_read(project: Path) -> dict:
    """build/current/narrative/metadata.yml (the last computed build) as a reader sees it: its text values are escaped Markdown (narrative/escape.py)."""
    import re

    import yaml

    meta = yaml.safe_load((project / "build" / "current" / "narrative" / "metadata.yml").read_text(encoding="utf-8"))
    return {key: re.sub(r"\\(.)", r"\1", value) if isinstance(value, str) else value for key, value in meta.items()}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Path:
    """A copy of the project with the briefing built on the pip path (pandoc + Typst): params.yml's wave (2020),
    compared with the latest earlier wave (2019)."""
    project = copy_project(tmp_path_factory.mktemp("project"))
    make(project, "report", ENGINE="pandoc")
    return project


@pytest.fixture(scope="session")
def built_elsewhere(built, tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """The same briefing built from scratch in another folder (another, longer absolute path, a later clock) by
    the command the provenance appendix gives for rebuilding it: (project, that command's result). The second
    build the reproducibility checks compare with `built` (and, rendered by Quarto, with `quarto_built`)."""
    project = copy_project(tmp_path_factory.mktemp("elsewhere-with-a-longer-path"))
    rebuild = json.loads((built / "_output" / "findings.json").read_text())["provenance"]["rebuild"]
    command = ["env", *shlex.split(rebuild), f"VENV={VENV}", *KEEP_ENV]
    return project, subprocess.run(command, cwd=project, capture_output=True, text=True)


@pytest.fixture(scope="session")
def built_2019(tmp_path_factory) -> Path:
    """A copy of the project with the 2019 briefing (`make report WAVE=2019`: no earlier wave to compare with)."""
    project = copy_project(tmp_path_factory.mktemp("project-2019"))
    make(project, "report", ENGINE="pandoc", WAVE="2019")
    return project


@pytest.fixture(scope="session")
def editions_built(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """A copy of the project with every edition of the default briefing (the 2020 wave against 2019) built, two at
    a time (pandoc + Typst): (project, make's result). The copy is a git checkout, so the provenance names its
    commit."""
    project = copy_project(tmp_path_factory.mktemp("editions"))
    commit_project(project)
    return project, make(project, "-j2", "editions", ENGINE="pandoc")


def quarto_missing() -> str | None:
    """Why the Quarto path cannot run here (no quarto, or one older than _quarto.yml requires), or None."""
    from briefing.quarto import quarto_problem

    return quarto_problem(ROOT)


def copy_built(source: Path, dest: Path) -> Path:
    """A copy of a built project, modification times kept, so make sees what is up to date."""
    shutil.copytree(source, dest, symlinks=True)
    return dest


def on_engine(engine: str, pandoc_build: Path, tmp_path_factory, **variables: str) -> Path:
    """A project built on one render path: the pandoc build itself, or a copy of it re-rendered by Quarto (its
    computed findings reused), skipped where Quarto cannot run."""
    if engine == "pandoc":
        return pandoc_build
    if problem := quarto_missing():
        pytest.skip(f"the Quarto path is not tested here: {problem}")
    project = copy_built(pandoc_build, tmp_path_factory.mktemp(f"{pandoc_build.name}-quarto") / "project")
    make(project, "report", ENGINE="quarto", **variables)
    return project


@pytest.fixture(scope="session")
def quarto_built(built, tmp_path_factory) -> Path:
    """The same build rendered by Quarto: a copy of `built` (computed already), then `make report ENGINE=quarto`."""
    if problem := quarto_missing():
        pytest.skip(f"the Quarto path is not tested here: {problem}")
    project = copy_built(built, tmp_path_factory.mktemp("quarto") / "project")
    make(project, "report", ENGINE="quarto")
    return project


@pytest.fixture(scope="session")
def quarto_plain(quarto_built, tmp_path_factory) -> Path:
    """A Quarto user's habit: after `make compute`, a plain `quarto render` (in a copy of the Quarto build,
    its _output/ emptied first). Returns that copy."""
    project = copy_built(quarto_built, tmp_path_factory.mktemp("quarto-plain") / "project")
    shutil.rmtree(project / "_output")
    result = subprocess.run(["quarto", "render"], cwd=project, capture_output=True, text=True)
    assert result.returncode == 0, f"quarto render failed:\n{result.stderr[-3000:]}"
    return project


ENGINES = ("pandoc", pytest.param("quarto", marks=pytest.mark.quarto))


@pytest.fixture(scope="session", params=ENGINES)
def rendered(request) -> Path:
    """The built project, once per render path: every check of the published briefing runs on both."""
    return request.getfixturevalue("built" if request.param == "pandoc" else "quarto_built")
