"""End to end: the Word edition, respondents' quotes in every output, and hostile comments on both render paths."""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from pathlib import Path

import docx
import pandas as pd
import pytest
from pypdf import PdfReader

from tests.conftest import copy_project, make
from tests.test_e2e import docx_text, fails_keeping_the_last_good_briefing, html_text, normalise, pdf_text

pytestmark = pytest.mark.e2e


def docx_images(path: Path) -> list[dict]:
    xml = zipfile.ZipFile(path).read("word/document.xml").decode("utf-8")
    return [{"descr": m.group(1)} for m in re.finditer(r'<wp:docPr [^>]*?descr="([^"]*)"', xml)] + [
        {"descr": ""} for m in re.finditer(r"<wp:docPr (?![^>]*descr=)[^>]*>", xml)
    ]


def unescape_xml(text: str) -> str:
    return (
        text.replace("&#39;", "'")
        .replace("&quot;", '"')
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
    )


def findings_of(project: Path) -> dict:
    return json.loads((project / "_output" / "findings.json").read_text(encoding="utf-8"))["findings"]


# --- the Word edition -------------------------------------------------------------------------------------------


def test_every_word_image_is_a_chart_with_its_alt_text(built):  # the 2020 briefing, compared with 2019
    charts = [f for f in findings_of(built).values() if f["kind"] == "figure"]
    images = docx_images(built / "_output" / "briefing.docx")
    assert len(images) == len(charts) == 12  # 9 questions (one new in 2020), by size, the overview, the change
    assert sorted(unescape_xml(i["descr"]) for i in images) == sorted(c["alt"] for c in charts)
    media = [n for n in zipfile.ZipFile(built / "_output" / "briefing.docx").namelist() if n.startswith("word/media/")]
    assert media and all(n.endswith(".png") for n in media)  # raster twins: any Word shows them


def test_the_word_edition_has_the_house_style(built):
    document = docx.Document(str(built / "_output" / "briefing.docx"))
    heading = document.styles["Heading 2"]
    assert str(heading.font.color.rgb) == "12436D" and heading.font.name == "Arial"
    captions = [p.text for p in document.paragraphs if p.style.name == "Image Caption"]
    # each caption is the chart's title (worded by narrative/captions.py, held to the wording rules)
    findings = findings_of(built)
    titles = sorted(f["title"] for f in findings.values() if f["kind"] == "figure")
    assert sorted(re.sub(r"^Figure \d+: ", "", normalise(c)) for c in captions) == sorted(map(normalise, titles))
    assert captions[0].startswith("Figure 1: ")
    sources = [p.text for p in document.paragraphs if p.style.name == "Source Line"]
    assert len(sources) >= len(titles) and all(s.startswith("Source:") for s in sources)
    section = document.sections[0]
    assert round(section.page_width.cm, 1) == 21.0 and round(section.left_margin.cm, 1) == 2.2


# --- quotes -----------------------------------------------------------------------------------------------------


def test_quotes_are_printed_redacted_in_every_output(built_2019):
    """The 2019 picks (data/pcn-clinical-directors/quotes.yml keys its picks by wave; the 2020 ones are checked below)."""
    built = built_2019
    outputs = {
        "HTML": html_text(built / "_output" / "briefing.html"),
        "PDF": pdf_text(built / "_output" / "briefing.pdf"),
        "Word": docx_text(built / "_output" / "briefing.docx"),
    }
    # the picks cut the personal data out (a pick redaction would gut is refused), so each reads as it was said
    for name, text in outputs.items():
        assert "The workload is relentless: I finish PCN paperwork most evenings after surgery." in text, name
        assert "Recruiting under the additional roles scheme is slow. … waited months" in text, name
        assert "the partnership model will not survive" in text, name
        assert "[redacted]" not in text and "Ring me on" not in text, name
        for personal in ("020 7946 0123", "Jane Example", "West Merton", "943 476 5919", "example.org"):
            assert personal not in text, f"{name} prints {personal!r}"
        assert "(synthetic example comment)" in text, name


def test_the_2020_briefing_quotes_its_own_wave_in_every_output(built):
    outputs = {
        "HTML": html_text(built / "_output" / "briefing.html"),
        "PDF": pdf_text(built / "_output" / "briefing.pdf"),
        "Word": docx_text(built / "_output" / "briefing.docx"),
    }
    for name, text in outputs.items():
        assert "The workload is relentless: I finish PCN paperwork most evenings after surgery." in text, name
        assert "[redacted]" not in text and "if you want the detail" not in text, name
        assert "Recruiting under the additional roles scheme is slow. … waited months" in text, name
        assert "the partnership model will not survive" in text, name
        assert "943 476 5919" not in text and "cd.example@nhs.example" not in text, name


@pytest.mark.parametrize(
    "entry, message",
    [
        ("{respondent: SYN9999, theme: workload}", "quote 1 (line 2): respondent SYN9999 does not exist in wave 2019"),
        ("{respondent: SYN0001, theme: morale}", "quote 1 (line 2): respondent SYN0001: theme 'morale' does not exist"),
        (
            "{respondent: SYN0001, theme: workload, cut: 'I love the paperwork'}",
            "quote 1 (line 2): respondent SYN0001: the cut 'I love the paperwork' is not in their comment",
        ),
    ],
)
def test_a_bad_quote_fails_naming_it_and_keeps_the_last_good_briefing(built_2019, entry, message):
    quotes = built_2019 / "data" / "pcn-clinical-directors" / "quotes.yml"
    stderr = fails_keeping_the_last_good_briefing(built_2019, quotes, f'"2019":\n  - {entry}\n'.encode(), WAVE="2019")
    assert f"data/pcn-clinical-directors/quotes.yml: {message}" in stderr and "Traceback" not in stderr


