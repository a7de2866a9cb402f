"""The one reading home for a survey wave: whatever a survey platform exported, a table of text cells.

A wave may be
* a CSV file: UTF-8 (a BOM and Windows line endings are fine), or the `encoding:` its .meta.yml declares;
* an Excel workbook (.xlsx, read with openpyxl): the `sheet:` its .meta.yml names, else the first sheet;
* an SPSS file (.sav, read with pyreadstat): value labels become the answers (a value with no label is an error),
  variable labels the wordings;
and a CSV or workbook may have the header rows of a platform (the .meta.yml's `layout:`, else recognised):
* `surveymonkey`: question texts in row 1, answer options in row 2 ("Response", "Open-Ended Response" for a
  one-column question), one column per option of a multiple-choice question (a ticked option holds its text);
* `qualtrics`: question ids in row 1, question texts in row 2, `{"ImportId": ...}` in row 3;
* `single`: one header row (the project's own layout).

`read_export` reads a file as its platform wrote it (columns with their names, options and labels, and the row
numbers a person sees in the source). `question_table` maps it onto the codebook: each question's column is the
export column named by its `source:` (header text, question id, question text or SPSS variable name; default: the
question id); the columns of a SurveyMonkey multiple-choice question are folded into one, its options joined by the
codebook's separator; the columns the codebook marks `personal:` are dropped first, so they never reach a table;
a wave column missing from the export is filled from the .meta.yml's `wave:`.

Every error is one sentence naming the file and the place as the user sees it in the source: the sheet and row of a
workbook, the SPSS variable and case, the CSV line.
"""

from __future__ import annotations

import csv
import dataclasses
import difflib
import functools
import io
import json
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from briefing import yamlfile

if TYPE_CHECKING:
    from briefing.inputs.codebook import Codebook, Question

SUFFIXES = (".csv", ".xlsx", ".sav")
LAYOUTS = ("single", "surveymonkey", "qualtrics")
HEADER_ROWS = {"single": 1, "surveymonkey": 2, "qualtrics": 3}
ONE_COLUMN_OPTIONS = {"response", "open-ended response"}  # SurveyMonkey's row 2 over a one-column question
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an encrypted workbook, or an old .xls
ROWS_SHOWN = 10
# A CSV or sheet as rows of cells, the row number a person sees for each, how rows are numbered, and how to name
# the column at an index ("column C").
Grid = tuple[list[list[Any]], list[int], str, Callable[[int], str]]


class SurveyValidationError(ValueError):
    """A survey file cannot be read, or breaks the codebook's rules; the message says where and what to do."""


def fail(path: Path, problem: str) -> SurveyValidationError:
    return SurveyValidationError(f"{path}: {problem}")


@dataclass(frozen=True)
class Column:
    """One column of an export, as the platform wrote it."""

    name: str  # the header text (row 1), or the SPSS variable name
    values: tuple[str | None, ...]  # per respondent: stripped text, None when blank
    where: str  # how a person finds it in the source: "column C", "column 3", "variable Q3"
    option: str | None = None  # SurveyMonkey: the answer option of this column (row 2)
    label: str | None = None  # the question's text: SPSS variable label, Qualtrics row 2
    aliases: tuple[str, ...] = ()  # other names it answers to (Qualtrics ImportId)
    answers: tuple[str, ...] = ()  # SPSS: the value labels in code order (the answers and their order)

    def names(self) -> tuple[str, ...]:
        return tuple(n for n in (self.name, self.label, *self.aliases) if n)

    def shown(self) -> str:
        """'sheet 'Data' column C ('Your role?')', 'variable Q1 ('Your role?')': where it is, and its header."""
        heading = self.label if self.where.endswith(f" {self.name}") else self.name  # SPSS: its label
        option = f", option {self.option!r}" if self.option else ""
        return f"{self.where} ({heading!r}{option})" if heading else self.where


@dataclass(frozen=True)
class Export:
    """A wave file read as its platform wrote it."""

    path: Path  # as shown in messages
    columns: tuple[Column, ...]
    row_numbers: tuple[int, ...]  # per respondent: the row (sheet row, CSV record, SPSS case) a person sees
    convention: str  # how rows are numbered, for messages
    layout: str = "single"
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return len(self.row_numbers)


