"""The briefing's parameters: one file (`params.yml`), read by the Makefile, notebooks and templates."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from briefing import yamlfile

PARAMS_FILE = "params.yml"  # at the project root: names the default survey; may override its parameters
LATEST_EARLIER = "latest"  # compare_wave: the latest wave before `wave` present in the survey's raw/
# Parameters with a default.
OPTIONAL = {
    "compare_wave": LATEST_EARLIER,
    "frame_year": None,
    "edition": None,
    "index_headlines": None,
}
# Parameters that moved: key -> where it lives now (a parameters file still holding one is an error saying so).
MOVED = {
    "region": "`edition` (a value of the question the codebook's `editions: by:` names; null for the whole survey)",
    "small_pcn_max": "a subgroup in {codebook}'s `subgroups:` (a numeric band: `below:`, `above:`, ...)",
    "large_pcn_min": "a subgroup in {codebook}'s `subgroups:` (a numeric band: `below:`, `above:`, ...)",
}
RESOLVED = ("codebook", "survey_path", "frame_file")  # paths worked out from the survey's folder, never parameters


def find_root(start: Path | None = None) -> Path:
    """The project root: the nearest folder at or above `start` holding params.yml."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / PARAMS_FILE).is_file():
            return folder
    raise FileNotFoundError(f"no {PARAMS_FILE} found at or above {here}")


@dataclass(frozen=True)
class Params:
    survey: str  # the survey's folder name under data/
    wave: str
    confidence_level: float
    estimate: str
    suppression_threshold: int
    title: str
    publisher: str
    publication_date: str | None  # "YYYY-MM-DD", or None: SOURCE_DATE_EPOCH's date, else the wave's record's
    edition: str | None = None  # one value of the codebook's `editions: by:` question; None: the whole survey
    index_headlines: list[str] | None = None  # findings the editions' index shows; None: each first theme's first
    compare_wave: str | None = LATEST_EARLIER  # a wave, "latest" (the latest earlier one present) or None (off)
    frame_year: dict[str, str] | None = None  # wave -> year of its frame; None: from each wave's .meta.yml
    # Resolved by briefing.inputs.survey from the survey's folder and the wave (not parameters: see RESOLVED).
    codebook: str = ""
    survey_path: str = ""
    frame_file: str | None = None  # None: the survey has no frame

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def survey_of(path: Path, raw: dict[str, Any], root: Path, override: str | None) -> tuple[str, Path]:
    """The survey to build and the file that named it: SURVEY= on the command line, the parameters file's
    `survey:`, else the survey params.yml at the root names."""
    if override is not None:
        return override, Path(f"SURVEY={override}")
    if "survey" in raw:
        return raw["survey"], path
    default = root / PARAMS_FILE
    if path.resolve() != default.resolve() and default.is_file():
        named = yamlfile.load_mapping(default, "parameters file").get("survey")
        if named is not None:
            return named, default
    raise ValueError(
        f"{path}: survey: missing: name the survey to build, a folder of data/ (here: {', '.join(surveys_in(root))})"
    )


def surveys_in(root: Path) -> list[str]:
    """The survey folders of data/ (each holds a codebook.yml)."""
    return sorted(p.parent.name for p in (root / "data").glob("*/codebook.yml")) or ["none yet"]


def load(path: str | Path | None = None, **overrides: Any) -> Params:
    """The parameters: the survey's own data/<survey>/params.yml, overridden by the parameters file's keys (default
    params.yml), overridden by keyword overrides (papermill's values, make's SURVEY= and WAVE=) when not None. Every
    value is checked (type, range) before anything uses it, naming the file it came from; then the survey's paths
    (codebook, the wave's file, its frame) are resolved by briefing.inputs.survey."""
    from briefing.inputs import survey as surveys

    path = Path(path) if path else find_root() / PARAMS_FILE
    params = declared(path, **overrides)
    inputs = surveys.wave_inputs(find_root(path.resolve().parent), params, params.wave)
    return dataclasses.replace(
        params,
        codebook=surveys.codebook_path(params.survey),
        survey_path=inputs.survey_path,
        frame_file=inputs.frame_file,
    )


