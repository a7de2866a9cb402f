"""A survey is a folder of data: `data/<survey>/` holds its codebook, its parameters, its waves and, where it has
them, its frame(s), quotes, context figures and template overrides. The one home for where a survey's files are.

* A wave is a file in the survey's raw/ whose `.meta.yml` names its `wave:`; the file's `wave` column (when it has
  one) must agree. Two files naming the same wave stop the build.
* `compare_wave` in the parameters: a wave, `latest` (the latest wave before the reported one that is present) or
  null (no comparison). A named comparison wave with no file stops the build.
* A wave's frame, where the codebook declares one (`population.frame.file`, relative to the survey's folder), is
  that file with `{frame_year}` from the wave's `.meta.yml` (the parameters' `frame_year` may map a wave to its
  year; if both name it, they must agree), and its own `.meta.yml` must be for that year. A survey without a
  frame has none: no cross-check, no frame file in the build.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from briefing import config, yamlfile

if TYPE_CHECKING:
    from briefing.config import Params

DATA = "data"  # the folder of survey folders, relative to the project root
CODEBOOK = "codebook.yml"
PARAMS = "params.yml"  # a survey's default parameters
RAW = "raw"


class WaveError(ValueError):
    """The survey's folder, its waves, or the parameters naming them, cannot make a briefing; the message says
    what to do."""


@dataclass(frozen=True)
class WaveInputs:
    wave: str
    survey_path: str  # relative to the project root
    frame_year: str | None  # None: the survey has no frame
    frame_file: str | None  # relative to the project root


@dataclass(frozen=True)
class Selection:
    current: WaveInputs
    compare: WaveInputs | None

    @property
    def waves(self) -> list[WaveInputs]:
        """The waves a build computes: the reported one first."""
        return [self.current, *([self.compare] if self.compare else [])]


def folder(survey: str) -> str:
    """A survey's folder, relative to the project root."""
    return f"{DATA}/{survey}"


def file_of(survey: str, name: str) -> str:
    """A file of the survey's folder (e.g. quotes.yml), relative to the project root."""
    return f"{folder(survey)}/{name}"


def codebook_path(survey: str) -> str:
    return file_of(survey, CODEBOOK)


def surveys_present(root: Path) -> list[str]:
    """The survey folders under data/: those holding a codebook."""
    return sorted(p.parent.name for p in (root / DATA).glob(f"*/{CODEBOOK}"))


def check_exists(root: Path, survey: str, where: str) -> None:
    if not (root / codebook_path(survey)).is_file():
        present = ", ".join(surveys_present(root)) or "none"
        raise WaveError(
            f"{where}: {folder(survey)}/ is not a survey folder (no {folder(survey)}/{CODEBOOK}); "
            f"surveys present: {present}"
        )


def wave_order(wave: str) -> tuple:
    """Waves sort as numbers when they are numbers (2019 < 2020), otherwise as text."""
    return (0, int(wave), "") if wave.isdigit() else (1, 0, wave)


def meta_path(data_file: str | Path) -> Path:
    return Path(data_file).with_suffix(".meta.yml")


def read_meta(path: Path, shown: Path | None = None) -> dict:
    """A data file's provenance record (origin, date, licence, year...): every data file needs one beside it."""
    shown = shown or path
    if not path.is_file():
        raise WaveError(
            f"{shown.as_posix()}: not found: every data file needs its provenance record beside it "
            "(origin, date, licence; for a wave also wave, year, frame_year and released; see data/README.md)"
        )
    try:
        return yamlfile.load_mapping(path, "provenance record")
    except yamlfile.YAMLFileError as error:
        raise WaveError(str(error).replace(str(path), shown.as_posix(), 1)) from None


# --- a wave's dates ---------------------------------------------------------------------------------------------

DAY = config.DAY
DAY_OR_MONTH = re.compile(r"\d{4}-\d{2}(?:-\d{2})?")  # fieldwork known only to the month: "2019-10"
FIELDWORK_RULE = (
    "must give the first and last day of fieldwork, `start:` and `end:`, each written YYYY-MM-DD "
    "(or YYYY-MM when only the month is known), the start not after the end"
)


@dataclass(frozen=True)
class WaveDates:
    """A wave's dates, from its .meta.yml (data/README.md): each None when the record does not give it."""

    briefing: dt.date | None  # `briefing_date`: the date its briefing carries
    released: dt.date | None  # `released`: when the data file was released (the briefing's date when none is set)
    fieldwork: tuple[str, str] | None  # `fieldwork: {start, end}`: ISO dates, to the day or to the month
    year: str | None  # `year`: the wave's year (fieldwork's last day counts as the year's when none is given)


def as_iso(value) -> str:
    """A record's date as written (YAML may hand over a date or a string)."""
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def is_date(text: str, pattern: re.Pattern = DAY) -> bool:
    """A real day ("2020-02-07"), or month ("2019-11") where `pattern` allows one."""
    try:
        return bool(pattern.fullmatch(text)) and bool(
            dt.date.fromisoformat(text if DAY.fullmatch(text) else f"{text}-01")
        )
    except ValueError:
        return False


