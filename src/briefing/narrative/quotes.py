"""Respondents' own words: quotes an analyst picks in data/quotes.yml, printed verbatim from the wave, made safe.

A quote is never typed by hand: the file names a respondent and a theme (and optionally a cut, with "…" where
words are left out), and the text comes from that respondent's free-text `comments` answer in the wave. So a
quote cannot be invented or misquoted: an unknown respondent, an unknown theme, a cut that is not in the text,
or a respondent who could be recognised (their region x PCN-size cell holds fewer respondents than the
suppression threshold) fails the build with the file, entry, line and rule.

Before printing, personal data are replaced by "[redacted]" (narrative/redaction.py: e-mail addresses, URLs,
phone and NHS numbers, postcodes, people's names after a title, and any PCN name in the reference frame), and
every character that Markdown, pandoc, Quarto, Typst or HTML could read as markup is escaped, so a comment can
never change the document in any output.

data/quotes.yml:
    "2019":                       # the wave
      - respondent: SYN0042       # its respondent_id
        theme: workload           # a theme of the codebook's findings
        cut: "first words … later words"   # optional: the parts printed, in order
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from briefing import yamlfile
from briefing.inputs.frame import size_band
from briefing.inputs.codebook import Codebook
from briefing.narrative.redaction import Redaction, redact

QUOTES_FILE = "quotes.yml"  # in the survey's folder
ELLIPSIS = "\u2026"
MARKUP = set(string.punctuation)  # pandoc Markdown reads any backslash-escaped ASCII punctuation literally


class QuoteError(ValueError):
    """A quote breaks a rule; the message names the file, the entry and the rule."""


@dataclass(frozen=True)
class Quote:
    respondent: str
    theme: str
    text: str  # redacted and escaped: ready for Markdown
    attribution: str  # escaped too


# --- reading the analyst's file ------------------------------------------------------------------------------


def entries(path: Path, wave: str) -> list[tuple[int, int, dict]]:
    """The wave's entries as (entry number, line, mapping); no file or no entry for the wave: none."""
    if not path.is_file():
        return []
    try:
        text = yamlfile.read_text(path, "quotes file")
        data, root = yamlfile.loads(text, path), yamlfile.compose(text, path)
    except yamlfile.YAMLFileError as problem:
        raise QuoteError(str(problem)) from None
    if data is None:
        return []
    if not isinstance(data, dict):
        raise QuoteError(f"{path}: expected a mapping of wave to a list of quotes")
    items = data.get(str(wave)) or []
    node = next((v for k, v in root.value if k.value == str(wave)), None)
    if not isinstance(items, list):
        raise QuoteError(f"{path}: wave {wave!r} must hold a list of quotes")
    lines = [item.start_mark.line + 1 for item in node.value] if node is not None else []
    return [(number, line, item) for number, (line, item) in enumerate(zip(lines, items), start=1)]


def where(path: Path, number: int, line: int) -> str:
    return f"{path}: quote {number} (line {line})"


def checked_entry(item: Any, at: str, themes: set[str]) -> tuple[str, str, str | None]:
    if not isinstance(item, dict) or not isinstance(item.get("respondent"), str):
        raise QuoteError(f"{at}: each quote needs `respondent:` (a respondent_id), `theme:` and optionally `cut:`")
    unknown = sorted(set(item) - {"respondent", "theme", "cut"})
    if unknown:
        raise QuoteError(f"{at}: unknown key(s) {unknown}; allowed: respondent, theme, cut")
    if item.get("theme") not in themes:
        raise QuoteError(f"{at}: respondent {item['respondent']}: theme {item.get('theme')!r} does not exist "
                         f"(themes: {', '.join(sorted(themes))})")  # fmt: skip
    cut = item.get("cut")
    if cut is not None and (not isinstance(cut, str) or not cut.strip()):
        raise QuoteError(f"{at}: respondent {item['respondent']}: `cut:` must be text")
    return item["respondent"], item["theme"], cut


# --- the rules ------------------------------------------------------------------------------------------------


def normalise(text: str) -> str:
    return " ".join(text.split())


def apply_cut(comment: str, cut: str | None, at: str, respondent: str) -> str:
    """The printed words: the whole comment, or the cut's parts, each found in the comment in order."""
    if cut is None:
        return comment
    parts = [normalise(p) for p in re.split(r"\u2026|\.\.\.", cut)]
    position = 0
    for part in filter(None, parts):
        found = comment.find(part, position)
        if found < 0:
            raise QuoteError(f"{at}: respondent {respondent}: the cut {part!r} is not in their comment "
                             "(a quote must be the respondent's own words, verbatim)")  # fmt: skip
        position = found + len(part)
    return f" {ELLIPSIS} ".join(parts).strip()


