"""The two ways to install (pip from requirements.lock, conda from environment.yml) name the same packages."""

import re
import tomllib

import yaml

from tests.conftest import ROOT


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def lock_pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if match := re.match(r"^([A-Za-z0-9_.-]+)==(\S+)", line):
            pins[canonical(match.group(1))] = match.group(2)
    return pins


def direct_dependencies() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = project["dependencies"] + [d for deps in project["optional-dependencies"].values() for d in deps]
    return {canonical(re.split(r"[<>=!~ \[]", d)[0]) for d in names}


def environment_pins() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    return {canonical(p.split("==")[0]): p.split("==")[1] for p in pip if "==" in p}


def test_lock_pins_every_direct_dependency():
    missing = direct_dependencies() - set(lock_pins())
    assert not missing


def test_environment_yml_names_the_same_packages_at_the_same_versions():
    env = environment_pins()
    assert set(env) == direct_dependencies()
    lock = lock_pins()
    assert {name: version for name, version in env.items() if lock[name] != version} == {}


def test_environment_yml_brings_the_quarto_the_project_needs():
    from briefing.quarto import quarto_required

    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert "conda-forge" in env["channels"]
    spec = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("quarto"))
    assert spec.replace(" ", "") == f"quarto>={'.'.join(map(str, quarto_required(ROOT)))}"
