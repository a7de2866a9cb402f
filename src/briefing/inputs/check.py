"""The input gate for one wave, in one process: the wave against its frame (crosscheck: two columns, so it fails
at once even on a huge file), then the wave against the codebook (validate). Each error names the file, the row
or column and the rule. Usage (the Makefile's validation rule):
python -m briefing.inputs.check --params P --wave W --frame-file F
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys

from briefing.inputs import crosscheck, validate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--params", default=None)
    parser.add_argument("--wave", default=None)
    parser.add_argument("--frame-file", default=None)
    args = parser.parse_args(argv)
    common = [*(["--params", args.params] if args.params else []), *(["--wave", args.wave] if args.wave else [])]
    with contextlib.redirect_stdout(io.StringIO()):  # its "agrees" line: validate's line says the wave is good
        agrees = crosscheck.main([*common, *(["--frame-file", args.frame_file] if args.frame_file else [])]) == 0
    return validate.main(common) if agrees else 1


if __name__ == "__main__":
    sys.exit(main())
