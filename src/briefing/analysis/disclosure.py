"""Disclosure control ACROSS editions: secondary suppression, so no suppressed figure can be recovered from
published ones.

Each edition suppresses its own small figures (1 to 7; `themes.suppress_record`). Published together, the editions
form tables whose totals are also published: the whole survey's count is the sum of the editions' areas' counts
(the values of the codebook's `editions: by:` question), and a finding's overall count is the sum of its counts in
the parts of a partition (the codebook's `partitions:`; a part with `published: false` is never published). Subtracting the
published cells of a table from its total reveals the sum of its hidden cells. This module withholds further
cells (cheapest first: `Cell.cost`) until, in every table with a published total, the hidden cells' numerators,
complements and (where hidden) bases each sum to 0 or at least the threshold.

The charts' answer cells are cells too (keys from `distributions.cell_key`): each chart row (all respondents, and
each subgroup drawn; an unpublished part never is) has a cell per answer and one for its base, and forms tables
with the whole's row (the areas' rows), the area's overall row (its partition's parts' rows) and, where answers add
up to the base, its own base. A chart cell that is a finding's count is linked to it (`Links`): hidden together, as is a whole
row once its base is.

Tables checked one at a time are not enough: a figure recovered exactly in one (an area's "Yes": the whole's less
the other areas') is then as good as published in the next (the area's row less its "Yes" and "No"), and what
stands in a hidden cell's place says something too ("fewer than 8": 1 to 7; "withheld": 0 or at least 8, else it
would say "fewer than 8"; a finding's reason: small count, base or complement). So the plan is then audited
(`audit`): for each question, every number the editions publish (counts, bases, chart cells, findings, the whole's
weighted shares at the precision printed, taken with its true weights) is a linear constraint over the finest
cells (area x a part of each partition x answer, and each row's base), whole numbers of at least 0, and every count
of 1 to threshold-1 not shown (a cell's count, base or complement) must be able to take two values at least. One
that can take one value only is protected by withholding the cheapest published figures whose release lets it
take another (an integer program too; scipy's HiGHS; of equally cheap sets, the first in label order, so the plan
is the data's and not the solver's search path), and the audit runs again. tests/analysis/test_attacker.py
plays the attacker on what the editions actually publish.

Every build plans from the whole wave, the whole survey (its area named by the codebook's coverage) and every
edition's area, whichever edition it publishes: an edition for any area can be built at any time, so the briefing
of the whole from `make report` and every edition from `make editions` withhold the same figures, and building more editions never changes one already
published. The plan is the build's own file (build/waves/<wave>/withheld.json), one per wave reported.
"""

from __future__ import annotations

import argparse
import itertools
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import optimize, sparse

from briefing.analysis import distributions, stats, themes
from briefing.analysis.distributions import cell_key
from briefing.analysis.findings import dumps
from briefing.inputs.codebook import answered_mask, selected_values

SECONDARY = stats.SECONDARY
SECONDARY_BASE = stats.SECONDARY_BASE


def areas_of(ctx: themes.Context) -> list[str]:
    """Every edition's area: the values of the codebook's `editions: by:` question (none without editions)."""
    editions = ctx.codebook.editions
    return list(ctx.codebook.questions[editions.by].values()) if editions else []


def in_area(ctx: themes.Context, area: str) -> pd.Series:
    if area == themes.whole_area(ctx.codebook):
        return pd.Series(True, index=ctx.survey.index)
    return ctx.survey[ctx.codebook.editions.by] == area


def partition_of(ctx: themes.Context, subgroup: str) -> tuple[str, ...] | None:
    """The parts of the partition a subgroup belongs to (every respondent is in one of them), or None."""
    return next((p.subgroups for p in ctx.codebook.partitions.values() if subgroup in p.subgroups), None)


def parts_for(ctx: themes.Context, subgroups) -> list[tuple[str, ...]]:
    """The partitions the named subgroups are parts of (each once, in codebook order); a subgroup in none is
    reported alone, as a one-part group with no total."""
    found: list[tuple[str, ...]] = []
    for name in sorted(set(subgroups), key=list(ctx.codebook.subgroups).index):
        parts = partition_of(ctx, name) or (name,)
        if parts not in found:
            found.append(parts)
    return found


def sibling_subgroups(ctx: themes.Context, spec) -> list[str]:
    """The subgroups in which the same finding (question and counts) is also registered."""
    return [
        s.subgroup
        for s in ctx.codebook.findings_in(ctx.params.wave).values()
        if s.question == spec.question and s.counts == spec.counts and s.threshold == spec.threshold and s.subgroup
    ]


@dataclass(frozen=True)
class Cell:
    count: int
    base: int
    published: bool  # a figure some edition would show (unpublished parts are not)
    primary: str | None  # the edition's own suppression reason
    spare: bool = False  # a chart cell a finding also publishes: among equal bases, withheld last
    # Where it sits, for the audit: its question, the answers it counts (None: its row's base), its subgroup
    # (None: every band), and whether it is a finding (whose reason is published) or a chart cell.
    question: str | None = None
    answers: tuple[str, ...] | None = None
    band: str | None = None
    finding: bool = False

    def cost(self) -> tuple:
        """The order cells are withheld in: smallest base, not a finding's, smallest count (a zero hides nothing)."""
        return self.base, self.spare, self.count == 0, self.count

    def hidden_amounts(self, base_hidden: bool) -> tuple[int, int, int]:
        """(count, complement, base) hidden once the cell is; its base only when that is hidden too."""
        return self.count, self.base - self.count, self.base if base_hidden else 0


