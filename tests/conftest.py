"""Shared fixtures: the project root, and built copies of the project for end-to-end tests.

A cold build costs 20-60 s, so end-to-end tests share session-scoped builds rather than making their own: `built`
(pandoc + Typst) and `quarto_built` (a copy of it, rendered by Quarto) for params.yml's wave, `built_2019` for a
one-wave briefing, `built_elsewhere` (the same build from scratch in another folder, for the reproducibility
checks of both engines), `one_answer_changed` (a copy of `built` with one answer changed and put back),
`gp_pandoc` (the second survey) and `editions_built`. A check that needs a cold build of its own is marked `slow`.

Each is made once per session, however many workers `pytest -n 2` (pytest-xdist; `make test`) runs (`made_once`:
the first worker to need it makes it, under a file lock), and each worker's tests get their own copy of it (times
kept, so make finds it up to date): a test may change an input of its copy and put it back without a test on the
other worker reading it meanwhile (the editions, a git checkout, are not copied: `editions_built`). A module's
tests run on one worker (`--dist loadfile`), so a module-scoped build is made once too."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SURVEY = "pcn-clinical-directors"  # the default survey (params.yml)
BUILD = Path("build") / SURVEY / "params"  # its build folder, relative to a project (briefing.plan)
VENV = Path(sys.prefix)  # the environment running the tests (the project's .venv under `make test`)

# Under xdist each worker keeps a core busy with its own builds: a build's runner then runs its notebooks in its own
# process, not one worker per core (briefing.analysis.run_notebooks), or two xdist workers' builds would run four
# processes on two cores. (tests/analysis/test_run_notebooks.py runs notebooks side by side itself.)
if int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")) > 1:
    os.environ.setdefault("BRIEFING_WORKERS", "1")


# Builds beyond the shared ones (`built`, `built_2019`, `quarto_built`), each cold: a test using one is marked slow.
# (`editions_once`: eight; `planted_pandoc` and `hostile_comments`: the example with hostile answers, one wave each.)
OWN_BUILDS = {"built_elsewhere", "editions_once", "planted_pandoc", "hostile_comments"}


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


def made_once(tmp_path_factory, name: str, make_it: Callable[[Path], dict]) -> tuple[Path, dict]:
    """`make_it(folder)` run once per test session, however many xdist workers share it (the file-lock pattern of
    xdist's documentation): the first worker to ask makes it while the others wait, then all use it. Returns the
    folder and what make_it returned (kept as JSON); a folder whose making failed is made again by the next to ask."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # each worker's basetemp is a folder of the session's
    folder, record = root / "made-once" / name, root / "made-once" / f"{name}.json"
    folder.parent.mkdir(exist_ok=True)
    with open(f"{folder}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not record.is_file():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            record.write_text(json.dumps(make_it(folder)), encoding="utf-8")
    return folder, json.loads(record.read_text(encoding="utf-8"))


def project_made_once(tmp_path_factory, name: str, build: Callable[[Path], subprocess.CompletedProcess]):
    """A project built once per session (made_once) by `build(project folder)`: (the project, build's result).
    Never changed afterwards: a test that changes a build works in a copy (`copy_built`)."""

    folder, record = made_once(tmp_path_factory, name, lambda folder: as_record(build(folder / "project")))
    return folder / "project", subprocess.CompletedProcess(**record)


def as_record(result: subprocess.CompletedProcess) -> dict:
    """A command's result as JSON can keep it (`subprocess.CompletedProcess(**record)` gives it back)."""
    return {"args": result.args, "returncode": result.returncode, "stdout": result.stdout, "stderr": result.stderr}


def own_copy(project: Path, tmp_path_factory, name: str) -> Path:
    """This worker's copy of a build made once (its times kept, so make finds it up to date): its tests may change
    an input and put it back, as they did when every test ran in one process."""
    return copy_built(project, tmp_path_factory.mktemp(name) / "project")


@pytest.fixture(scope="session")
def built_once(tmp_path_factory) -> Path:
    """params.yml's briefing, built once for the session (`built` is this worker's copy; never changed)."""
    return project_made_once(
        tmp_path_factory, "built", lambda project: make(copy_project(project), "report", ENGINE="pandoc")
    )[0]


@pytest.fixture(scope="session")
def built(built_once, tmp_path_factory) -> Path:
    """A copy of the project with the briefing built on the pip path (pandoc + Typst): params.yml's wave (2020),
    compared with the latest earlier wave (2019)."""
    return own_copy(built_once, tmp_path_factory, "project")


@pytest.fixture(scope="session")
def built_elsewhere(built_once, tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """The same briefing built from scratch in another folder (another, longer absolute path, a later clock) by
    the command the provenance appendix gives for rebuilding it: (project, that command's result). The second
    build the reproducibility checks compare with `built` (and, rendered by Quarto, with `quarto_built`). Made
    once and shared by every worker: read it, or change a copy."""
    rebuild = json.loads((built_once / "_output" / "findings.json").read_text())["provenance"]["rebuild"]
    command = ["env", *shlex.split(rebuild), f"VENV={VENV}", *KEEP_ENV]

    def build(project: Path) -> subprocess.CompletedProcess:
        copy_project(project)
        return subprocess.run(command, cwd=project, capture_output=True, text=True)

    return project_made_once(tmp_path_factory, "elsewhere-with-a-longer-path", build)


@pytest.fixture(scope="session")
def wave_2019_once(built_once, tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """The 2019 briefing (`make report WAVE=2019`: no earlier wave to compare with), made as an analyst would after
    the 2020 one: in a copy of `built`, whose 2019 wave is already analysed (so only the merge, narrative and render
    run). (That project, make's result.)"""
    return project_made_once(
        tmp_path_factory,
        "project-2019",
        lambda p: make(copy_built(built_once, p), "report", ENGINE="pandoc", WAVE="2019"),
    )


@pytest.fixture(scope="session")
def built_2019(wave_2019_once, tmp_path_factory) -> Path:
    """This worker's copy of the 2019 briefing's project (`wave_2019_once`)."""
    return own_copy(wave_2019_once[0], tmp_path_factory, "project-2019")


WAVE_2020_CSV = Path("data") / SURVEY / "raw" / "pcn_cd_survey_2020.csv"
OLD = time.mktime((2025, 1, 1, 0, 0, 0, 0, 0, -1))  # `touch -d 2025-01-01`: older than any build


def one_no_made_yes(wave_csv: str) -> str:
    """The wave's text with its first `No` to leave_role_12m (plan to leave the role) made `Yes`."""
    lines = wave_csv.splitlines(keepends=True)
    column = lines[0].rstrip("\n").split(",").index("leave_role_12m")
    row = next(i for i, line in enumerate(lines[1:], start=1) if line.split(",")[column] == "No")
    cells = lines[row].split(",")
    cells[column] = "Yes"
    return "".join(lines[:row] + [",".join(cells)] + lines[row + 1 :])


@dataclass(frozen=True)
class Step:
    result: subprocess.CompletedProcess  # make's
    output: Path  # a copy of the _output/ it left


@dataclass(frozen=True)
class AnswerChanged:
    project: Path
    steps: dict[str, Step]
    changed_sha256: str  # the changed wave file's


@pytest.fixture(scope="session")
def one_answer_changed(built_once, tmp_path_factory) -> AnswerChanged:
    """The issue's case, built once for the tests that check it (tests/test_make.py: recomputed by content whatever
    the time, its hash stated; tests/test_waves_e2e.py: the review page). In a copy of `built`, each a step with
    make's result and a copy of the _output/ it left: "settled" (`make report` on the copy as it came); "changed"
    (one answer of the 2020 wave made Yes, the file given an old time, `touch -d 2025-01-01`); "put back" (the file
    as it was, under the old time again); "again" (a second `make report`); "rendered again" (the narrative stamp
    removed: the same data written and rendered again). Shared by every worker: read it."""
    names = ("settled", "changed", "put back", "again", "rendered again")

    def make_it(folder: Path) -> dict:
        project = copy_built(built_once, folder / "project")
        survey = project / WAVE_2020_CSV
        good, results = survey.read_text(encoding="utf-8"), {}
        for name in names:
            if name == "changed":
                survey.write_text(one_no_made_yes(good), encoding="utf-8")
                os.utime(survey, (OLD, OLD))
                changed_sha256 = digest(survey)
            elif name == "put back":
                survey.write_text(good, encoding="utf-8")
                os.utime(survey, (OLD, OLD))
            elif name == "rendered again":
                (project / BUILD / "narrative.stamp").unlink()
            result = make(project, "report", ENGINE="pandoc")
            shutil.copytree(project / "_output", folder / name, symlinks=True)
            results[name] = as_record(result)
        return {"results": results, "changed_sha256": changed_sha256}

    folder, record = made_once(tmp_path_factory, "one-answer-changed", make_it)
    steps = {name: Step(subprocess.CompletedProcess(**record["results"][name]), folder / name) for name in names}
    return AnswerChanged(folder / "project", steps, record["changed_sha256"])


@pytest.fixture(scope="session")
def editions_once(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """A copy of the project with every edition of the default briefing (the 2020 wave against 2019) built, two at
    a time (pandoc + Typst), once for the session: (project, make's result). The copy is a git checkout, so the
    provenance names its commit; with a copy of the _output/ it published beside it (`editions_published`)."""

    def build(project: Path) -> subprocess.CompletedProcess:
        commit_project(copy_project(project))
        result = make(project, "-j2", "editions", ENGINE="pandoc")
        shutil.copytree(project / "_output", project.parent / "published", symlinks=True)
        shutil.copytree(project, project.parent / "pristine", symlinks=True)  # (editions_pristine)
        return result

    return project_made_once(tmp_path_factory, "editions", build)


@pytest.fixture(scope="session")
def editions_pristine(editions_once) -> Path:
    """The editions' project as its build left it, before any test of `editions_built` changed it: copy it to
    build on (another engine, say) without first bringing it back to this wave."""
    return editions_once[0].parent / "pristine"


@pytest.fixture(scope="session")
def editions_built(editions_once) -> tuple[Path, subprocess.CompletedProcess]:
    """The editions' project itself, not a worker's copy (a copied git checkout is not up to date for make: its
    build context names the checkout's folder), for the tests that run make on it (tests/publication/test_editions.py,
    one module: one worker). A test elsewhere reads `editions_published`."""
    return editions_once


@pytest.fixture(scope="session")
def editions_published(editions_once) -> tuple[Path, subprocess.CompletedProcess]:
    """The _output/ the editions' build published, as it was then (whatever tests of `editions_built` did since):
    (that folder, make's result)."""
    project, result = editions_once
    return project.parent / "published", result


GP_SURVEY = "gp-partners-des"  # the second example survey: no frame, a numeric finding, shipped as platform exports


@pytest.fixture(scope="session")
def gp_pandoc(tmp_path_factory) -> Path:
    """A copy of the project with the GP partners' briefing built from its exports as shipped (`make report
    SURVEY=gp-partners-des`, pandoc + Typst): the second survey's one build (tests/test_gp_e2e.py, and
    tests/test_exports_e2e.py, which searches its files for the exports' personal data)."""
    project, _ = project_made_once(
        tmp_path_factory, "gp", lambda p: make(copy_project(p), "report", ENGINE="pandoc", SURVEY=GP_SURVEY)
    )
    return own_copy(project, tmp_path_factory, "gp")


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
def quarto_render(built_once, tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """The same build rendered by Quarto: a copy of `built` (computed already), then `make report ENGINE=quarto`:
    (this worker's copy of that project, make's result)."""
    if problem := quarto_missing():
        pytest.skip(f"the Quarto path is not tested here: {problem}")

    def build(project: Path) -> subprocess.CompletedProcess:
        return make(copy_built(built_once, project), "report", ENGINE="quarto")

    project, result = project_made_once(tmp_path_factory, "quarto", build)
    return own_copy(project, tmp_path_factory, "quarto"), result


@pytest.fixture(scope="session")
def quarto_built(quarto_render) -> Path:
    """The project of `quarto_render`: `built` rendered by Quarto."""
    return quarto_render[0]


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
