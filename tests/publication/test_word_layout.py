"""A Word file an editor uses as is: read from the docx XML. Headings and captions keep with what follows them, a
figure's caption sits above it on both render paths, table columns are sized to their content so no word breaks,
the header names the publisher and the footer numbers the pages, and the notices are boxed."""

from __future__ import annotations

import subprocess
import zipfile
from itertools import pairwise
from pathlib import Path

import docx
import pypandoc
import pytest
from docx.oxml.ns import qn

from briefing.publication import docx as word

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    return word.build_reference(tmp_path_factory.mktemp("reference") / "reference.docx")


def style_xml(path: Path, style_id: str) -> str:
    styles = zipfile.ZipFile(path).read("word/styles.xml").decode("utf-8")
    start = styles.index(f'w:styleId="{style_id}"')
    return styles[start : styles.index("</w:style>", start)]


@pytest.mark.parametrize("style_id", ["Heading2", "Heading3", "ImageCaption", "TableCaption", "CaptionedFigure"])
def test_headings_captions_and_figures_keep_with_next(reference, style_id):
    """A caption above its chart (the house order) must keep with the chart, or Word strands it at a page foot."""
    assert "<w:keepNext/>" in style_xml(reference, style_id).replace(" />", "/>")


def test_the_notices_are_boxed(reference):
    for style_id in ("Notice", "NoticeTitle"):
        xml = style_xml(reference, style_id)
        assert "<w:pBdr>" in xml and 'w:fill="F3F2F1"' in xml


def test_the_footer_numbers_the_pages(reference):
    parts = zipfile.ZipFile(reference)
    footers = [parts.read(n).decode("utf-8") for n in parts.namelist() if n.startswith("word/footer")]
    assert any('w:instr=" PAGE "' in f and 'w:instr=" NUMPAGES "' in f for f in footers)


# --- finish: the Word file as a render path wrote it -----------------------------------------------------------

MARKDOWN = """\
Some text.

![Figure headline](chart.png){fig-alt="a chart"}

Source: a survey.

: Every finding with its interval

| Finding | Answered | Unweighted | Interval | Weighted | Interval |
|:--|--:|--:|:--|--:|:--|
| Say their PCN is not yet receiving reimbursement for additional roles | 194 | 12% | 8% to 17% | 13% | 9% to 18% |
| Plan to leave the clinical director role in the next 12 months | 195 | 21% | 16% to 27% | 22% | 17% to 28% |
"""


@pytest.fixture
def quarto_like(tmp_path, reference) -> Path:
    """A Word file with its figure caption below the figure, as Quarto's Word writer leaves it."""
    from PIL import Image

    Image.new("RGB", (40, 20), "white").save(tmp_path / "chart.png")
    (tmp_path / "in.md").write_text(MARKDOWN, encoding="utf-8")
    out = tmp_path / "briefing.docx"
    subprocess.run(
        [
            pypandoc.get_pandoc_path(),
            "in.md",
            "-o",
            str(out),
            "--reference-doc",
            str(reference),
            "--figure-caption-position=below",
            "--metadata",
            "title=A briefing",
        ],
        cwd=tmp_path,
        check=True,
    )
    return out


def paragraph_styles(path: Path) -> list[str]:
    body = docx.Document(str(path)).element.body
    return [word.style_of(p) or "" for p in body.iter(qn("w:p"))]


def test_a_figure_caption_goes_above_its_figure(quarto_like):
    word.finish(quarto_like, "Briefing generator example")
    styles = [s for s in paragraph_styles(quarto_like) if s in ("ImageCaption", "CaptionedFigure")]
    assert styles == ["ImageCaption", "CaptionedFigure"]


def longest_word_twips(text: str, size_pt: float) -> int:
    """The least width a cell's longest word needs on one line (DejaVu Sans, the widest fallback, about 0.66 em
    a character for words of capitals, digits and "%"), with Word's cell margins."""
    longest = max((len(w) for w in text.split()), default=0)
    return round(longest * 0.66 * size_pt * 20) + 2 * 115


def test_table_columns_are_sized_to_their_content_so_no_word_breaks(quarto_like):
    """pandoc gives a table six equal columns of 1,320 twips: "reimbursement" breaks, "Unweighte/d" too."""
    word.finish(quarto_like, "Briefing generator example")
    (table,) = docx.Document(str(quarto_like)).element.body.iter(qn("w:tbl"))
    grid = [int(c.get(qn("w:w"))) for c in table.iter(qn("w:gridCol"))]
    assert len(set(grid)) > 2 and sum(grid) <= word.TEXT_WIDTH_TWIPS
    for row in table.iter(qn("w:tr")):
        for width, cell in zip(grid, row.iter(qn("w:tc")), strict=True):
            sizes = [int(s.get(qn("w:val"))) / 2 for s in cell.iter(qn("w:sz"))] or [10.5]
            assert width >= longest_word_twips(word.text_of(cell), max(sizes)), word.text_of(cell)
    assert table.find(f"{W}tblPr/{W}tblLayout").get(qn("w:type")) == "fixed"


def test_the_header_names_the_publisher_and_the_title(quarto_like):
    word.finish(quarto_like, "Briefing generator example")
    header = docx.Document(str(quarto_like)).sections[0].header
    assert header.paragraphs[0].text == "Briefing generator example \u00b7 A briefing"


