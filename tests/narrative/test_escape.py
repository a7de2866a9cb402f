"""The escaper, format by format: each hostile string (tests/hostile.py) comes out of each output as its characters.

Through the real tools: pandoc (with the project's Lua filter) to HTML, Typst (compiled, then read back from the
PDF) and Word; pandoc's citeproc for bibliography titles; the Jinja environment of the narrative templates; the
HTML of changes.html and the editions index; the charts' SVG.
"""

from __future__ import annotations

import io
import json
import re

import docx
import jinja2
import lxml.etree
import lxml.html
import matplotlib.pyplot as plt
import pypandoc
import pytest
import typst
from pypdf import PdfReader

from briefing.narrative import escape, prose, writer
from briefing.publication import charts, editions, render
from tests.conftest import ROOT
from tests.hostile import HOSTILE, LONG_WORD, seen

CASES = [pytest.param(text, id=name) for name, text in HOSTILE.items()]
FILTER = ["--lua-filter", str(ROOT / render.LUA_FILTER)]
INSERTED = re.compile("[\u200b\u2060]")  # break opportunities and word joiners the escaper and the filter add


def as_read(text: str) -> str:
    """Text as a reader sees it: what publishing inserts left out (it is invisible), whitespace folded."""
    return " ".join(INSERTED.sub("", text).split())


def html_text(html: str) -> str:
    return lxml.html.fromstring(f"<div>{html}</div>").text_content()


# --- printable: one line of visible text ------------------------------------------------------------------------


def test_printable_removes_controls_and_invisible_format_characters_and_folds_lines():
    assert escape.printable("a\u202eb\u200bc\u200d\ufeffd\x07e\x1b[31m\u2066f\u2069") == "abcde[31mf"
    assert escape.printable("  one\n\ntwo\tthree\u2028four \r\n") == "one two three four"
    assert (
        escape.printable("1\u00a0000 caf\u00e9 \u0645\u0631\u062d\u0628\u0627")
        == "1\u00a0000 caf\u00e9 \u0645\u0631\u062d\u0628\u0627"
    )
    assert escape.printable(None) == "" and escape.printable(42) == "42"


def test_invisible_removed_keeps_line_breaks_for_svg_markup():
    assert escape.invisible_removed("<text>a\u202eb</text>\n<text>c</text>") == "<text>ab</text>\n<text>c</text>"


# --- Markdown, through pandoc to every format --------------------------------------------------------------------


@pytest.mark.parametrize("text", CASES)
def test_markdown_is_one_paragraph_of_its_text_in_html(text):
    html = pypandoc.convert_text(str(escape.markdown(text)), "html5", format="markdown", extra_args=FILTER)
    root = lxml.html.fromstring(f"<div>{html}</div>")
    assert [element.tag for element in root.iter()] == ["div", "p"], html  # no element from the data
    assert as_read(root.text_content()) == seen(text)


@pytest.mark.parametrize("text", CASES)
def test_markdown_prints_its_text_in_the_pdf(text, tmp_path):
    """Typst markup (`#`, `@`, `<label>`, `$`, `-?`, `...`) stays characters: compiled, then read back."""
    source = pypandoc.convert_text(str(escape.markdown(text)), "typst", format="markdown", extra_args=FILTER)
    (tmp_path / "t.typ").write_text("#set page(width: 30cm, height: auto)\n" + source, encoding="utf-8")
    typst.compile(str(tmp_path / "t.typ"), output=str(tmp_path / "t.pdf"))
    printed = " ".join(page.extract_text() for page in PdfReader(tmp_path / "t.pdf").pages)
    assert re.sub(r"\s+", "", as_read(printed)) == re.sub(r"\s+", "", seen(text))


@pytest.mark.parametrize("text", CASES)
def test_markdown_prints_its_text_in_word(text, tmp_path):
    out = tmp_path / "t.docx"
    pypandoc.convert_text(str(escape.markdown(text)), "docx", format="markdown", outputfile=str(out), extra_args=FILTER)
    paragraphs = [p.text for p in docx.Document(str(out)).paragraphs if p.text]
    assert len(paragraphs) == 1 and as_read(paragraphs[0]) == seen(text)


@pytest.mark.parametrize("text", CASES)
def test_markdown_is_right_inside_a_quoted_attribute(text):
    """The charts' alt text: `{fig-alt="..."}` reads the same escapes."""
    document = json.loads(
        pypandoc.convert_text(f'![x](a.png){{fig-alt="{escape.markdown(text)}"}}', "json", format="markdown")
    )
    image = document["blocks"][0]["c"][2][0]["c"][0]  # Figure > Plain > Image
    assert dict(image["c"][0][2])["fig-alt"].replace("\u2060", "") == seen(text)


