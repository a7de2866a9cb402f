"""The full answer distribution of a question, with disclosure control applied before anything is drawn.

A chart of every answer publishes more cells than a finding does, so each cell is checked: a count of 1 to
threshold-1 is never shown, and when a row sums to its published base a single hidden cell could be recovered by
subtraction, so the next smallest cell is hidden too (secondary suppression), preferring a cell whose share is
not already published as a finding. A base below the threshold hides the whole row, base included.
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


def suppress(n: int, counts: dict[str, int], threshold: int, sums_to_base: bool, published: frozenset = frozenset()) -> Row:
    """Apply the disclosure rule to one row (see the module's docstring); `published`: values a finding shows."""
    rule = stats.Suppression(threshold, complement=not sums_to_base)
    if n < threshold:
        return Row("", None, {v: None for v in counts})
    hidden = {v for v, c in counts.items() if rule.reason(c, n) is not None}
    withheld = []
    if sums_to_base and len(hidden) == 1:
        shown = sorted((v in published, c, v) for v, c in counts.items() if v not in hidden and c > 0)
        withheld = [shown[0][2]] if shown else []
    kept = {v: (None if v in hidden or v in withheld else c) for v, c in counts.items()}
    return Row("", n, kept, {v: (None if c is None else c / n) for v, c in kept.items()}, withheld)


def distribution(survey: pd.DataFrame, question: Question, codebook: Codebook, label: str, threshold: int,
                 published: frozenset = frozenset()) -> Row:  # fmt: skip
    n, counts = raw_counts(survey, question, codebook.separator)
    row = suppress(n, counts, threshold, sums_to_base=question.type != "multiple_choice", published=published)
    row.label = label
    return row
