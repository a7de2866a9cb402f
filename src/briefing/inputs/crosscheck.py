"""Inputs checked against each other, before any notebook runs: a survey wave against the reference frame of the
PCNs it speaks for.

Validation (briefing.inputs.validate) checks each file on its own; these rules need two files at once:

* a wave cannot have more respondents than there are PCNs for them to speak for (one clinical director per PCN):
  overall, per region and per size band;
* every region in the wave is a region of the frame;
* a respondent's list size lies within the frame's range for their region;
* the wave's year (its .meta.yml `year`, else the wave parameter) falls in the frame's year (its `year`, e.g. 2019-20).

Each breach names the file, the rows (numbered as in a spreadsheet: header row 1) or the record, and the rule; all
are reported at once. The checks read two columns of the wave, so they take a fraction of a second even for a
file far larger than any real wave; they run first, so an impossible file fails at once rather than inside a
notebook. `check_wave` takes one wave and one frame, so it can be called once per wave when several are compared.

CLI: python -m briefing.inputs.crosscheck [--params params.yml]  (exit 0 and a summary, or 1 and the breaches).
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from briefing import config, yamlfile
from briefing.inputs import readers
from briefing.inputs.codebook import load_codebook
from briefing.inputs.validate import FIRST_DATA_ROW, ROW_CONVENTION, Breach, shown

WAVE_COLUMNS = ["region", "pcn_list_size"]
POPULATION_RULE = "respondents cannot outnumber the PCNs they speak for (one clinical director per PCN)"


class CrossCheckError(ValueError):
    """Inputs that are each valid but contradict each other; the message lists every breach."""


@dataclass(frozen=True)
class Inputs:
    """One wave and the frame it is read against, with their .meta.yml records."""

    wave_path: Path
    wave: pd.DataFrame  # the wave's region (categorical) and pcn_list_size (text) columns
    wave_meta: dict[str, Any]
    frame_path: Path
    frame: pd.DataFrame
    frame_meta: dict[str, Any]

    @cached_property
    def list_sizes(self) -> pd.Series:
        """The wave's list sizes as numbers; what is not a number is left to validation (NaN here)."""
        return pd.to_numeric(self.wave["pcn_list_size"], errors="coerce")


def meta_of(path: Path) -> dict[str, Any]:
    return yamlfile.load_mapping(path.with_suffix(".meta.yml"), "provenance record", missing_ok=True)


def read_inputs(wave_path: Path, frame_path: Path, codebook_path: Path | None = None) -> Inputs | None:
    """The columns the rules need; None when the wave cannot be read that far (validation then says why)."""
    try:
        wave = pd.read_csv(
            wave_path,
            usecols=WAVE_COLUMNS,
            dtype={"region": "category", "pcn_list_size": str},
            keep_default_na=False,
            encoding="utf-8-sig",
        )  # categories: fast even at a million rows
    except (UnicodeDecodeError, ValueError, pd.errors.ParserError):
        wave = exported_columns(wave_path, codebook_path)  # a platform's export: read by its reader
        if wave is None:
            return None
    frame = pd.read_csv(frame_path, usecols=["region", "registered_patients"], dtype={"region": str})
    return Inputs(wave_path, wave, meta_of(wave_path), frame_path, frame, meta_of(frame_path))


def exported_columns(wave_path: Path, codebook_path: Path | None) -> pd.DataFrame | None:
    """The columns the rules need from a workbook, an SPSS file or a platform's CSV, mapped by the codebook."""
    if codebook_path is None:
        return None
    try:
        export = readers.read_export(wave_path)
        table = readers.question_table(export, load_codebook(codebook_path)).table[WAVE_COLUMNS]
    except (ValueError, KeyError, OSError):  # unreadable or unmapped: validation names the file and the column
        return None
    table.index = [row - FIRST_DATA_ROW for row in export.row_numbers]  # rows_of then names the source's rows
    return table.fillna("").astype({"region": "category"})


def rows_of(mask: pd.Series) -> tuple[int, ...]:
    return tuple(int(i) + FIRST_DATA_ROW for i in mask[mask].index)


def overall_problems(inputs: Inputs) -> list[str]:
    """More respondents than PCNs in the whole frame."""
    respondents, pcns = len(inputs.wave), len(inputs.frame)
    if respondents <= pcns:
        return []
    last = respondents + FIRST_DATA_ROW - 1
    return [
        f"{shown(inputs.wave_path)}: rows {FIRST_DATA_ROW} to {last:,} are {respondents:,} respondents, but the "
        f"frame {shown(inputs.frame_path)} has {pcns:,} PCNs: {POPULATION_RULE}"
    ]


def size_partition(params: config.Params, inputs: Inputs):
    """The codebook's partition of the list size (its size bands: the parameters no longer hold them)."""
    from briefing.inputs.codebook import load_codebook

    codebook = load_codebook(config.find_root() / params.codebook)  # the project root: where make runs
    return next(p for p in codebook.partitions.values() if p.question == "pcn_list_size")


