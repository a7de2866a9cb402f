"""The PDF is an accessible publication: tagged (PDF/UA-1), titled, in its language, every image with alt text,
fonts embedded, A4 pages with a running footer. Read back from the file with pypdf.

Two kinds of test: fast ones compile small documents through the same filter, template and Typst settings the
render uses; the end-to-end ones (marked e2e) read the briefing `make report` built.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

from briefing.analysis.findings import Finding
from briefing.publication import charts, render
from tests.conftest import ROOT, metadata_as_read

A4 = (595.28, 841.89)  # points


# --- reading a tagged PDF ------------------------------------------------------------------------------------------


def resolve(obj):
    return obj.get_object() if isinstance(obj, IndirectObject) else obj


def struct_elements(reader: PdfReader) -> list[DictionaryObject]:
    """Every structure element under /StructTreeRoot, in document order."""
    root = resolve(reader.trailer["/Root"]["/StructTreeRoot"])
    found, stack = [], [root]
    while stack:
        node = resolve(stack.pop())
        if not isinstance(node, DictionaryObject):
            continue
        if "/S" in node:
            found.append(node)
        kids = node.get("/K")
        if kids is None:
            continue
        kids = resolve(kids)
        stack.extend(reversed(list(kids)) if isinstance(kids, ArrayObject) else [kids])
    return found


def role(element: DictionaryObject, role_map: dict) -> str:
    """The standard structure type ("H1", "Figure", ...), through the role map."""
    name = str(element["/S"])
    return str(role_map.get(name, name)).lstrip("/")


def text_of(value) -> str:
    return str(resolve(value)) if value is not None else ""


def xmp(reader: PdfReader) -> str:
    return resolve(reader.trailer["/Root"]["/Metadata"]).get_data().decode("utf-8")


def check_accessible(pdf: Path, title: str, lang: str) -> tuple[PdfReader, list[DictionaryObject], dict]:
    """The checks every briefing PDF must pass; returns the structure for further checks."""
    reader = PdfReader(pdf)
    catalog = reader.trailer["/Root"]
    assert "/StructTreeRoot" in catalog, "untagged PDF: no structure tree"
    assert bool(resolve(catalog["/MarkInfo"])["/Marked"])
    assert str(catalog["/Lang"]) == lang
    assert reader.metadata.title == title
    assert bool(resolve(catalog["/ViewerPreferences"])["/DisplayDocTitle"])  # viewers show the title, not the file name
    metadata = xmp(reader)
    assert "pdfuaid:part" in metadata and ">1<" in metadata.split("pdfuaid:part", 1)[1][:40]
    assert title.replace("&", "&amp;") in metadata

    role_map = {str(k): str(v) for k, v in resolve(resolve(catalog["/StructTreeRoot"]).get("/RoleMap", {})).items()}
    elements = struct_elements(reader)
    figures = [e for e in elements if role(e, role_map) == "Figure"]
    for figure in figures:
        assert text_of(figure.get("/Alt")).strip(), "a Figure structure element has no alternative text"

    for page in reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert (round(width, 1), round(height, 1)) == pytest.approx(A4, abs=0.5)
        fonts = resolve(resolve(page.get("/Resources", {})).get("/Font", {}))
        for font in fonts.values():
            font = resolve(font)
            descendants = font.get("/DescendantFonts")
            descriptor = (
                resolve(resolve(descendants[0])["/FontDescriptor"])
                if descendants
                else resolve(font.get("/FontDescriptor"))
            )
            assert descriptor and any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), font.get(
                "/BaseFont"
            )
    return reader, elements, role_map


# --- fast: the design's pieces compile to an accessible PDF ---------------------------------------------------------

SAMPLE = """
::: {.callout-important title="Synthetic example data"}
Invented data, for the example only.
:::

## Key findings {#key-findings}

::: {.key-findings}
- Most say one thing.
- Fewer say another.
:::

## Workload {#workload}

Some text about workload.

![Headline for the chart](../build/figures/fig_sample.svg){fig-alt="ALT"}

Source: Sample survey, 2019.

| Finding | Share |
|:--|--:|
| First | 10% |
| Second | 20% |

: Headline for the table

Source: Sample survey, 2019.

## Methods and sources {#methods}

