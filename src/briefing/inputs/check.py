"""The input gate for a build's waves, in one process. First each data file is read as a file: the wave as its platform
exported it (briefing.inputs.readers: a well-formed CSV in UTF-8 or its declared encoding, a readable workbook and
sheet, an SPSS file whose values all have labels) and its frame as well-formed UTF-8 CSV (every row as wide as the
header, no quote left open), each holding the number of rows its .meta.yml `rows:` says. Then the wave against its frame (crosscheck: two columns, so it fails at once even on a huge
file), then the wave against the codebook (validate), which keeps each wave's validated, typed copy for the stages
after it (`--typed`, inputs/validated.py). Each error is one sentence naming the file, the row or column and the rule,
never a traceback.

Usage (the build's validation step):
  python -m briefing.inputs.check --params P --wave W --typed T [--wave W2 --typed T2 ...]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
from pathlib import Path

from briefing import config, yamlfile
from briefing.inputs import crosscheck, readers, survey, validate


def meta_rows_problem(data_file: Path, rows: int, shown: Path) -> str | None:
    """The file's .meta.yml may state its `rows:`; when it does, the file must hold that many data rows."""
    meta = data_file.with_suffix(".meta.yml")
    stated = yamlfile.load_mapping(meta, "provenance record", missing_ok=True).get("rows")
    if stated is None:
        return None
    meta_shown = shown.with_suffix(".meta.yml")
    if isinstance(stated, bool) or not isinstance(stated, int) or stated < 0:
        return f"{meta_shown}: rows must be the number of data rows in {shown.name} (a whole number), not {stated!r}"
    if stated != rows:
        return (
            f"{meta_shown}: rows: {stated:,}, but {shown} has {rows:,} data rows: the record describes another "
            "version of the file; use the file it describes, or correct the record"
        )
    return None


def rows_in(path: Path, relative: str, is_wave: bool) -> int:
    """A data file's respondents (the wave, read by its reader) or data rows (the frame, a CSV)."""
    if is_wave:
        return readers.read_export(path, Path(relative)).rows
    return validate.data_rows(validate.decode(path), Path(relative))


def file_problems(root: Path, params: config.Params) -> list[str]:
    """The wave and its frame (where the survey has one), each read as a file, as many rows as their records say."""
    problems = []
    for relative in filter(None, (params.survey_path, params.frame_file)):
        path = root / relative
        if not path.is_file():
            problems.append(f"{relative}: not found")
            continue
        try:
            rows = rows_in(path, relative, relative == params.survey_path)
        except validate.SurveyValidationError as error:
            problems.append(str(error).replace(str(path), relative, 1))
            continue
        problems += filter(None, [meta_rows_problem(path, rows, Path(relative))])
    if not problems:
        problems += filter(None, [survey.wave_column_problem(root, params.survey_path, params.wave)])
    codebook_meta = Path(params.codebook).with_suffix(".meta.yml")
    try:  # the codebook's provenance record, which the briefing cites: present and readable now, not at the end
        survey.read_meta(root / codebook_meta, codebook_meta)
    except survey.WaveError as error:
        problems.append(str(error))
    return problems


def run(params_file: str | None, wave: str | None, typed_copy: str | None = None) -> int:
    params = config.load(params_file, wave=wave)
    root = config.find_root(Path(params_file).resolve().parent if params_file else None)
    survey.check_frame(root, survey.wave_inputs(root, params, params.wave))
    problems = file_problems(root, params)
    if problems:
        print("check: " + "\n  ".join(problems), file=sys.stderr)
        return 1
    common = [*(["--params", params_file] if params_file else []), *(["--wave", wave] if wave else [])]
    with contextlib.redirect_stdout(io.StringIO()):  # its "agrees" line: validate's line says the wave is good
        agrees = crosscheck.main(common) == 0
    return validate.main([*common, *(["--typed", typed_copy] if typed_copy else [])]) if agrees else 1


def run_one(params_file: str | None, wave: str | None, typed_copy: str | None = None) -> int:
    try:
        return run(params_file, wave, typed_copy)
    except (ValueError, OSError) as error:  # parameters, YAML, unreadable files: one sentence, no traceback
        print(f"check: {error}", file=sys.stderr)
        return 1


def main(argv: list[str] | None = None) -> int:
    """Every wave named (`--wave` once per wave; none: the parameters' own), in one process, so a build's waves
    pay the imports once; each is checked even when another fails, so every failing file is named."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--params", default=None)
    parser.add_argument("--wave", action="append", default=None, help="a wave to check (repeat for several)")
    parser.add_argument(
        "--typed", action="append", default=None, help="where to keep each wave's typed copy (one per --wave, in order)"
    )
    args = parser.parse_args(argv)
    waves = args.wave or [None]
    copies = args.typed or [None] * len(waves)
    if len(copies) != len(waves):
        parser.error(f"{len(copies)} --typed for {len(waves)} --wave: one typed copy per wave")
    return max([run_one(args.params, wave, copy) for wave, copy in zip(waves, copies, strict=True)])


if __name__ == "__main__":
    sys.exit(main())