def test_invalid_utf8_in_the_comments_fails_and_keeps_the_last_good_briefing(built_2019):
    survey = built_2019 / "data" / "pcn-clinical-directors" / "raw" / "pcn_cd_survey_2019.csv"
    broken = survey.read_bytes().replace(b"The workload is relentless", b"The workload is \xe9\xff relentless")
    stderr = fails_keeping_the_last_good_briefing(built_2019, survey, broken, WAVE="2019")
    assert survey.name in stderr and "not UTF-8 text: byte 0xe9 on line 2, column `comments`" in stderr


# --- hostile comments, through the real render paths ----------------------------------------------------------

HOSTILE = "\n".join(
    [
        "SCRIPT <script>alert(1)</script>",
        "#set page(width: 1cm)",
        '#read("/etc/passwd")',
        "JINJA {{ 7*7 }} {% raw %}",
        "LINK [x](javascript:alert(1))",
        "```{=html}",
        "<b>RAWHTML</b>",
        "```",
        "```{=typst}",
        "#set text(size: 40pt)",
        "```",
        "SHORTCODE {{< include /etc/passwd >}}",
        "END OF HOSTILE",
    ]
)
LONG = " ".join(f"word{i:05d}" for i in range(999)) + " LONGENDXYZ"  # 10,000 characters


@pytest.fixture(scope="module")
def hostile_comments(tmp_path_factory) -> Path:
    """A copy of the project whose quoted comments try to change the document, built on the pandoc path (the 2019
    briefing: the wave data/pcn-clinical-directors/quotes.yml quotes)."""
    project = copy_project(tmp_path_factory.mktemp("hostile"))
    survey = project / "data" / "pcn-clinical-directors" / "raw" / "pcn_cd_survey_2019.csv"
    wave = pd.read_csv(survey, dtype=str, keep_default_na=False)
    wave.loc[wave["respondent_id"] == "SYN0001", "comments"] = HOSTILE
    wave.loc[wave["respondent_id"] == "SYN0003", "comments"] = LONG
    wave.to_csv(survey, index=False, lineterminator="\n")
    (project / "data" / "pcn-clinical-directors" / "quotes.yml").write_text(
        '"2019":\n  - {respondent: SYN0001, theme: retention}\n  - {respondent: SYN0003, theme: priorities}\n',
        encoding="utf-8",
    )
    make(project, "report", ENGINE="pandoc", WAVE="2019")
    return project


def check_nothing_changed_the_document(project: Path, engine: str) -> None:
    out = project / "_output"
    html = (out / "briefing.html").read_text(encoding="utf-8")
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html, engine
    assert "javascript:" not in re.sub(r"LINK \[x\]\(javascript:alert\(1\)\)", "", html_text(out / "briefing.html"))
    assert 'href="javascript' not in html and "<b>RAWHTML</b>" not in html, engine
    texts = {
        "HTML": html_text(out / "briefing.html"),
        "PDF": pdf_text(out / "briefing.pdf"),
        "Word": docx_text(out / "briefing.docx"),
    }
    texts = {name: text.replace("\u2060", "") for name, text in texts.items()}  # the joiner in {{< (escape.py)
    for name, text in texts.items():
        for literal in (
            "SCRIPT <script>alert(1)</script>",
            "#set page(width: 1cm)",
            '#read("/etc/passwd")',
            "JINJA {{ 7*7 }} {% raw %}",
            "LINK [x](javascript:alert(1))",
            "```{=html}",
            "<b>RAWHTML</b>",
            "#set text(size: 40pt)",
            "SHORTCODE {{< include /etc/passwd >}}",
            "END OF HOSTILE",
        ):
            assert normalise(literal) in text, f"{engine} {name}: {literal!r} was not printed as text"
        assert "root:x:0:0" not in text and "JINJA 49" not in text, f"{engine} {name}"
        assert "word00000 word00001" in text.replace("- ", "") and "LONGEND" in text, (
            f"{engine} {name}: the long comment"
        )
    for page in PdfReader(out / "briefing.pdf").pages:  # A4 throughout: no comment set the page size
        assert round(float(page.mediabox.width)) == 595 and round(float(page.mediabox.height)) == 842, engine
    assert "Key findings" in texts["PDF"] and "Methods and sources" in texts["PDF"]


def test_hostile_comments_are_printed_as_text_on_the_pandoc_path(hostile_comments):
    assert len(LONG) == 10_000
    check_nothing_changed_the_document(hostile_comments, "pandoc")


@pytest.mark.quarto
@pytest.mark.skipif(shutil.which("quarto") is None, reason="quarto is not on PATH")
def test_hostile_comments_are_printed_as_text_on_the_quarto_path(hostile_comments):
    make(hostile_comments, "report", ENGINE="quarto", WAVE="2019")
    check_nothing_changed_the_document(hostile_comments, "quarto")


def test_reference_document_has_no_clock(tmp_path, monkeypatch):
    """Built twice at different times, the house-style document is the same bytes (the Word edition copies it)."""
    from briefing.publication import docx as word

    first = word.build_reference(tmp_path / "a.docx").read_bytes()
    monkeypatch.setattr(word, "ZIP_EPOCH", (1980, 1, 1, 0, 0, 2))  # what a clock would change: the zip entries' times
    assert word.build_reference(tmp_path / "b.docx").read_bytes() != first
    monkeypatch.undo()
    assert word.build_reference(tmp_path / "c.docx").read_bytes() == first