How it was done.
"""


@pytest.fixture(scope="module")
def sample_pdf(tmp_path_factory) -> tuple[Path, dict, str]:
    """A small briefing through the real filter, templates and Typst settings, in a scratch project."""
    root = tmp_path_factory.mktemp("project")
    for part in ("report/filters", "report/typst", "report/fonts"):
        for source in (ROOT / part).iterdir():
            (root / part).mkdir(parents=True, exist_ok=True)
            (root / part / source.name).write_bytes(source.read_bytes())
    bars = [("Small", Finding("a", 0.6, "d", "b", "nb", ["q"])), ("Large", Finding("b", 0.4, "d", "b", "nb", ["q"]))]
    chart = charts.share_bars(
        "fig_sample", "Headline for the chart", bars, "say so", root / "build" / "figures", "nb", "S"
    )
    alt = chart.extra["alt"]
    (root / "report" / "briefing.md").write_text(SAMPLE.replace("ALT", alt), encoding="utf-8")
    meta = {
        "title": "A sample briefing: tests & checks",
        "subtitle": "Wave 2019",
        "date": "1 January 2020",
        "publisher": "Test publisher",
        "lang": "en-GB",
    }
    (root / "metadata.yml").write_text(yaml.safe_dump(meta), encoding="utf-8")
    typ = root / "briefing.typ"
    subprocess.run(
        [
            render.pandoc_binary(),
            "report/briefing.md",
            "--from",
            "markdown",
            "--standalone",
            "--to",
            "typst",
            "--metadata-file",
            "metadata.yml",
            "--lua-filter",
            render.LUA_FILTER,
            "--template",
            render.TYPST_TEMPLATE,
            "--output",
            str(typ),
        ],
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
    )
    pdf = root / "briefing.pdf"
    render.compile_typst(root, typ, pdf)
    return pdf, meta, alt


def test_sample_is_tagged_titled_and_in_english(sample_pdf):
    pdf, meta, alt = sample_pdf
    _, elements, role_map = check_accessible(pdf, meta["title"], "en-GB")
    roles = [role(e, role_map) for e in elements]
    assert roles.count("H1") == 1, "the title is the one level-1 heading"
    assert roles.count("H2") == 3  # Key findings, Workload, Methods and sources
    assert "Table" in roles and "TH" in roles, "the table is tagged with header cells"
    alts = [text_of(e.get("/Alt")) for e in elements if role(e, role_map) == "Figure"]
    assert alt in alts, "the chart's alt text is the one written from its data"


def test_sample_shows_the_title_block_key_findings_headlines_sources_and_footer(sample_pdf):
    pdf, meta, _ = sample_pdf
    reader = PdfReader(pdf)
    first = reader.pages[0].extract_text()
    for text in (
        "A sample briefing",
        "Wave 2019",
        "Test publisher",
        "1 January 2020",
        "Synthetic example data",
        "Key findings",
        "Figure 1: Headline for the chart",
        "Table 1: Headline for the table",
        "Source: Sample survey, 2019.",
        "Page 1 of",
    ):
        assert text in first or text in " ".join(p.extract_text() for p in reader.pages), text


def test_pdf_ua_refuses_an_image_without_alt_text(tmp_path):
    """Typst's PDF/UA-1 check is on: a chart that lost its alt text fails the build instead of shipping."""
    svg = tmp_path / "x.svg"
    svg.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'
    )
    source = tmp_path / "doc.typ"
    source.write_text('#set document(title: [T])\n#set text(lang: "en")\n= T\n#image("x.svg")\n', encoding="utf-8")
    with pytest.raises(render.RenderError, match="alt text"):
        render.compile_typst(tmp_path, source, tmp_path / "doc.pdf")


def test_fonts_come_with_the_project(tmp_path):
    dirs = render.font_dirs(ROOT)
    assert dirs[0] == str(ROOT / "report" / "fonts")
    assert (ROOT / "report" / "fonts" / "OFL.txt").is_file()
    assert {p.name for p in (ROOT / "report" / "fonts").glob("Inter-*.otf")} >= {
        "Inter-Regular.otf",
        "Inter-Italic.otf",
        "Inter-SemiBold.otf",
        "Inter-Bold.otf",
    }


# --- end to end: the briefing itself ----------------------------------------------------------------------------------


@pytest.mark.e2e
def test_briefing_pdf_is_accessible(rendered):
    meta = metadata_as_read(rendered)
    findings = json.loads((rendered / "_output" / "findings.json").read_text(encoding="utf-8"))["findings"]
    reader, elements, role_map = check_accessible(rendered / "_output" / "briefing.pdf", meta["title"], meta["lang"])
    alts = [text_of(e.get("/Alt")) for e in elements if role(e, role_map) == "Figure"]
    charts_ = [f for f in findings.values() if f.get("kind") == "figure"]
    assert charts_, "the briefing has charts"
    for chart in charts_:
        assert chart["alt"] in alts, f"{chart['id']}: its alt text is not on its Figure element"
    roles = [role(e, role_map) for e in elements]
    assert roles.count("H1") == 1 and roles.count("H2") >= 4


@pytest.mark.e2e
def test_briefing_pdf_has_its_furniture(rendered):
    reader = PdfReader(rendered / "_output" / "briefing.pdf")
    meta = metadata_as_read(rendered)
    pages = [p.extract_text() for p in reader.pages]
    first = " ".join(pages[0].split())  # a long subtitle wraps in the title band
    assert meta["subtitle"].split(":")[0] in first and meta["date"] in pages[0] and meta["publisher"] in pages[0]
    assert "Key findings" in pages[0]
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in text, f"page {number} has no page number"
    everything = " ".join(pages)
    assert "Figure 1:" in everything and "Source:" in everything
    fonts = {
        str(resolve(f).get("/BaseFont"))
        for p in reader.pages
        for f in resolve(p["/Resources"]).get("/Font", {}).values()
    }
    assert any("Inter-Regular" in f for f in fonts), fonts
