"""Quarto's post-render step (_quarto.yml `project: post-render`): lay out a plain `quarto render` as `make report` does.

Quarto keeps the input's folder under the output folder (_output/report/briefing.html) and copies the charts
beside it, although the HTML embeds them and the PDF holds them. This publishes each rendered file at the top of
_output/ too, with findings.json (with the provenance record, as render.py publishes it), as one set: all of them
are replaced or none is (briefing.publication.publish, as `make report` publishes), and removes the chart copies,
so `make compute && quarto render` gives the files `make report` gives. Quarto's own copy stays where it is:
`quarto preview` serves it from there.
Standard library only (the publishing and chart-inlining modules are too): Quarto runs it with whatever Python it finds.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

COPIED_RESOURCES = "build"  # Quarto's copy of build/figures/ under the output folder


def stage_findings(project: Path, staging: Path) -> list[str]:
    """findings.json as render.py publishes it: the findings with the build's provenance record, same layout."""
    build = project / "build" / "current"  # the last computed build (make compute links it)
    findings, provenance = build / "findings.json", build / "narrative" / "provenance.json"
    if not (findings.is_file() and provenance.is_file()):
        return []
    published = json.loads(findings.read_text(encoding="utf-8"))
    published["provenance"] = json.loads(provenance.read_text(encoding="utf-8"))
    text = json.dumps(published, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    (staging / "findings.json").write_text(text, encoding="utf-8")
    return ["findings.json"]


def stage_rendered(project: Path, out: Path, staging: Path) -> list[str]:
    """Each file Quarto rendered below the output folder (e.g. _output/report/briefing.pdf), for its top."""
    from briefing.publication.inline_charts import inline_charts  # (main put the project's src/ on the path)

    names = []
    for listed in os.environ.get("QUARTO_PROJECT_OUTPUT_FILES", "").splitlines():
        rendered = (project / listed).resolve()
        if rendered.parent != out and rendered.is_file():
            if rendered.suffix == ".html":  # its charts set inline, as render.py sets them (and preview serves it)
                rendered.write_text(inline_charts(rendered.read_text(encoding="utf-8")), encoding="utf-8")
            shutil.copyfile(rendered, staging / rendered.name)
            names.append(rendered.name)
    return names


def main() -> int:
    project = Path.cwd().resolve()
    out = (project / os.environ["QUARTO_PROJECT_OUTPUT_DIR"]).resolve()
    if out == project:
        return 0  # no output-dir: the files are where Quarto put them, beside their sources
    sys.path.insert(0, str(project / "src"))
    from briefing.publication.publish import PublishError, publish

    with tempfile.TemporaryDirectory(prefix="quarto-post-render-") as tmp:
        staging = Path(tmp)
        names = stage_rendered(project, out, staging) + stage_findings(project, staging)
        try:
            publish(staging, out, names)
        except PublishError as error:
            unchanged = "" if error.mixed else f"; the previous briefing at the top of {out.name}/ is unchanged"
            print(f"quarto post-render: {error}{unchanged}.", file=sys.stderr)
            return 1
    shutil.rmtree(out / COPIED_RESOURCES, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