class Tally:
    """The wave's masks (who answered a question, gave an answer, counts for a finding, is in a subgroup), each
    worked out once over every respondent: an area's or a row's count is then a sum over its respondents, not the
    masks again on each area's copy of the survey (the plan counts the same cells in the whole and every area)."""

    def __init__(self, survey: pd.DataFrame, codebook):
        self.survey, self.codebook = survey, codebook
        self._masks: dict[tuple, np.ndarray] = {}

    def _once(self, key: tuple, make) -> np.ndarray:
        if key not in self._masks:
            self._masks[key] = np.asarray(make(), dtype=bool)
        return self._masks[key]

    def band(self, band: str | None) -> np.ndarray:
        if band is None:
            return self._once(("all",), lambda: np.ones(len(self.survey), dtype=bool))
        return self._once(("band", band), lambda: themes.subgroup_of(self.codebook, band).mask(self.survey))

    def spec(self, spec, part: str | None) -> tuple[np.ndarray, np.ndarray]:
        """(counted, answered), as `themes.spec_masks` gives them for the whole survey."""
        key = ("spec", spec.id, part)
        if key not in self._masks:
            counted, answered = themes.spec_masks(self.survey, spec, self.codebook, subgroup=part)
            self._masks[key] = np.asarray(answered, dtype=bool)
            self._masks[("counted", *key[1:])] = np.asarray(counted, dtype=bool)
        return self._masks[("counted", *key[1:])], self._masks[key]

    def answers(self, question) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Who answered the question, and per answer who gave it, as `distributions.raw_counts` counts them."""
        answered = self._once(("answered", question.id), lambda: answered_mask(self.survey, question))
        given = {
            v: self._once(("answer", question.id, v), lambda v=v: self._gave(question, v) & answered)
            for v in question.values()
        }
        return answered, given

    def _gave(self, question, value: str) -> np.ndarray:
        """Who gave `value` (for multiple choice: selected it)."""
        column = self.survey[question.id]
        if question.type == "multiple_choice":
            chosen = selected_values(column, self.codebook.separator)
            return chosen.map(lambda picked: value in picked).to_numpy(dtype=bool)
        return column.astype("string").eq(value).fillna(False).to_numpy(dtype=bool)


def area_cells(
    survey: pd.DataFrame, ctx: themes.Context, published: bool, tally: Tally | None = None, rows=None
) -> dict[str, Cell]:
    """Every registered finding for one area, plus unpublished part cells (`<finding>:<part>`, every part of a
    partition) for each finding that is also registered in a subgroup of that partition. (`tally` and `rows`: the
    whole survey's masks and the area's respondents, where `survey` is the whole.)"""
    tally = tally or Tally(survey, ctx.codebook)
    rows = np.ones(len(survey), dtype=bool) if rows is None else rows
    rule = stats.Suppression(ctx.params.suppression_threshold)
    cells = {}
    for spec in ctx.codebook.findings_in(ctx.params.wave).values():
        parts = [] if spec.subgroup else [p for group in parts_for(ctx, sibling_subgroups(ctx, spec)) for p in group]
        for part in [None, *parts]:
            counted, answered = tally.spec(spec, part)
            k, n = int((counted & rows).sum()), int((answered & rows).sum())
            key = f"{spec.id}:{part}" if part else spec.id
            cells[key] = Cell(
                k,
                n,
                published and part is None,
                rule.reason(k, n),
                question=spec.question,
                answers=tuple(spec.counts) if spec.counts else None,
                band=part or spec.subgroup,
                finding=True,
            )
    return cells


def band_tables(ctx: themes.Context) -> list[tuple[str, list[str]]]:
    """(overall finding, its part cells) per partition; a part published as its own finding stands in for
    `<id>:<part>`."""
    tables = []
    for spec in ctx.codebook.findings_in(ctx.params.wave).values():
        if spec.subgroup:
            continue
        named = {
            s.subgroup: s.id
            for s in ctx.codebook.findings_in(ctx.params.wave).values()
            if s.question == spec.question and s.counts == spec.counts and s.threshold == spec.threshold and s.subgroup
        }
        for parts in parts_for(ctx, named):
            if len(parts) > 1:
                tables.append((spec.id, [named.get(part, f"{spec.id}:{part}") for part in parts]))
    return tables


def chart_bands(ctx: themes.Context, drawn: list[str]) -> list[str | None]:
    """A chart's rows in the plan: all respondents (None), then every part of each partition a drawn row belongs
    to (a part not drawn, as an unpublished one never is, is an unpublished part of the overall row)."""
    return [None, *(p for group in parts_for(ctx, drawn) for p in group)]


def chart_cells(
    survey: pd.DataFrame, ctx: themes.Context, published: bool, tally: Tally | None = None, rows=None
) -> dict[str, Cell]:
    """Every chart cell for one area: per charted question, each row's cells (`row_cells`)."""
    tally = tally or Tally(survey, ctx.codebook)
    rows = np.ones(len(survey), dtype=bool) if rows is None else rows
    cells = {}
    for q, drawn in distributions.charted(ctx.codebook, ctx.params.wave).items():
        for band in chart_bands(ctx, drawn):
            shown = published and (band is None or band in drawn)
            cells.update(row_cells(ctx, q, band, tally, rows & tally.band(band), shown))
    return cells


