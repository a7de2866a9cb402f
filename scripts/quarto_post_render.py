"""Quarto's post-render step (_quarto.yml `project: post-render`): lay out a plain `quarto render` as `make report` does.

Quarto keeps the input's folder under the output folder (_output/report/briefing.html) and copies the charts
beside it, although the HTML embeds them and the PDF holds them. This publishes each rendered file at the top of
_output/ too (copied, then renamed into place: the last good briefing stays until its replacement exists),
removes the chart copies, and adds findings.json (with the provenance record, as render.py publishes it), so `make compute && quarto render` gives the files
`make report` gives. Quarto's own copy stays where it is: `quarto preview` serves it from there.
Standard library only: Quarto runs it with whatever Python it finds.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

COPIED_RESOURCES = "build"  # Quarto's copy of build/figures/ under the output folder


def publish(source: Path, out: Path) -> None:
    tmp = out / f".{source.name}.tmp"
    shutil.copyfile(source, tmp)
    os.replace(tmp, out / source.name)


def publish_findings(project: Path, out: Path) -> None:
    """findings.json as render.py publishes it: the findings with the build's provenance record, same layout."""
    findings, provenance = project / "build" / "findings.json", project / "build" / "narrative" / "provenance.json"
    if not (findings.is_file() and provenance.is_file()):
        return
    published = json.loads(findings.read_text(encoding="utf-8"))
    published["provenance"] = json.loads(provenance.read_text(encoding="utf-8"))
    tmp = out / ".findings.json.tmp"
    tmp.write_text(json.dumps(published, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, out / "findings.json")


def main() -> None:
    project = Path.cwd().resolve()
    out = (project / os.environ["QUARTO_PROJECT_OUTPUT_DIR"]).resolve()
    if out == project:
        return  # no output-dir: the files are where Quarto put them, beside their sources
    for listed in os.environ.get("QUARTO_PROJECT_OUTPUT_FILES", "").splitlines():
        rendered = (project / listed).resolve()
        if rendered.parent != out and rendered.is_file():
            publish(rendered, out)
    shutil.rmtree(out / COPIED_RESOURCES, ignore_errors=True)
    publish_findings(project, out)


if __name__ == "__main__":
    main()