def test_finishing_twice_changes_nothing(quarto_like):
    """Reproducible bytes, and no caption moved twice nor a size added twice."""
    once = word.finish(quarto_like, "P").read_bytes()
    assert word.finish(quarto_like, "P").read_bytes() == once


# --- the published Word file, from both render paths ---------------------------------------------------------


def document_sequence(path: Path) -> list[str]:
    """The Word file as a reader meets it: each paragraph's text, each chart as its alt text, in order."""
    body = docx.Document(str(path)).element.body
    sequence = []
    for paragraph in body.iter(qn("w:p")):
        charts = [
            d.get("descr")
            for d in paragraph.iter("{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}docPr")
        ]
        text = word.text_of(paragraph).strip()
        sequence += [f"[chart: {c}]" for c in charts] + ([text] if text else [])
    return sequence


@pytest.mark.e2e
@pytest.mark.quarto
def test_both_render_paths_give_the_same_word_document(built, quarto_built):
    """The same paragraphs and charts in the same order (the provenance's engine line aside, which names each)."""
    from tests.publication.test_quarto_parity import engine_neutral

    pandoc_word, quarto_word = (p / "_output" / "briefing.docx" for p in (built, quarto_built))
    assert [engine_neutral(t) for t in document_sequence(pandoc_word)] == [
        engine_neutral(t) for t in document_sequence(quarto_word)
    ]


@pytest.mark.e2e
def test_the_published_word_file_keeps_captions_with_charts_and_boxes_the_notice(rendered):
    path = rendered / "_output" / "briefing.docx"
    styles = paragraph_styles(path)
    figures = [k for k, s in enumerate(styles) if s == "CaptionedFigure"]
    assert figures and all(styles[k - 1] == "ImageCaption" for k in figures)
    assert "NoticeTitle" in styles and "Notice" in styles
    header = docx.Document(str(path)).sections[0].header.paragraphs[0].text
    assert header.startswith("Briefing generator example \u00b7 ")


# --- pages that keep together and fill (Word has no floats: a kept block that does not fit leaves a gap) -------


def paragraph_styles_of(reference: Path) -> dict:
    """The reference document's paragraph styles by name (looked up by the style objects: some names are
    ambiguous to python-docx's lookup)."""
    return {s.name: s for s in docx.Document(str(reference)).styles if s.type == 1}


def inherited(reference: Path, style_name: str, attribute: str):
    """A paragraph format's value as the style's chain of base styles gives it, else the document's default."""
    style = paragraph_styles_of(reference)[style_name]
    defaults = style.element.getparent().find(f"{W}docDefaults/{W}pPrDefault/{W}pPr/{W}spacing")
    while style is not None:
        value = getattr(style.paragraph_format, attribute)
        if value is not None:
            return value
        style = style.base_style
    key = {"space_before": "before", "space_after": "after"}.get(attribute)
    return docx.shared.Twips(int(defaults.get(f"{W}{key}", 0))) if key and defaults is not None else None


FIGURE_BLOCK = ("Image Caption", "Captioned Figure", "Figure Note", "Source Line")


def test_a_figures_block_is_set_close_so_it_fits_a_pages_foot_more_often(reference):
    """Caption, chart, note and source line are kept together; on main each joint had the body's 9-10 pt."""
    for upper, lower in pairwise(FIGURE_BLOCK):
        joint = max(inherited(reference, upper, "space_after"), inherited(reference, lower, "space_before"))
        assert joint.pt <= 3, f"{joint.pt} pt between {upper} and {lower}"
    assert inherited(reference, "Body Text", "space_after").pt == 9  # the body keeps its spacing


def test_no_paragraphs_first_or_last_line_is_left_alone_on_a_page(reference):
    assert inherited(reference, "Normal", "widow_control") is True


KEPT = {"Title", "Subtitle", "Heading 2", "Heading 3", "Notice Title", "Table Caption", *FIGURE_BLOCK[:3]}
TEXT = {"Normal", "Body Text", "First Paragraph", "Compact", "Block Text", "Notice", "Source Line", "Bibliography"}


def test_only_what_a_reader_needs_together_is_kept_with_next(reference):
    """A heading with its first paragraph, a caption with its figure or table, a chart with its note and the note
    with its source line: never a section's text, which would carry a whole section to the next page."""
    kept = {name for name in paragraph_styles_of(reference) if inherited(reference, name, "keep_with_next")}
    assert KEPT <= kept and not kept & TEXT, (KEPT - kept, kept & TEXT)


def test_a_long_table_runs_on_between_rows_never_inside_one(quarto_like):
    word.finish(quarto_like, "P")
    (table,) = docx.Document(str(quarto_like)).element.body.iter(qn("w:tbl"))
    rows = table.findall(f"{W}tr")
    for row in rows:
        properties = [child.tag.removeprefix(W) for child in row.find(f"{W}trPr")]
        assert "cantSplit" in properties, properties
        if "tblHeader" in properties:  # schema order: Word refuses a file with them the other way round
            assert properties.index("cantSplit") < properties.index("tblHeader")
    assert rows[0].find(f"{W}trPr/{W}tblHeader") is not None  # the header row repeats on each page
