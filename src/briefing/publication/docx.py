"""The Word edition's house style: a pandoc reference document, built by this code from pandoc's own default.

Both render paths hand it to pandoc (`--reference-doc`; `reference-doc:` in _quarto.yml), so the Word edition
carries the PDF's design where Word can: the Analysis Function dark blue for headings and captions, the muted
grey for source lines, A4 pages with the PDF's margins, British English; headings and captions kept with what
follows them, a chart's block (caption, chart, note, source line) set close, widow and orphan control; the notices in a ruled, shaded box (styles "Notice" and "Notice Title", which pandoc-compat.lua
gives the callouts); a header naming the publisher and the title, and a footer with "Page n of m".
Fonts: Arial is the stated fallback for Inter and is not embedded (every Word and LibreOffice has it or its
metric twin, Liberation Sans); Inter stays the typeface of the PDF, the HTML and the charts.

`finish` then mends what pandoc's Word writer leaves, on the file either render path wrote, so both paths give the
same Word file: captions above their figures, table columns sized to their content (no word broken across
lines), table rows kept whole where a long table runs over a page, and the publisher in the header.

Usage: python -m briefing.publication.docx --out build/reference.docx
"""

from __future__ import annotations

import argparse
import io
import subprocess
import zipfile
from pathlib import Path

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

BRAND_DARK = RGBColor(0x12, 0x43, 0x6D)
TEXT = RGBColor(0x0B, 0x0C, 0x0C)
MUTED = RGBColor(0x50, 0x5A, 0x5F)
FONT = "Arial"
LANGUAGE = "en-GB"

# style name -> (size in points, bold, colour); pandoc's names (its default reference.docx).
PARAGRAPH_STYLES = {
    "Normal": (10.5, False, TEXT),
    "Body Text": (10.5, False, TEXT),
    "First Paragraph": (10.5, False, TEXT),
    "Compact": (10.5, False, TEXT),
    "Title": (22, True, BRAND_DARK),
    "Subtitle": (13, False, BRAND_DARK),
    "Author": (10, False, MUTED),
    "Date": (10, False, MUTED),
    "Heading 1": (16, True, BRAND_DARK),
    "Heading 2": (14, True, BRAND_DARK),
    "Heading 3": (12, True, BRAND_DARK),
    "Block Text": (10.5, False, TEXT),
    "Image Caption": (10, True, BRAND_DARK),
    "Table Caption": (10, True, BRAND_DARK),
    "Caption": (10, True, BRAND_DARK),
    "Bibliography": (9.5, False, TEXT),
    "Footnote Text": (9, False, TEXT),
}


def pandoc_default_reference() -> bytes:
    import pypandoc

    command = [pypandoc.get_pandoc_path(), "--print-default-data-file", "reference.docx"]
    return subprocess.run(command, capture_output=True, check=True).stdout


def set_font(style, size: float, bold: bool, colour: RGBColor) -> None:
    font = style.font
    font.name, font.size, font.bold = FONT, Pt(size), bold
    font.color.rgb = colour
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attribute), FONT)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:cstheme", "w:eastAsiaTheme"):
        fonts.attrib.pop(qn(theme), None)  # a theme font would override the named one


def set_language(style) -> None:
    rpr = style.element.get_or_add_rPr()
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = rpr.makeelement(qn("w:lang"), {})
        rpr.append(lang)
    lang.set(qn("w:val"), LANGUAGE)


KEPT_WITH_NEXT = (
    "Heading 1",
    "Heading 2",
    "Heading 3",
    "Image Caption",
    "Table Caption",
    "Captioned Figure",
    "Figure Note",
    "Title",
    "Subtitle",
    "Notice Title",
)
NOTICE_BORDER = "12436D"  # BRAND_DARK
NOTICE_FILL = "F3F2F1"


def keep_with_next(style) -> None:
    style.paragraph_format.keep_with_next = True
    style.paragraph_format.keep_together = True


# A figure's block (caption, chart, note, source line) is kept together, so it is set close: (space before, space
# after) in points, against the body's 9 and 9. The shorter block fits the foot of a page more often; Word has no
# floats, and a block that does not fit leaves its own height empty above it.
FIGURE_BLOCK_SPACING = {
    "Image Caption": (6, 3),
    "Captioned Figure": (0, 2),
    "Figure Note": (2, 0),
    "Source Line": (2, 9),
}


def set_spacing(style, before: float, after: float) -> None:
    style.paragraph_format.space_before, style.paragraph_format.space_after = Pt(before), Pt(after)


