"""End to end: every string from a user's file is data. The hostile-input list (tests/hostile.py) is planted in every
user-writable field of a copy of the project (params.yml, the codebook and its words for the respondents, themes and
subgroups, the waves' and the frame's .meta.yml, the context figures, the frame's region and STP names, a
respondent's comment), the briefing is built once per render path, and each output is read as a reader's software reads it: no live element in the HTML, every planted value
printed as its characters in the HTML, the PDF and the Word edition, and a PDF that builds and keeps to the page.

The build is a regional edition (the planted region), so the region's own section and its STP table are planted
too; it reports the 2020 wave against 2019, so the comparison wave's record shows as well.
"""

from __future__ import annotations

import base64
import html
import re
import shutil
import subprocess
import urllib.parse
import zipfile
from dataclasses import dataclass
from pathlib import Path

import docx
import lxml.html
import pandas as pd
import pytest
import yaml
from docx.oxml.ns import qn
from pypdf import PdfReader
from pypdf.generic import ContentStream

from tests.conftest import copy_built, copy_project, make, quarto_missing
from tests.hostile import HOSTILE, LONG_WORD, payload, seen
from tests.publication.test_accessibility import chrome_driver, missing_browser, wider_than_the_screen
from tests.test_e2e import docx_text, normalise

pytestmark = pytest.mark.e2e

REGION, OLD_REGION = payload("QXREGION", one_line=True), "South East"
OLD_STP = "Kent and Medway"


@dataclass(frozen=True)
class Field:
    name: str
    value: str
    outputs: tuple[str, ...] = ("html", "pdf", "word")  # where a reader sees it as text
    alt: bool = False  # shown as the charts' text alternative instead (HTML alt, Word descr, PDF /Alt)
    quotation_marks_typeset: bool = False  # citeproc prints a title's "..." and '...' as the style's quotation marks


# Every user-writable string, with the outputs that show it (params.yml's values stay on one line: the
# Makefile reads them).
FIELDS = [
    Field("params title", payload("QXTITLE", one_line=True)),
    Field("params publisher", payload("QXPUBLISHER", one_line=True), ("html", "pdf")),  # Word has no publisher line
    Field("region name", REGION),
    Field("wave title", payload("QXWAVETITLE")),
    Field("wave notice", payload("QXNOTICE", long=True)),
    Field("wave description", payload("QXWAVEDESCRIPTION", long=True)),
    Field("wave origin", payload("QXORIGIN")),
    Field("wave licence", payload("QXLICENCE")),
    Field("comparison wave title", payload("QXCOMPARETITLE")),
    Field("comparison wave description", payload("QXCOMPAREDESCRIPTION")),
    Field("frame publication title", payload("QXFRAMETITLE")),
    Field("frame description", payload("QXFRAMEDESCRIPTION", long=True)),
    Field("frame attribution", payload("QXATTRIBUTION")),
    Field("frame licence", payload("QXFRAMELICENCE")),
    Field("STP name", payload("QXSTP", one_line=True)),
    Field("finding description", payload("QXDESCRIPTION")),
    Field("long finding description", payload("QXLONGDESCRIPTION", long=True)),
    Field("respondents (plural)", payload("QXRESPONDENTS", one_line=True), alt=True),  # the overview; chart rows
    Field("respondent (singular)", payload("QXRESPONDENT", one_line=True)),  # the quotes' attribution
    Field("theme title", payload("QXTHEMETITLE", one_line=True)),  # its section's heading
    # a regional edition suppresses the size comparison in its text, so a subgroup is named in the charts' rows
    Field("subgroup description", payload("QXDESCRIBE", one_line=True), (), alt=True),
    Field("question wording", payload("QXWORDING"), (), alt=True),
    Field("answer label", payload("QXLABEL"), (), alt=True),
    Field("context figure hedge", payload("QXHEDGE")),
    Field("context figure measure", payload("QXMEASURE")),
    Field("context source title", payload("QXSOURCETITLE"), quotation_marks_typeset=True),  # the references
    Field("respondent's comment", payload("QXCOMMENT", long=True)),
]
PLANTED = {field.name: field.value for field in FIELDS}


# --- planting ---------------------------------------------------------------------------------------------------


