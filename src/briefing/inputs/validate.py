"""Check one survey wave against the codebook, and return it typed (briefing.inputs.readers reads the file).

Every number in the briefing comes from this table, so a bad file must stop the build with a message a person
can act on: the file, and for each breach the column, the rule and the rows. All breaches are reported at once.
The checks are a pandera schema built from the codebook, so the codebook stays the single description.

Conventions:
* rows are numbered as the source shows them: in a CSV the header is row 1 and the first respondent row 2 (quoted
  free text spanning several lines does not shift the numbering; a platform's second and third header rows do);
  in a workbook the sheet's own row numbers; in an SPSS file the case number;
* a CSV must be UTF-8 (a BOM and Windows line endings are fine) unless its .meta.yml declares its `encoding:`. A
  file in another encoding (typically Windows-1252 from Excel's plain "CSV" export) is rejected, not guessed at,
  because a wrong guess silently changes answers; the error names the file and the line, and says how to fix it;
* a column is named by the question id, and by the export's own column where the codebook maps one (`source:`);
* columns the codebook does not know are ignored with a warning, those it marks `personal:` silently; codebook
  columns missing from the file fail.

CLI: python -m briefing.inputs.validate [--params params.yml]  (exit 0 and a one-line summary, or 1 and the error).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from briefing import config
from briefing.inputs import readers, validated
from briefing.inputs.codebook import Codebook, CodebookError, Question, load_codebook
from briefing.inputs.readers import (  # noqa: F401  (the CSV checks, as validation named them before)
    SurveyValidationError,
    data_rows,
    decode,
    fail,
)

ROWS_SHOWN = 10  # rows listed per breach before "and N more"
FIRST_DATA_ROW = 2  # spreadsheet row of the first respondent (the header is row 1)
ROW_CONVENTION = "rows numbered as in a spreadsheet: the header is row 1, the first respondent row 2"


@dataclass(frozen=True)
class Breach:
    column: str
    rule: str
    rows: tuple[int, ...] = ()  # spreadsheet row numbers
    values: tuple[str, ...] = ()  # the offending values, aligned with rows (empty when not useful)
    source: str = ""  # where the column is in the export, when more than its name ("sheet 'Data' column C ...")

    def describe(self) -> str:
        head = f"column {self.column!r}{f' ({self.source})' if self.source else ''} breaks the rule: {self.rule}"
        if not self.rows:
            return head
        if self.values:
            shown = [f"{row} ({value!r})" for row, value in zip(self.rows[:ROWS_SHOWN], self.values, strict=False)]
        else:
            shown = [str(row) for row in self.rows[:ROWS_SHOWN]]
        more = f" and {len(self.rows) - ROWS_SHOWN} more" if len(self.rows) > ROWS_SHOWN else ""
        noun = "row" if len(self.rows) == 1 else "rows"
        return f"{head}; {noun} {', '.join(shown)}{more}"


# --- the schema, from the codebook ----------------------------------------------------------------------------
def as_number(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values, errors="coerce")


def listed(values: list[str], limit: int = 8) -> str:
    shown = ", ".join(repr(v) for v in values[:limit])
    return shown + (f", ... ({len(values)} in all)" if len(values) > limit else "")


def choice_checks(question: Question, separator: str, wave: str) -> list[pa.Check]:
    """Answers as the wave's export words them (the codebook's `exported` wording for that wave, if any)."""
    values = question.values(wave)
    allowed = set(values)
    if question.type == "multiple_choice":

        def members_allowed(value: str) -> bool:
            return all(member.strip() in allowed for member in value.split(separator) if member.strip())

        rule = f"each {separator!r}-separated choice must be one of {listed(values)}"
        return [pa.Check(members_allowed, element_wise=True, error=rule)]
    return [pa.Check(lambda s: s.isin(allowed), error=f"answer must be one of {listed(values)}")]


def numeric_checks(question: Question) -> list[pa.Check]:
    checks = [pa.Check(lambda s: as_number(s).notna(), error="must be a number")]
    if question.integer:
        checks.append(pa.Check(lambda s: as_number(s).isna() | (as_number(s) % 1 == 0), error="must be a whole number"))
    low = -float("inf") if question.min is None else question.min
    high = float("inf") if question.max is None else question.max
    if question.min is not None or question.max is not None:
        rule = f"must be between {question.min} and {question.max}"
        checks.append(pa.Check(lambda s: as_number(s).isna() | as_number(s).between(low, high), error=rule))
    return checks


def question_checks(question: Question, codebook: Codebook, wave: str) -> list[pa.Check]:
    builders: dict[str, Callable[[], list[pa.Check]]] = {
        "wave": lambda: [pa.Check(lambda s: s == wave, error=f"wave label must be the requested wave {wave!r}")],
        "numeric": lambda: numeric_checks(question),
        "single_choice": lambda: choice_checks(question, codebook.separator, wave),
        "likert": lambda: choice_checks(question, codebook.separator, wave),
        "multiple_choice": lambda: choice_checks(question, codebook.separator, wave),
    }
    return builders.get(question.type, list)()


def survey_schema(codebook: Codebook, wave: str, columns: list[str]) -> pa.DataFrameSchema:
    """A pandera schema for the codebook's questions present in `columns` (missing ones are reported apart)."""
    return pa.DataFrameSchema(
        {
            q.id: pa.Column(
                str,
                nullable=not q.required,
                unique=q.type == "id",
                checks=question_checks(q, codebook, wave),
                report_duplicates="all",
            )
            for q in codebook.asked_in(wave)
            if q.id in columns
        },
        strict=False,
    )