def test_markdown_keeps_quarto_from_seeing_a_shortcode():
    assert "{{<" not in str(escape.markdown("{{< env HOME >}}")).replace("\\", "")
    assert ">}}" not in str(escape.markdown_code("{{< env HOME >}}"))


def test_joining_markdown_with_data_escapes_the_data():
    assert escape.Markdown("a ") + "*b*" == "a \\*b\\*"
    assert escape.markdown(escape.markdown("*")) == "\\*"  # escaped once, not twice


def test_a_code_span_shows_backticks_and_markup_as_typed():
    html = pypandoc.convert_text(str(escape.markdown_code("data/we`ird``.csv <b>")), "html", format="markdown")
    assert html.strip() == "<p><code>data/we`ird``.csv &lt;b&gt;</code></p>"


# --- the narrative templates escape whatever they print ----------------------------------------------------------


@pytest.fixture
def templates(tmp_path) -> jinja2.Environment:
    (tmp_path / "_m.md.j2").write_text("{% macro em(x) %}*{{ x }}*{% endmacro %}")
    (tmp_path / "t.md.j2").write_text(
        '{% from "_m.md.j2" import em %}{{ x }}|{{ x | capfirst }}|{{ em(x) }}|{{ q }}|{{ x ~ "!" }}|{{ n | count }}'
    )
    return writer.environment(tmp_path)


@pytest.mark.parametrize("text", CASES)
def test_templates_escape_data_and_keep_their_own_markdown(templates, text):
    quote = escape.markdown(text)  # already escaped, as quotes.py makes it: printed as it is
    out = templates.get_template("t.md.j2").render(x=text, q=quote, n=1250)
    value = str(escape.markdown(text))
    expected = [
        value,
        str(escape.markdown(prose.capfirst(text))),
        f"*{value}*",
        value,
        str(escape.markdown(text + "!")),
        "1\\,250",
    ]
    assert out == "|".join(expected)


def test_templates_never_run_jinja_from_the_data(templates):
    out = templates.get_template("t.md.j2").render(x="{{ 7*7 }} {% raw %}", q="", n=1)
    assert "49" not in out and "\\{\\{ 7\\*7 \\}\\}" in out


def test_metadata_is_escaped_for_both_render_paths():
    params = type("P", (), {"title": "<script>x</script> $x^2$", "publisher": 'A "B" <i>', "region": None})()
    wave = {"title": "[l](javascript:x)"}
    import datetime as dt

    meta = writer.metadata(
        {"p": params, "wave": wave, "fieldwork": "*now*", "area": "England", "publication_date": dt.date(2026, 1, 2)}
    )
    assert meta["title"] == str(escape.markdown(params.title)) and meta["fieldwork"] == "\\*now\\*"
    assert meta["subtitle"] == str(escape.markdown("[l](javascript:x): England"))
    assert meta["publisher-meta"] == "`A &quot;B&quot; &lt;i&gt;`{=html}"  # an attribute value pandoc prints as is
    assert all(isinstance(v, str) and type(v) is str for v in meta.values())  # plain strings: yaml.safe_dump


# --- HTML, CSL and SVG -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", CASES)
def test_html_is_text_and_attribute_safe(text):
    page = f'<p title="{escape.html(text)}">{escape.html(text)}</p>'
    root = lxml.html.fromstring(page)
    assert [e.tag for e in root.iter()] == ["p"] and list(root.attrib) == ["title"]
    assert root.text_content() == root.get("title") == seen(text)


@pytest.mark.parametrize("text", CASES)
def test_the_editions_index_shows_names_as_text(text):
    row = {"name": text, "ok": False, "cause": text, "href": "editions/x/", "has_copy": False, "earlier": False}
    waves = [{"wave": "2020", "rows": [row], "labels": [text], "headings": [text]}]
    words = editions.IndexWords([text], whole=text, units=None, who=text, area=text)  # the codebook's words too
    page = editions.index_page(
        ROOT, waves=waves, p={"title": text}, wave={"synthetic": True, "notice": text}, words=words
    )
    root = lxml.html.fromstring(page)
    assert not root.findall(".//script") and not [a for e in root.iter() for a in e.attrib if a.startswith("on")]
    assert root.findtext(".//title") == f"{seen(text)}: every edition"
    assert root.find(".//th[@scope='row']").text_content().startswith(seen(text))