def recognisable(survey: pd.DataFrame, params, threshold: int) -> set[str]:
    """Respondents whose region x PCN-size cell holds fewer than `threshold` respondents."""
    cells = survey["region"].astype(str) + "|" + size_band(survey["pcn_list_size"], params)
    sizes = cells.map(cells.value_counts())
    return set(survey.loc[sizes < threshold, "respondent_id"].astype(str))


def frame_names(frame: pd.DataFrame) -> list[str]:
    """PCN names from the frame, and each without its 'PCN' suffix when what is left is still a distinctive name."""
    names = set()
    for name in frame.get("pcn_name", pd.Series(dtype=str)).dropna().astype(str):
        names.add(name.strip())
        short = re.sub(r"\s+(?:PCN|Primary Care Network)$", "", name.strip(), flags=re.IGNORECASE)
        if len(short.split()) >= 2:
            names.add(short)
    return sorted((n for n in names if n), key=len, reverse=True)  # longest first: a name inside a longer one


def redacted_words(comment: str, words: str, names: list[str], at: str, respondent: str) -> Redaction:
    """The printed words redacted; refused when a cut keeps part of what the whole comment's redaction removes
    (a phone number cut in two, a surname without its title), which the cut alone would no longer show."""
    printed = redact(words, names)
    whole, position = redact(comment, names).text, 0
    for part in filter(None, (p.strip() for p in printed.text.split(ELLIPSIS))) if words != comment else []:
        found = whole.find(part, position)
        if found < 0:
            raise QuoteError(f"{at}: respondent {respondent}: the cut {part!r} keeps part of personal data that is "
                             "redacted in the whole comment; cut before or after it")  # fmt: skip
        position = found + len(part)
    return printed


def escape_markdown(text: str) -> str:
    """Every ASCII punctuation character backslash-escaped, line breaks folded: literal text in every output."""
    return "".join(f"\\{c}" if c in MARKUP else c for c in normalise(text))


# --- putting it together --------------------------------------------------------------------------------------


def attribution(row: pd.Series, params, synthetic: bool) -> str:
    """'Clinical director of a PCN with fewer than 40,000 patients, London': no more than the quotable cell."""
    band = size_band(pd.Series([row["pcn_list_size"]]), params).iloc[0]
    size = {
        "small": f"fewer than {params.small_pcn_max:,}",
        "large": f"more than {params.large_pcn_min:,}",
    }.get(band, f"{params.small_pcn_max:,} to {params.large_pcn_min:,}")
    text = f"Clinical director of a PCN with {size} patients, {row['region']}"
    return text + (" (synthetic example comment)" if synthetic else "")


def load_quotes(path: Path, survey: pd.DataFrame, frame: pd.DataFrame, codebook: Codebook, params,
                synthetic: bool) -> dict[str, list[Quote]]:  # fmt: skip
    """The wave's quotes by theme, checked, redacted and escaped (see the module's docstring)."""
    themes = {spec.theme for spec in codebook.findings.values()}
    by_id = survey.assign(respondent_id=survey["respondent_id"].astype(str)).set_index("respondent_id")
    refused = recognisable(survey, params, params.suppression_threshold)
    names = frame_names(frame)
    quotes: dict[str, list[Quote]] = {}
    for number, line, item in entries(path, params.wave):
        at = where(path, number, line)
        respondent, theme, cut = checked_entry(item, at, themes)
        if respondent not in by_id.index:
            raise QuoteError(f"{at}: respondent {respondent} does not exist in wave {params.wave}")
        comment = by_id.at[respondent, "comments"]
        if pd.isna(comment) or not normalise(str(comment)):
            raise QuoteError(f"{at}: respondent {respondent} left no comment to quote")
        if respondent in refused:
            raise QuoteError(f"{at}: respondent {respondent} could be recognised: their region and PCN size group "
                             f"holds fewer than {params.suppression_threshold} respondents, so they cannot be quoted")  # fmt: skip
        words = apply_cut(normalise(str(comment)), cut, at, respondent)
        redacted = redacted_words(normalise(str(comment)), words, names, at, respondent)
        if params.region and by_id.at[respondent, "region"] != params.region:
            continue  # checked like every pick, but a regional edition quotes its own region's clinical directors
        text = escape_markdown(redacted.text)
        who = escape_markdown(attribution(by_id.loc[respondent], params, synthetic))
        quotes.setdefault(theme, []).append(Quote(respondent, theme, text, who))
    return quotes
