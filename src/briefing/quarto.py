"""Which Quarto the project needs (`quarto-required` in _quarto.yml) and whether the one on PATH will do.

Shared by the render (which engine renders, and the message when Quarto cannot) and the provenance record
(which engine ENGINE=auto means), so both follow one rule.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

QUARTO_CONFIG = "_quarto.yml"
GET_QUARTO = (
    "Get it with `conda env create -f environment.yml` (conda-forge) or from https://quarto.org/docs/get-started/, "
    "or render with ENGINE=pandoc"
)


def version_tuple(text: str) -> tuple[int, ...] | None:
    match = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", text)
    return tuple(int(part or 0) for part in match.groups()) if match else None


def quarto_required(root: Path) -> tuple[int, ...]:
    """The oldest Quarto the project's options work with: `quarto-required` in _quarto.yml (one place)."""
    from briefing import yamlfile  # imported here: most callers never need the YAML parser

    config = yamlfile.load_mapping(root / QUARTO_CONFIG, "Quarto project file")
    required = version_tuple(str(config.get("quarto-required", "")))
    if required is None:
        raise ValueError(f'{QUARTO_CONFIG}: `quarto-required` must name the oldest Quarto version, e.g. ">= 1.9.0"')
    return required


def installed_quarto() -> tuple[str, tuple[int, ...] | None] | None:
    """(path, version) of the `quarto` on PATH, or None."""
    path = shutil.which("quarto")
    if path is None:
        return None
    try:
        result = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return path, None
    return path, version_tuple(result.stdout) if result.returncode == 0 else None


def dotted(version: tuple[int, ...]) -> str:
    return ".".join(map(str, version))


def quarto_problem(root: Path) -> str | None:
    """Why the Quarto path cannot render here, or None when it can."""
    needed = dotted(quarto_required(root))
    found = installed_quarto()
    if found is None:
        return f"`quarto` is not on PATH; the briefing needs Quarto {needed} or later. {GET_QUARTO}."
    path, version = found
    if version is None:
        return f"{path} did not report its version (`quarto --version`); the briefing needs Quarto {needed} or later. {GET_QUARTO}."
    if version < quarto_required(root):
        return (
            f"{path} is Quarto {dotted(version)}; the briefing needs Quarto {needed} or later "
            f"({QUARTO_CONFIG} `quarto-required`: its Typst options make the tagged PDF/UA-1). {GET_QUARTO}."
        )
    return None
