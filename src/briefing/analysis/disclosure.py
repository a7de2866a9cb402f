"""Disclosure control ACROSS editions: secondary suppression, so no suppressed figure can be recovered by
subtracting published ones.

Each edition suppresses its own small figures (1 to 7; `themes.suppress_record`). Published together, the editions
form tables whose totals are also published: England's count is the sum of the regions' counts, and a finding's
overall count is the sum of its small, medium and large bands (medium is never published). Subtracting the
published cells of a table from its total reveals the sum of its hidden cells. This module withholds further
cells (smallest base first) until, in every table with a published total, the hidden cells' numerators,
complements and (where hidden) bases each sum to 0 or at least the threshold.

Every build plans from the whole wave, England and every region in the frame, whichever edition it publishes:
an edition for any region can be built at any time, so the England briefing from `make report` and every
edition from `make editions` withhold the same figures, and building more editions never changes one already
published. The plan is the build's own file (build/waves/<wave>/withheld.json), one per wave reported.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from briefing.analysis import stats, themes
from briefing.analysis.findings import dumps

ENGLAND = themes.ENGLAND
SECONDARY = stats.SECONDARY
SECONDARY_BASE = stats.SECONDARY_BASE
BANDS = ("small", "medium", "large")


@dataclass(frozen=True)
class Cell:
    count: int
    base: int
    published: bool  # a finding some edition would show (medium bands and areas without an edition are not)
    primary: str | None  # the edition's own suppression reason

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


def plan(ctx: themes.Context) -> dict[str, dict[str, str]]:
    """Which findings to withhold in each area (England or a region), given England's context (unfiltered)."""
    if ctx.params.region:
        raise ValueError("disclosure control across editions plans from England's context (region: null)")
    regions = sorted(ctx.frame["region"].unique())
    cells = {(ENGLAND, key): cell for key, cell in area_cells(ctx.survey, ctx, True).items()}
    for region in regions:
        survey = ctx.survey[ctx.survey["region"] == region]
        cells.update({(region, key): c for key, c in area_cells(survey, ctx, True).items()})
    keys = sorted({key for _, key in cells})
    tables = [((ENGLAND, key), [(r, key) for r in regions]) for key in keys]
    tables += [((area, total), [(area, part) for part in parts]) for area in (ENGLAND, *regions)
               for total, parts in band_tables(ctx)]  # fmt: skip
    hidden = {cell for cell, c in cells.items() if c.primary or not c.published}
    bases = {cell for cell, c in cells.items() if c.base < ctx.params.suppression_threshold or not c.published}
    counts_added, bases_added = protect(cells, tables, hidden, bases, ctx.params.suppression_threshold)
    result: dict[str, dict[str, str]] = {}
    for area, key in sorted(counts_added | bases_added):
        result.setdefault(area, {})[key] = SECONDARY_BASE if (area, key) in bases_added else SECONDARY
    return result


def protect(cells: dict, tables: list, hidden: set, bases: set, threshold: int) -> tuple[set, set]:
    """Withhold published cells (then, if need be, their bases) until no table with a published total has hidden
    cells summing to a small amount. `hidden`: cells whose count is hidden; `bases`: whose base is. Both grow;
    returns what was added to each."""
    counts_added, bases_added = set(), set()
    changed = True
    while changed:
        changed = False
        for total, parts in tables:
            if total in hidden:
                continue
            while is_disclosive([cells[p].hidden_amounts(p in bases) for p in parts if p in hidden], threshold):
                more = sorted((cells[p].base, p) for p in parts if p not in hidden)
                base_only = sorted((cells[p].base, p) for p in parts if p in hidden and p not in bases)
                if more:
                    hidden.add(more[0][1])
                    counts_added.add(more[0][1])
                elif base_only:
                    bases.add(base_only[0][1])
                    bases_added.add(base_only[0][1])
                else:
                    break
                changed = True
    return counts_added, bases_added


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