def row_cells(ctx: themes.Context, q: str, band: str | None, tally: Tally, rows, shown: bool) -> dict[str, Cell]:
    """One chart row (its respondents: `rows`): its base as a cell (count and base both n, so the whole's n less
    the areas' is a table too) and a cell per answer, suppressed as the chart suppresses it
    (`distributions.suppress`)."""
    question, threshold = ctx.codebook.questions[q], ctx.params.suppression_threshold
    answered, given = tally.answers(question)
    n, counts = int((answered & rows).sum()), {v: int((mask & rows).sum()) for v, mask in given.items()}
    rule = stats.Suppression(threshold, complement=not distributions.sums_to_base(question))
    spare = {v for counted in row_findings(ctx, q, band).values() for v in counted}
    base = Cell(n, n, shown, stats.Suppression(threshold, complement=False).reason(n, n), question=q, band=band)
    return {cell_key(q, None, band): base} | {
        cell_key(q, v, band): Cell(c, n, shown, rule.reason(c, n), v in spare, q, (v,), band) for v, c in counts.items()
    }


def row_findings(ctx: themes.Context, question_id: str, band: str | None) -> dict[str, list[str]]:
    """The choice findings that count answers in one chart row (id -> the answers counted)."""
    return {
        s.id: list(s.counts)
        for s in ctx.codebook.findings_in(ctx.params.wave).values()
        if s.question == question_id and s.subgroup == band and s.counts
    }


def chart_tables(ctx: themes.Context) -> list[tuple[str, list[str]]]:
    """Within an area: each answer's overall row against its parts' rows; a row's base against its answers (where
    they add up to it); a finding of several answers against them, and the base against it and the other answers."""
    tables = []
    for q, drawn in distributions.charted(ctx.codebook, ctx.params.wave).items():
        question = ctx.codebook.questions[q]
        values, whole = question.values(), distributions.sums_to_base(question)
        for parts in parts_for(ctx, drawn):
            if len(parts) > 1:
                tables += [(cell_key(q, v), [cell_key(q, v, b) for b in parts]) for v in [None, *values]]
        for band in chart_bands(ctx, drawn):
            if whole:
                tables.append((cell_key(q, None, band), [cell_key(q, v, band) for v in values]))
            for fid, counts in row_findings(ctx, q, band).items():
                if len(counts) > 1:
                    tables.append((fid, [cell_key(q, v, band) for v in counts]))
                    if whole:
                        others = [cell_key(q, v, band) for v in values if v not in counts]
                        tables.append((cell_key(q, None, band), [fid, *others]))
    return tables


@dataclass
class Links:
    """Cells hidden together (keys within one area, or (area, key) once `in_area`): `same`, one count published
    twice (a finding and its chart cell); `covers`, a finding of several answers and their cells (else their sum
    gives it away); `rows`, a chart row's base and its cells (the base hidden, the whole row is)."""

    same: list[tuple] = field(default_factory=list)
    covers: list[tuple] = field(default_factory=list)
    rows: list[tuple] = field(default_factory=list)

    def in_area(self, area: str) -> Links:
        def at(key):
            return (area, key)

        return Links(
            [(at(a), at(b)) for a, b in self.same],
            [(at(f), [at(c) for c in cs]) for f, cs in self.covers],
            [(at(t), [at(c) for c in cs]) for t, cs in self.rows],
        )

    def __add__(self, other: Links) -> Links:
        return Links(self.same + other.same, self.covers + other.covers, self.rows + other.rows)

    def close(self, hidden: set, bases: set) -> None:
        """Grow `hidden` (counts) and `bases` until every link holds."""
        size = None
        while size != (len(hidden), len(bases)):
            size = (len(hidden), len(bases))
            for a, b in self.same:
                for which in (hidden, bases):
                    if a in which or b in which:
                        which.update((a, b))
            for finding, parts in self.covers:
                for which in (hidden, bases):
                    if finding in which:
                        which.update(parts)
            for total, parts in self.rows:
                if total in hidden or total in bases or any(p in bases for p in parts):
                    hidden.update((total, *parts))
                    bases.update((total, *parts))


def chart_links(ctx: themes.Context) -> Links:
    """Each chart row's links (within one area): its base and cells, and the findings that count its answers."""
    links = Links()
    for q, drawn in distributions.charted(ctx.codebook, ctx.params.wave).items():
        values = ctx.codebook.questions[q].values()
        for band in chart_bands(ctx, drawn):
            links.rows.append((cell_key(q, None, band), [cell_key(q, v, band) for v in values]))
            for fid, counts in row_findings(ctx, q, band).items():
                if len(counts) == 1:
                    links.same.append((fid, cell_key(q, counts[0], band)))
                else:
                    links.covers.append((fid, [cell_key(q, v, band) for v in counts]))
    return links


def plan(ctx: themes.Context) -> dict[str, dict[str, str]]:
    """Which findings to withhold in each area (the whole survey's, named by its coverage, or an edition's), given the whole's
    context (no edition)."""
    done = withholding(ctx)
    bases_added = done.bases - done.bases_before
    result: dict[str, dict[str, str]] = {}
    for area, key in sorted(c for c in (done.hidden - done.hidden_before) | bases_added if done.cells[c].published):
        result.setdefault(area, {})[key] = SECONDARY_BASE if (area, key) in bases_added else SECONDARY
    return result


