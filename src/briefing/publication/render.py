"""Render the briefing to HTML and PDF, with Quarto or with the engines Quarto itself uses (pandoc and Typst).

Both paths read the same sources: `report/briefing.qmd`, the narrative partials it includes and the figures they
reference. Everything is rendered into a staging folder first; the published folder (`_output/`) is only touched
once every format has succeeded, and then as one set (publication/publish.py): every file of the build is
replaced or none is, so a failed build leaves the last good briefing in place.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from briefing import quarto
from briefing.analysis import findings as findings_io
from briefing.config import find_root
from briefing.publication import fonts
from briefing.publication.changes import REVIEW, write_review
from briefing.publication.data_files import write_data_files
from briefing.publication.inline_charts import inline_charts
from briefing.publication.publish import PublishError, publish

DOCUMENT = "report/briefing.qmd"
STYLESHEET = "report/styles/briefing.css"
LUA_FILTER = "report/filters/pandoc-compat.lua"
CHART_BOX_FILTER = "report/filters/chart-box.lua"  # HTML charts in their own scroll box (last, as in _quarto.yml)
TYPST_TEMPLATE = "report/typst/pandoc-template.typ"
CURRENT = "build/current"  # the build being rendered: a link to build/<survey>/<params-id>/, set by make
METADATA = f"{CURRENT}/narrative/metadata.yml"
BIBLIOGRAPHY = f"{CURRENT}/narrative/references.json"
PROVENANCE = f"{CURRENT}/narrative/provenance.json"  # written by the narrative step; published inside findings.json
REFERENCE_DOCX = "build/reference.docx"  # the Word edition's house style (publication/docx.py; `make compute`)
OUTPUT_NAMES = ("briefing.html", "briefing.pdf", "briefing.docx")
PUBLISHED = (*OUTPUT_NAMES, "findings.json", REVIEW)  # one build's set: replaced together, or not at all

INCLUDE = re.compile(r"\{\{<\s*include\s+(?P<path>\S+)\s*>\}\}")
ANY_SHORTCODE = re.compile(r"\{\{<\s*(?P<name>[\w-]+)[^>]*>\}\}")
FENCED_DIV = re.compile(r"^:{3,}[ \t]*\{(?P<attrs>[^}\n]*)\}", re.MULTILINE)
CODE_CELL = re.compile(r"^```+\s*\{", re.MULTILINE)
ALLOWED_DIV_CLASSES = {"callout-note", "callout-important", "key-findings", "notice"}


class RenderError(RuntimeError):
    """A render failed; the message says which engine and step."""


# --- the Markdown dialect both paths render the same way (documented in report/README.md) ---------------------


def dialect_problems(text: str, source: str) -> list[str]:
    """Constructs that one render path would show differently from the other."""
    problems = []
    for match in ANY_SHORTCODE.finditer(text):
        if match.group("name") != "include":
            problems.append(f"{source}: shortcode {match.group(0)!r} is Quarto-only; use an include or a template")
    for match in FENCED_DIV.finditer(text):
        classes = set(re.findall(r"\.([\w-]+)", match.group("attrs")))
        unknown = classes - ALLOWED_DIV_CLASSES
        if unknown:
            problems.append(
                f"{source}: div class(es) {sorted(unknown)} are outside the dialect {sorted(ALLOWED_DIV_CLASSES)}"
            )
    if CODE_CELL.search(text):
        problems.append(f"{source}: executable code cells belong in notebooks/, not in the report")
    if re.search(r"(?<![\w@])@(fig|tbl|sec)-", text):
        problems.append(f"{source}: Quarto cross-references (@fig-...) are Quarto-only")
    return problems


def resolve_includes(text: str, base: Path, root: Path, seen: tuple[Path, ...] = ()) -> str:
    """Inline `{{< include path >}}` as Quarto does: paths relative to the including file, `/...` from the root."""

    def inline(match: re.Match) -> str:
        target = match.group("path")
        path = (root / target.lstrip("/")) if target.startswith("/") else (base / target)
        path = path.resolve()
        if path in seen:
            raise RenderError(f"include cycle at {path}")
        if not path.is_file():
            raise RenderError(
                f"{base}: included file {target} not found (looked for {path}); run the compute step first"
            )
        return resolve_includes(path.read_text(encoding="utf-8"), path.parent, root, (*seen, path))

    return INCLUDE.sub(inline, text)


def assemble_markdown(root: Path) -> str:
    """The report source with every include inlined, checked against the dialect."""
    document = root / DOCUMENT
    text = resolve_includes(document.read_text(encoding="utf-8"), document.parent, root)
    problems = dialect_problems(text, DOCUMENT)
    if problems:
        raise RenderError("the report uses constructs outside its dialect:\n  " + "\n  ".join(problems))
    return text


# --- engines ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Engine:
    name: str

    @staticmethod
    def choose(requested: str, root: Path | None = None) -> Engine:
        if requested not in ("auto", "quarto", "pandoc"):
            raise RenderError(f"unknown engine {requested!r}: use auto, quarto or pandoc")
        if requested == "pandoc":
            return Engine("pandoc")
        try:
            problem = quarto.quarto_problem(root or find_root())
        except ValueError as error:  # _quarto.yml does not say which Quarto it needs
            raise RenderError(str(error)) from error
        if problem and requested == "quarto":
            raise RenderError(f"ENGINE=quarto, but {problem}")
        if problem and shutil.which("quarto"):  # auto, with a Quarto that cannot render it: say why pandoc
            print(f"render: ENGINE=auto uses pandoc + Typst: {problem}", file=sys.stderr)
        return Engine("pandoc" if problem else "quarto")


def pandoc_binary() -> str:
    from briefing.publication import pandoc

    return pandoc.binary()


STEP_TIMINGS: dict[str, float] = {}  # seconds per render step, written out when BRIEFING_TIMINGS names a file


def run(command: list[str], step: str, cwd: Path, env: dict[str, str] | None = None) -> None:
    start = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=env)
    STEP_TIMINGS[step] = time.perf_counter() - start
    if result.returncode != 0:
        raise RenderError(
            f"{step} failed (exit {result.returncode}):\n{result.stderr.strip() or result.stdout.strip()}"
        )


def font_dirs(root: Path) -> list[str]:
    """Fonts the PDF embeds (publication/fonts.py): the project's own, then the DejaVu fallback."""
    return fonts.typst_font_dirs(root / "report" / "fonts")


