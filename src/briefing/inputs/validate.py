"""Read one survey wave's CSV, check it against the codebook, and return it typed.

Every number in the briefing comes from this table, so a bad file must stop the build with a message a person
can act on: the file, and for each breach the column, the rule and the rows. All breaches are reported at once.
The checks are a pandera schema built from the codebook, so the codebook stays the single description.

Conventions:
* rows are numbered as a spreadsheet shows them: the header is row 1, the first respondent is row 2
  (quoted free text spanning several lines does not shift the numbering);
* the file must be UTF-8 (a BOM and Windows line endings are fine). A file in another encoding (typically
  Windows-1252 from Excel's plain "CSV" export) is rejected, not guessed at, because a wrong guess silently
  changes answers; the error names the file and the line, and says how to re-save it;
* columns the codebook does not know are ignored with a warning; codebook columns missing from the file fail.

CLI: python -m briefing.inputs.validate [--params params.yml]  (exit 0 and a one-line summary, or 1 and the error).
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pandas as pd
import pandera.pandas as pa

from briefing import config
from briefing.inputs.codebook import Codebook, CodebookError, Question, load_codebook

ROWS_SHOWN = 10  # rows listed per breach before "and N more"
FIRST_DATA_ROW = 2  # spreadsheet row of the first respondent (the header is row 1)
ROW_CONVENTION = "rows numbered as in a spreadsheet: the header is row 1, the first respondent row 2"


class SurveyValidationError(ValueError):
    """A survey file breaks the codebook's rules; the message lists every breach."""


@dataclass(frozen=True)
class Breach:
    column: str
    rule: str
    rows: tuple[int, ...] = ()  # spreadsheet row numbers
    values: tuple[str, ...] = ()  # the offending values, aligned with rows (empty when not useful)

    def describe(self) -> str:
        head = f"column {self.column!r} breaks the rule: {self.rule}"
        if not self.rows:
            return head
        if self.values:
            shown = [f"{row} ({value!r})" for row, value in zip(self.rows[:ROWS_SHOWN], self.values)]
        else:
            shown = [str(row) for row in self.rows[:ROWS_SHOWN]]
        more = f" and {len(self.rows) - ROWS_SHOWN} more" if len(self.rows) > ROWS_SHOWN else ""
        noun = "row" if len(self.rows) == 1 else "rows"
        return f"{head}; {noun} {', '.join(shown)}{more}"


def fail(path: Path, problem: str) -> SurveyValidationError:
    return SurveyValidationError(f"{path}: {problem}")


# --- reading --------------------------------------------------------------------------------------------------
def decode(path: Path) -> str:
    """The file's text: UTF-8 with or without a BOM; anything else is an error saying where and how to fix it."""
    if not path.is_file():
        raise FileNotFoundError(f"{path}: survey file not found")
    data = path.read_bytes()
    if not data.strip():
        raise fail(path, "the file is empty (0 bytes or only blank space); expected a header row and respondents")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        byte = data[error.start : error.start + 1]
        raise fail(
            path,
            f"not UTF-8 text: byte 0x{byte.hex()} on line {line}{column_of(data, error.start)} (in Windows-1252 that is "
            f"{byte.decode('cp1252', errors='replace')!r}). The file was probably saved as Windows-1252/Latin-1; "
            "re-save it as 'CSV UTF-8' (Excel) or convert it, e.g. iconv -f WINDOWS-1252 -t UTF-8",
        ) from None


def column_of(data: bytes, offset: int) -> str:
    """', column `name`' for the CSV field holding byte `offset` (read leniently: the bytes are not UTF-8)."""
    text = data.decode("utf-8", errors="replace")
    header = next(csv.reader(io.StringIO(text)), [])
    line_start = data.rfind(b"\n", 0, offset) + 1
    before = data[line_start:offset].decode("utf-8", errors="replace")
    index = len(next(csv.reader(io.StringIO(before + "x")), [""])) - 1
    return f", column `{header[index].strip()}`" if 0 <= index < len(header) and line_start > 0 else ""