@dataclass
class Withholding:
    """Every cell of every area, and which are hidden (their counts) and which have their bases hidden: before
    secondary suppression (what each edition suppresses itself, and what is never published) and after."""

    cells: dict
    hidden: set
    bases: set
    hidden_before: set
    bases_before: set


def withholding(ctx: themes.Context) -> Withholding:
    """Secondary suppression: the tables first (`protect`), then the audit of every question (`audit`)."""
    if not ctx.whole:
        raise ValueError("disclosure control across editions plans from the whole survey's context (edition: null)")
    regions = sorted(areas_of(ctx))
    whole = themes.whole_area(ctx.codebook)
    areas = (whole, *regions)
    cells, tally = {}, Tally(ctx.survey, ctx.codebook)
    for area in areas:
        rows = np.asarray(in_area(ctx, area), dtype=bool)
        both = area_cells(ctx.survey, ctx, True, tally, rows) | chart_cells(ctx.survey, ctx, True, tally, rows)
        cells.update({(area, key): c for key, c in both.items()})
    keys = sorted({key for _, key in cells})
    tables = [((whole, key), [(r, key) for r in regions]) for key in keys] if regions else []
    tables += [
        ((area, total), [(area, part) for part in parts])
        for area in areas
        for total, parts in band_tables(ctx) + chart_tables(ctx)
    ]
    links = sum((chart_links(ctx).in_area(area) for area in areas), Links())
    hidden = {cell for cell, c in cells.items() if c.primary or not c.published}
    bases = {cell for cell, c in cells.items() if c.base < ctx.params.suppression_threshold or not c.published}
    done = Withholding(cells, hidden, bases, set(hidden), set(bases))

    def redo(hidden: set, bases: set) -> None:
        protect(cells, tables, hidden, bases, ctx.params.suppression_threshold, links.close)

    redo(hidden, bases)
    audit(ctx, cells, hidden, bases, redo)
    return done


def protect(cells: dict, tables: list, hidden: set, bases: set, threshold: int, close=None) -> tuple[set, set]:
    """Withhold published cells (then, if need be, their bases) until no table with a published total has hidden
    cells summing to a small amount. `hidden`: cells whose count is hidden; `bases`: whose base is. Both grow;
    returns what was added to each. `close(hidden, bases)`, if given, grows both to cells hidden together
    (`Links.close`) after every step."""
    close = close or (lambda hidden, bases: None)
    was_hidden, had_bases = set(hidden), set(bases)
    close(hidden, bases)
    changed = True
    while changed:
        changed = False
        for total, parts in tables:
            if total in hidden:
                continue
            while is_disclosive([cells[p].hidden_amounts(p in bases) for p in parts if p in hidden], threshold):
                more = sorted((cells[p].cost(), p) for p in parts if p not in hidden)
                base_only = sorted((cells[p].base, p) for p in parts if p in hidden and p not in bases)
                if more:
                    hidden.add(more[0][1])
                elif base_only:
                    bases.add(base_only[0][1])
                else:
                    break
                close(hidden, bases)
                changed = True
    return hidden - was_hidden, bases - had_bases


def is_disclosive(hidden_amounts: list[tuple[int, int, int]], threshold: int) -> bool:
    """Whether the hidden cells' counts, complements or bases sum to 1 .. threshold-1 (recoverable and small)."""
    return any(1 <= sum(column) < threshold for column in zip(*hidden_amounts, strict=False))


# --- the audit: every published number of a question at once ---------------------------------------------------