def declared(path: str | Path | None = None, **overrides: Any) -> Params:
    """The parameters as `load` reads and checks them, before the wave's files are looked for: what the parameters
    say, e.g. their default wave, even when that wave's file is not there."""
    from briefing.inputs import survey as surveys

    path = Path(path) if path else find_root() / PARAMS_FILE
    root = find_root(path.resolve().parent)
    raw = yamlfile.load_mapping(path, "parameters file")
    overrides = {k: v for k, v in overrides.items() if v is not None}
    name, named_in = survey_of(path, raw, root, overrides.pop("survey", None))
    if not (isinstance(name, str) and TOKEN.fullmatch(name)):
        raise ValueError(
            f"{named_in}: survey must be the name of a folder of data/ (letters, digits, '.', '_', '-'), not {name!r}"
        )
    surveys.check_exists(root, name, str(named_in))
    defaults_path = root / surveys.folder(name) / surveys.PARAMS
    defaults = yamlfile.load_mapping(defaults_path, "parameters file", missing_ok=True)
    own = {k: v for k, v in raw.items() if k != "survey"}
    values = {**OPTIONAL, **defaults, **own, **overrides, "survey": name}
    source = {**dict.fromkeys(defaults, defaults_path), **dict.fromkeys(own, path), "survey": named_in}
    check_not_moved(values, source, path, surveys.codebook_path(name))
    known = {f.name for f in fields(Params)} - set(RESOLVED)
    unknown = sorted(set(values) - known)
    if unknown:
        where = sorted({str(source.get(k, path)) for k in unknown})
        raise ValueError(
            f"{', '.join(where)}: unknown parameter(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )
    missing = sorted(known - set(values))
    if missing:
        raise ValueError(f"{defaults_path}: missing parameter(s) {', '.join(missing)}")
    checked = {key: checked_value(key, value, source.get(key, path), key in overrides) for key, value in values.items()}
    return Params(**checked)


def check_not_moved(values: dict[str, Any], source: dict[str, Any], path: Path, codebook: str) -> None:
    """A parameter that is no longer one (see MOVED) stops the build naming its file and its new home."""
    for key in sorted(set(values) & set(MOVED)):
        home = MOVED[key].format(codebook=codebook)
        raise ValueError(f"{source.get(key, path)}: {key}: is no longer a parameter: it is now {home}")


# --- the rule for every parameter ------------------------------------------------------------------------------
# The survey and the waves are read by make (the build plan, plan.mk), so they may hold only characters that neither
# make nor a shell acts on: no `$`, `#`, quotes, spaces or line breaks. Free text (title, publisher, edition) never
# reaches make.
TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}")
QOF_YEAR = re.compile(r"\d{4}-\d{2}")
WAVE_RULE = "must be a wave label of letters, digits, '.', '_' or '-' (at most 40), e.g. \"2020\""


