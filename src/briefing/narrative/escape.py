"""The one home for escaping: every string from a user's file is data, printed as typed, never read as markup.

Titles, notices, the publisher, region and STP names, licences, question wordings, descriptions, answer labels,
respondents' comments: whatever params.yml, the codebook, a `.meta.yml`, the context figures or the frame hold,
each output shows its characters and nothing else. One function per place a string can land:

  markdown(value)       pandoc Markdown, which both render paths read for HTML, PDF (Typst) and Word: every ASCII
                        punctuation mark backslash-escaped, so `<script>`, `*x*`, `$x^2$`, `[a](javascript:..)`,
                        `{=html}`, `@key` and `#set` all stay characters, and a word joiner inside `{{<` and `>}}`,
                        which Quarto would run as a shortcode even escaped. Also right inside a quoted pandoc
                        attribute value (`{fig-alt="..."}`), where pandoc reads the same escapes.
  markdown_code(value)  a code span (paths, commands, digests): its fence is longer than any backtick run inside.
  raw_html(value)       HTML-escaped text as a raw HTML inline, for a metadata field the HTML template puts
                        inside an attribute (pandoc's own HTML text escaping leaves `"` as it is).
  html(value)           HTML text or a double-quoted attribute value (changes.html, the editions index).
  csl(value)            CSL-JSON rich text (a bibliography title): citeproc reads <i>, <b>, <sup>... there, and
                        title-cases; here neither happens.
  environment_finalize  Jinja's `finalize` for the narrative templates: whatever a template prints is escaped
                        with `markdown` unless it is already `Markdown` (a macro's output, a code span, a quote).

Typst is reached only through pandoc's Typst writer, which escapes Typst markup itself (the Lua filter,
report/filters/pandoc-compat.lua, mends the two shorthands it leaves, `-?` and `...`).

Everything starts from `printable`: control characters, bidirectional controls (U+202E would print the text after
it backwards) and other invisible format characters (zero-width spaces and joiners, the BOM, tag characters) are
removed, and line breaks and tabs become spaces, so a value is one line of visible text wherever it goes.
"""

from __future__ import annotations

import html as _html
import re
import unicodedata
from typing import Any

from markupsafe import Markup

# Characters removed from every string: C0/C1 controls (Cc), format characters (Cf: bidirectional embeddings,
# overrides and isolates, zero-width space/joiners, word joiner, BOM, soft hyphen, tag characters) and lone
# surrogates (Cs, which cannot even be written as UTF-8).
REMOVED_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})
# Runs of whitespace, line and paragraph separators included, fold to one space (U+00A0 stays: it is meant).
FOLDED = re.compile(r"[\t\n\v\f\r\x1c-\x1f\x85\u2028\u2029 ]+")
MARKDOWN_SPECIAL = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation mark: pandoc lets each be escaped
# In a CSL-JSON title: the `<` of a tag citeproc reads, and the `-` of `-?` and the first dots of `...`, which
# Typst would print as a soft hyphen and an ellipsis (the references are made after the Lua filter mends those).
CSL_MARKUP = re.compile(r"<(?=/?(?:i|b|sup|sub|sc|span)\b)|-(?=\?)|\.(?=\.)", re.IGNORECASE)
LONG_RUN = re.compile(r"[^\s/-]{30,}")  # as report/filters/pandoc-compat.lua: a run with nowhere to break ...
BREAK_EVERY = 15  # ... gets a break opportunity every 15 characters


class Markdown(Markup):
    """Markdown that is safe to print as it is: escaped data, or markup the project wrote.

    A markupsafe `Markup` whose escaping is Markdown's, so joining it with a plain string escapes that string for
    Markdown (`Markdown("a ") + "*b*"` is `a \\*b\\*`), and Jinja (autoescape on) prints it untouched.
    """

    __slots__ = ()

    @classmethod
    def escape(cls, s: Any) -> Markdown:
        return markdown(s)


def invisible_removed(text: str) -> str:
    """`text` without controls (tabs and line breaks stay) and invisible format characters."""
    return "".join(c for c in text if c in "\t\n\r" or unicodedata.category(c) not in REMOVED_CATEGORIES)


def printable(value: Any) -> str:
    """`value` as one line of visible text: controls and invisible format characters removed, whitespace folded."""
    return invisible_removed(FOLDED.sub(" ", "" if value is None else str(value))).strip()


def without_shortcodes(text: str) -> str:
    """Quarto looks for shortcodes in metadata, attributes (alt text) and code after pandoc has read the escapes, so
    `{{<` and `>}}` get a word joiner (U+2060): `{{< env HOME >}}` in a label is printed, never run."""
    return text.replace("{{<", "{{\u2060<").replace(">}}", ">\u2060}}")


def markdown(value: Any) -> Markdown:
    """Any value as Markdown that reads back as exactly its (printable) text, in every output format."""
    if isinstance(value, Markdown):
        return value
    return Markdown(MARKDOWN_SPECIAL.sub(r"\\\1", without_shortcodes(printable(value))))


def markdown_code(value: Any) -> Markdown:
    """Any value as a Markdown code span showing exactly its text: the fence is longer than any backtick run in it."""
    text = without_shortcodes(printable(value))
    fence = "`" * (max(map(len, re.findall(r"`+", text)), default=0) + 1)
    padded = f" {text} " if text.startswith("`") or text.endswith("`") else text
    return Markdown(f"{fence}{padded}{fence}")


def html(value: Any) -> str:
    """Text for HTML, safe as element content and as a double- or single-quoted attribute value."""
    return _html.escape(printable(value), quote=True)


def raw_html(value: Any) -> Markdown:
    """A raw HTML inline (`` `...`{=html} ``) holding `html(value)`: for a metadata field the HTML template places in
    an attribute. Other formats drop raw HTML, so give such a field its own name (`publisher-meta`)."""
    return Markdown(f"{markdown_code(html(value))}{{=html}}")


def breakable(text: str) -> str:
    """A long run of characters with nowhere to break gets break opportunities (U+200B), so it wraps on the page."""

    def broken(run: re.Match) -> str:
        word = run.group(0)
        return "\u200b".join(word[i : i + BREAK_EVERY] for i in range(0, len(word), BREAK_EVERY))

    return LONG_RUN.sub(broken, text)


def csl(value: Any) -> str:
    """CSL-JSON rich text for a bibliography title, printed as typed on both paths although citeproc formats the
    references after every filter: no tag citeproc reads and no Typst shorthand (a word joiner, U+2060, after the
    `<` of `<i>`, `<b>`, `<sup>`, `<sub>`, `<sc>` or `<span>`, and inside `-?` and `...`), long runs breakable,
    and in a `nocase` span, so no style changes its capitals. (Citeproc still sets straight quotation marks as the
    style's curly ones: CSL-JSON cannot escape them.)"""
    text = breakable(CSL_MARKUP.sub(lambda mark: mark.group(0) + "\u2060", printable(value)))
    return f'<span class="nocase">{text}</span>'


def environment_finalize(value: Any) -> Markup:
    """Jinja `finalize` for the Markdown templates: print markup the project made as it is, escape anything else."""
    if hasattr(value, "__html__"):
        return value
    return markdown(value)