class Program:
    """Linear constraints over whole numbers from 0 to their bounds, with 0/1 flags for "either ... or"."""

    def __init__(self, upper: list[int]):
        self.upper = list(upper)
        self.rows: list[tuple[dict[int, float], float, float]] = []
        self._built: tuple[tuple[int, int], optimize.LinearConstraint] | None = None
        self._head: Program | None = None  # the program this one copies, with one more row (`with_row`)

    def flag(self) -> int:
        self.upper.append(1)
        return len(self.upper) - 1

    def most(self, form: dict) -> float:
        return sum(c * self.upper[k] for k, c in form.items() if c > 0)

    def between(self, form: dict, low: float, high: float, unless: int | None = None) -> None:
        """low <= form <= high; `unless` a flag, which at 1 lifts the constraint."""
        if unless is None:
            self.rows.append((form, low, high))
            return
        big = sum(abs(c) * self.upper[k] for k, c in form.items()) + max(
            abs(b) for b in (low, high) if math.isfinite(b)
        )
        if math.isfinite(low):
            self.rows.append((combine(form, {unless: big}), low, math.inf))
        if math.isfinite(high):
            self.rows.append((combine(form, {unless: -big}), -math.inf, high))

    def with_row(self, form: dict, low: float, high: float) -> Program:
        """A copy with one more constraint, low <= form <= high (this program unchanged; its matrix, once built, is
        the copy's but for the last row)."""
        other = Program(self.upper)
        other.rows = [*self.rows, (form, low, high)]
        other._head = self
        return other

    def small(self, form: dict, t: int, unless: int | None = None) -> None:
        self.between(form, 1, t - 1, unless)

    def not_small(self, form: dict, t: int, unless: int | None = None) -> None:
        """0, or at least t: with a flag f, t*f <= form <= most*f."""
        f = self.flag()
        self.between(combine(form, {f: -self.most(form)}), -math.inf, 0, unless)
        self.between(combine(form, {f: -t}), 0, math.inf, unless)

    def any_small(self, forms: list[dict], t: int, unless: int | None = None) -> None:
        """At least one of the forms is 1 to t-1."""
        flags = [self.flag() for _ in forms]
        self.between(dict.fromkeys(flags, 1), 1, math.inf, unless)
        for form, f in zip(forms, flags, strict=False):
            big = self.most(form)
            self.between(combine(form, {f: -1}), 0, math.inf, unless)
            self.between(combine(form, {f: big}), -math.inf, t - 1 + big, unless)

    def solve(self, objective: dict, exact: bool = False) -> np.ndarray | None:
        """A whole-number solution minimising the objective, or None if there is none. `exact`: proved the least
        (no gap), for an objective of whole numbers whose least is to be unique."""
        cost = np.zeros(len(self.upper))
        for k, c in objective.items():
            cost[k] += c
        result = optimize.milp(
            cost,
            constraints=self.constraints(),
            integrality=np.ones(len(self.upper)),
            bounds=optimize.Bounds(0, np.array(self.upper, dtype=float)),
            options={"mip_rel_gap": 0} if exact else None,
        )
        return np.round(result.x) if result.status == 0 else None

    def constraints(self) -> optimize.LinearConstraint:
        """The rows as one sparse matrix (sorted, no zeros), built once for the many objectives an audit solves
        over the same rows, and again only when a row or a variable is added."""
        size = (len(self.rows), len(self.upper))
        if self._built is None or self._built[0] != size:
            head = self._head
            if head is not None and (len(head.rows), len(head.upper)) == (size[0] - 1, size[1]):
                built, (form, low, high) = head.constraints(), self.rows[-1]  # (a copy: its head's rows, then one)
                matrix = sparse.vstack([built.A, matrix_of([form], size[1])], format="csr")
                limits = optimize.LinearConstraint(matrix, np.append(built.lb, low), np.append(built.ub, high))
            else:
                matrix = matrix_of([form for form, _, _ in self.rows], size[1])
                limits = optimize.LinearConstraint(matrix, [r[1] for r in self.rows], [r[2] for r in self.rows])
            self._built = (size, limits)
        return self._built[1]

    def solution(self, objective: dict) -> np.ndarray:
        """As `solve`, for a program the true counts satisfy (so a solution exists)."""
        x = self.solve(objective)
        if x is None:
            raise RuntimeError("disclosure audit: the published figures admit no counts at all (a bug in the audit)")
        return x


def matrix_of(forms: list[dict], width: int) -> sparse.csr_matrix:
    """The forms as the rows of a sparse matrix (sorted, no zeros)."""
    entries = [(i, k, c) for i, form in enumerate(forms) for k, c in sorted(form.items()) if c]
    rows, columns, values = zip(*entries, strict=True) if entries else ((), (), ())
    matrix = sparse.csr_matrix((np.array(values, dtype=float), (rows, columns)), shape=(len(forms), width))
    matrix.sort_indices()
    return matrix


def either_side(p: Program, form: dict, value: int) -> Program:
    """A copy of the program in which the form takes another value than `value`, above or below it (a flag says
    which: 1, above): one program for both sides."""
    other = Program(p.upper)
    other.rows = list(p.rows)
    above, most = other.flag(), other.most(form)
    other.between(combine(form, {above: -(value + 1)}), 0, math.inf)  # at least value + 1, if above
    other.between(combine(form, {above: value - 1 - most}), -math.inf, value - 1)  # at most value - 1, if not
    return other


def moved_by(targets: dict, x: np.ndarray) -> set:
    """The targets (key -> (label, form, true value)) that the solution `x` gives another value."""
    return {key for key, (_, form, value) in targets.items() if value_of(form, x) != value}


def combine(*forms: dict) -> dict:
    out: dict = {}
    for form in forms:
        for k, c in form.items():
            out[k] = out.get(k, 0) + c
    return {k: c for k, c in out.items() if c}


def value_of(form: dict, x: np.ndarray) -> float:
    return float(sum(c * x[k] for k, c in form.items()))


