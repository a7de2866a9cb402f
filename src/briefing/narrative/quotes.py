"""Respondents' own words: quotes an analyst picks in the survey's quotes.yml, printed verbatim from the wave, made safe.

A quote is never typed by hand: the file names a respondent and a theme (and optionally a cut, with "…" where
words are left out), and the text comes from that respondent's answer to the codebook's free-text question
(`quotes: text:`) in the wave. So a quote cannot be invented or misquoted: an unknown respondent, an unknown
theme, a cut that is not in the text, or a respondent who could be recognised (their attribution cell, the
partitions and answers `quotes: attribution:` names, e.g. site x ward type, holds fewer respondents than
the suppression threshold) fails the build with the file, entry, line and rule. A quote is attributed with the
respondents' word and that cell ("Ward sister, surgical wards, Northgate").

Before printing, personal data are replaced by "[redacted]" (narrative/redaction.py: e-mail addresses, URLs,
phone and NHS numbers, postcodes, people's names after a title, and any unit's name in the reference frame), and
every character that Markdown, pandoc, Quarto, Typst or HTML could read as markup is escaped, so a comment can
never change the document in any output.

quotes.yml, beside the survey's codebook:
    "2019":                       # the wave
      - respondent: SYN0042       # its respondent id
        theme: workload           # a theme of the codebook
        cut: "first words … later words"   # optional: the parts printed, in order
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from briefing import yamlfile
from briefing.narrative import escape
from briefing.narrative.redaction import Redaction, redact

if TYPE_CHECKING:  # pandas loads where quotes are read from a wave: not for QUOTES_FILE, QuoteError or a Quote
    import pandas as pd

    from briefing.inputs.codebook import Codebook

QUOTES_FILE = "quotes.yml"  # beside the survey's codebook
# A pick is refused when redaction takes out more than this share of its characters (spaces aside): by then the
# "[redacted]" markers carry the sentence and it no longer reads as the respondent's point. A fifth keeps a quote
# with one redacted name or number in a sentence or two, and refuses one built around contact details or names.
MAX_REDACTED_SHARE = 0.2
ELLIPSIS = "\u2026"


class QuoteError(ValueError):
    """A quote breaks a rule; the message names the file, the entry and the rule."""


@dataclass(frozen=True)
class Quote:
    respondent: str
    theme: str
    text: str  # redacted and escaped: ready for Markdown
    attribution: str  # escaped too: the respondents' word and the speaker's cell ("ward sister, Northgate")
    cell: dict[str, Any] = field(default_factory=dict)  # attribution name -> part id or answer (raw: a template
    synthetic: bool = False  # printing it escapes it), for a survey's own wording


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
    return [(number, line, item) for number, (line, item) in enumerate(zip(lines, items, strict=False), start=1)]


def where(path: Path, number: int, line: int) -> str:
    return f"{path}: quote {number} (line {line})"


def checked_entry(item: Any, at: str, themes: set[str]) -> tuple[str, str, str | None]:
    if not isinstance(item, dict) or not isinstance(item.get("respondent"), str):
        raise QuoteError(
            f"{at}: each quote needs `respondent:` (the respondent's id in the wave), `theme:` and optionally `cut:`"
        )
    unknown = sorted(set(item) - {"respondent", "theme", "cut"})
    if unknown:
        raise QuoteError(f"{at}: unknown key(s) {unknown}; allowed: respondent, theme, cut")
    if item.get("theme") not in themes:
        raise QuoteError(
            f"{at}: respondent {item['respondent']}: theme {item.get('theme')!r} does not exist "
            f"(themes: {', '.join(sorted(themes))})"
        )
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
            raise QuoteError(
                f"{at}: respondent {respondent}: the cut {part!r} is not in their comment "
                "(a quote must be the respondent's own words, verbatim)"
            )
        position = found + len(part)
    return f" {ELLIPSIS} ".join(parts).strip()


def speaker_cells(survey: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """Each respondent's attribution cell: one column per name in the codebook's `quotes.attribution`, holding
    the respondent's part of a partition (its subgroup id) or their answer to a single-choice question."""
    import pandas as pd

    names = codebook.quotes.attribution if codebook.quotes else ()
    return pd.DataFrame(
        {
            name: codebook.partitions[name].assign(survey)
            if name in codebook.partitions
            else survey[name].astype("string")
            for name in names
        },
        index=survey.index,
    )


def recognisable(survey: pd.DataFrame, cells: pd.DataFrame, id_column: str, threshold: int) -> set[str]:
    """Respondents whose attribution cell (e.g. site x ward type) holds fewer than `threshold` respondents:
    what a quote says of its speaker must not single them out."""
    import pandas as pd

    key = cells.astype(str).agg("|".join, axis=1) if len(cells.columns) else pd.Series("", index=survey.index)
    sizes = key.map(key.value_counts())
    return set(survey.loc[sizes < threshold, id_column].astype(str))