def preload() -> None:
    """Load what the formats' chains import (Typst's compiler, python-docx: a tenth of a second) while pandoc
    reads the document, rather than in the Word file's chain after it. A module that fails to load is left for the
    chain's own import to report."""
    for module in ("typst", "briefing.publication.docx"):
        try:
            importlib.import_module(module)
        except ImportError:
            pass


Finish = Mapping[str, Callable[[Path], object]]  # an output's name -> what is done with it once it is written


def render_pandoc(root: Path, staging: Path, finish: Finish | None = None) -> None:
    """Every format from the assembled Markdown: read once (parsed, its metadata and citations resolved) into
    pandoc's document tree, then each format written from that tree in a chain of its own, all at
    once: Typst then the PDF (this thread), HTML, Word; each output then handed to what `finish` names for it, in
    its own chain (the Word file is mended while the PDF compiles)."""
    finish = finish or {}
    markdown = staging / "briefing.md"
    markdown.write_text(assemble_markdown(root), encoding="utf-8")
    tree = staging / "briefing.json"
    pandoc = pandoc_binary()
    threading.Thread(target=preload).start()  # on the core the read leaves idle (not a daemon: no import cut off)
    # (The bibliography is relative to the working folder, report/: pandoc copies it into the Word file's
    # properties, and an absolute path would make the bytes depend on where the project sits.)
    citations = ["--citeproc", "--bibliography", os.path.relpath(root / BIBLIOGRAPHY, root / "report")]
    run(
        [
            pandoc,
            str(markdown),
            "--from",
            "markdown",
            "--metadata-file",
            str(root / METADATA),
            *citations,
            "--to",
            "json",
            "--output",
            str(tree),
        ],
        "pandoc (read)",
        cwd=root / "report",
    )

    def command(*filters: str) -> list[str]:
        """pandoc's arguments for one format, from the document tree: the Lua filters (the compatibility filter
        maps the dialect onto each format's own design; then those of one format only)."""
        return [
            pandoc,
            str(tree),
            "--from",
            "json",
            "--standalone",
            *(arg for name in (LUA_FILTER, *filters) for arg in ("--lua-filter", str(root / name))),
            "--resource-path",
            str(root / "report"),
        ]

    html = [
        *command(CHART_BOX_FILTER),  # HTML only: for any other format the filter does nothing
        *HTML_ARGS,
        "--template",
        str(root / HTML_TEMPLATE),
        "--css",
        str(root / STYLESHEET),
        "--output",
        str(staging / "briefing.html"),
    ]
    word = [
        *command(),
        "--to",
        "docx",
        "--reference-doc",
        str(root / REFERENCE_DOCX),
        "--figure-caption-position=above",
        "--table-caption-position=above",
        "--output",
        str(staging / "briefing.docx"),
    ]
    typst_source = staging / "briefing.typ"

    def made(name: str, step: Callable[[], object]) -> None:
        step()
        if name in finish:
            start = time.perf_counter()
            finish[name](staging / name)
            STEP_TIMINGS[f"then {name}"] = time.perf_counter() - start

    def pdf() -> None:
        run(
            # (-citations: the citations are pandoc's, already resolved, not Typst's own `@key` references)
            [
                *command(),
                "--to",
                "typst-citations",
                "--template",
                str(root / TYPST_TEMPLATE),
                "--output",
                str(typst_source),
            ],
            "pandoc (Typst)",
            cwd=root / "report",
        )
        compile_typst(root, typst_source, staging / "briefing.pdf", built_from(root)["source_date_epoch"])

    # The three formats are independent: HTML and Word in the background while this thread makes the PDF.
    with ThreadPoolExecutor(max_workers=2) as pool:
        others = [
            pool.submit(made, "briefing.html", lambda: run(html, "pandoc (HTML)", root / "report")),
            pool.submit(made, "briefing.docx", lambda: run(word, "pandoc (Word)", root / "report")),
        ]
        made("briefing.pdf", pdf)
        for done in others:
            done.result()  # re-raises a format's RenderError