@dataclass
class QuestionAudit:
    """One question's cells in every area (the whole and each edition's) as linear forms over its finest cells:
    edition area x one part of each partition x answer, and each row's base (only the partitions the question
    is shown by, or weighted on where weighted figures are published: the whole's weighted shares are
    constraints too, taken with the true weights per finest cell, more than a reader has)."""

    question: object  # codebook Question
    cells: dict  # (area, key) -> Cell
    regions: list[str]  # the editions' areas ([whole] without editions)
    threshold: int
    whole: str  # the whole survey's area
    partitions: tuple = ()  # the parts of each partition in the grid
    weights: dict = field(
        default_factory=dict
    )  # (area, parts) -> the whole's weight, where weighted shares are published
    weighted: dict = field(default_factory=dict)  # (whole, finding) -> its weighted share as published

    def __post_init__(self):
        self.combos = list(itertools.product(*self.partitions))  # one part of each: [()] without partitions
        self.values = self.question.values()
        self.sums = distributions.sums_to_base(self.question)
        grid = [(r, b, v) for r in self.regions for b in self.combos for v in (*self.values, None)]
        self.var = {key: i for i, key in enumerate(grid)}
        self.upper = max(c.base for c in self.cells.values())
        self.unit = 8 * self.upper  # a figure's cost (`cost`): its base's share is then a whole number too
        self.found: list[tuple[frozenset, frozenset, np.ndarray]] = []  # `known`: solutions found so far

    def known(self, hidden: set, bases: set, x: np.ndarray | None = None) -> list[np.ndarray]:
        """Solutions found so far whose counts the published numbers still allow, given what is hidden now:
        withholding more only lifts constraints (a figure withheld was shown at its true value, which is not
        small, so its "withheld" holds too), so a solution found with fewer cells hidden is one still. With `x`,
        records x (its counts: the grid's variables) as a solution for `hidden` and `bases` and beyond."""
        hidden, bases = frozenset(hidden & self.cells.keys()), frozenset(bases & self.cells.keys())
        if x is not None:
            self.found.append((hidden, bases, x[: len(self.var)]))
        return [grid for h, b, grid in self.found if h <= hidden and b <= bases]

    def combos_of(self, band: str | None) -> list[tuple]:
        return self.combos if band is None else [b for b in self.combos if band in b]

    def form(self, area: str, band: str | None, answers) -> dict:
        regions = self.regions if area == self.whole else [area]
        return {self.var[r, b, v]: 1 for r in regions for b in self.combos_of(band) for v in (answers or [None])}

    def forms(self, cell_id: tuple) -> tuple[dict, dict]:
        """(count, base) of a cell."""
        c = self.cells[cell_id]
        return self.form(cell_id[0], c.band, c.answers), self.form(cell_id[0], c.band, None)

    def program(self, hidden: set, bases: set, release: bool = False) -> tuple[Program, dict]:
        """Every cell as a reader has it. `release`: a shown count or base may yet be withheld, at a cost (the
        program's flags -> (cell, "count" or "base", cost)); withheld, it would read "withheld" (it is not small),
        and a row whose base is withheld is withheld whole, so its cells then say nothing."""
        p = Program([self.upper] * len(self.var))
        for r in self.regions:
            for b in self.combos:
                answers = combine({self.var[r, b, v]: 1 for v in self.values}, {self.var[r, b, None]: -1})
                p.between(answers, 0, 0 if self.sums else math.inf)  # one answer each, else one or more
                if not self.sums:
                    for v in self.values:
                        p.between({self.var[r, b, v]: 1, self.var[r, b, None]: -1}, -math.inf, 0)
        published = sorted((cell_id, c) for cell_id, c in self.cells.items() if c.published)
        flags, flag_of = {}, {}
        for cell_id, c in published:
            count, base = self.forms(cell_id)
            shown = [(base, c.base, "base", self.base_cost(c))] if cell_id not in bases else []
            shown += [(count, c.count, "count", self.cost(c))] if cell_id not in hidden else []
            for form, value, part, cost in shown:
                if not release:
                    p.between(form, value, value)
                    continue
                f = flag_of[cell_id, part] = p.flag()  # 1: withheld (the form is free), 0: shown
                p.between(form, value, value, unless=f)
                flags[f] = (cell_id, part, cost)
        for cell_id, share in sorted(self.weighted.items()):
            if cell_id not in hidden:  # withheld, a finding takes its weighted share with it
                self.weighted_share(p, cell_id, share, flag_of.get((cell_id, "count")))
        for cell_id, c in published:
            count, base = self.forms(cell_id)
            row = (
                None
                if c.finding or c.answers is None
                else flag_of.get(((cell_id[0], cell_key(c.question, None, c.band)), "count"))
            )
            if cell_id in hidden:
                self.printed(p, c, cell_id in bases, count, base, unless=row)
            elif release:
                self.printed(p, c, False, count, base, withheld=True, unless=row)
        return p, flags

    def weighted_share(self, p: Program, cell_id: tuple, share: float, unless: int | None) -> None:
        """sum(w x) / sum(w n) within half a unit of the share as published (the whole's, over every area)."""
        c, slack = self.cells[cell_id], 0.5 * 10.0**-themes.WEIGHTED_DECIMALS
        cells = [(r, b) for r in self.regions for b in self.combos_of(c.band)]
        counted = {self.var[r, b, v]: self.weights.get((r, b), 0.0) for r, b in cells for v in c.answers}
        answered = {self.var[r, b, None]: self.weights.get((r, b), 0.0) for r, b in cells}  # no respondents: no weight
        for bound, side in ((share + slack, (-math.inf, 0)), (share - slack, (0, math.inf))):
            p.between(combine(counted, {k: -w * bound for k, w in answered.items()}), *side, unless=unless)

    def cost(self, c: Cell) -> int:
        """Withholding a count, where one figure costs `unit`: one figure, plus a little for its base (smaller
        first: half a figure for a base of `upper`) and a quarter for a finding's share; a row's base takes the whole
        row. Whole numbers, so that equal costs are exactly equal and `release` breaks their ties by label, not by
        the solver's path."""
        if c.answers is None:
            return (len(self.values) + 1) * self.unit
        return self.unit + 4 * c.base + self.unit // 4 * c.spare

    def base_cost(self, c: Cell) -> int:
        """Withholding a shown base: two figures, plus its size (smaller first), in the same units as `cost`."""
        return 2 * self.unit + 8 * c.base

    def printed(
        self,
        p: Program,
        c: Cell,
        base_hidden: bool,
        count: dict,
        base: dict,
        withheld: bool = False,
        unless: int | None = None,
    ) -> None:
        """What stands in a hidden cell's place: a chart's "fewer than 8" (1 to 7, or its complement for several
        answers), "withheld" (not small), "too few answers to show" (a base under 8) or the row withheld whole
        (at least 8); a finding's reason (`stats.Suppression`: count, then base, then complement). `unless`:
        the flag of its row's base, when that may yet be withheld (and the cell say nothing)."""
        t, complement = self.threshold, combine(base, {k: -v for k, v in count.items()})
        primary = None if withheld else c.primary
        if c.answers is None:
            p.between(base, 0, t - 1) if c.base < t else p.between(base, t, math.inf)
        elif not c.finding:
            if base_hidden:
                return
            forms = [count] if self.sums else [count, complement]
            if primary:
                p.any_small(forms, t, unless)
            else:
                for form in forms:
                    p.not_small(form, t, unless)
        elif primary == stats.SMALL_COUNT:
            p.small(count, t)
        else:
            p.not_small(count, t)
            p.between(base, 0, t - 1) if primary == stats.SMALL_BASE else p.between(base, t, math.inf)
            if primary != stats.SMALL_BASE:
                (p.small if primary == stats.SMALL_COMPLEMENT else p.not_small)(complement, t)

    def targets(self, hidden: set, bases: set) -> dict[frozenset, tuple[str, dict, int]]:
        """Counts of 1 to threshold-1 no edition shows (a cell's count, base or complement): form -> (label,
        form, true value)."""
        shown = set()
        for cell_id, c in self.cells.items():
            count, base = self.forms(cell_id)
            if c.published and cell_id not in bases:
                shown.add(frozenset(base.items()))
                if cell_id not in hidden:
                    shown.add(frozenset(count.items()))
        out = {}
        for cell_id, c in sorted(self.cells.items()):
            count, base = self.forms(cell_id)
            complement = combine(base, {k: -v for k, v in count.items()})
            for form, value, what in (
                (count, c.count, ""),
                (base, c.base, " base"),
                (complement, c.base - c.count, " complement"),
            ):
                key = frozenset(form.items())
                if form and 1 <= value < self.threshold and key not in shown and key not in out:
                    out[key] = (f"{cell_id[0]}: {cell_id[1]}{what}", form, value)
        return out

    def determined(self, hidden: set, bases: set, first: bool = False) -> list[tuple[str, dict, int]]:
        """The targets the published numbers leave one value, in label order (`first`: only the first of them).
        Solutions that push every open target away from its value at once (random directions, a fixed seed,
        until one clears none) clear most; each left has its min solved, and its max only if the min is its
        value (a target is determined exactly when both are). Every solution found also clears the open targets
        it moves (it proves they can take another value), so fewer are solved."""
        program, _ = self.program(hidden, bases)
        open_ = self.targets(hidden, bases)
        for x in self.known(hidden, bases):  # (an earlier audit's solutions, before a release: still solutions)
            open_ = {key: target for key, target in open_.items() if key not in moved_by(open_, x)}
        rng = np.random.default_rng(0)
        while open_:
            x = program.solution(
                combine(*({k: c * rng.choice((-1, 1)) for k, c in form.items()} for _, form, _ in open_.values()))
            )
            self.known(hidden, bases, x)
            if not (moved := moved_by(open_, x)):
                break
            open_ = {key: target for key, target in open_.items() if key not in moved}
        found = []
        for key, (label, form, value) in sorted(open_.items(), key=lambda item: item[1][0]):
            if key not in open_:
                continue  # moved by an earlier target's min or max
            for direction in (form, {k: -c for k, c in form.items()}):
                x = program.solution(direction)
                self.known(hidden, bases, x)
                open_ = {other: target for other, target in open_.items() if other not in moved_by(open_, x)}
                if key not in open_:
                    break
            else:
                found.append((label, form, value))
                if first:
                    break
        return found

    def release(self, hidden: set, bases: set, form: dict, value: int) -> tuple[set, set]:
        """The cheapest shown counts (and bases) to withhold so that the form can take another value; of sets that
        cost the same, the one whose figures come first in label order (the least sum of their ranks: the flags
        are made in label order), so the choice is the data's, not the solver's search path. The cost is searched
        in one program holding either side of the value (`either_side`), under rising limits (one figure's, two's,
        ...: the solver prunes by each): the first limit under which a set is found holds the cheapest (none cost
        less, or the limit before would). Then, at that cost, the least sum of ranks, each side on its own (each
        objective a small whole number; solved apart, as the solver finds these quicker). (Two sets equal in
        both, possible in principle, are still the solver's to choose between.)"""
        shared, flags = self.program(hidden, bases, release=True)
        costs = {f: cost for f, (_, _, cost) in flags.items()}
        either = either_side(shared, form, value)
        least, step = None, min(costs.values(), default=1)
        for limit in itertools.count(step, step):
            if (x := either.with_row(costs, -math.inf, limit).solve(costs, exact=True)) is not None:
                least = round(value_of(costs, x))
            if least is not None or limit >= sum(costs.values()):
                break
        if least is None:
            raise RuntimeError(f"disclosure audit: no figure withheld protects a count of {value} (a bug in the audit)")
        ranks = {f: rank for rank, f in enumerate(flags)}
        sides = [shared.with_row(form, value + 1, math.inf), shared.with_row(form, -math.inf, value - 1)]
        x = min(
            (x for side in sides if (x := side.with_row(costs, least, least).solve(ranks, exact=True)) is not None),
            key=lambda x: value_of(ranks, x),
        )
        chosen = [flags[f] for f in flags if x[f] > 0.5]
        counts = {cell for cell, part, _ in chosen}
        more_bases = {cell for cell, part, _ in chosen if part == "base"}
        self.known(hidden | counts, bases | more_bases, x)  # a solution once they are withheld
        return counts, more_bases


