"""Disclosure control ACROSS editions: secondary suppression, so no suppressed figure can be recovered by
subtracting published ones.

Each edition suppresses its own small figures (1 to 7; `themes.suppress_record`). Published together, the editions
form tables whose totals are also published: England's count is the sum of the regions' counts, and a finding's
overall count is the sum of its small, medium and large bands (medium is never published). Subtracting the
published cells of a table from its total reveals the sum of its hidden cells. This module withholds further
cells (cheapest first: `Cell.cost`) until, in every table with a published total, the hidden cells' numerators,
complements and (where hidden) bases each sum to 0 or at least the threshold.

The charts' answer cells are cells too (keys from `distributions.cell_key`): each chart row (all respondents, and
each size band drawn; the medium band never is) has a cell per answer and one for its base, and forms tables with
England's row (the regions' rows), the area's overall row (the bands' rows) and, where answers add up to the base,
its own base. A chart cell that is a finding's count is linked to it (`Links`): hidden together, as is a whole
row once its base is.

Every build plans from the whole wave, England and every region in the frame, whichever edition it publishes:
an edition for any region can be built at any time, so the England briefing from `make report` and every
edition from `make editions` withhold the same figures, and building more editions never changes one already
published. The plan is the build's own file (build/waves/<wave>/withheld.json), one per wave reported.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from briefing.analysis import distributions, stats, themes
from briefing.analysis.distributions import cell_key
from briefing.analysis.findings import dumps

ENGLAND = themes.ENGLAND
SECONDARY = stats.SECONDARY
SECONDARY_BASE = stats.SECONDARY_BASE
BANDS = ("small", "medium", "large")


@dataclass(frozen=True)
class Cell:
    count: int
    base: int
    published: bool  # a figure some edition would show (medium bands and areas without an edition are not)
    primary: str | None  # the edition's own suppression reason
    spare: bool = False  # a chart cell a finding also publishes: among equal bases, withheld last

    def cost(self) -> tuple:
        """The order cells are withheld in: smallest base, not a finding's, smallest count (a zero hides nothing)."""
        return self.base, self.spare, self.count == 0, self.count

    def hidden_amounts(self, base_hidden: bool) -> tuple[int, int, int]:
        """(count, complement, base) hidden once the cell is; its base only when that is hidden too."""
        return self.count, self.base - self.count, self.base if base_hidden else 0


def area_cells(survey: pd.DataFrame, ctx: themes.Context, published: bool) -> dict[str, Cell]:
    """Every registered finding for one area, plus unpublished band cells (`<finding>:<band>`) for each finding
    whose question is also reported by band."""
    rule = stats.Suppression(ctx.params.suppression_threshold)
    cells = {}
    for spec in ctx.codebook.findings_in(ctx.params.wave).values():
        bands = [None] if spec.subgroup else [None, *BANDS]
        for band in bands:
            if band and not any(s.question == spec.question and s.counts == spec.counts and s.subgroup
                                for s in ctx.codebook.findings_in(ctx.params.wave).values()):  # fmt: skip
                continue
            counted, answered = themes.spec_masks(survey, spec, ctx.codebook, ctx.params, subgroup=band)
            k, n = int(counted.sum()), int(answered.sum())
            key = f"{spec.id}:{band}" if band else spec.id
            cells[key] = Cell(k, n, published and band is None, rule.reason(k, n))
    return cells


def band_tables(ctx: themes.Context) -> list[tuple[str, list[str]]]:
    """(overall finding, its band cells); a band published as its own finding stands in for `<id>:<band>`."""
    tables = []
    for spec in ctx.codebook.findings_in(ctx.params.wave).values():
        if spec.subgroup:
            continue
        named = {s.subgroup: s.id for s in ctx.codebook.findings_in(ctx.params.wave).values()
                 if s.question == spec.question and s.counts == spec.counts and s.subgroup}  # fmt: skip
        if named:
            tables.append((spec.id, [named.get(band, f"{spec.id}:{band}") for band in BANDS]))
    return tables


def chart_bands(drawn: list[str]) -> list[str | None]:
    """A chart's rows in the plan: all respondents (None), then every band once any is drawn (a band not drawn,
    as medium never is, is an unpublished part of the overall row)."""
    return [None, *BANDS] if drawn else [None]


def chart_cells(survey: pd.DataFrame, ctx: themes.Context, published: bool) -> dict[str, Cell]:
    """Every chart cell for one area: per charted question, each row's cells (`row_cells`)."""
    bands = themes.size_band(survey["pcn_list_size"], ctx.params)
    cells = {}
    for q, drawn in distributions.charted(ctx.codebook, ctx.params.wave).items():
        for band in chart_bands(drawn):
            rows = survey if band is None else survey[bands == band]
            cells.update(row_cells(ctx, q, band, rows, published and (band is None or band in drawn)))
    return cells