def boxed(style) -> None:
    """A ruled, shaded box: consecutive paragraphs with the same border join into one box in Word."""
    ppr = style.element.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    for side in ("top", "left", "bottom", "right"):
        edge = OxmlElement(f"w:{side}")
        for key, value in (
            ("val", "single"),
            ("sz", "12" if side == "left" else "4"),
            ("space", "6"),
            ("color", NOTICE_BORDER),
        ):
            edge.set(qn(f"w:{key}"), value)
        borders.append(edge)
    shading = OxmlElement("w:shd")
    for key, value in (("val", "clear"), ("color", "auto"), ("fill", NOTICE_FILL)):
        shading.set(qn(f"w:{key}"), value)
    ppr.append(borders)
    ppr.append(shading)
    style.paragraph_format.left_indent = style.paragraph_format.right_indent = Cm(0.25)


def notice_styles(styles) -> None:
    names = [s.name for s in styles]
    for name, size, bold in (("Notice Title", 10.5, True), ("Notice", 10, False)):
        if name not in names:
            style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
            style.base_style = styles["Body Text"]
            set_font(style, size, bold, BRAND_DARK if bold else TEXT)
            boxed(style)
            style.paragraph_format.space_before = Pt(0)
            style.paragraph_format.space_after = Pt(0 if bold else 4)
    keep_with_next(styles["Notice Title"])


def page_furniture(section) -> None:
    """The footer's "Page n of m" (fields Word and LibreOffice fill in); the header is written by `finish`,
    which knows the publisher."""
    footer = section.footer.paragraphs[0]
    footer.alignment = 2  # right
    for text, field in (("Page ", "PAGE"), (" of ", "NUMPAGES")):
        footer.add_run(text)
        simple = OxmlElement("w:fldSimple")
        simple.set(qn("w:instr"), f" {field} ")
        run = OxmlElement("w:r")
        value = OxmlElement("w:t")
        value.text = "1"
        run.append(value)
        simple.append(run)
        footer._p.append(simple)
    for run in footer.runs:
        run.font.size, run.font.color.rgb, run.font.name = Pt(9), MUTED, FONT


def build_reference(out: Path) -> Path:
    document = docx.Document(io.BytesIO(pandoc_default_reference()))
    styles = document.styles
    for style in styles:  # by the style objects themselves: looking some names up is ambiguous in python-docx
        if style.name in PARAGRAPH_STYLES:
            set_font(style, *PARAGRAPH_STYLES[style.name])
    set_language(styles["Normal"])
    block = styles["Block Text"]  # quotations: set in from the left, with a rule, as in the PDF
    block.paragraph_format.left_indent = Cm(0.8)
    block.font.italic = True
    if "Source Line" not in [s.name for s in styles]:
        source = styles.add_style("Source Line", WD_STYLE_TYPE.PARAGRAPH)
        source.base_style = styles["Body Text"]
        set_font(source, 9, False, MUTED)
    if "Figure Note" not in [s.name for s in styles]:  # a chart's question and base, kept with its source line
        note = styles.add_style("Figure Note", WD_STYLE_TYPE.PARAGRAPH)
        note.base_style = styles["Body Text"]
        set_font(note, 9, False, TEXT)
    notice_styles(styles)
    styles["Normal"].paragraph_format.widow_control = True  # no paragraph's first or last line alone on a page
    for style in styles:
        if style.name in KEPT_WITH_NEXT:
            keep_with_next(style)
        if style.name in FIGURE_BLOCK_SPACING:
            set_spacing(style, *FIGURE_BLOCK_SPACING[style.name])
    for section in document.sections:  # A4, the PDF's 2.2 cm margins
        section.page_width, section.page_height = Cm(21.0), Cm(29.7)
        for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
            setattr(section, side, Cm(2.2))
        section.header_distance = section.footer_distance = Cm(1.0)
        page_furniture(section)
    document.core_properties.author = ""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(without_clock(document))
    return out


# --- the Word edition, as either render path wrote it --------------------------------------------------------

TEXT_WIDTH_TWIPS = round((21.0 - 2 * 2.2) / 2.54 * 1440)  # the A4 text column (16.6 cm)
CELL_PADDING_TWIPS = 2 * 115  # Word's default cell margins, left and right
TABLE_PT = 9  # table text, as in the PDF: smaller than the body
# Widths as a share of the type size, wide enough for Arial and for the wider DejaVu Sans a LibreOffice without
# Arial falls back to: an average character, and a word's characters (capitals, digits, "%") with margin
AVERAGE_EM, WIDE_EM = 0.66, 0.7


def text_of(element) -> str:
    return "".join(t.text or "" for t in element.iter(qn("w:t")))


