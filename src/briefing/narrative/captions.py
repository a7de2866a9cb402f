"""Every chart's caption, worded in one place: the narrative owns the words, the chart files draw the title they are
given from here. So the SVG's <title>, the chart's record (`title`, which the briefing prints as the caption) and
the figure's alt text are written once and cannot disagree.

Each function takes findings as records (`Finding.as_record()`, or findings.json's), held to the narrative's rules:
a share in words holds for its whole interval (prose.hedged_words), a difference the test cannot establish is
worded as such, never as "differ little".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from briefing.analysis import suppression
from briefing.narrative import prose

Record = Mapping[str, Any]


def share_words(record: Record, group: str) -> str:
    """ "About half of nurses", "over 1 in 10 nurses": the share held to its interval, of the codebook's group."""
    words = prose.hedged_words(record["value"], record.get("ci_low"), record.get("ci_high"))
    return prose.capfirst(f"{words} {group}" if " in " in words else f"{words} of {group}")


def question_caption(findings: Sequence[Record], group: str, wording: str, some_shown: bool = False) -> str:
    """A question's chart: its headline finding (the largest unsuppressed share of all respondents) in words; else
    why none is shown: too few answered, or small counts protected (some answers, when the chart still shows one)."""
    overall = [f for f in findings if not f.get("subgroup")]
    shown = [f for f in overall if f.get("kind", "proportion") == "proportion" and f.get("value") is not None]
    if shown:
        headline = max(shown, key=lambda f: f["value"])
        return f"{share_words(headline, group)} {headline['description']}"
    if not overall or any(f.get("suppression_reason") == suppression.SMALL_BASE for f in overall):
        return f"Too few {group} answered to show: {wording}"
    if some_shown:
        return f"Some answers not shown, to protect small counts: {wording}"
    return f"Not shown, to protect small counts: {wording}"


def overview_caption(findings: Sequence[Record], group: str) -> str:
    """The overview of every headline finding: how many a clear majority holds (the interval above half)."""
    clear = sum(1 for f in findings if f.get("value") is not None and f["ci_low"] > 0.5)
    if clear == 0:
        return f"No headline finding is held by a clear majority of {group}"
    verb = "is" if clear == 1 else "are"  # "One of the ten ... is held", "Three of the ten ... are held"
    return prose.capfirst(
        f"{prose.number_words(clear)} of the {prose.number_words(len(findings))} headline findings {verb} held by a "
        f"clear majority of {group}, beyond the margin of error"
    )


def change_caption(shown: Sequence[Record], previous_wave: str) -> str:
    """The chart of change: how many findings moved by more than chance since the earlier wave."""
    moved = sum(1 for c in shown if c["significant"])
    if moved == 0:
        return f"No finding moved by more than chance alone would explain since {previous_wave}"
    return (
        f"{prose.capfirst(prose.number_words(moved))} of {prose.number_words(len(shown))} findings moved by more "
        f"than chance alone would explain since {previous_wave}"
    )


def comparison_caption(
    comparison: Record, first: Record, second: Record, group: str, described: tuple[str, str]
) -> str:
    """A subgroup comparison's chart: who the groups are, their shares and what the test found ("a gap larger than
    chance alone would explain", "little difference" only where the interval is narrow, else "a gap the survey
    cannot tell from chance"), or that too few answered to compare when it is suppressed. The groups are named by
    `described`, who they are ("on wards with fewer than 20 beds"), never by a short label such as "small wards",
    which may name the units rather than the people; the title starts with words, not a figure."""
    if comparison.get("suppressed"):
        return (
            f"The survey cannot tell whether {group} {described[0]} and those {described[1]} differ: too few answered "
            "to compare"
        )
    verdicts = {
        prose.SUPPORTED: "a gap larger than chance alone would explain",
        prose.NARROW_KIND: "little difference",
    }
    verdict = verdicts.get(prose.difference_kind(comparison), "a gap the survey cannot tell from chance")
    return prose.capfirst(
        f"{group} {described[0]} ({prose.percent(first['value'])}) and those {described[1]} "
        f"({prose.percent(second['value'])}) {first['description']}: {verdict}"
    )


def comparison_not_drawn() -> str:
    """Said where a subgroup comparison's chart would be when a group is too small to show (the theme's text has
    already said the groups are not compared)."""
    return (
        "No chart is shown for this comparison: a group's figure is suppressed, so there is nothing to set side by "
        "side."
    )


# --- the note under a chart ----------------------------------------------------------------------------------


def lowered(label: str) -> str:
    """A row label inside a sentence: "All ward sisters" -> "all ward sisters" (a label that starts
    with a name, such as a region, is left as it is)."""
    first, _, rest = label.partition(" ")
    return f"{first.lower()} {rest}".strip() if first in ("All", "Those") else label


def chart_note(fig: dict[str, Any], f: dict[str, Any], codebook, respondents: str) -> str:
    """What a chart's caption note says under it: the question asked, as the codebook words it, and who answered
    (the base, with its n) — or, for a chart of several questions, that each has its own base (in the methods).
    The chart draws the note from here (the narrative owns the words); an empty note is left out."""
    parts = [f[i] for i in fig.get("bars") or () if i in f]
    questions = {fig["question"]} if fig.get("question") else {r.get("question") for r in parts} - {None}
    if len(questions) != 1 or next(iter(questions)) not in codebook.questions:
        return f"Base: {respondents} who answered each question; the number who answered each is in the methods' table."
    wording = codebook.questions[next(iter(questions))].wording
    if fig.get("rows"):
        bases = [(row["label"], row["n"]) for row in fig["rows"] if row.get("n") is not None]
    else:
        bases = [
            (codebook.subgroups[r["subgroup"]].label if r.get("subgroup") else f"all {respondents}", r["denominator"])
            for r in parts
            if r.get("denominator") is not None and r.get("kind") == "proportion"
        ]
    if len(bases) == 1:
        base = f" Base: {prose.count(bases[0][1])} {respondents} who answered."
    else:
        listed = "; ".join(f"{lowered(label)}, {prose.count(n)}" for label, n in bases)
        base = f" Base: {respondents} who answered ({listed})." if bases else ""
    return f"Question: “{wording}”{base}"
