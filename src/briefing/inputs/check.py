"""The input gate for one wave, in one process. First each data file is read as a file: the wave and its frame are
well-formed UTF-8 CSV (every row as wide as the header, no quote left open) and hold the number of rows their
.meta.yml `rows:` says. Then the wave against its frame (crosscheck: two columns, so it fails at once even on a huge
file), then the wave against the codebook (validate). Each error is one sentence naming the file, the row or column
and the rule, never a traceback.

With --record FILE, a passing check writes the SHA-256 of every data file it checked to FILE, rewriting it only when
one of them changed: the Makefile's notebooks and narrative depend on that record, so content, not a file's time,
decides what is recomputed.

Usage (the Makefile's validation rule): python -m briefing.inputs.check --params P --wave W --frame-file F [--record R]
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import sys
from pathlib import Path

from briefing import config, yamlfile
from briefing.inputs import crosscheck, validate, waves


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
        return (f"{meta_shown}: rows: {stated:,}, but {shown} has {rows:,} data rows: the record describes another "
                "version of the file; use the file it describes, or correct the record")  # fmt: skip
    return None


def file_problems(root: Path, params: config.Params, frame_file: str) -> list[str]:
    """The wave and its frame, each read as a file: UTF-8, well-formed CSV, as many rows as their records say."""
    problems = []
    for relative in (params.survey_path, frame_file):
        path = root / relative
        if not path.is_file():
            problems.append(f"{relative}: not found")
            continue
        try:
            rows = validate.data_rows(validate.decode(path), Path(relative))
        except validate.SurveyValidationError as error:
            problems.append(str(error).replace(str(path), relative, 1))
            continue
        problems += filter(None, [meta_rows_problem(path, rows, Path(relative))])
    return problems


def record(root: Path, params: config.Params, frame_file: str) -> str:
    """The SHA-256 of each data file the wave's build reads, as JSON text."""
    files = [params.survey_path, frame_file, params.codebook]
    files += [Path(f).with_suffix(".meta.yml").as_posix() for f in files]
    digests = {f: hashlib.sha256((root / f).read_bytes()).hexdigest() for f in files if (root / f).is_file()}
    return json.dumps(digests, indent=1, sort_keys=True) + "\n"


def write_if_changed(path: Path, text: str) -> None:
    """Unchanged content keeps the file's time, so make sees nothing new downstream."""
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def run(args: argparse.Namespace) -> int:
    params = config.load(args.params, wave=args.wave, frame_file=args.frame_file)
    root = config.find_root(Path(args.params).resolve().parent if args.params else None)
    frame_file = params.frame_file
    if "{frame_year}" in frame_file:  # run by hand, without the Makefile's resolved --frame-file
        frame_file = frame_file.format(frame_year=waves.frame_year(params, params.wave, params.survey_path, root))
    problems = file_problems(root, params, frame_file)
    if problems:
        print("check: " + "\n  ".join(problems), file=sys.stderr)
        return 1
    common = [*(["--params", args.params] if args.params else []), *(["--wave", args.wave] if args.wave else [])]
    with contextlib.redirect_stdout(io.StringIO()):  # its "agrees" line: validate's line says the wave is good
        agrees = crosscheck.main([*common, *(["--frame-file", args.frame_file] if args.frame_file else [])]) == 0
    if not agrees or validate.main(common) != 0:
        return 1
    if args.record:
        write_if_changed(Path(args.record), record(root, params, frame_file))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--params", default=None)
    parser.add_argument("--wave", default=None)
    parser.add_argument("--frame-file", default=None)
    parser.add_argument("--record", default=None, help="write the checked files' SHA-256 here (only when changed)")
    args = parser.parse_args(argv)
    try:
        return run(args)
    except (ValueError, OSError) as error:  # parameters, YAML, unreadable files: one sentence, no traceback
        print(f"check: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
