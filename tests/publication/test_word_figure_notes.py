"""Issue 19, item 4: a chart travels with its note (the question asked and its base) and its source line, in
every format. Before, the note between the chart and its source line broke the filter's pairing: the PDF floated
the chart away from both (2020, page 2: "Change since 2019" and its text between Figure 1 and its base), Word
left the note unkept, and the HTML put the data link between the chart and its note."""

from __future__ import annotations

import io
import re

import docx
import pypandoc

from briefing.publication import render
from briefing.publication.docx import build_reference
from tests.conftest import ROOT

FIGURE = """
Text before.

![Most nurses say so](chart.svg){fig-alt="Bar chart: 60% say so."}

Question: “Do you say so?” Base: 120 nurses who answered.

Source: Survey of nurses, 2021.

Text after.
"""


def converted(to: str, *extra: str) -> str:
    args = ["--lua-filter", str(ROOT / render.LUA_FILTER), *extra]
    return pypandoc.convert_text(FIGURE, to, format="markdown", extra_args=args)


def test_in_the_pdf_the_chart_its_note_and_its_source_are_one_floated_block():
    typst = converted("typst")
    call = re.search(r"#briefing-figure\((?P<args>.*?)\n\)", typst, re.S)
    assert call, typst
    args = call["args"]
    assert "note: [Question:" in args and "Base: 120 nurses" in args and "source: [Source: Survey" in args
    assert args.index("title:") < args.index("note:") < args.index("source:") < args.index("image(")
    outside = typst.replace(call[0], "")
    assert "Question:" not in outside and "Source:" not in outside  # not left in the text's flow
    assert "width: 100%)" not in args  # shown at the size it was drawn (its text at its point size)


def test_in_html_the_note_and_source_follow_the_chart_then_its_data_link():
    html = converted("html5")
    order = [html.index(s) for s in ("<figure", 'class="figure-note"', 'class="source"', "Data for Figure 1")]
    assert order == sorted(order), html


def test_in_word_the_note_is_kept_with_its_source_line(tmp_path):
    reference = build_reference(tmp_path / "reference.docx")
    out = tmp_path / "figure.docx"
    pypandoc.convert_text(
        FIGURE,
        "docx",
        format="markdown",
        outputfile=str(out),
        extra_args=[
            "--lua-filter",
            str(ROOT / render.LUA_FILTER),
            "--reference-doc",
            str(reference),
            "--resource-path",
            str(ROOT / "report" / "fonts"),
        ],
    )
    document = docx.Document(io.BytesIO(out.read_bytes()))
    styled = [(p.style.name, p.text[:9]) for p in document.paragraphs if p.text.startswith(("Question", "Source"))]
    assert styled == [("Figure Note", "Question:"), ("Source Line", "Source: S")]
    assert document.styles["Figure Note"].paragraph_format.keep_with_next
