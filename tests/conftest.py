"""Shared fixtures: the project root, and a built copy of the project for end-to-end tests."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
VENV = Path(sys.prefix)  # the environment running the tests (the project's .venv under `make test`)


def project_files(root: Path = ROOT) -> list[str]:
    """Files a fresh clone would have: tracked plus untracked-but-not-ignored."""
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=root, capture_output=True, text=True, check=True
    ).stdout
    return [line for line in out.splitlines() if line and (root / line).is_file()]


def copy_project(dest: Path) -> Path:
    """A clean copy of the sources with their modification times, as a clone would give."""
    for name in project_files():
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    return dest


def make(project: Path, *targets: str, check: bool = True, **variables: str) -> subprocess.CompletedProcess:
    args = ["make", "--no-print-directory", *targets, f"VENV={VENV}", *(f"{k}={v}" for k, v in variables.items())]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run(args, cwd=project, capture_output=True, text=True, env=env)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


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
def built_2019(tmp_path_factory) -> Path:
    """A copy of the project with the 2019 briefing (`make report WAVE=2019`: no earlier wave to compare with)."""
    project = copy_project(tmp_path_factory.mktemp("project-2019"))
    make(project, "report", ENGINE="pandoc", WAVE="2019")
    return project


@pytest.fixture(scope="session")
def editions_built(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """A copy of the project with every edition of the 2019 briefing (the published wave, its 2019-20 frame) built,
    two at a time (pandoc + Typst): (project, make's result)."""
    project = copy_project(tmp_path_factory.mktemp("editions"))
    return project, make(project, "-j2", "editions", ENGINE="pandoc", WAVE="2019")
