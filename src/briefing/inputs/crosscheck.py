"""Inputs checked against each other, before any notebook runs: a survey wave against the reference frame of the
units it speaks for (the codebook's `population: frame:`).

Validation (briefing.inputs.validate) checks each file on its own; these rules need two files at once, and read
the frame's columns through the codebook's `match:` (survey question -> frame column):

* a wave cannot have more respondents than its frame's units times `respondents_per_unit` (where the codebook
  declares it): overall, per answer of each matched choice question, and per part of each partition whose
  question is matched;
* every answer of a matched choice question is a value of its frame column;
* a matched numeric answer lies within the frame's range (for the respondent's answer to the first matched choice
  question, where there is one);
* the wave's year (its .meta.yml `year`, else the wave parameter) falls in the frame's year (its `year`, e.g. 2019-20).

Each breach names the file, the rows (numbered as in a spreadsheet: header row 1) or the record, and the rule; all
are reported at once. The checks read only the matched columns of the wave, so they take a fraction of a second
even for a file far larger than any real wave; they run first, so an impossible file fails at once rather than
inside a notebook. `check_wave` takes one wave and one frame, so it can be called once per wave.

CLI: python -m briefing.inputs.crosscheck [--params params.yml]  (exit 0 and a summary, or 1 and the breaches).
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from briefing import config, yamlfile
from briefing.inputs import readers
from briefing.inputs.codebook import Codebook, Frame, load_codebook
from briefing.inputs.validate import FIRST_DATA_ROW, ROW_CONVENTION, Breach, shown


class CrossCheckError(ValueError):
    """Inputs that are each valid but contradict each other; the message lists every breach."""


@dataclass(frozen=True)
class Inputs:
    """One wave and the frame it is read against, with their .meta.yml records and the codebook that maps them."""

    wave_path: Path
    wave: pd.DataFrame  # the wave's matched columns, as text
    wave_meta: dict[str, Any]
    frame_path: Path
    frame: pd.DataFrame  # the frame's matched columns, renamed to the questions they match
    frame_meta: dict[str, Any]
    codebook: Codebook

    @property
    def spec(self) -> Frame:
        return self.codebook.population.frame

    def matched(self, *types: str) -> list[str]:
        """The matched questions of these types, in the codebook's order."""
        return [q for q in self.spec.match if self.codebook.questions[q].type in types]

    def numbers(self, question: str) -> pd.Series:
        """A numeric answer as numbers; what is not a number is left to validation (NaN here)."""
        return pd.to_numeric(self.wave[question], errors="coerce")

    @property
    def rule(self) -> str:
        unit, per = self.spec.unit, self.spec.respondents_per_unit
        return (
            f"respondents cannot outnumber the {unit.plural} they speak for "
            f"({per} {self.codebook.respondents.singular if per == 1 else self.codebook.respondents.plural} "
            f"per {unit.singular})"
        )

    def capacity(self, units: int) -> int:
        return units * self.spec.respondents_per_unit


def meta_of(path: Path) -> dict[str, Any]:
    return yamlfile.load_mapping(path.with_suffix(".meta.yml"), "provenance record", missing_ok=True)


def read_inputs(wave_path: Path, frame_path: Path, codebook: Codebook) -> Inputs | None:
    """The matched columns; None when the wave cannot be read that far (validation then says why)."""
    match = codebook.population.frame.match
    try:
        wave = pd.read_csv(
            wave_path, usecols=list(match), dtype=str, keep_default_na=False, encoding="utf-8-sig"
        ).astype("category")  # categories: fast even at a million rows
    except (UnicodeDecodeError, ValueError, pd.errors.ParserError):
        wave = exported_columns(wave_path, codebook, list(match))  # a platform's export: read by its reader
        if wave is None:
            return None
    frame = pd.read_csv(frame_path, usecols=list(match.values()))
    frame = frame.rename(columns={column: question for question, column in match.items()})[list(match)]
    return Inputs(wave_path, wave, meta_of(wave_path), frame_path, frame, meta_of(frame_path), codebook)


def exported_columns(wave_path: Path, codebook: Codebook, questions: list[str]) -> pd.DataFrame | None:
    """The matched columns of a workbook, an SPSS file or a platform's CSV, found by the codebook's map."""
    try:
        export = readers.read_export(wave_path)
        table = readers.question_table(export, codebook).table[questions]
    except (ValueError, KeyError, OSError):  # unreadable or unmapped: validation names the file and the column
        return None
    table.index = [row - FIRST_DATA_ROW for row in export.row_numbers]  # rows_of then names the source's rows
    return table.fillna("").astype("category")