# The HTML: one self-contained page (fonts, CSS and SVG charts inlined: it works offline), a contents list,
# sections as <section> elements (the style sheet and the print style address them). Paths are from the root.
HTML_TEMPLATE = "report/styles/briefing.html5"  # pandoc's html5 template plus landmarks and the title band
HTML_ARGS = (
    "--to",
    "html5",
    "--embed-resources",
    "--section-divs",
    "--toc",
    "--toc-depth=2",
    "--metadata",
    "toc-title=Contents",
)

# The PDF: tagged and checked against PDF/UA-1 by Typst itself, which refuses to write a PDF with an image
# lacking alt text, no title or a broken heading order. Same setting as `pdf-standard` in _quarto.yml.
PDF_STANDARDS = ["ua-1"]


def built_from(root: Path) -> dict:
    """The narrative step's provenance record (inputs, parameters, versions, the build's clock)."""
    path = root / PROVENANCE
    if not path.is_file():
        raise RenderError(f"{PROVENANCE} not found; run the compute step first")
    return findings_io.load(path)


def compile_typst(root: Path, source: Path, pdf: Path, timestamp: int | None = None) -> None:
    """Typst to PDF; `timestamp` (seconds since 1970) is the PDF's creation date (None: now)."""
    import typst

    # Typst reads "/..." image paths from `root`; the staging folder sits inside it (under build/).
    start = time.perf_counter()
    try:
        typst.compile(
            str(source),
            output=str(pdf),
            root=str(root),
            font_paths=font_dirs(root),
            ignore_system_fonts=True,
            pdf_standards=PDF_STANDARDS,
            pdf_tags=True,
            timestamp=timestamp,
        )
    except Exception as error:  # typst raises its own error types carrying the compiler's diagnostics
        raise RenderError(f"typst (PDF) failed: {error}") from error
    STEP_TIMINGS["typst (PDF)"] = time.perf_counter() - start