def audit(ctx: themes.Context, cells: dict, hidden: set, bases: set, redo) -> None:
    """Withhold more (growing `hidden` and `bases`) until no question's published numbers, taken together, leave
    a hidden small count one value. `redo(hidden, bases)` re-applies the tables and links after each step."""
    for checker in question_audits(ctx, cells):
        while found := checker.determined(hidden, bases, first=True):
            _, form, value = found[0]
            counts, more_bases = checker.release(hidden, bases, form, value)
            hidden.update(counts)
            bases.update(more_bases)
            redo(hidden, bases)


def question_audits(ctx: themes.Context, cells: dict) -> list[QuestionAudit]:
    """One audit per choice question, in question order, with the whole's weighted shares where they are
    published. (A numeric question's findings count overlapping ranges, which no grid of answers holds: the
    tables protect them.) A cell of a subgroup in no partition is left to the tables too."""
    whole = themes.whole_area(ctx.codebook)
    regions = sorted(areas_of(ctx)) or [whole]
    weights, weighted, weighted_parts = weighted_figures(ctx) if themes.publishes_weighted(ctx) else ({}, {}, [])
    by_question: dict[str, dict] = {}
    for cell_id, c in cells.items():
        if c.band is None or partition_of(ctx, c.band):
            by_question.setdefault(c.question, {})[cell_id] = c
    audits = []
    for q, own in sorted(by_question.items()):
        if not ctx.codebook.questions[q].is_choice:
            continue
        shares = {cell_id: share for cell_id, share in weighted.items() if cell_id in own}
        shown = parts_for(ctx, {c.band for c in own.values() if c.band})
        partitions = dict.fromkeys([*(weighted_parts if shares else []), *(p for p in shown if len(p) > 1)])
        audits.append(
            QuestionAudit(
                ctx.codebook.questions[q],
                own,
                regions,
                ctx.params.suppression_threshold,
                whole,
                tuple(partitions),
                weights if shares else {},
                shares,
            )
        )
    return audits


