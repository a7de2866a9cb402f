"""Survey waves side by side: which waves are in data/raw, which one is reported, which it is compared with,
and the reference frame each is set against.

* A wave is `data/raw/<survey_file with {wave}>` plus its `.meta.yml`. The wave a file claims is what its `wave`
  column says (or its file name when the column is empty): two files claiming the same wave stop the build.
* `compare_wave` in params.yml: a wave, `latest` (the latest wave before the reported one that is present) or
  null (no comparison). A named comparison wave with no file stops the build.
* Each wave is set against its own year's PCN frame: the wave's `.meta.yml` names `frame_year` (params.yml's
  `frame_year` may map a wave to its year; if both name it, they must agree). The frame file is
  `frame_file` with `{frame_year}` filled in, and its own `.meta.yml` must be for that QOF year.

CLI (the Makefile's parameters): python -m briefing.inputs.waves [--params params.yml] [--wave 2019]
prints params.yml's values, resolved for the waves, as Makefile assignments.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import sys
from dataclasses import dataclass
from pathlib import Path

from briefing import config, yamlfile


class WaveError(ValueError):
    """The waves in data/raw, or the parameters naming them, cannot make a briefing; the message says what to do."""


@dataclass(frozen=True)
class WaveInputs:
    wave: str
    survey_path: str  # relative to the project root
    frame_year: str
    frame_file: str  # relative to the project root


@dataclass(frozen=True)
class Selection:
    current: WaveInputs
    compare: WaveInputs | None


def wave_order(wave: str) -> tuple:
    """Waves sort as numbers when they are numbers (2019 < 2020), otherwise as text."""
    return (0, int(wave), "") if wave.isdigit() else (1, 0, wave)


def meta_path(data_file: str | Path) -> Path:
    return Path(data_file).with_suffix(".meta.yml")


def read_meta(path: Path, shown: Path | None = None) -> dict:
    """A data file's provenance record (origin, date, licence, year...): every data file needs one beside it."""
    shown = shown or path
    if not path.is_file():
        raise WaveError(f"{shown.as_posix()}: not found: every data file needs its provenance record beside it "
                        "(origin, date, licence; for a wave also year, frame_year and released; see data/README.md)")  # fmt: skip
    try:
        return yamlfile.load_mapping(path, "provenance record")
    except yamlfile.YAMLFileError as error:
        raise WaveError(str(error).replace(str(path), shown.as_posix(), 1)) from None


def claimed_waves(path: Path, default: str) -> set[str]:
    """The waves a survey file says it holds: its `wave` column's values (the file name's wave if it has none)."""
    # Undecodable bytes elsewhere in the file are validation's to report, with their line and column.
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
        rows = csv.DictReader(handle)
        values = {(row.get("wave") or "").strip() for row in rows} - {""}
    return values or {default}


def waves_present(root: Path, params: config.Params) -> dict[str, Path]:
    """Wave -> its survey file, for every file matching the survey_file pattern in data/raw."""
    pattern = params.survey_file
    head, _, tail = pattern.partition("{wave}")
    claims: dict[str, list[Path]] = {}
    for path in sorted(root.glob(pattern.replace("{wave}", "*"))):
        name_wave = path.relative_to(root).as_posix()[len(head) : len(path.relative_to(root).as_posix()) - len(tail)]
        for wave in claimed_waves(path, name_wave):
            claims.setdefault(wave, []).append(path)
    for wave, paths in claims.items():
        if len(paths) > 1:
            names = " and ".join(p.relative_to(root).as_posix() for p in paths)
            raise WaveError(
                f"{names} both claim wave {wave} (their `wave` column): keep one file per wave. Move the older "
                f"copy out of {Path(head).parent.as_posix()}/, or correct the wave it claims."
            )
    return {wave: paths[0] for wave, paths in claims.items()}


def compare_wave(params: config.Params, present: dict[str, Path]) -> str | None:
    """The wave the reported one is compared with: named, the latest earlier one present, or none."""
    if params.compare_wave is None:
        return None
    if params.compare_wave == config.LATEST_EARLIER:
        earlier = [w for w in present if wave_order(w) < wave_order(params.wave)]
        return max(earlier, key=wave_order) if earlier else None
    if params.compare_wave not in present:
        expected = params.survey_file.format(wave=params.compare_wave)
        raise WaveError(
            f"{expected}: compare_wave {params.compare_wave} is named in params.yml but no survey file holds it "
            f"(waves present: {', '.join(sorted(present, key=wave_order)) or 'none'}). Add the file with its "
            "`.meta.yml`, or set compare_wave to `latest` or null."
        )
    if params.compare_wave == params.wave:
        raise WaveError(f"params.yml: compare_wave {params.compare_wave} is the reported wave; name an earlier one")
    return params.compare_wave


