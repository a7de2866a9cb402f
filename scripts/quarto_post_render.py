"""Quarto's post-render step (_quarto.yml `project: post-render`): lay out a plain `quarto render` as `make report` does.

Quarto keeps the input's folder under the output folder (_output/report/briefing.html) and copies the charts
beside it, although the HTML embeds them and the PDF holds them. This moves each rendered file up to
_output/ with an atomic rename (the last good briefing stays until its replacement exists), removes the copies,
and adds build/findings.json, so `make compute && quarto render` gives the files `make report` gives.
Standard library only: Quarto runs it with whatever Python it finds.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

COPIED_RESOURCES = "build"  # Quarto's copy of build/figures/ under the output folder


def main() -> None:
    project = Path.cwd().resolve()
    out = (project / os.environ["QUARTO_PROJECT_OUTPUT_DIR"]).resolve()
    if out == project:
        return  # output-dir unset: the files are where Quarto put them, next to their sources
    for listed in os.environ.get("QUARTO_PROJECT_OUTPUT_FILES", "").splitlines():
        rendered = (project / listed).resolve()
        if rendered.parent != out and rendered.is_file():
            os.replace(rendered, out / rendered.name)
            if not any(rendered.parent.iterdir()):
                rendered.parent.rmdir()
    shutil.rmtree(out / COPIED_RESOURCES, ignore_errors=True)
    findings = project / "build" / "findings.json"
    if findings.is_file():
        shutil.copyfile(findings, out / ".findings.json.tmp")
        os.replace(out / ".findings.json.tmp", out / "findings.json")


if __name__ == "__main__":
    main()