# --- breaches -------------------------------------------------------------------------------------------------
RULE_NAMES = {
    "not_nullable": "an answer is required (blank cell)",
    "field_uniqueness": "respondent ids must be unique (each repeated id is listed)",
}


def schema_breaches(
    table: pd.DataFrame, schema: pa.DataFrameSchema, row_numbers: tuple[int, ...] | None = None
) -> list[Breach]:
    try:
        schema.validate(table, lazy=True)
    except pa.errors.SchemaErrors as errors:
        return breaches_from(errors.failure_cases, row_numbers)
    return []


def breaches_from(failures: pd.DataFrame, row_numbers: tuple[int, ...] | None = None) -> list[Breach]:
    breaches = []
    for (column, check), cases in failures.groupby(["column", "check"], sort=False, dropna=False):
        cases = cases.sort_values("index")
        rows = tuple(int(i) + FIRST_DATA_ROW if row_numbers is None else row_numbers[int(i)] for i in cases["index"])
        values = () if check == "not_nullable" else tuple(str(v) for v in cases["failure_case"])
        breaches.append(Breach(str(column), RULE_NAMES.get(check, str(check)), rows, values))
    return breaches


def column_breaches(read: readers.QuestionTable, codebook: Codebook, path: Path, wave: str) -> list[Breach]:
    """The wave's columns must be the questions the codebook says it asked: a missing one, or one asked only in
    other waves, is a breach; export columns the codebook does not know are warnings."""
    for column in read.unknown:
        warnings.warn(f"{path}: {column} is not in the codebook {codebook.path}; ignored", UserWarning, stacklevel=3)
    asked = codebook.asked_in(wave)
    missing = [
        Breach(
            q.id,
            f"required column (asked in wave {wave}, says the codebook) is missing from the header{near(q, read)}",
        )
        for q in asked
        if q.id not in read.table.columns
    ]
    other_waves = [
        Breach(
            q.id,
            f"the codebook says this question was asked only in wave(s) {', '.join(q.waves or ())}, "
            f"not in wave {wave}: remove the column, or add {wave} to its `waves` in the codebook",
        )
        for q in codebook.questions.values()
        if q.id in read.table.columns and q not in asked
    ]
    return missing + other_waves


def near(question: Question, read: readers.QuestionTable) -> str:
    """For a question read from a named export column: the name looked for, and the nearest there is."""
    if not question.source:
        return ""
    names = " or ".join(map(repr, question.source))
    return f" (its `source:` {names} names no column of the export's header rows{readers.nearest_name(question, read)})"


def with_sources(breaches: list[Breach], sources: dict[str, str]) -> list[Breach]:
    """Each breach's column as the user finds it in the export, where that is more than the question id."""
    return [dataclasses.replace(b, source=sources.get(b.column, "")) for b in breaches]