def frame_names(frame: pd.DataFrame | None, codebook: Codebook) -> list[str]:
    """The names of the frame's units (e.g. hospital trusts), and each without its unit word ("Trust", "NHS Foundation Trust")
    when what is left is still a distinctive name; none without a frame or a name column."""
    import pandas as pd

    spec = codebook.population.frame
    if frame is None or spec is None or spec.name is None:
        return []
    words = "|".join(re.escape(w) for w in (spec.unit.short, spec.unit.singular) if w)
    names = set()
    for name in frame.get(spec.name, pd.Series(dtype=str)).dropna().astype(str):
        names.add(name.strip())
        short = re.sub(rf"\s+(?:{words})$", "", name.strip(), flags=re.IGNORECASE)
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
            raise QuoteError(
                f"{at}: respondent {respondent}: the cut {part!r} keeps part of personal data that is "
                "redacted in the whole comment; cut before or after it"
            )
        position = found + len(part)
    return printed


# --- putting it together --------------------------------------------------------------------------------------


def cell_words(name: str, value: Any, codebook: Codebook) -> str:
    """One part of an attribution: a partition's part by its label ("surgical wards"), an answer by its label."""
    import pandas as pd

    if pd.isna(value):
        return "not answered"
    if name in codebook.partitions:
        return codebook.subgroups[value].label
    return codebook.questions[name].labels().get(str(value), str(value))


def attribution(cell: dict[str, Any], codebook: Codebook, synthetic: bool) -> str:
    """'Ward sister, surgical wards, Northgate': who said it, no more than the quotable cell."""
    parts = [codebook.respondents.singular[:1].upper() + codebook.respondents.singular[1:]]
    parts += [cell_words(name, value, codebook) for name, value in cell.items()]
    return ", ".join(parts) + (" (synthetic example comment)" if synthetic else "")


def load_quotes(
    path: Path, survey: pd.DataFrame, frame: pd.DataFrame | None, codebook: Codebook, params, synthetic: bool
) -> dict[str, list[Quote]]:
    """The wave's quotes by theme, checked, redacted and escaped (see the module's docstring)."""
    import pandas as pd

    themes = set(codebook.themes) or {spec.theme for spec in codebook.findings.values()}
    id_column = codebook.id_column
    cells = speaker_cells(survey, codebook)
    refused = recognisable(survey, cells, id_column, params.suppression_threshold)
    ids = survey[id_column].astype(str)
    by_id = survey.assign(**{id_column: ids}).set_index(id_column)
    cells.index = ids
    names = frame_names(frame, codebook)
    text_column = codebook.quotes.text if codebook.quotes else None
    edition_column = codebook.editions.by if codebook.editions else None
    quotes: dict[str, list[Quote]] = {}
    for number, line, item in entries(path, params.wave):
        at = where(path, number, line)
        respondent, theme, cut = checked_entry(item, at, themes)
        if text_column is None:
            raise QuoteError(f"{at}: the codebook ({codebook.path}) names no `quotes: text:` question to quote from")
        if respondent not in by_id.index:
            raise QuoteError(f"{at}: respondent {respondent} does not exist in wave {params.wave}")
        comment = by_id.at[respondent, text_column]
        if pd.isna(comment) or not normalise(str(comment)):
            raise QuoteError(f"{at}: respondent {respondent} left no comment to quote")
        if respondent in refused:
            raise QuoteError(
                f"{at}: respondent {respondent} could be recognised: their "
                f"{' and '.join(cells.columns) or 'wave'} group holds fewer than "
                f"{params.suppression_threshold} respondents, so they cannot be quoted"
            )
        words = apply_cut(normalise(str(comment)), cut, at, respondent)
        redacted = redacted_words(normalise(str(comment)), words, names, at, respondent)
        if redacted.share > MAX_REDACTED_SHARE:
            raise QuoteError(
                f"{at}: respondent {respondent}: redaction removes {redacted.share:.0%} of the quote "
                f"({redacted.count} part(s): {', '.join(redacted.kinds)}), more than {MAX_REDACTED_SHARE:.0%}, so it "
                "no longer reads; pick another respondent or a `cut:` that leaves out the personal data"
            )
        if params.edition and edition_column and by_id.at[respondent, edition_column] != params.edition:
            continue  # checked like every pick, but an edition quotes its own area's respondents
        cell = cells.loc[respondent].to_dict()
        text = escape.markdown(redacted.text)
        who = escape.markdown(attribution(cell, codebook, synthetic))
        quotes.setdefault(theme, []).append(Quote(respondent, theme, text, who, cell, synthetic))
    return quotes