def rows_of(mask: pd.Series) -> tuple[int, ...]:
    return tuple(int(i) + FIRST_DATA_ROW for i in mask[mask].index)


def overall_problems(inputs: Inputs) -> list[str]:
    """More respondents than the whole frame's units can give."""
    if inputs.spec.respondents_per_unit is None:
        return []
    respondents, units = len(inputs.wave), len(inputs.frame)
    if respondents <= inputs.capacity(units):
        return []
    last = respondents + FIRST_DATA_ROW - 1
    return [
        f"{shown(inputs.wave_path)}: rows {FIRST_DATA_ROW} to {last:,} are {respondents:,} respondents, but the "
        f"frame {shown(inputs.frame_path)} has {units:,} {inputs.spec.unit.plural}: {inputs.rule}"
    ]


def population_breaches(inputs: Inputs) -> list[Breach]:
    """More respondents than units for an answer of a matched choice question, or in a part of a partition."""
    if inputs.spec.respondents_per_unit is None:
        return []
    wave, frame, units = inputs.wave, inputs.frame, inputs.spec.unit.plural
    breaches = []
    for question in inputs.matched("single_choice", "likert"):
        in_frame = frame[question].astype(str).value_counts()
        for value, count in wave[question].value_counts().items():
            if count and value in in_frame and count > inputs.capacity(in_frame[value]):
                rule = f"{inputs.rule}: {count:,} respondents answered {value}, and the frame has {in_frame[value]:,} {units} there"
                breaches.append(Breach(question, rule, rows_of(wave[question] == value)))
    for partition in inputs.codebook.partitions.values():
        question = partition.question
        if question not in inputs.spec.match:
            continue
        numbers = inputs.numbers(question)
        wave_parts, frame_parts = (
            partition.assign(pd.DataFrame({question: values})).value_counts()
            for values in (numbers[numbers.notna()], frame[question])
        )
        for part, count in wave_parts.items():
            label = inputs.codebook.subgroups[part].label if part in inputs.codebook.subgroups else part
            if count > inputs.capacity(frame_parts.get(part, 0)):
                rule = f"{inputs.rule}: {count:,} respondents are among {label}, and the frame has {frame_parts.get(part, 0):,}"
                breaches.append(Breach(question, rule))
    return breaches


def value_breaches(inputs: Inputs) -> list[Breach]:
    """Answers of a matched choice question that the frame's column does not have."""
    breaches = []
    for question in inputs.matched("single_choice", "likert"):
        known = set(inputs.frame[question].astype(str))
        column = inputs.wave[question]
        unknown = ~column.isin(known) & (column != "")
        for value in sorted(set(column[unknown])):
            rule = (
                f"every answer must be a value of the frame {shown(inputs.frame_path)}'s "
                f"{inputs.spec.match[question]!r}; {value!r} is not (the frame's: {', '.join(sorted(known))})"
            )
            breaches.append(Breach(question, rule, rows_of(column == value)))
    return breaches


def range_breaches(inputs: Inputs) -> list[Breach]:
    """Numeric answers outside the frame's smallest-to-largest unit (for the respondent's group, where matched)."""
    groups = inputs.matched("single_choice", "likert")[:1]
    breaches = []
    for question in inputs.matched("numeric"):
        numbers = inputs.numbers(question)
        frame = inputs.frame.assign(_all="all")
        by = groups[0] if groups else "_all"
        wave_group = inputs.wave[by] if groups else pd.Series("all", index=inputs.wave.index)
        for group, (low, high) in frame.groupby(by)[question].agg(["min", "max"]).iterrows():
            outside = (wave_group == str(group)) & numbers.notna() & ((numbers < low) | (numbers > high))
            if outside.any():
                where = f" for {group}" if groups else ""
                rule = f"an answer must lie within the frame's range{where} ({low:,} to {high:,})"
                breaches.append(Breach(question, rule, rows_of(outside), tuple(inputs.wave[question][outside])))
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
    breaches = value_breaches(inputs) + population_breaches(inputs) + range_breaches(inputs)
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
    inputs = read_inputs(root / params.survey_path, root / params.frame_file, load_codebook(root / params.codebook))
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