def report(
    path: Path, codebook: Codebook, breaches: list[Breach], wave: str, convention: str = ROW_CONVENTION
) -> SurveyValidationError:
    lines = [f"{path}: {len(breaches)} breach(es) of the codebook {codebook.path} for wave {wave} ({convention}):"]
    lines += [f"  - {b.describe()}" for b in breaches]
    return SurveyValidationError("\n".join(lines))


# --- typing ---------------------------------------------------------------------------------------------------
def canonical_answers(values: pd.Series, question: Question, wave: str, separator: str) -> pd.Series:
    """Answers the wave's export words differently, mapped (by the codebook, not code) to the canonical value."""
    mapping = question.canonical(wave)
    if not mapping:
        return values
    if question.type == "multiple_choice":

        def members(text):
            if pd.isna(text):
                return text
            return separator.join(mapping.get(m.strip(), m.strip()) for m in text.split(separator) if m.strip())

        return values.map(members)
    return values.map(lambda v: mapping.get(v, v) if not pd.isna(v) else v)


def typed(table: pd.DataFrame, codebook: Codebook, wave: str | None = None) -> pd.DataFrame:
    """The wave's codebook columns in codebook order, answers in canonical wording: choices as ordered
    categoricals, numbers as Int64/Float64, text as str."""
    columns = {}
    for q in codebook.asked_in(wave):
        values = table[q.id] if wave is None else canonical_answers(table[q.id], q, wave, codebook.separator)
        if q.type in ("single_choice", "likert"):
            values = pd.Categorical(values, categories=q.values(), ordered=True)
        elif q.type == "numeric":
            values = as_number(values).astype("Int64" if q.integer else "Float64")
        columns[q.id] = values
    return pd.DataFrame(columns, index=table.index)


def read_survey(path: str | Path, codebook: Codebook, wave: str) -> pd.DataFrame:
    """Read a wave's file (CSV, workbook or SPSS: briefing.inputs.readers), validate it against the codebook
    (raising SurveyValidationError listing every breach) and return it typed. Unknown columns raise a UserWarning
    and are dropped; personal ones are dropped unread."""
    path = Path(path)
    read = readers.question_table(readers.read_export(path), codebook, str(wave))
    table = read.table
    breaches = column_breaches(read, codebook, path, str(wave))
    schema = survey_schema(codebook, str(wave), list(table.columns))
    breaches += schema_breaches(table, schema, read.row_numbers)
    if breaches:
        raise report(path, codebook, with_sources(breaches, read.sources), str(wave), read.convention)
    return typed(table, codebook, str(wave))


# --- CLI ------------------------------------------------------------------------------------------------------
def shown(path: Path) -> Path:
    """A path relative to the working directory when it lies below it (shorter messages)."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Validate the survey wave named by params.yml against the codebook.")
    parser.add_argument("--params", default=None, help="parameters file (default: params.yml at the project root)")
    parser.add_argument("--wave", default=None, help="validate this wave instead of params.yml's")
    parser.add_argument("--typed", default=None, type=Path, help="keep the wave (and its frame), typed, in this file")
    args = parser.parse_args(argv)
    try:
        params = config.load(args.params, wave=args.wave)
        root = config.find_root(Path(args.params).resolve().parent if args.params else None)
        codebook = load_codebook(shown(root / params.codebook))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            survey = read_survey(shown(root / params.survey_path), codebook, params.wave)
        if args.typed:  # the one read of the raw files: what later stages read instead (inputs/validated.py)
            frame = validated.load_frame(root / params.frame_file, codebook) if params.frame_file else None
            validated.write(args.typed, survey, frame)
    except (SurveyValidationError, CodebookError, FileNotFoundError, ValueError) as error:
        print(f"validate: {error}", file=sys.stderr)
        return 1
    for warning in caught:
        print(f"validate: warning: {warning.message}", file=sys.stderr)
    print(
        f"validate: {shown(root / params.survey_path)} is valid against {codebook.path}: wave {params.wave}, "
        f"{len(survey)} rows, {len(survey.columns)} columns, {len(caught)} warning(s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