def column_widths(cells_by_column: list[list[str]], total: int = TEXT_WIDTH_TWIPS) -> list[int]:
    """Widths (twips) that never break a word, as the PDF sizes its tables: the figures' columns (all but the first)
    as wide as their longest cell, the label column (the first) the rest; where that leaves the labels less than
    their longest word, every column at least its longest word and the space left shared by how much more each
    would take on one line."""
    twips = TABLE_PT * 20

    def width(chars: int, em: float) -> int:
        return round(chars * em * twips) + CELL_PADDING_TWIPS

    least = [width(max((len(w) for c in cells for w in c.split()), default=1), WIDE_EM) for cells in cells_by_column]
    wanted = [
        max(width(max((len(c) for c in cells), default=1), AVERAGE_EM), low)
        for cells, low in zip(cells_by_column, least, strict=True)
    ]
    if least[0] + sum(wanted[1:]) <= total:
        return [total - sum(wanted[1:]), *wanted[1:]]
    spare, more = total - sum(least), [w - low for w, low in zip(wanted, least, strict=True)]
    if spare <= 0 or not sum(more):
        return [round(low * total / sum(least)) for low in least]
    return [low + round(spare * m / sum(more)) for low, m in zip(least, more, strict=True)]


def size_table(table) -> None:
    rows = table.findall(qn("w:tr"))
    columns: list[list[str]] = []
    for row in rows:
        for k, cell in enumerate(row.findall(qn("w:tc"))):
            while len(columns) <= k:
                columns.append([])
            columns[k].append(text_of(cell))
    widths = column_widths(columns)
    properties = table.tblPr
    table_width = properties.find(qn("w:tblW"))  # pandoc writes one (auto): changed in place, in schema order
    if table_width is not None:
        table_width.set(qn("w:w"), str(sum(widths)))
        table_width.set(qn("w:type"), "dxa")
    properties.autofit = False  # w:tblLayout fixed: Word and LibreOffice keep the widths given
    for col, w in zip(table.tblGrid.findall(qn("w:gridCol")), widths, strict=False):
        col.set(qn("w:w"), str(w))
    for row in rows:
        for cell, w in zip(row.findall(qn("w:tc")), widths, strict=False):
            cell.get_or_add_tcPr().width = w * 635  # twips to EMU
            for run in cell.iter(qn("w:r")):
                run.get_or_add_rPr().sz_val = Pt(TABLE_PT)


# w:trPr's children in schema order: cantSplit goes before those after it
AFTER_CANT_SPLIT = ("trHeight", "tblHeader", "tblCellSpacing", "jc", "hidden", "ins", "del", "trPrChange")


def rows_split_between(table) -> None:
    """A long table runs on over pages between its rows, never inside one: a finding's label and its figures stay
    side by side (pandoc marks the header row to repeat on each page, w:tblHeader)."""
    for row in table.findall(qn("w:tr")):
        properties = row.get_or_add_trPr()
        if properties.find(qn("w:cantSplit")) is None:
            later = next((c for c in properties if c.tag in {qn(f"w:{n}") for n in AFTER_CANT_SPLIT}), None)
            kept = OxmlElement("w:cantSplit")
            later.addprevious(kept) if later is not None else properties.append(kept)


def style_of(paragraph) -> str | None:
    style = paragraph.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
    return style.get(qn("w:val")) if style is not None else None


def captions_above(body) -> None:
    """A figure's caption above its image, as in the PDF and the HTML (Quarto's Word writer puts it below)."""
    for paragraph in list(body.iter(qn("w:p"))):
        if style_of(paragraph) == "ImageCaption":
            before = paragraph.getprevious()
            if before is not None and style_of(before) == "CaptionedFigure":
                before.addprevious(paragraph)


def header(section, publisher: str, title: str) -> None:
    paragraph = section.header.paragraphs[0]
    paragraph.text = ""
    run = paragraph.add_run(f"{publisher} \u00b7 {title}" if publisher else title)
    run.font.size, run.font.color.rgb, run.font.name = Pt(9), MUTED, FONT


def finish(path: Path, publisher: str) -> Path:
    """Mend the Word edition either render path wrote, in place (see the module's docstring)."""
    document = docx.Document(str(path))
    body = document.element.body
    captions_above(body)
    for table in body.iter(qn("w:tbl")):
        size_table(table)
        rows_split_between(table)
    for section in document.sections:
        header(section, publisher, document.core_properties.title or "")
    path.write_bytes(without_clock(document))
    return path


# A fixed time for every part of the zip: pandoc copies the reference document's parts into the Word edition
# with their times, so a clock here would make the briefing's bytes depend on when this ran.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def without_clock(document) -> bytes:
    """The saved document with every zip entry dated ZIP_EPOCH, in the order python-docx wrote them."""
    saved = io.BytesIO()
    document.save(saved)
    fixed = io.BytesIO()
    with zipfile.ZipFile(saved) as source, zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(
                zipfile.ZipInfo(item.filename, date_time=ZIP_EPOCH),
                source.read(item.filename),
                compress_type=zipfile.ZIP_DEFLATED,
            )
    return fixed.getvalue()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Build the Word edition's reference document (house style)")
    parser.add_argument("--out", default="build/reference.docx", type=Path)
    args = parser.parse_args(argv)
    print(f"docx: reference document {build_reference(args.out)}")


if __name__ == "__main__":
    main()