# --- the .meta.yml's reading keys ------------------------------------------------------------------------------
def reading_keys(path: Path) -> dict[str, Any]:
    """The wave's .meta.yml (optional here): `encoding`, `sheet`, `layout`, `wave`, `separator` (the export's own
    separator of multiple-choice answers, e.g. Qualtrics's comma)."""
    meta = yamlfile.load_mapping(path.with_suffix(".meta.yml"), "provenance record", missing_ok=True)
    layout = meta.get("layout")
    if layout is not None and layout not in LAYOUTS:
        raise fail(path.with_suffix(".meta.yml"), f"layout must be one of {', '.join(LAYOUTS)}, not {layout!r}")
    return meta


# --- CSV --------------------------------------------------------------------------------------------------------
def decode(path: Path, encoding: str | None = None) -> str:
    """The file's text: UTF-8 with or without a BOM, or the encoding its .meta.yml declares; anything else is an
    error saying where and how to fix it."""
    if not path.is_file():
        raise FileNotFoundError(f"{path}: survey file not found")
    data = path.read_bytes()
    if not data.strip():
        raise fail(path, "the file is empty (0 bytes or only blank space); expected a header row and respondents")
    try:
        return data.decode(encoding or "utf-8-sig")
    except LookupError:
        raise fail(path.with_suffix(".meta.yml"), f"encoding {encoding!r} is not an encoding Python knows") from None
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        byte = data[error.start : error.start + 1]
        if encoding:
            raise fail(
                path, f"not {encoding} text (as its .meta.yml declares): byte 0x{byte.hex()} on line {line}"
            ) from None
        raise fail(
            path,
            f"not UTF-8 text: byte 0x{byte.hex()} on line {line}{column_of(data, error.start)} (in Windows-1252 that is "
            f"{byte.decode('cp1252', errors='replace')!r}). The file was probably saved as Windows-1252/Latin-1; "
            "re-save it as 'CSV UTF-8' (Excel), or declare its encoding in its .meta.yml (encoding: windows-1252)",
        ) from None


def column_of(data: bytes, offset: int) -> str:
    """', column `name`' for the CSV field holding byte `offset` (read leniently: the bytes are not UTF-8)."""
    text = data.decode("utf-8", errors="replace")
    try:
        header = next(csv.reader(io.StringIO(text, newline="")), [])
        line_start = data.rfind(b"\n", 0, offset) + 1
        before = data[line_start:offset].decode("utf-8", errors="replace")
        index = len(next(csv.reader(io.StringIO(before + "x")), [""])) - 1
    except csv.Error:  # not CSV at all: the line is all that can be said
        return ""
    return f", column `{header[index].strip()}`" if 0 <= index < len(header) and line_start > 0 else ""


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


def records(text: str, path: Path) -> list[list[str]]:
    """The CSV's records (blank lines skipped), once every one is well formed: a quote left open, text after a
    closing quote, or a row whose number of fields is not the header's is an error naming the row and its line."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    width, found, line, odd = None, [], 0, []
    try:
        for fields in reader:
            start, line = line + 1, reader.line_num
            if not fields:
                continue
            found.append(fields)
            if width is None:
                width = len(fields)
            elif len(fields) != width:
                odd.append(RaggedRow(len(found), start, len(fields), line - start + 1))
    except csv.Error as error:
        raise fail(path, malformed(len(found) + 1, line + 1, str(error))) from None
    if odd:
        raise fail(path, ragged(odd, width, len(found)))
    return found


def data_rows(text: str, path: Path) -> int:
    """The number of data rows of a one-header CSV (records after the header), once it is well formed."""
    return max(len(records(text, path)) - 1, 0)


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


def read_csv_grid(path: Path, shown: Path, meta: dict) -> Grid:
    grid = records(decode(path, meta.get("encoding")), shown)
    numbers = list(range(1, len(grid) + 1))
    return grid, numbers, "in a spreadsheet", lambda i: f"column {i + 1}"


# --- Excel ------------------------------------------------------------------------------------------------------
def cell_text(value: Any) -> str | None:
    """A workbook cell as the text a CSV export would hold: whole numbers without a decimal point, dates ISO."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        text = value.isoformat()
        return text.removesuffix("T00:00:00")
    return str(value)