def edit_yaml(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def edit_csv(path: Path, change) -> None:
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    change(table)
    table.to_csv(path, index=False, lineterminator="\n")


def braces_doubled(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def rename_region(table: pd.DataFrame) -> None:
    table.loc[table["region"] == OLD_REGION, "region"] = REGION


def plant(project: Path) -> None:
    p = PLANTED
    edit_yaml(
        project / "params.yml",
        lambda d: d.update(title=p["params title"], publisher=p["params publisher"], edition=REGION),
    )

    def wave_2020(meta):
        meta.update(
            title=p["wave title"],
            notice=p["wave notice"],
            description=p["wave description"],
            origin=p["wave origin"],
            licence=p["wave licence"],
            # dates, not text (briefing.inputs.survey.wave_dates); to December, so des_signup ("2020") is cited
            fieldwork={"start": "2020-10", "end": "2020-12"},
        )

    edit_yaml(project / "data/pcn-clinical-directors/raw/pcn_cd_survey_2020.meta.yml", wave_2020)
    edit_yaml(
        project / "data/pcn-clinical-directors/raw/pcn_cd_survey_2019.meta.yml",
        lambda m: m.update(title=p["comparison wave title"], description=p["comparison wave description"]),
    )

    def frame(meta):
        meta["publication"]["title"] = p["frame publication title"]
        meta.update(description=p["frame description"], attribution=p["frame attribution"], licence=p["frame licence"])

    edit_yaml(project / "data/pcn-clinical-directors/reference/pcn_frame_2020-21.meta.yml", frame)

    def codebook(book):
        questions = {q["id"]: q for q in book["questions"]}
        for answer in questions["region"]["responses"]:
            if answer["value"] == OLD_REGION:
                answer.update(value=REGION, label=REGION)
        questions["leave_role_12m"]["wording"] = p["question wording"]
        questions["leave_role_12m"]["responses"][0]["label"] = p["answer label"]  # "Yes": the finding's answer
        # a description may hold placeholders ({name}): a literal brace is written twice, as the codebook says
        book["findings"]["plan_to_leave"]["description"] = braces_doubled(p["finding description"])
        book["findings"]["not_confident_workforce"]["description"] = braces_doubled(p["long finding description"])
        book["survey"]["respondents"] = {"singular": p["respondent (singular)"], "plural": p["respondents (plural)"]}
        book["themes"][0]["title"] = p["theme title"]
        book["subgroups"]["small"]["describe"] = braces_doubled(p["subgroup description"])

    edit_yaml(project / "data/pcn-clinical-directors/codebook.yml", codebook)

    def context(data):
        figures = {f["id"]: f for f in data["figures"]}
        figures["first_leadership_role"]["hedge"] = p["context figure hedge"]
        # (a figure the 2020 briefing prints: the DES sign-up's year-only date may fall after its fieldwork)
        figures["partners_pcn_hours"]["measure"] = p["context figure measure"]
        figures["first_leadership_role"]["source"]["title"] = p["context source title"]
        # a real title now, and the page that carries it, so the briefing cites it (context_figures.citable)
        figures["first_leadership_role"]["source"].update(url_verified=True, accessed="2026-11-23", verification="test")

    edit_yaml(project / "data/pcn-clinical-directors/context/context_figures.yml", context)

    for frame_csv in sorted((project / "data/pcn-clinical-directors/reference").glob("pcn_frame_*.csv")):
        edit_csv(frame_csv, rename_region)

    def stp(table):
        table.loc[table["stp_name"] == OLD_STP, "stp_name"] = p["STP name"]

    edit_csv(project / "data/pcn-clinical-directors/reference/pcn_frame_2020-21.csv", stp)
    for wave_csv in sorted((project / "data/pcn-clinical-directors/raw").glob("pcn_cd_survey_*.csv")):
        edit_csv(wave_csv, rename_region)

    def comment(table):
        table.loc[table["respondent_id"] == "SYN0004", "comments"] = p["respondent's comment"]

    edit_csv(project / "data/pcn-clinical-directors/raw/pcn_cd_survey_2020.csv", comment)
    quotes = (
        project / "data/pcn-clinical-directors/quotes.yml"
    )  # the 2020 picks from the planted region: one cut, one whole comment
    picks = yaml.safe_load(quotes.read_text(encoding="utf-8"))
    picks["2020"] = [picks["2020"][0], {"respondent": "SYN0004", "theme": "priorities"}]
    quotes.write_text(yaml.safe_dump(picks, allow_unicode=True, sort_keys=False), encoding="utf-8")


@pytest.fixture(scope="module")
def planted_pandoc(tmp_path_factory) -> Path:
    project = copy_project(tmp_path_factory.mktemp("hostile-fields"))
    plant(project)
    make(project, "report", ENGINE="pandoc")
    return project


@pytest.fixture(scope="module", params=["pandoc", pytest.param("quarto", marks=pytest.mark.quarto)])
def planted(request, planted_pandoc, tmp_path_factory) -> Path:
    """The planted project, built on each render path (the Quarto build re-renders a copy of the pandoc one)."""
    if request.param == "pandoc":
        return planted_pandoc
    if problem := quarto_missing():
        pytest.skip(f"the Quarto path is not tested here: {problem}")
    project = copy_built(planted_pandoc, tmp_path_factory.mktemp("hostile-quarto") / "project")
    make(project, "report", ENGINE="quarto")
    return project


def output(project: Path, name: str) -> Path:
    return project / "_output" / name


# --- the HTML runs nothing from the data -------------------------------------------------------------------------


def embedded_svgs(root) -> list:
    """Any chart left as an image: its SVG document, decoded from the page's data: address (the charts are set
    inline, inline_charts.py, and so are in the page's own tree)."""
    found = []
    for img in root.iter("img"):
        src = img.get("src", "")
        if src.startswith("data:image/svg+xml"):
            head, data = src.split(",", 1)
            text = base64.b64decode(data) if head.endswith(";base64") else urllib.parse.unquote(data).encode()
            found.append(lxml.html.fromstring(text))
    return found


def live_elements(page: str) -> list[str]:
    """Whatever would run: <script>, <iframe>, <object> or <embed>, an on* attribute, a javascript: address."""
    root = lxml.html.fromstring(page)
    problems = []
    for tree in [root, *embedded_svgs(root)]:
        for element in tree.iter():
            if not isinstance(element.tag, str):
                continue  # a comment
            tag = element.tag.rsplit("}", 1)[-1].lower()
            if tag in ("script", "iframe", "object", "embed"):
                problems.append(f"<{tag}>")
            for attribute, value in element.attrib.items():
                name = attribute.rsplit("}", 1)[-1].lower()
                if name.startswith("on"):
                    problems.append(f"<{tag} {name}={value[:40]!r}>")
                if name in ("href", "src", "action", "formaction") and value.strip().lower().startswith("javascript:"):
                    problems.append(f"<{tag} {name}={value[:40]!r}>")
    return problems


def test_no_live_element_in_the_html(planted):
    for name in ("briefing.html", "changes.html"):
        assert live_elements(output(planted, name).read_text(encoding="utf-8")) == [], name


def test_the_browser_runs_nothing_and_nothing_runs_off_a_phone_screen(planted):
    if missing := missing_browser():
        pytest.skip(f"browser check skipped: {missing}")
    from selenium.common.exceptions import NoAlertPresentException

    driver = chrome_driver()
    try:
        driver.set_window_size(320, 740)
        driver.get(output(planted, "briefing.html").as_uri())
        with pytest.raises(NoAlertPresentException):
            _ = driver.switch_to.alert.text  # an onerror or onload from the data would have opened one
        wide = wider_than_the_screen(driver)
        assert wide == [], f"wider than the screen (a long word that does not wrap): {wide[:5]}"
        ligatures = driver.execute_script(
            "return [...document.querySelectorAll('blockquote')].map(q => getComputedStyle(q).fontVariantLigatures)"
        )
        assert ligatures and set(ligatures) == {"none"}, ligatures
    finally:
        driver.quit()


# --- every planted value is printed as its characters --------------------------------------------------------------


def squeezed(text: str) -> str:
    """Text without whitespace and the invisible characters publishing adds (a PDF line ends inside a long value,
    U+200B lets a long word break, U+2060 keeps a `<` in a bibliography title from starting a tag)."""
    return re.sub(r"[\s\u200b\u2060]+", "", normalise(text))


def html_reading_text(path: Path) -> str:
    """The page's text as a browser shows it, the title block included (not style sheets, nor the charts' SVG)."""
    body = lxml.html.fromstring(path.read_text(encoding="utf-8")).body
    for hidden in list(body.iter("style", "script", "svg", "template")):
        hidden.drop_tree()
    return body.text_content()


def page_reading_text(page) -> str:
    """One page's text outside page furniture (marked-content sequences tagged /Artifact)."""
    parts: list[str] = []
    artefact: list[bool] = []  # the marked-content sequences open at this point, and whether each is furniture

    def operator(op, args, cm, tm) -> None:
        if op in (b"BMC", b"BDC"):
            artefact.append(str(args[0]) == "/Artifact")
        elif op == b"EMC" and artefact:
            artefact.pop()

    def text(chunk, cm, tm, font, size) -> None:
        if not any(artefact):
            parts.append(chunk)

    page.extract_text(visitor_operand_before=operator, visitor_text=text)
    return "".join(parts)


# A drawn chart: its caption, labels and base, never reaching into the next chart.
FLOATED = re.compile(r"Figure \d+: (?:(?!Figure \d+:).){0,4000}?\bn = \d+\s*\n", re.DOTALL)


def pdf_reading_text(path: Path) -> str:
    """The PDF's text as a screen reader reads it: page furniture (marked as artefacts: the running header and the
    footer) left out, so a long title or publisher there does not come between the words of the page."""
    return " ".join(page_reading_text(page) for page in PdfReader(path).pages)


@pytest.fixture(scope="module")
def texts(planted) -> dict[str, str]:
    return {
        "html": squeezed(html_reading_text(output(planted, "briefing.html"))),
        "pdf": squeezed(pdf_reading_text(output(planted, "briefing.pdf"))),
        # A chart floats to a page's top or foot, so in the page's own order it may sit inside a paragraph that runs
        # on from the page before; the text again without the charts' blocks (caption to its base line).
        "pdf without floats": squeezed(FLOATED.sub("", pdf_reading_text(output(planted, "briefing.pdf")))),
        "word": squeezed(docx_text(output(planted, "briefing.docx"))),
    }


def pdf_alt_texts(path: Path) -> list[str]:
    """The /Alt entries of the PDF's structure tree (the text alternative of each figure)."""
    found, seen_ids = [], set()

    def walk(node) -> None:
        node = node.get_object() if hasattr(node, "get_object") else node
        if id(node) in seen_ids:
            return
        seen_ids.add(id(node))
        if isinstance(node, dict):
            if "/Alt" in node:
                found.append(str(node["/Alt"]))
            if "/K" in node:
                walk(node["/K"])
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(PdfReader(path).trailer["/Root"]["/StructTreeRoot"])
    return found


@pytest.fixture(scope="module")
def alt_texts(planted) -> dict[str, str]:
    root = lxml.html.fromstring(output(planted, "briefing.html").read_text(encoding="utf-8"))
    word = zipfile.ZipFile(output(planted, "briefing.docx")).read("word/document.xml").decode("utf-8")
    descr = [html.unescape(m) for m in re.findall(r'<wp:docPr [^>]*?descr="([^"]*)"', word)]
    return {
        "html": squeezed(" ".join(chart.get("aria-label", "") for chart in root.iter("svg"))),  # set inline
        "pdf": squeezed(" ".join(pdf_alt_texts(output(planted, "briefing.pdf")))),
        "word": squeezed(" ".join(descr)),
    }


@pytest.mark.parametrize("field", FIELDS, ids=lambda f: f.name)
def test_every_planted_value_is_printed_as_its_characters(field, texts, alt_texts):
    expected = squeezed(seen(field.value))
    for where in field.outputs:
        text = texts[where] + (" " + texts["pdf without floats"] if where == "pdf" else "")
        if field.quotation_marks_typeset:  # typographic quotation marks (normalised to ') for " and '
            expected, text = expected.replace('"', "'"), text.replace('"', "'")
        assert expected in text, f"{field.name}: not printed as typed in the {where} output"
    if field.alt:
        for where, text in alt_texts.items():
            assert expected in text, f"{field.name}: not in the charts' text alternative ({where})"


def test_nothing_planted_was_read_as_markup_or_code(texts):
    """What the hostile strings would have made, had any been read: none of it appears anywhere."""
    for where, text in texts.items():
        assert "root:x:0" not in text and squeezed("7*7 }}") in text, where  # no file included, no Jinja run
        assert squeezed("Synthetic example data") in text, where  # the notice's callout is still there
    assert squeezed(seen(HOSTILE["bidi"])) == squeezed("gnirts desrever isolate")


# --- the PDF builds, is tagged, and keeps to the page -------------------------------------------------------------


def test_the_pdf_names_the_title_as_typed(planted):
    title = PdfReader(output(planted, "briefing.pdf")).metadata.title  # a tagged PDF/UA-1 file: it built
    assert normalise(title.replace("\u2060", "")) == seen(PLANTED["params title"])  # U+2060: see escape.py


def test_no_word_runs_off_the_pdf_page(planted):
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed; .ci/run installs it")
    path = output(planted, "briefing.pdf")
    page_width = float(PdfReader(path).pages[0].mediabox.width)
    boxes = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    words = re.findall(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>', boxes)
    assert any(LONG_WORD[:10] in w for _, _, w in words), "the long word is in the PDF"
    outside = [(text[:30], float(x_max)) for x_min, x_max, text in words if float(x_max) > page_width - 20]
    assert outside == [], f"words beyond the right margin: {outside[:5]}"


def marked_content_of(path: Path, role: str) -> dict[int, set[int]]:
    """The marked-content ids (MCIDs), by page object, of every structure element of `role` (e.g. /BlockQuote)."""
    found: dict[int, set[int]] = {}

    def collect(node, page) -> None:
        node = node.get_object() if hasattr(node, "get_object") else node
        if isinstance(node, int):
            found.setdefault(page, set()).add(int(node))
        elif isinstance(node, list):
            for child in node:
                collect(child, page)
        elif isinstance(node, dict):
            page = node.raw_get("/Pg").idnum if "/Pg" in node else page
            if "/MCID" in node:
                found.setdefault(page, set()).add(int(node["/MCID"]))
            if "/K" in node:
                collect(node["/K"], page)

    def find(node) -> None:
        node = node.get_object() if hasattr(node, "get_object") else node
        if isinstance(node, list):
            for child in node:
                find(child)
        elif isinstance(node, dict):
            if node.get("/S") == role:
                collect(node, None)
            elif "/K" in node:
                find(node["/K"])

    find(PdfReader(path).trailer["/Root"]["/StructTreeRoot"])
    return found


def glyphs_in(path: Path, role: str) -> list[str]:
    """What each glyph drawn inside the structure elements of `role` stands for (its ToUnicode entry, in hex)."""
    reader, wanted, drawn = PdfReader(path), marked_content_of(path, role), []
    for page in reader.pages:
        ids = wanted.get(page.indirect_reference.idnum, set())
        maps = {}
        for name, font in (page["/Resources"].get("/Font") or {}).items():
            cmap = font.get_object().get("/ToUnicode")
            data = cmap.get_object().get_data().decode("latin-1") if cmap is not None else ""
            maps[name] = dict(re.findall(r"<([0-9A-F]{4})> <([0-9A-F]+)>", data))
        font, open_ids = {}, []
        for operands, operator in ContentStream(page.get_contents(), reader).operations:
            if operator in (b"BDC", b"BMC"):
                props = operands[1] if len(operands) > 1 and isinstance(operands[1], dict) else {}
                open_ids.append(int(props["/MCID"]) if "/MCID" in props else None)
            elif operator == b"EMC" and open_ids:
                open_ids.pop()
            elif operator == b"Tf":
                font = maps.get(operands[0], {})
            elif operator in (b"Tj", b"TJ") and ids & set(open_ids):
                for item in operands[0] if operator == b"TJ" else operands:
                    codes = getattr(item, "original_bytes", item)  # a string's bytes: two per glyph (Identity-H)
                    if isinstance(codes, bytes):
                        drawn += [font.get(codes[i : i + 2].hex().upper(), "") for i in range(0, len(codes), 2)]
    return drawn


def test_a_quoted_comment_prints_without_ligatures_in_the_pdf(planted):
    """The font's contextual alternates would draw the comment's "-->" (and "=>", "->") as one arrow glyph: in a
    quote every glyph stands for one character."""
    drawn = glyphs_in(output(planted, "briefing.pdf"), "/BlockQuote")
    text = "".join(bytes.fromhex(g).decode("utf-16-be") for g in drawn)
    assert squeezed(seen(PLANTED["respondent's comment"])) in squeezed(text)  # the quote, with its arrows, is there
    assert [g for g in drawn if len(g) > 4] == [], "a glyph standing for several characters (a ligature)"


def test_the_long_word_can_break_in_the_word_edition(planted):
    document = docx.Document(str(output(planted, "briefing.docx")))
    runs = [t.text or "" for t in document.element.body.iter(qn("w:t"))]
    assert not [run for run in runs if LONG_WORD in run]
    assert any(LONG_WORD[:15] + "\u200b" + LONG_WORD[15:30] in run for run in runs)  # a break every 15 characters
    assert squeezed(LONG_WORD) in squeezed(docx_text(output(planted, "briefing.docx")))
    links = [r.target_ref for r in document.part.rels.values() if r.is_external]
    assert not [link for link in links if link.lower().startswith("javascript:")], links