def frame_year(params: config.Params, wave: str, survey_path: str, root: Path) -> str:
    """The QOF year of the frame a wave is set against: its .meta.yml's `frame_year`, or params.yml's."""
    meta = meta_path(survey_path)
    from_meta = read_meta(root / meta, meta).get("frame_year")
    from_params = (params.frame_year or {}).get(wave)
    if from_meta and from_params and str(from_meta) != from_params:
        raise WaveError(
            f"{meta.as_posix()} names frame year {from_meta} for wave {wave}, but params.yml names frame_year "
            f"{from_params}: a wave is set against its own year's frame. Remove one, or make them agree."
        )
    year = from_params or from_meta
    if not year:
        raise WaveError(f"{meta.as_posix()}: wave {wave} names no `frame_year` (the QOF year of its PCN frame, "
                        "e.g. frame_year: 2020-21); add it there or to params.yml")  # fmt: skip
    if not config.QOF_YEAR.fullmatch(str(year)):
        raise WaveError(f"{meta.as_posix()}: frame_year must be a QOF year written YYYY-YY, e.g. 2020-21, not {year!r}")
    return str(year)


def check_frame(root: Path, frame_file: str, year: str, wave: str) -> None:
    """The frame must exist and be the one for the wave's own year."""
    if not (root / frame_file).is_file():
        raise WaveError(
            f"{frame_file}: no PCN frame for QOF year {year}, which wave {wave} is set against. Build it with "
            f"`make reference FRAME_YEAR={year}` (needs NHS Digital's QOF files for that year in data/raw/nhs-digital/)."
        )
    frame_meta = read_meta(root / meta_path(frame_file), meta_path(frame_file))
    built_for = str(frame_meta.get("year", ""))
    if built_for != year:
        raise WaveError(
            f"wave {wave} is set against {frame_file}, the frame for QOF year {built_for or 'unknown'} "
            f"({meta_path(frame_file).as_posix()}), but its own year is {year}: a wave's population is its own "
            f"year's PCNs. Point frame_file at the {year} frame (frame_file: data/reference/pcn_frame_{{frame_year}}.csv)."
        )


def wave_inputs(root: Path, params: config.Params, wave: str) -> WaveInputs:
    survey_path = params.survey_file.format(wave=wave)
    year = frame_year(params, wave, survey_path, root)
    frame_file = params.frame_file.format(frame_year=year)
    check_frame(root, frame_file, year, wave)
    return WaveInputs(wave, survey_path, year, frame_file)


def select(root: Path, params: config.Params) -> Selection:
    """The reported wave and its comparison wave, each with its own frame; every problem named with its fix."""
    present = waves_present(root, params)
    if params.wave not in present:
        raise WaveError(
            f"{params.survey_file.format(wave=params.wave)}: wave {params.wave} is to be reported but no survey file "
            f"holds it (waves present: {', '.join(sorted(present, key=wave_order)) or 'none'}). "
            "Add the file with its `.meta.yml`, or choose another wave (make report WAVE=...)."
        )
    current = wave_inputs(root, params, params.wave)
    other = compare_wave(params, present)
    return Selection(current, wave_inputs(root, params, other) if other else None)


def make_vars(params: config.Params, selection: Selection, root: Path) -> str:
    """What make needs of the parameters, with the waves resolved, as Makefile assignments: waves, paths and the
    clock only (checked as literal tokens), never free text such as the title or the publisher."""
    resolved = dataclasses.replace(
        params, frame_file=selection.current.frame_file, frame_year=None,
        compare_wave=selection.compare.wave if selection.compare else None,
    )  # fmt: skip
    compare = selection.compare
    extra = {
        "FRAME_YEAR": selection.current.frame_year,
        "COMPARE_SURVEY_PATH": compare.survey_path if compare else "",
        "COMPARE_FRAME_FILE": compare.frame_file if compare else "",
        "COMPARE_FRAME_YEAR": compare.frame_year if compare else "",
        "PUBLICATION_EPOCH": config.default_epoch(params, root),  # the reported wave's clock (reproducible builds)
    }
    return config.make_vars(resolved) + config.make_assignments(extra)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The Makefile's parameters, with the survey waves resolved")
    parser.add_argument("--params", default=None)
    parser.add_argument("--wave", default=None, help="report this wave instead of params.yml's (make report WAVE=...)")
    args = parser.parse_args(argv)
    try:
        params = config.load(args.params, wave=args.wave or None)
        root = config.find_root(Path(args.params).resolve().parent if args.params else None)
        print(make_vars(params, select(root, params), root), end="")
    except (WaveError, ValueError) as error:
        print(f"waves: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
