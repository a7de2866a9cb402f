"""The full answer distribution of a question, with disclosure control applied before anything is drawn.

A chart of every answer publishes more cells than a finding does, so each cell is checked: a count of 1 to
threshold-1 is never shown, and when a row sums to its published base a single hidden cell could be recovered by
subtraction, so the next smallest cell is hidden too (secondary suppression), preferring a cell whose share is
not already published as a finding. A base below the threshold hides the whole row, base included.

Published side by side, the editions' charts form tables across rows too (the whole survey and its editions' areas, all
respondents and the subgroups), so where the build's cross-edition plan is given (analysis/disclosure.py) it
decides the secondary suppression instead: every chart cell is a cell of the plan, keyed by `cell_key`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from briefing.analysis import stats
from briefing.inputs.codebook import Codebook, Question, answered_mask, selected_values

NON_SUBSTANTIVE = ("Don't know",)  # shown beside a scale, not on it


@dataclass
class Row:
    """One group's answers: `counts` and `shares` by response value; None where suppressed."""

    label: str
    n: int | None
    counts: dict[str, int | None]
    shares: dict[str, float | None] = field(default_factory=dict)
    withheld: list[str] = field(default_factory=list)  # hidden only so a small cell cannot be worked out

    def as_record(self) -> dict:
        return {"label": self.label, "n": self.n, "shares": self.shares, "withheld": self.withheld}


def raw_counts(survey: pd.DataFrame, question: Question, separator: str) -> tuple[int, dict[str, int]]:
    """Respondents who answered, and how many gave each response (for multiple choice: selected it)."""
    answered = answered_mask(survey, question)
    column = survey.loc[answered, question.id]
    if question.type == "multiple_choice":
        chosen = selected_values(column, separator)
        counts = {v: int(chosen.map(lambda s, v=v: v in s).sum()) for v in question.values()}
    else:
        tally = column.astype("string").value_counts()
        counts = {v: int(tally.get(v, 0)) for v in question.values()}
    return int(answered.sum()), counts


def cell_key(question_id: str, value: str | None = None, band: str | None = None) -> str:
    """The plan's key for a chart cell, or for a row's base (no value): `fig:` never starts a finding id."""
    key = f"fig:{question_id}" if value is None else f"fig:{question_id}={value}"
    return f"{key}:{band}" if band else key


def planned_cells(
    withheld: dict[str, str] | None, question: Question, band: str | None
) -> dict[str | None, str] | None:
    """One row's cells the plan withholds, value (None: the row's base) -> why; None when there is no plan."""
    if withheld is None:
        return None
    keys = {v: cell_key(question.id, v, band) for v in [None, *question.values()]}
    return {v: withheld[key] for v, key in keys.items() if key in withheld}


def drawn_bands(question: Question, subgroups, order=()) -> list[str]:
    """The subgroups a question's chart draws beside all respondents: those a finding is registered for, on a
    scale's chart only (a bar chart shows all respondents alone); in `order` (the codebook's subgroups)."""
    if question.type != "likert":
        return []
    order = list(order)
    return sorted(set(subgroups), key=lambda s: (order.index(s) if s in order else len(order), s))


def charted(codebook: Codebook, wave: str | None) -> dict[str, list[str]]:
    """Each question with a chart (the question of a finding of the wave) -> the subgroups its chart draws."""
    specs = codebook.findings_in(wave).values()
    questions = dict.fromkeys(s.question for s in specs)
    return {
        q: drawn_bands(
            codebook.questions[q], {s.subgroup for s in specs if s.question == q and s.subgroup}, codebook.subgroups
        )
        for q in questions
    }


def suppress(
    n: int,
    counts: dict[str, int],
    threshold: int,
    sums_to_base: bool,
    published: frozenset = frozenset(),
    planned: dict[str | None, str] | None = None,
) -> Row:
    """Apply the disclosure rule to one row (see the module's docstring); `published`: values a finding shows;
    `planned`: the cross-edition plan's cells for this row (`planned_cells`), which replaces the row's own
    secondary rule."""
    rule = stats.Suppression(threshold, complement=not sums_to_base)
    if n < threshold:
        return Row("", None, {v: None for v in counts})
    hidden = {v for v, c in counts.items() if rule.reason(c, n) is not None}
    if planned is not None:
        return planned_row(n, counts, hidden, planned)
    withheld = []
    if sums_to_base and len(hidden) == 1:
        shown = sorted((v in published, c, v) for v, c in counts.items() if v not in hidden and c > 0)
        withheld = [shown[0][2]] if shown else []
    kept = {v: (None if v in hidden or v in withheld else c) for v, c in counts.items()}
    return Row("", n, kept, {v: (None if c is None else c / n) for v, c in kept.items()}, withheld)


def planned_row(n: int, counts: dict[str, int], hidden: set[str], planned: dict[str | None, str]) -> Row:
    """The row as the plan has it: its base withheld takes the whole row; else the planned cells are withheld."""
    if None in planned or stats.SECONDARY_BASE in planned.values():
        return Row("", None, {v: None for v in counts}, withheld=list(counts))
    withheld = [v for v in counts if v in planned and v not in hidden]
    kept = {v: (None if v in hidden or v in withheld else c) for v, c in counts.items()}
    return Row("", n, kept, {v: (None if c is None else c / n) for v, c in kept.items()}, withheld)


def sums_to_base(question: Question) -> bool:
    """Whether a row's answers add up to its base (one answer each), so a row is a table of its own."""
    return question.type != "multiple_choice"


def distribution(
    survey: pd.DataFrame,
    question: Question,
    codebook: Codebook,
    label: str,
    threshold: int,
    published: frozenset = frozenset(),
    planned: dict[str | None, str] | None = None,
) -> Row:
    n, counts = raw_counts(survey, question, codebook.separator)
    row = suppress(n, counts, threshold, sums_to_base(question), published, planned)
    row.label = label
    return row