def row_cells(ctx: themes.Context, q: str, band: str | None, survey: pd.DataFrame, shown: bool) -> dict[str, Cell]:
    """One chart row: its base as a cell (count and base both n, so England's n less the regions' is a table too)
    and a cell per answer, suppressed as the chart suppresses it (`distributions.suppress`)."""
    question, threshold = ctx.codebook.questions[q], ctx.params.suppression_threshold
    n, counts = distributions.raw_counts(survey, question, ctx.codebook.separator)
    rule = stats.Suppression(threshold, complement=not distributions.sums_to_base(question))
    spare = {v for counted in row_findings(ctx, q, band).values() for v in counted}
    base = Cell(n, n, shown, stats.Suppression(threshold, complement=False).reason(n, n))
    return {cell_key(q, None, band): base} | {
        cell_key(q, v, band): Cell(c, n, shown, rule.reason(c, n), v in spare) for v, c in counts.items()}


def row_findings(ctx: themes.Context, question_id: str, band: str | None) -> dict[str, list[str]]:
    """The findings that count answers in one chart row (id -> the answers counted)."""
    return {s.id: list(s.counts) for s in ctx.codebook.findings_in(ctx.params.wave).values()
            if s.question == question_id and s.subgroup == band}  # fmt: skip


def chart_tables(ctx: themes.Context) -> list[tuple[str, list[str]]]:
    """Within an area: each answer's overall row against its band rows; a row's base against its answers (where
    they add up to it); a finding of several answers against them, and the base against it and the other answers."""
    tables = []
    for q, drawn in distributions.charted(ctx.codebook, ctx.params.wave).items():
        question = ctx.codebook.questions[q]
        values, whole = question.values(), distributions.sums_to_base(question)
        if drawn:
            tables += [(cell_key(q, v), [cell_key(q, v, b) for b in BANDS]) for v in [None, *values]]
        for band in chart_bands(drawn):
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

        return Links([(at(a), at(b)) for a, b in self.same], [(at(f), [at(c) for c in cs]) for f, cs in self.covers],
                     [(at(t), [at(c) for c in cs]) for t, cs in self.rows])  # fmt: skip

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
        for band in chart_bands(drawn):
            links.rows.append((cell_key(q, None, band), [cell_key(q, v, band) for v in values]))
            for fid, counts in row_findings(ctx, q, band).items():
                if len(counts) == 1:
                    links.same.append((fid, cell_key(q, counts[0], band)))
                else:
                    links.covers.append((fid, [cell_key(q, v, band) for v in counts]))
    return links


def plan(ctx: themes.Context) -> dict[str, dict[str, str]]:
    """Which findings to withhold in each area (England or a region), given England's context (unfiltered)."""
    if ctx.params.region:
        raise ValueError("disclosure control across editions plans from England's context (region: null)")
    regions = sorted(ctx.frame["region"].unique())
    areas = (ENGLAND, *regions)
    cells = {}
    for area in areas:
        survey = ctx.survey if area == ENGLAND else ctx.survey[ctx.survey["region"] == area]
        both = area_cells(survey, ctx, True) | chart_cells(survey, ctx, True)
        cells.update({(area, key): c for key, c in both.items()})
    keys = sorted({key for _, key in cells})
    tables = [((ENGLAND, key), [(r, key) for r in regions]) for key in keys]
    tables += [((area, total), [(area, part) for part in parts]) for area in areas
               for total, parts in band_tables(ctx) + chart_tables(ctx)]  # fmt: skip
    links = sum((chart_links(ctx).in_area(area) for area in areas), Links())
    hidden = {cell for cell, c in cells.items() if c.primary or not c.published}
    bases = {cell for cell, c in cells.items() if c.base < ctx.params.suppression_threshold or not c.published}
    counts_added, bases_added = protect(cells, tables, hidden, bases, ctx.params.suppression_threshold, links.close)
    result: dict[str, dict[str, str]] = {}
    for area, key in sorted(c for c in counts_added | bases_added if cells[c].published):
        result.setdefault(area, {})[key] = SECONDARY_BASE if (area, key) in bases_added else SECONDARY
    return result


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
    return any(1 <= sum(column) < threshold for column in zip(*hidden_amounts))


def plan_table(withheld: dict[str, dict[str, str]]) -> pd.DataFrame:
    """The plan as a table, for the notebook's output: one row per withheld figure."""
    rows = [{"area": area, "finding": key, "rule": rule} for area, keys in withheld.items() for key, rule in keys.items()]
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
    ctx = themes.load_context(args.params, england=True, wave=args.wave, survey_path=args.survey_path)
    withheld = plan(ctx)
    write_plan(withheld, args.out)
    count = sum(len(v) for v in withheld.values())
    print(f"disclosure: {count} figure(s) withheld so no suppressed figure can be recovered by subtraction")


if __name__ == "__main__":
    main()
