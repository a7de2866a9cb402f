"""`make reference`: run the survey's own frame builder, `data/<survey>/frame.py`, for its reference frame.

How a frame is made from public files is the survey's business (which publications, which columns), so the builder
lives beside its codebook; this module only finds it for the survey the parameters name and hands it its
arguments (the parameters file and survey, the year, the folder of source files).

Usage: python -m briefing.inputs.reference [--params P] [--survey S] [builder's arguments ...]
"""

from __future__ import annotations

import argparse
import runpy
import sys
from pathlib import Path

from briefing import config
from briefing.inputs import survey

BUILDER = "frame.py"


def builder_of(params_path: str | None, survey_name: str | None) -> Path:
    root = config.find_root(Path(params_path).resolve().parent if params_path else None)
    params = config.load(params_path, survey=survey_name)
    return root / survey.folder(params.survey) / BUILDER


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the survey's reference frame with its own builder.")
    parser.add_argument("--params", default=None)
    parser.add_argument("--survey", default=None)
    args, rest = parser.parse_known_args(argv)
    try:
        builder = builder_of(args.params, args.survey)
    except ValueError as error:
        print(f"reference: {error}", file=sys.stderr)
        return 1
    if not builder.is_file():
        print(f"reference: {builder} does not exist: this survey has no frame builder", file=sys.stderr)
        return 1
    forwarded = [
        *(["--params", args.params] if args.params else []),
        *(["--survey", args.survey] if args.survey else []),
    ]
    sys.argv = [str(builder), *forwarded, *rest]
    try:
        runpy.run_path(str(builder), run_name="__main__")
    except SystemExit as done:
        return int(done.code or 0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