def open_workbook(path: Path, shown: Path):
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    head = path.read_bytes()[:8] if path.is_file() else b""
    if head == OLE_MAGIC:
        raise fail(
            shown,
            "the workbook is password-protected (encrypted), or an old .xls file: open it in Excel, remove the "
            "password (File > Info > Protect Workbook) and save it as an Excel workbook (.xlsx)",
        )
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as error:
        raise fail(
            shown,
            f"not a readable Excel workbook ({type(error).__name__}: the file is damaged or not .xlsx): export it "
            "again from the survey tool, or open and re-save it in Excel",
        ) from None


def read_workbook_grid(path: Path, shown: Path, meta: dict) -> Grid:
    from openpyxl.utils import get_column_letter

    book = open_workbook(path, shown)
    try:
        wanted = meta.get("sheet")
        if wanted is not None and str(wanted) not in book.sheetnames:
            raise fail(
                shown,
                f"the workbook has no sheet {str(wanted)!r} (sheets: {', '.join(book.sheetnames)}); correct "
                f"`sheet:` in {shown.with_suffix('.meta.yml').name}",
            )
        sheet = book[str(wanted)] if wanted is not None else book.worksheets[0]
        grid, numbers = [], []
        for number, row in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1):
            cells = [cell_text(v) for v in row]
            if any(c is not None and c.strip() for c in cells):
                grid.append(cells)
                numbers.append(number)
    finally:
        book.close()
    if not grid:
        raise fail(shown, f"sheet {sheet.title!r} is empty; expected a header row and respondents")
    width = max(len(r) for r in grid)
    grid = [r + [None] * (width - len(r)) for r in grid]
    convention = f"as Excel shows them in sheet {sheet.title!r}"
    return grid, numbers, convention, lambda i: f"sheet {sheet.title!r} column {get_column_letter(i + 1)}"


# --- header layouts ---------------------------------------------------------------------------------------------
def recognised_layout(grid: list[list[Any]]) -> str:
    """The platform's header rows, recognised: Qualtrics's ImportId row, SurveyMonkey's answer-option row."""
    if len(grid) > 2 and sum(str(c or "").startswith('{"ImportId"') for c in grid[2]) >= len(grid[2]) / 2:
        return "qualtrics"
    if len(grid) > 1 and any(str(c or "").strip().lower() in ONE_COLUMN_OPTIONS for c in grid[1]):
        return "surveymonkey"
    return "single"


