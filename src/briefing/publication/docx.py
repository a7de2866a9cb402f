"""The Word edition's house style: a pandoc reference document, built by this code from pandoc's own default.

Both render paths hand it to pandoc (`--reference-doc`; `reference-doc:` in _quarto.yml), so the Word edition
carries the PDF's design where Word can: the Analysis Function dark blue for headings and captions, the muted
grey for source lines, A4 pages with the PDF's margins, British English. Arial stands in for Inter, which an
editor's Word is unlikely to have (Inter stays the typeface of the PDF, the HTML and the charts).

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
    for section in document.sections:  # A4, the PDF's 2.2 cm margins
        section.page_width, section.page_height = Cm(21.0), Cm(29.7)
        for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
            setattr(section, side, Cm(2.2))
    document.core_properties.author = ""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(without_clock(document))
    return out


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