@pytest.mark.parametrize("text", CASES)
def test_a_bibliography_title_is_printed_as_typed(text, tmp_path):
    """citeproc reads CSL-JSON titles as rich text (<i>, <b>, quotes) and title-cases them; `csl` keeps the text."""
    item = {
        "id": "key",
        "type": "report",
        "title": escape.csl(text),
        "author": [{"literal": "Org"}],
        "issued": {"date-parts": [[2020]]},
    }
    (tmp_path / "refs.json").write_text(json.dumps([item]), encoding="utf-8")
    html = pypandoc.convert_text(
        "[@key]\n\n::: {#refs}\n:::\n",
        "html5",
        format="markdown",
        extra_args=["--citeproc", f"--bibliography={tmp_path / 'refs.json'}", "-M", "lang=en-GB"],
    )
    entry = lxml.html.fromstring(html).find(".//div[@class='csl-entry']")
    # The style's own: the title in italics, the nocase span, and a span around quotation marks it typesets.
    style = {(e.tag, e.get("class")) for e in entry.iter()} - {("div", "csl-entry"), ("em", None), ("span", "nocase")}
    assert style <= {("span", None)}, html  # no element from the title
    printed = as_read(entry.text_content()).replace("\u2018", "'").replace("\u2019", "'")
    assert f"Org. 2020. {seen(text).replace(chr(34), chr(39))}" in printed  # quotation marks are the style's


def test_a_long_word_gets_break_opportunities():
    assert escape.breakable(LONG_WORD) == "\u200b".join(LONG_WORD[i : i + 15] for i in range(0, 600, 15))
    assert escape.breakable("responsibilities and https://digital.nhs.uk/data-and-information") == (
        "responsibilities and https://digital.nhs.uk/data-and-information"
    )


def test_the_lua_filter_lets_a_long_word_break_in_typst_and_word_but_leaves_html_to_the_style_sheet(tmp_path):
    broken = LONG_WORD[:15] + "\u200b" + LONG_WORD[15:30]
    assert broken in pypandoc.convert_text(LONG_WORD, "typst", format="markdown", extra_args=FILTER)
    pypandoc.convert_text(LONG_WORD, "docx", format="markdown", outputfile=str(tmp_path / "w.docx"), extra_args=FILTER)
    assert broken in docx.Document(str(tmp_path / "w.docx")).paragraphs[0].text
    html = pypandoc.convert_text(LONG_WORD, "html5", format="markdown", extra_args=FILTER)
    assert LONG_WORD in html  # the style sheet wraps it (overflow-wrap: anywhere)


@pytest.mark.parametrize("text", CASES)
def test_chart_title_and_description_are_text_in_the_svg(text):
    with plt.style.context(charts.house_style()):
        figure, axes = plt.subplots(figsize=(3, 1))
        axes.set_yticks([0], [text])  # an answer label
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg")
        plt.close(figure)
    svg = charts.finish_svg(buffer.getvalue(), title=text, alt=text)
    root = lxml.etree.fromstring(svg.encode("utf-8"))
    ns = {"s": "http://www.w3.org/2000/svg"}
    assert root.findtext("s:title", namespaces=ns) == root.findtext("s:desc", namespaces=ns) == seen(text)
    assert not root.findall(".//s:script", ns) and not root.findall(".//s:foreignObject", ns)
    assert "\u202e" not in svg and "\u200b" not in svg


def test_a_chart_label_with_dollars_is_not_typeset_as_maths():
    with plt.style.context(charts.house_style()):
        figure, axes = plt.subplots(figsize=(3, 1))
        axes.set_yticks([0], ["$x^2$ costs $5"])
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg")
        plt.close(figure)
    assert "$x^2$ costs $5" in buffer.getvalue()  # as text (svg.fonttype none), not drawn as a superscript


def test_the_css_and_typst_template_print_quotes_without_ligatures():
    css = (ROOT / "report/styles/briefing.css").read_text(encoding="utf-8")
    assert re.search(r"blockquote \{[^}]*font-variant-ligatures: none", css)
    assert re.search(r"body \{[^}]*overflow-wrap: anywhere", css)
    template = (ROOT / "report/typst/typst-template.typ").read_text(encoding="utf-8")
    assert "show quote: set text(ligatures: false" in template and "features: (calt: 0)" in template


@pytest.mark.parametrize("text", CASES)
def test_the_changes_page_shows_descriptions_and_sentences_as_text(text):
    from briefing.publication import changes

    review = changes.Review(
        appeared=[("plan_to_leave", {"description": text, "kind": "proportion", "value": 0.1})],
        reworded=[(text, None)],
        previous=True,
    )
    root = lxml.html.fromstring(changes.page(review, text))
    assert not root.findall(".//script") and not [a for e in root.iter() for a in e.attrib if a.startswith("on")]
    assert root.findtext(".//title") == f"What changed: {seen(text)}"
    assert seen(text) in [td.text_content() for td in root.iter("td")]


def test_every_escaper_lives_here():
    """One home: no other module of the package escapes Markdown or HTML by hand."""
    hand_made = re.compile(r'replace\("&", "&amp;"\)|re\.compile\(r"\(\[\\\\`\*_|string\.punctuation|html\.escape\(')
    offenders = [
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "src").rglob("*.py")
        if p.name != "escape.py" and hand_made.search(p.read_text(encoding="utf-8"))
    ]
    assert offenders == []