def read_day(record: dict, key: str, shown: str) -> dt.date | None:
    """An optional `key: YYYY-MM-DD` of a record; present but empty or malformed is an error naming it."""
    if key not in record:
        return None
    try:
        day = config.iso_date(record[key], f"{shown}: {key}")
    except ValueError as error:
        raise WaveError(str(error)) from None
    if day is None:  # (given, but empty)
        raise WaveError(f"{shown}: {key} {config.DATE_RULE}, not None")
    return dt.date.fromisoformat(day)


def read_fieldwork(record: dict, shown: str) -> tuple[str, str] | None:
    """The optional `fieldwork: {start, end}`; anything else under the key is an error naming it."""
    if "fieldwork" not in record:
        return None
    fieldwork = record["fieldwork"]
    if not isinstance(fieldwork, dict):
        raise WaveError(f"{shown}: fieldwork {FIELDWORK_RULE}, not {fieldwork!r}")
    ends = []
    for key in ("start", "end"):
        value = fieldwork.get(key)
        text = as_iso(value)
        if value is None or not is_date(text, DAY_OR_MONTH):
            raise WaveError(f"{shown}: fieldwork: {key} {FIELDWORK_RULE}, not {value!r}")
        ends.append(text)
    if ends[0][:7] > ends[1][:7] or (len(ends[0]) == len(ends[1]) and ends[0] > ends[1]):
        raise WaveError(f"{shown}: fieldwork {FIELDWORK_RULE}: {ends[0]} is after {ends[1]}")
    return ends[0], ends[1]


def wave_dates(root: Path, data_file: str | Path) -> WaveDates:
    """The dates a wave's record declares, each checked: a malformed one stops the build naming the file and key."""
    meta = meta_path(data_file)
    record = read_meta(root / meta, meta)
    shown = meta.as_posix()
    year = record.get("year")
    return WaveDates(
        briefing=read_day(record, "briefing_date", shown),
        released=read_day(record, "released", shown),
        fieldwork=read_fieldwork(record, shown),
        year=str(year) if year is not None else None,
    )


def claimed_waves(path: Path) -> set[str]:
    """The waves a survey file's `wave` column holds (none if it has no such column); read once the file is known
    to be readable (briefing.inputs.check), by its reader."""
    from briefing.inputs.readers import read_export

    columns = [c for c in read_export(path).columns if c.name == "wave"]
    return {v for c in columns for v in c.values} - {None, ""}


def data_file_of(meta: Path, root: Path) -> Path:
    """The data file a .meta.yml in raw/ describes: the file beside it with the same name."""
    stem = meta.name.removesuffix(".meta.yml")
    files = sorted(p for p in meta.parent.glob(f"{stem}.*") if p != meta and not p.name.endswith(".meta.yml"))
    if len(files) != 1:
        shown = meta.relative_to(root).as_posix()
        found = ", ".join(p.name for p in files) or "none"
        raise WaveError(
            f"{shown} names a wave, but beside it there must be exactly one data file {stem}.<ext> (found: {found})"
        )
    return files[0]


def waves_present(root: Path, survey: str) -> dict[str, str]:
    """Wave -> its file (relative to the root), for every file in the survey's raw/ whose record names a wave."""
    claims: dict[str, list[str]] = {}
    for meta in sorted((root / folder(survey) / RAW).glob("*.meta.yml")):
        shown = meta.relative_to(root)
        wave = read_meta(meta, shown).get("wave")
        if wave is None:
            continue  # not a wave (e.g. a raw file the survey keeps for another reason)
        wave = str(wave)
        claims.setdefault(wave, []).append(data_file_of(meta, root).relative_to(root).as_posix())
    for wave, paths in claims.items():
        if len(paths) > 1:
            raise WaveError(
                f"{' and '.join(paths)} both claim wave {wave} (their .meta.yml's `wave:`): keep one file per wave. "
                f"Move the older copy out of {folder(survey)}/{RAW}/, or correct the wave its record names."
            )
    return {wave: paths[0] for wave, paths in claims.items()}


def wave_column_problem(root: Path, survey_path: str, wave: str) -> str | None:
    """A wave's record and its file's `wave` column must name the same wave."""
    column = claimed_waves(root / survey_path)
    if not column - {wave}:
        return None
    return (
        f"{meta_path(survey_path).as_posix()} names wave {wave}, but {survey_path}'s `wave` column holds "
        f"{', '.join(sorted(column))}: correct the record or the file"
    )


def listed(present: dict[str, str]) -> str:
    return ", ".join(sorted(present, key=wave_order)) or "none"


def wave_file(root: Path, survey: str, wave: str, where: str = "params.yml") -> str:
    """The file holding `wave` of the survey, or an error naming the waves present."""
    present = waves_present(root, survey)
    if wave not in present:
        raise WaveError(
            f"{folder(survey)}/{RAW}/: wave {wave} is named in {where} but no file's .meta.yml names it "
            f'(waves present: {listed(present)}). Add the file with its `.meta.yml` (`wave: "{wave}"`), or choose '
            "another wave (make report WAVE=...)."
        )
    return present[wave]