def population_breaches(inputs: Inputs, params: config.Params) -> list[Breach]:
    """More respondents than PCNs in a region, or in a size band."""
    wave, frame = inputs.wave, inputs.frame
    breaches = []
    in_frame = frame["region"].value_counts()
    for region, count in wave["region"].value_counts().items():
        if count == 0:
            continue
        if region in in_frame and count > in_frame[region]:
            breaches.append(
                Breach(
                    "region",
                    f"{POPULATION_RULE}: {count:,} respondents in {region}, which has {in_frame[region]:,} PCNs",
                    rows_of(wave["region"] == region),
                )
            )
    sizes = inputs.list_sizes
    wave_bands, frame_bands = (
        size_partition(params, inputs).assign(pd.DataFrame({"pcn_list_size": values})).value_counts()
        for values in (sizes[sizes.notna()], frame["registered_patients"])
    )
    for band, count in wave_bands.items():
        if count > frame_bands.get(band, 0):
            breaches.append(
                Breach(
                    "pcn_list_size",
                    f"{POPULATION_RULE}: {count:,} respondents lead {band} PCNs, and "
                    f"the frame has {frame_bands.get(band, 0):,}",
                )
            )
    return breaches


def region_breaches(inputs: Inputs) -> list[Breach]:
    """Regions of the wave that the frame does not have."""
    regions = set(inputs.frame["region"])
    unknown = ~inputs.wave["region"].isin(regions) & (inputs.wave["region"] != "")
    breaches = []
    for region in sorted(set(inputs.wave["region"][unknown])):
        rule = (
            f"every region must be a region of the frame {shown(inputs.frame_path)}; {region!r} is not "
            f"(the frame's regions: {', '.join(sorted(regions))})"
        )
        breaches.append(Breach("region", rule, rows_of(inputs.wave["region"] == region)))
    return breaches


def list_size_breaches(inputs: Inputs) -> list[Breach]:
    """List sizes outside the smallest-to-largest PCN of the respondent's region in the frame."""
    ranges = inputs.frame.groupby("region")["registered_patients"].agg(["min", "max"])
    sizes = inputs.list_sizes
    breaches = []
    for region, (low, high) in ranges.iterrows():
        outside = (inputs.wave["region"] == region) & sizes.notna() & ((sizes < low) | (sizes > high))
        if outside.any():
            rule = (
                f"a list size must lie within the frame's range for the region ({region}: {low:,} to {high:,} "
                "registered patients)"
            )
            breaches.append(
                Breach("pcn_list_size", rule, rows_of(outside), tuple(inputs.wave["pcn_list_size"][outside]))
            )
    return breaches


def frame_year(meta: dict[str, Any]) -> str | None:
    """The frame's year, e.g. '2019-20': its `year`, else the one in its title."""
    if meta.get("year"):
        return str(meta["year"])
    found = re.search(r"\b(\d{4}-\d{2})\b", str(meta.get("title", "")))
    return found.group(1) if found else None


def year_problems(inputs: Inputs, params: config.Params) -> list[str]:
    """The wave's year must be the year the frame starts in (a 2019 wave needs the 2019-20 frame)."""
    wave_year = str(inputs.wave_meta.get("year") or params.wave)
    year = frame_year(inputs.frame_meta)
    frame_meta = shown(inputs.frame_path.with_suffix(".meta.yml"))
    if not inputs.frame_meta:
        return [
            f"{frame_meta}: not found: the frame needs its provenance record, whose `year` is checked against the wave's"
        ]
    if year is None:
        return [f"{frame_meta}: no `year` (e.g. 2019-20): the frame's year cannot be checked against the wave's"]
    if not year.startswith(wave_year):
        source = (
            "`year` in " + str(shown(inputs.wave_path.with_suffix(".meta.yml")))
            if inputs.wave_meta.get("year")
            else "the wave parameter"
        )
        return [
            f"{shown(inputs.wave_path)}: the wave's year {wave_year} ({source}) must match the frame's year: "
            f"{frame_meta} says {year}; use the frame for the wave's year"
        ]
    return []


def check_wave(inputs: Inputs, params: config.Params) -> list[str]:
    """Every breach between one wave and one frame, as messages naming the file, rows and rule."""
    breaches = region_breaches(inputs) + population_breaches(inputs, params) + list_size_breaches(inputs)
    wave = shown(inputs.wave_path)
    return (
        year_problems(inputs, params)
        + overall_problems(inputs)
        + [f"{wave}: {breach.describe()}" for breach in breaches]
    )


def check(params: config.Params, root: Path) -> list[str]:
    """The wave and its own year's frame, as the parameters resolve them (none: nothing to check)."""
    if params.frame_file is None:
        return []
    inputs = read_inputs(root / params.survey_path, root / params.frame_file, root / params.codebook)
    if inputs is None:
        return []
    return check_wave(inputs, params)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check the survey wave against the reference frame.")
    parser.add_argument("--params", default=None, help="parameters file (default: params.yml at the project root)")
    parser.add_argument("--wave", default=None, help="the wave to check (default: params.yml's)")
    args = parser.parse_args(argv)
    params = config.load(args.params, wave=args.wave)
    root = config.find_root(Path(args.params).resolve().parent if args.params else None)
    problems = check(params, root)
    if problems:
        print(
            f"crosscheck: the inputs contradict each other ({ROW_CONVENTION}):\n  " + "\n  ".join(problems),
            file=sys.stderr,
        )
        return 1
    print(f"crosscheck: {params.survey_path} agrees with its frame")
    return 0


if __name__ == "__main__":
    sys.exit(main())