def data_rows(text: str, path: Path) -> int:
    """The number of data rows (records after the header; blank lines skipped, as the table reader skips them),
    once every record is well formed: a quote left open, text after a closing quote, or a row whose number of
    fields is not the header's is an error naming the row and the line it starts on."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    width, rows, line, odd = None, 0, 0, []
    try:
        for fields in reader:
            start, line = line + 1, reader.line_num
            if not fields:
                continue
            rows += 1
            if width is None:
                width = len(fields)
            elif len(fields) != width:
                odd.append(RaggedRow(rows, start, len(fields), line - start + 1))
    except csv.Error as error:
        raise fail(path, malformed(rows + 1, line + 1, str(error))) from None
    if odd:
        raise fail(path, ragged(odd, width, rows))
    return max(rows - 1, 0)


@dataclass(frozen=True)
class RaggedRow:
    row: int  # spreadsheet row (the header is row 1)
    line: int  # the line it starts on
    fields: int
    lines: int  # how many lines it spans (a quoted value may hold line breaks)

    def describe(self) -> str:
        spans = (
            f", running over {self.lines} lines: a quote opened in it is not closed where it should be"
            if self.lines > 1
            else ""
        )
        return f"row {self.row} (line {self.line}) has {self.fields} fields{spans}"


def malformed(row: int, line: int, problem: str) -> str:
    if "unexpected end of data" in problem:
        return (
            f"row {row}, from line {line}: a quoted value is never closed, so the file ends inside quotes; "
            'close the quote (a quote inside a quoted value is written twice: "")'
        )
    if "expected after" in problem:
        return (
            f"row {row} (line {line}): text follows a closing quote before the next comma; put the whole value in "
            'quotes and write each quote inside it twice ("")'
        )
    return f"row {row} (line {line}): not well-formed CSV ({problem})"


def ragged(odd: list[RaggedRow], width: int, rows: int) -> str:
    """Rows whose number of fields is not the header's: the whole file one off (the header lacks a name), or some."""
    counts = {r.fields for r in odd}
    if len(odd) == rows - 1 and len(counts) == 1:
        (fields,) = counts
        hint = (
            "a column name is missing from the header row"
            if fields > width
            else "the header names columns the rows do not have"
        )
        return f"the header (row 1) names {width} columns but every row has {fields} fields: {hint}"
    shown = "; ".join(r.describe() for r in odd[:ROWS_SHOWN])
    more = f"; and {len(odd) - ROWS_SHOWN} more" if len(odd) > ROWS_SHOWN else ""
    return f"the header (row 1) names {width} columns, but {shown}{more} (a value holding a comma must be in quotes)"


def parse_csv(text: str, path: Path) -> pd.DataFrame:
    """All cells as stripped text; blank cells as NA."""
    data_rows(text, path)  # well formed, or an error naming the row: never a table shifted by a column
    header = next(csv.reader(io.StringIO(text)), [])
    header = [name.strip() for name in header]
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise fail(path, f"column(s) named more than once in the header: {', '.join(repeated)}")
    try:
        table = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=False)
    except pd.errors.ParserError as error:
        raise fail(path, f"not a well-formed CSV file: {error}") from None
    table.columns = header
    table = table.apply(lambda column: column.str.strip()).replace("", pd.NA).astype(str)
    if table.empty:
        raise fail(path, "the file has a header row but no respondents")
    return table


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


def schema_breaches(table: pd.DataFrame, schema: pa.DataFrameSchema) -> list[Breach]:
    try:
        schema.validate(table, lazy=True)
    except pa.errors.SchemaErrors as errors:
        return breaches_from(errors.failure_cases)
    return []


def breaches_from(failures: pd.DataFrame) -> list[Breach]:
    breaches = []
    for (column, check), cases in failures.groupby(["column", "check"], sort=False, dropna=False):
        cases = cases.sort_values("index")
        rows = tuple(int(i) + FIRST_DATA_ROW for i in cases["index"])
        values = () if check == "not_nullable" else tuple(str(v) for v in cases["failure_case"])
        breaches.append(Breach(str(column), RULE_NAMES.get(check, str(check)), rows, values))
    return breaches


def column_breaches(table: pd.DataFrame, codebook: Codebook, path: Path, wave: str) -> list[Breach]:
    """The wave's columns must be the questions the codebook says it asked: a missing one, or one asked only in
    other waves, is a breach; columns the codebook does not know are warnings."""
    extra = [c for c in table.columns if c not in codebook.questions]
    for column in extra:
        warnings.warn(
            f"{path}: column {column!r} is not in the codebook {codebook.path}; ignored", UserWarning, stacklevel=3
        )
    asked = codebook.asked_in(wave)
    missing = [
        Breach(q.id, f"required column (asked in wave {wave}, says the codebook) is missing from the header")
        for q in asked
        if q.id not in table.columns
    ]
    other_waves = [
        Breach(
            q.id,
            f"the codebook says this question was asked only in wave(s) {', '.join(q.waves or ())}, "
            f"not in wave {wave}: remove the column, or add {wave} to its `waves` in the codebook",
        )
        for q in codebook.questions.values()
        if q.id in table.columns and q not in asked
    ]
    return missing + other_waves


def report(path: Path, codebook: Codebook, breaches: list[Breach], wave: str) -> SurveyValidationError:
    lines = [f"{path}: {len(breaches)} breach(es) of the codebook {codebook.path} for wave {wave} ({ROW_CONVENTION}):"]
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
    """Read a wave's CSV, validate it against the codebook (raising SurveyValidationError listing every breach)
    and return it typed. Unknown columns raise a UserWarning and are dropped."""
    path = Path(path)
    table = parse_csv(decode(path), path)
    breaches = column_breaches(table, codebook, path, str(wave))
    breaches += schema_breaches(table, survey_schema(codebook, str(wave), list(table.columns)))
    if breaches:
        raise report(path, codebook, breaches, str(wave))
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
    args = parser.parse_args(argv)
    try:
        params = config.load(args.params, wave=args.wave)
        root = config.find_root(Path(args.params).resolve().parent if args.params else None)
        codebook = load_codebook(shown(root / params.codebook))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            survey = read_survey(shown(root / params.survey_path), codebook, params.wave)
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