@functools.cache
def _frame_pattern(codebook: Path, size: int, mtime: int) -> str | None:
    from briefing.inputs.codebook import load_codebook

    population = load_codebook(codebook).population
    return population.frame.file if population.frame else None


def frame_pattern(root: Path, survey: str) -> str | None:
    """The codebook's `population.frame.file` (relative to the survey's folder), or None: no frame."""
    path = root / codebook_path(survey)
    stat = path.stat()
    return _frame_pattern(path, stat.st_size, stat.st_mtime_ns)


def frame_year(params: Params, wave: str, survey_path: str, root: Path) -> str:
    """The year of the frame a wave is set against: its .meta.yml's `frame_year`, or the parameters'."""
    meta = meta_path(survey_path)
    from_meta = read_meta(root / meta, meta).get("frame_year")
    from_params = (params.frame_year or {}).get(wave)
    if from_meta and from_params and str(from_meta) != from_params:
        raise WaveError(
            f"{meta.as_posix()} names frame year {from_meta} for wave {wave}, but the parameters name frame_year "
            f"{from_params}: a wave is set against its own year's frame. Remove one, or make them agree."
        )
    year = from_params or from_meta
    if not year:
        raise WaveError(
            f"{meta.as_posix()}: wave {wave} names no `frame_year` (the year of its frame, "
            "e.g. frame_year: 2020-21); add it there or to the parameters"
        )
    if not config.QOF_YEAR.fullmatch(str(year)):
        raise WaveError(f"{meta.as_posix()}: frame_year must be a year written YYYY-YY, e.g. 2020-21, not {year!r}")
    return str(year)


def check_frame(root: Path, inputs: WaveInputs) -> None:
    """The frame, where the survey has one, must exist and be the one for the wave's own year."""
    frame_file, year, wave = inputs.frame_file, inputs.frame_year, inputs.wave
    if frame_file is None:
        return
    if not (root / frame_file).is_file():
        raise WaveError(
            f"{frame_file}: no frame for year {year}, which wave {wave} is set against. Build it with "
            f"`make reference FRAME_YEAR={year}` (needs NHS Digital's QOF files for that year in "
            f"{Path(frame_file).parent.parent.as_posix()}/{RAW}/nhs-digital/)."
        )
    frame_meta = read_meta(root / meta_path(frame_file), meta_path(frame_file))
    built_for = str(frame_meta.get("year", ""))
    if built_for != year:
        raise WaveError(
            f"wave {wave} is set against {frame_file}, the frame for year {built_for or 'unknown'} "
            f"({meta_path(frame_file).as_posix()}), but its own year is {year}: a wave's population is its own "
            f"year's units. Give the wave the frame_year of the frame it is set against."
        )


def frame_file(root: Path, survey: str, year: str) -> str:
    """The survey's frame for a year, relative to the root (an error when the codebook declares no frame)."""
    pattern = frame_pattern(root, survey)
    if pattern is None:
        raise WaveError(f"{codebook_path(survey)}: population.frame: missing: this survey has no reference frame")
    return f"{folder(survey)}/{pattern.format(frame_year=year)}"


def wave_inputs(root: Path, params: Params, wave: str) -> WaveInputs:
    """A wave's file and, where the survey has a frame, its frame (not yet checked: see check_frame)."""
    survey_path = wave_file(root, params.survey, wave)
    if frame_pattern(root, params.survey) is None:
        return WaveInputs(wave, survey_path, None, None)
    year = frame_year(params, wave, survey_path, root)
    return WaveInputs(wave, survey_path, year, frame_file(root, params.survey, year))


def compare_wave(params: Params, present: dict[str, str]) -> str | None:
    """The wave the reported one is compared with: named, the latest earlier one present, or none."""
    if params.compare_wave is None:
        return None
    if params.compare_wave == config.LATEST_EARLIER:
        earlier = [w for w in present if wave_order(w) < wave_order(params.wave)]
        return max(earlier, key=wave_order) if earlier else None
    if params.compare_wave not in present:
        raise WaveError(
            f"{folder(params.survey)}/{RAW}/: compare_wave {params.compare_wave} is named in the parameters but no "
            f"file's .meta.yml names it (waves present: {listed(present)}). Add the file with its `.meta.yml`, "
            "or set compare_wave to `latest` or null."
        )
    if params.compare_wave == params.wave:
        raise WaveError(f"params.yml: compare_wave {params.compare_wave} is the reported wave; name an earlier one")
    return params.compare_wave


def select(root: Path, params: Params) -> Selection:
    """The reported wave and its comparison wave, each with its own frame (checked); every problem named with its
    fix."""
    present = waves_present(root, params.survey)
    current = wave_inputs(root, params, params.wave)
    other = compare_wave(params, present)
    selection = Selection(current, wave_inputs(root, params, other) if other else None)
    for inputs in selection.waves:
        check_frame(root, inputs)
    return selection