def build_clock(root: Path) -> dict[str, str]:
    """The environment with the build's clock, the one the provenance records. Quarto passes Typst no
    --creation-timestamp: Typst dates the PDF (and derives its ID) from SOURCE_DATE_EPOCH in its environment, else
    from the wall clock. So the Quarto path is handed the clock explicitly, as the pandoc path hands it to Typst,
    rather than relying on make having exported it."""
    return {**os.environ, "SOURCE_DATE_EPOCH": str(built_from(root)["source_date_epoch"])}


def render_quarto(root: Path, staging: Path) -> None:
    # One call for every format in _quarto.yml (`--to all`), so Quarto starts up once.
    run(
        ["quarto", "render", DOCUMENT, "--to", "all", "--output-dir", str(staging / "quarto")],
        "quarto (HTML, PDF, Word)",
        root,
        env=build_clock(root),
    )
    for name in OUTPUT_NAMES:
        found = sorted((staging / "quarto").rglob(name))
        if not found:
            raise RenderError(f"quarto finished but wrote no {name}")
        shutil.move(str(found[0]), staging / name)


def render(engine: str, out_dir: Path, findings: Path, root: Path | None = None) -> Engine:
    root = root or find_root()
    chosen = Engine.choose(engine, root)
    (root / "build").mkdir(exist_ok=True)
    published = findings_io.load(findings) | {"provenance": built_from(root)}  # the same record as the appendix
    data: list[str] = []

    def finish_word(path: Path) -> None:  # both paths alike
        from briefing.publication import docx as word  # (python-docx loads here, while the PDF compiles)

        word.finish(path, published.get("parameters", {}).get("publisher") or "")

    def beside_the_page(page: Path) -> None:
        """The page's charts set inline (in its own typeface), then what reads the page: the findings published
        with it, the review against the briefing still in out_dir, each chart's and table's data as CSV."""
        page.write_text(inline_charts(page.read_text(encoding="utf-8")), encoding="utf-8")
        (page.parent / "findings.json").write_text(findings_io.dumps(published), encoding="utf-8")
        write_review(out_dir, page.parent)
        data.extend(write_data_files(page.parent, published))

    finish = {"briefing.docx": finish_word, "briefing.html": beside_the_page}
    with tempfile.TemporaryDirectory(prefix="render-", dir=root / "build") as tmp:
        staging = Path(tmp)
        if chosen.name == "quarto":
            render_quarto(root, staging)
            for name, then in finish.items():
                then(staging / name)
        else:
            render_pandoc(root, staging, finish)
        publish(staging, out_dir, [*PUBLISHED, *data])
    return chosen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", default="auto", choices=("auto", "quarto", "pandoc"))
    parser.add_argument("--out", default="_output", type=Path)
    parser.add_argument(
        "--findings", default="build/current/findings.json", type=Path, help="default: the last computed build"
    )
    args = parser.parse_args(argv)
    try:
        chosen = render(args.engine, args.out, args.findings)
    except RenderError as error:
        print(f"render: {error}\nThe previous briefing in {args.out}/ is unchanged.", file=sys.stderr)
        return 1
    except PublishError as error:
        outcome = "" if error.mixed else f"; the previous briefing in {args.out}/ is unchanged"
        print(f"render: {error}{outcome}.", file=sys.stderr)
        return 1
    if timings_file := os.environ.get("BRIEFING_TIMINGS"):
        Path(timings_file).write_text(json.dumps(STEP_TIMINGS, indent=2), encoding="utf-8")
    print(f"render: {chosen.name} wrote {', '.join(str(args.out / n) for n in PUBLISHED)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