def stripped(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def columns_of_grid(grid, numbers, where, layout: str, shown: Path) -> tuple[tuple[Column, ...], tuple[int, ...]]:
    header_rows = HEADER_ROWS[layout]
    if len(grid) <= header_rows:
        rows = "a header row" if header_rows == 1 else f"its {header_rows} header rows"
        raise fail(shown, f"the file has {rows} but no respondents")
    body = grid[header_rows:]
    columns, heading = [], None
    for i in range(len(grid[0])):
        name = stripped(grid[0][i])
        values = tuple(stripped(r[i]) for r in body)
        if layout == "surveymonkey":
            option = stripped(grid[1][i])
            heading = name or heading  # a multiple-choice question's text heads its first option's column only
            if option and option.lower() in ONE_COLUMN_OPTIONS:
                option = None
            if heading is None:
                raise fail(shown, f"{where(i)} has no question text in row 1 and none before it")
            columns.append(Column(heading, values, where(i), option=option))
            continue
        if name is None:
            if any(values):
                raise fail(shown, f"{where(i)} holds answers but has no name in its header (row {numbers[0]})")
            continue
        if layout == "qualtrics":
            label = stripped(grid[1][i])
            alias = import_id(grid[2][i])
            columns.append(Column(name, values, where(i), label=label, aliases=(alias,) if alias else ()))
        else:
            columns.append(Column(name, values, where(i)))
    return tuple(columns), tuple(numbers[header_rows:])


def import_id(cell: Any) -> str | None:
    try:
        return str(json.loads(cell)["ImportId"])
    except (TypeError, ValueError, KeyError):
        return None


def repeated_names(columns: tuple[Column, ...], shown: Path, layout: str) -> None:
    seen: dict[tuple, Column] = {}
    for column in columns:
        key = (column.name.casefold(), column.option)
        if key in seen:
            raise fail(
                shown,
                f"{seen[key].shown()} and {column.shown()} have the same name in the header: rename one, or drop "
                "the one the survey does not need",
            )
        seen[key] = column


# --- SPSS -------------------------------------------------------------------------------------------------------
def spss_text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return stripped(value)


def read_spss(path: Path, shown: Path, meta: dict) -> Export:
    import pyreadstat

    try:
        table, info = pyreadstat.read_sav(str(path), apply_value_formats=False)
    except Exception as error:  # pyreadstat raises its own ReadstatError and PyreadstatError
        raise fail(shown, f"not a readable SPSS .sav file ({error}): save it again from SPSS as .sav") from None
    columns = []
    for name in table.columns:
        labels = info.variable_value_labels.get(name, {})
        raw = [spss_text(v) for v in table[name].tolist()]
        if labels:
            coded = {spss_text(code): str(label).strip() for code, label in labels.items()}
            unlabelled = [(case, v) for case, v in enumerate(raw, start=1) if v is not None and v not in coded]
            if unlabelled:
                cases = ", ".join(f"case {case} ({value})" for case, value in unlabelled[:ROWS_SHOWN])
                raise fail(
                    shown,
                    f"variable {name}: value(s) with no value label: {cases}; give every value a label in SPSS "
                    "(Variable View, Values), or mark it missing",
                )
            raw = [coded[v] if v is not None else None for v in raw]
            answers = tuple(coded[k] for k in sorted(coded, key=spss_order))
        else:
            answers = ()
        label = stripped(info.column_names_to_labels.get(name))
        columns.append(Column(name, tuple(raw), f"variable {name}", label=label, answers=answers))
    numbers = tuple(range(1, len(table) + 1))
    if not numbers:
        raise fail(shown, "the SPSS file has variables but no cases (respondents)")
    return Export(shown, tuple(columns), numbers, "rows are SPSS cases, numbered from 1", "spss", meta)


def spss_order(code: str) -> tuple:
    try:
        return (0, float(code), "")
    except ValueError:
        return (1, 0.0, code)


# --- reading a file ---------------------------------------------------------------------------------------------
GRID_READERS = {".csv": read_csv_grid, ".xlsx": read_workbook_grid}


def read_export(path: str | Path, shown: Path | None = None, overrides: tuple = ()) -> Export:
    """A wave file read as its platform wrote it (cached by content: a build reads each file once per process).
    `overrides`: reading keys ((key, value) pairs) over its .meta.yml's, for a record not yet written."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{shown or path}: survey file not found")
    stat = path.stat()
    meta_file = path.with_suffix(".meta.yml")
    meta_stat = meta_file.stat() if meta_file.is_file() else None
    key = (stat.st_size, stat.st_mtime_ns, meta_stat and (meta_stat.st_size, meta_stat.st_mtime_ns))
    shown = Path(shown or path)
    try:
        export = _read_export(path.resolve(), key, overrides)
    except SurveyValidationError as error:  # named as the caller names the file
        raise SurveyValidationError(str(error).replace(str(path.resolve()), shown.as_posix())) from None
    return dataclasses.replace(export, path=shown)


@functools.lru_cache(maxsize=8)
def _read_export(path: Path, _stat_key: tuple, overrides: tuple) -> Export:
    shown = path
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise fail(
            shown,
            f"a {suffix or 'suffix-less'} file is not a type this tool reads ({', '.join(SUFFIXES)}): export the "
            "survey as CSV, as an Excel workbook (.xlsx) or as SPSS (.sav)",
        )
    meta = {**reading_keys(path), **dict(overrides)}
    if suffix == ".sav":
        return read_spss(path, shown, meta)
    grid, numbers, convention, where = GRID_READERS[suffix](path, shown, meta)
    layout = meta.get("layout") or recognised_layout(grid)
    columns, numbers = columns_of_grid(grid, numbers, where, layout, shown)
    repeated_names(columns, shown, layout)
    return Export(shown, columns, numbers, row_convention(convention, numbers), layout, meta)


def row_convention(where: str, numbers: tuple[int, ...]) -> str:
    """'rows numbered as in a spreadsheet: the header is row 1, the first respondent row 2', for the layout."""
    first = numbers[0]
    header = "the header is row 1" if first == 2 else f"the header rows are rows 1 to {first - 1}"
    return f"rows numbered {where}: {header}, the first respondent row {first}"


# --- onto the codebook ------------------------------------------------------------------------------------------
def folded(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def answers_to(column: Column, names: set[str]) -> bool:
    return any(folded(n) in names for n in column.names())


@dataclass(frozen=True)
class QuestionTable:
    table: pd.DataFrame  # question id -> text cells (None blank), one row per respondent
    sources: dict[str, str]  # question id -> how a person finds its column in the export
    unknown: tuple[str, ...]  # export columns no question maps (not personal): warned, ignored
    row_numbers: tuple[int, ...]
    convention: str
    names: tuple[str, ...] = ()  # every name an export column answers to (for "the nearest is ...")


def question_table(export: Export, codebook: Codebook, wave: str | None = None) -> QuestionTable:
    """The export's columns as the codebook's questions: personal columns dropped, each question's columns found
    by its `source:` (folded when one per option), the wave filled from the record when the export has no such
    column."""
    personal = {folded(n) for n in codebook.personal}
    ignored = {folded(n) for n in codebook.ignored}
    kept = [c for c in export.columns if not answers_to(c, personal)]
    claimed: dict[int, str] = {}
    table, sources = {}, {}
    for question in codebook.questions.values():
        names = {folded(n) for n in (question.source or (question.id,))}
        found = [c for c in kept if answers_to(c, names)]
        if not found:
            continue
        check_one_column(question, found, export)
        for column in found:
            if id(column) in claimed:
                raise fail(
                    export.path,
                    f"{column.shown()} is the column of questions {claimed[id(column)]!r} and {question.id!r} "
                    "(their `source:` or ids): a column answers one question; correct the codebook's `source:`",
                )
            claimed[id(column)] = question.id
        table[question.id] = column_values(question, found, export, codebook.separator)
        if not (found[0].name == question.id and export.layout == "single" and export.path.suffix == ".csv"):
            sources[question.id] = found[0].shown()
    wave_q = codebook.wave_column
    if wave_q not in table and export.meta.get("wave") is not None:
        table[wave_q] = [str(export.meta["wave"])] * export.rows
        sources[wave_q] = f"`wave:` of {export.path.with_suffix('.meta.yml').name}"
    unknown = tuple(c.shown() for c in kept if id(c) not in claimed and not answers_to(c, ignored))
    frame = pd.DataFrame({qid: pd.Series(v, dtype=str) for qid, v in table.items()}, index=range(export.rows))
    names = tuple(dict.fromkeys(n for c in kept for n in c.names()))
    return QuestionTable(frame, sources, unknown, export.row_numbers, export.convention, names)


def check_one_column(question: Question, found: list[Column], export: Export) -> None:
    """One column per question, or one per option of a multiple-choice question (SurveyMonkey)."""
    options = [c for c in found if c.option]
    if len(found) == 1 and not options:
        return
    if question.type == "multiple_choice" and len(options) == len(found) and len({c.name for c in found}) == 1:
        allowed = set(question.values(None)) | {v for r in question.responses for v in r.exported.values()}
        for column in found:
            if column.option not in allowed:
                raise fail(
                    export.path,
                    f"{column.shown()}: the answer option in the header rows is not one of question "
                    f"{question.id!r}'s answers ({', '.join(sorted(allowed))}): the export's header rows do not "
                    "match the codebook; add the option to its `responses`, or map its wording with `exported:`",
                )
        return
    shown = " and ".join(c.shown() for c in found)
    raise fail(
        export.path,
        f"{shown} both map to question {question.id!r} (its `source:` or id names each): keep one column in the "
        f"export, or make the codebook's `source:` name only one",
    )


def column_values(question: Question, found: list[Column], export: Export, separator: str) -> list[str | None]:
    if found[0].option:  # one column per option: the ticked options, in the export's order
        joined = []
        for i in range(export.rows):
            ticked = [c.option for c in found if c.values[i] is not None]
            joined.append(separator.join(ticked) if ticked else None)
        return joined
    values = list(found[0].values)
    theirs = export.meta.get("separator")
    if question.type == "multiple_choice" and theirs and theirs != separator:
        values = [None if v is None else separator.join(p.strip() for p in v.split(theirs)) for v in values]
    return values


def nearest_name(question: Question, read: QuestionTable) -> str:
    """For a question whose `source:` names no column: the export's nearest column name, for the message."""
    close = difflib.get_close_matches(question.source[0], read.names, n=1, cutoff=0.6) if question.source else []
    return f"; the nearest is {close[0]!r}" if close else ""