def weighted_figures(ctx: themes.Context) -> tuple[dict, dict, list]:
    """The whole's weight per finest cell (edition area x a part of each weighting partition; raked on their
    margins: one weight per cell), each of its findings' weighted share as published (`themes.estimates`), and the
    weighting partitions' parts. None of it where a weighting cell is neither a partition nor the editions'
    question (the weights then vary within a finest cell: no linear constraint holds them)."""
    codebook = ctx.codebook
    by = codebook.editions.by if codebook.editions else None
    names = [n for n in codebook.weighting if n != by]
    if any(n not in codebook.partitions for n in names):
        return {}, {}, []
    whole = themes.whole_area(codebook)
    area = ctx.survey[by] if by else pd.Series(whole, index=ctx.survey.index)
    parts = [codebook.partitions[n].assign(ctx.survey) for n in names]
    weights = ctx.weighting.weights
    per_cell = {(key[0], tuple(key[1:])): float(w) for key, w in weights.groupby([area, *parts]).first().items()}
    shares = {}
    for spec in codebook.findings_in(ctx.params.wave).values():
        counted, answered = themes.spec_masks(ctx.survey, spec, codebook)
        if answered.any():
            shares[whole, spec.id] = themes.rounded(stats.weighted_proportion(counted[answered], weights[answered]))
    return per_cell, shares, [codebook.partitions[n].subgroups for n in names]


def plan_table(withheld: dict[str, dict[str, str]]) -> pd.DataFrame:
    """The plan as a table, for the notebook's output: one row per withheld figure."""
    rows = [
        {"area": area, "finding": key, "rule": rule} for area, keys in withheld.items() for key, rule in keys.items()
    ]
    return pd.DataFrame(rows, columns=["area", "finding", "rule"])


def write_plan(withheld: dict[str, dict[str, str]], path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dumps({"rule": SECONDARY, "withheld": withheld}), encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--params", default=None)
    parser.add_argument("--wave", default=None, help="the wave (default: params.yml's)")
    parser.add_argument("--survey-path", default=None, help="the wave's file (default: params.yml's pattern)")
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args(argv)
    ctx = themes.load_context(args.params, whole=True, wave=args.wave, survey_path=args.survey_path)
    withheld = plan(ctx)
    write_plan(withheld, args.out)
    count = sum(len(v) for v in withheld.values())
    print(f"disclosure: {count} figure(s) withheld so no suppressed figure can be recovered by subtraction")


if __name__ == "__main__":
    main()