def is_whole(value: Any, low: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= low


def is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


RULES: dict[str, tuple[Callable[[Any], bool], str]] = {
    "survey": (lambda v: isinstance(v, str) and TOKEN.fullmatch(v) is not None, "must name a folder of data/"),
    "wave": (lambda v: isinstance(v, str) and TOKEN.fullmatch(v) is not None, WAVE_RULE),
    "compare_wave": (
        lambda v: v is None or (isinstance(v, str) and TOKEN.fullmatch(v) is not None),
        f'must be `{LATEST_EARLIER}`, null (no comparison) or a wave label such as "2019"',
    ),
    "edition": (
        lambda v: v is None or is_text(v),
        "must be a value of the codebook's `editions: by:` question, or null for the whole survey",
    ),
    "index_headlines": (
        lambda v: (
            v is None or (isinstance(v, list) and bool(v) and all(isinstance(i, str) and TOKEN.fullmatch(i) for i in v))
        ),
        "must be a list of finding ids of the codebook, e.g. [<finding id>, <finding id>], or null",
    ),
    "confidence_level": (
        lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and 0 < v < 1,
        "must be a proportion between 0 and 1, e.g. 0.95 for 95% intervals",
    ),
    "estimate": (lambda v: v in ("unweighted", "weighted"), "must be 'unweighted' or 'weighted'"),
    "suppression_threshold": (
        lambda v: is_whole(v, 1),
        "must be a whole number of at least 1 (counts below it are suppressed: 8 hides 1 to 7)",
    ),
    "title": (is_text, "must be text"),
    "publisher": (is_text, "must be text"),
}


def checked_value(key: str, value: Any, path: Path, overridden: bool) -> Any:
    """The parameter's value, normalised (waves as text, dates as YYYY-MM-DD), or a ValueError naming the file, the
    key and the rule it breaks."""
    where = f"{path}: {key}" + (" (as overridden)" if overridden else "")
    if key in ("wave", "compare_wave") and isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # wave: 2020 written without quotes
    if key == "publication_date":
        return iso_date(value, where)
    if key == "frame_year":
        return frame_years(value, where)
    holds, rule = RULES[key]
    if not holds(value):
        raise ValueError(f"{where} {rule}, not {value!r}")
    return value


def frame_years(value: Any, where: str) -> dict[str, str] | None:
    """frame_year: null, or a map of wave to the QOF year of its frame ("2020": 2020-21)."""
    if value is None:
        return None
    rule = 'must map a wave to its QOF year, e.g. {"2020": 2020-21}, or be null'
    if not isinstance(value, dict):
        raise ValueError(f"{where} {rule}, not {value!r}")
    years = {str(wave): str(year) for wave, year in value.items()}
    malformed = any(not TOKEN.fullmatch(w) or not QOF_YEAR.fullmatch(y) for w, y in years.items())
    if malformed or len(years) < len(value):  # fewer: a wave written both as 2020 and "2020"
        raise ValueError(f"{where} {rule} (waves named once, years written YYYY-YY), not {value!r}")
    return years or None


DAY = re.compile(r"\d{4}-\d{2}-\d{2}")  # a day as written: Python's fromisoformat also takes "20200101"
DATE_RULE = "must be a date written YYYY-MM-DD"


def iso_date(value: Any, where: str) -> str | None:
    """A date as "YYYY-MM-DD" (YAML may hand over a date or a string), or None: the one reading of a date the
    parameters or a wave's record give (briefing.inputs.survey reads the records' with it)."""
    if value is None:
        return None
    text = value.isoformat() if isinstance(value, dt.date) else str(value)
    try:
        if DAY.fullmatch(text):
            return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        pass
    raise ValueError(f"{where} {DATE_RULE}, not {value!r}")


def data_date(params: Params, root: Path) -> dt.date:
    """The date the wave's record gives its briefing: `briefing_date`, else `released` (the data's release), from
    its .meta.yml (read, with every date checked, by briefing.inputs.survey)."""
    from briefing.inputs import survey

    dates = survey.wave_dates(root, params.survey_path)
    if dates.briefing or dates.released:
        return dates.briefing or dates.released
    raise ValueError(
        f"{survey.meta_path(params.survey_path).as_posix()}: no `briefing_date` (or `released`) date, and "
        "params.yml has publication_date: null with SOURCE_DATE_EPOCH unset; give the briefing a date in one of them"
    )


def default_epoch(params: Params, root: Path) -> int:
    """SOURCE_DATE_EPOCH when the user sets none: midnight UTC of publication_date, else of the wave's
    `briefing_date` (else `released`): derived from the inputs, so a rebuild gives the same bytes."""
    day = dt.date.fromisoformat(params.publication_date) if params.publication_date else data_date(params, root)
    return int(dt.datetime.combine(day, dt.time(), dt.UTC).timestamp())


def source_date_epoch(params: Params, root: Path) -> int:
    """The build's one clock (reproducible-builds convention): SOURCE_DATE_EPOCH when set, else `default_epoch`."""
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if value:
        if not value.isdigit():
            raise ValueError(f"SOURCE_DATE_EPOCH must be whole seconds since 1970, not {value!r}")
        return int(value)
    return default_epoch(params, root)


def publication_date(params: Params, root: Path) -> dt.date:
    """The date printed on the briefing: the parameter when given, else the build's clock (see source_date_epoch)."""
    if params.publication_date:
        return dt.date.fromisoformat(params.publication_date)
    return dt.datetime.fromtimestamp(source_date_epoch(params, root), dt.UTC).date()


MAKE_SAFE = re.compile(r"[A-Za-z0-9_./{}-]*")  # nothing make (`$`, `#`, `\\`) or a shell would act on


def make_word(name: str, value: Any) -> str:
    text = "" if value is None else str(value)
    if not MAKE_SAFE.fullmatch(text):
        raise ValueError(
            f"{name.lower()}: {text!r} cannot be handed to make: only letters, digits, '_', '-', '.', "
            "'/' and the {placeholders} are (rename the file or folder)"
        )
    return text


def make_assignments(values: dict[str, Any]) -> str:
    """`NAME := value` lines for make, each value (or each word of a list) checked to be a literal token (None:
    empty). The checks when parameters are read already hold every value to this; this is the last gate before make
    runs the text, and the only place make text is written."""
    lines = []
    for name, value in values.items():
        words = value if isinstance(value, (list, tuple)) else [value]
        lines.append(f"{name} := {' '.join(make_word(name, word) for word in words)}".rstrip() + "\n")
    return "".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", default=None)
    parser.add_argument("--survey", default=None)
    parser.add_argument("--get", required=True, help="print one parameter's value")
    args = parser.parse_args(argv)
    print(load(args.params, survey=args.survey).as_dict()[args.get])


if __name__ == "__main__":
    main()
