"""The briefing's parameters: one file (`params.yml`), read by the Makefile, notebooks and templates."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path, PurePosixPath
from typing import Any

from briefing import yamlfile

PARAMS_FILE = "params.yml"
LATEST_EARLIER = "latest"  # compare_wave: the latest wave before `wave` present in data/raw
OPTIONAL = {"compare_wave": LATEST_EARLIER, "frame_year": None}  # parameters with a default


def find_root(start: Path | None = None) -> Path:
    """The project root: the nearest folder at or above `start` holding params.yml."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / PARAMS_FILE).is_file():
            return folder
    raise FileNotFoundError(f"no {PARAMS_FILE} found at or above {here}")


@dataclass(frozen=True)
class Params:
    wave: str
    survey_file: str
    codebook: str
    frame_file: str
    region: str | None
    small_pcn_max: int
    large_pcn_min: int
    confidence_level: float
    estimate: str
    suppression_threshold: int
    title: str
    publisher: str
    publication_date: str | None  # "YYYY-MM-DD", or None: SOURCE_DATE_EPOCH's date, else the wave's `released`
    compare_wave: str | None = LATEST_EARLIER  # a wave, "latest" (the latest earlier one present) or None (off)
    frame_year: dict[str, str] | None = None  # wave -> QOF year of its frame; None: from each wave's .meta.yml

    @property
    def survey_path(self) -> str:
        return self.survey_file.format(wave=self.wave)

    def as_dict(self) -> dict[str, Any]:
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        d["survey_path"] = self.survey_path
        return d


def load(path: str | Path | None = None, **overrides: Any) -> Params:
    """Read params.yml, every value checked (type, range, safe paths) before anything uses it; keyword overrides
    (e.g. from papermill, or WAVE= on make's command line) win when not None and are checked the same way."""
    path = Path(path) if path else find_root() / PARAMS_FILE
    raw = yamlfile.load_mapping(path, "parameters file")
    overrides = {k: v for k, v in overrides.items() if v is not None}
    if "survey_path" in overrides:  # an explicit file (papermill's -r survey_path) stands in for the pattern
        overrides["survey_file"] = overrides.pop("survey_path")
    values = {**OPTIONAL, **raw, **overrides}
    known = {f.name for f in fields(Params)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ValueError(f"{path}: unknown parameter(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    missing = sorted(known - set(values))
    if missing:
        raise ValueError(f"{path}: missing parameter(s) {', '.join(missing)}")
    checked = {key: checked_value(key, value, path, key in overrides) for key, value in values.items()}
    if not checked["small_pcn_max"] <= checked["large_pcn_min"]:
        raise ValueError(f"{path}: small_pcn_max must not exceed large_pcn_min "
                         f"({checked['small_pcn_max']} > {checked['large_pcn_min']})")  # fmt: skip
    return Params(**checked)


# --- the rule for every parameter ------------------------------------------------------------------------------
# Waves and paths are read by make (build/params.mk), so they may hold only characters that neither make nor a
# shell acts on: no `$`, `#`, quotes, spaces or line breaks. Free text (title, publisher, region) never reaches make.
TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}")
PATH_CHARS = re.compile(r"[A-Za-z0-9_./{}-]+")
QOF_YEAR = re.compile(r"\d{4}-\d{2}")
WAVE_RULE = "must be a wave label of letters, digits, '.', '_' or '-' (at most 40), e.g. \"2020\""
PATHS = {  # path parameter -> (placeholders it may hold, placeholder it must hold)
    "survey_file": ({"wave"}, "wave"),
    "codebook": (set(), None),
    "frame_file": ({"frame_year"}, None),
}


def is_whole(value: Any, low: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= low


def is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


RULES: dict[str, tuple[Callable[[Any], bool], str]] = {
    "wave": (lambda v: isinstance(v, str) and TOKEN.fullmatch(v) is not None, WAVE_RULE),
    "compare_wave": (lambda v: v is None or (isinstance(v, str) and TOKEN.fullmatch(v) is not None),
                     f"must be `{LATEST_EARLIER}`, null (no comparison) or a wave label such as \"2019\""),
    "region": (lambda v: v is None or is_text(v), "must be the name of an NHS England region, or null for England"),
    "small_pcn_max": (lambda v: is_whole(v, 1), "must be a whole number of registered patients, at least 1"),
    "large_pcn_min": (lambda v: is_whole(v, 1), "must be a whole number of registered patients, at least 1"),
    "confidence_level": (lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and 0 < v < 1,
                         "must be a proportion between 0 and 1, e.g. 0.95 for 95% intervals"),
    "estimate": (lambda v: v in ("unweighted", "weighted"), "must be 'unweighted' or 'weighted'"),
    "suppression_threshold": (lambda v: is_whole(v, 1),
                              "must be a whole number of at least 1 (counts below it are suppressed: 8 hides 1 to 7)"),
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
    if key in PATHS:
        placeholders, required = PATHS[key]
        return project_path(value, where, placeholders, None if overridden else required)
    holds, rule = RULES[key]
    if not holds(value):
        raise ValueError(f"{where} {rule}, not {value!r}")
    return value


def project_path(value: Any, where: str, placeholders: set[str], required: str | None) -> str:
    """A path inside the project, relative to it, in characters make and a shell read literally."""
    if not is_text(value):
        raise ValueError(f"{where} must be a path inside the project, e.g. data/codebook.yml, not {value!r}")
    if value.startswith(("/", "~")) or re.match(r"[A-Za-z]:", value):
        raise ValueError(f"{where} must be a path relative to the project folder, not the absolute path {value!r}")
    if ".." in PurePosixPath(value).parts:
        raise ValueError(f"{where} must stay inside the project folder: {value!r} climbs out of it with `..`")
    if not PATH_CHARS.fullmatch(value):
        raise ValueError(f"{where} may use only letters, digits, '_', '-', '.' and '/' (make reads it), not {value!r}")
    named = set(re.findall(r"\{(\w*)\}", value))
    if named - placeholders or re.search(r"[{}]", re.sub(r"\{\w*\}", "", value)):
        allowed = ", ".join(f"{{{p}}}" for p in sorted(placeholders)) or "none"
        raise ValueError(f"{where}: {value!r} holds a placeholder that is not allowed (allowed: {allowed})")
    if required and required not in named:
        raise ValueError(f"{where} must hold {{{required}}}, where each wave's name goes, not {value!r}")
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


def iso_date(value: Any, where: str) -> str | None:
    """A date as "YYYY-MM-DD" (YAML may hand over a date or a string), or None."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise ValueError(f"{where} must be a date written YYYY-MM-DD, not {value!r}") from None


def data_date(params: Params, root: Path) -> dt.date:
    """The date the wave's data were released, from the `released` field of its .meta.yml record."""
    meta = root / Path(params.survey_path).with_suffix(".meta.yml")
    record = yamlfile.load_mapping(meta, "provenance record", missing_ok=True)
    released = iso_date(record.get("released"), f"{meta}: released")
    if released is None:
        raise ValueError(
            f"{meta}: no `released` date, and params.yml has publication_date: null with SOURCE_DATE_EPOCH unset; "
            "give the briefing a date in one of them"
        )
    return dt.date.fromisoformat(released)


def default_epoch(params: Params, root: Path) -> int:
    """SOURCE_DATE_EPOCH when the user sets none: midnight UTC of publication_date, else of the data's release."""
    day = dt.date.fromisoformat(params.publication_date) if params.publication_date else data_date(params, root)
    return int(dt.datetime.combine(day, dt.time(), dt.timezone.utc).timestamp())


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
    return dt.datetime.fromtimestamp(source_date_epoch(params, root), dt.timezone.utc).date()


# What make reads from the parameters (build/params.mk): the waves and the input paths, nothing else.
MAKE_KEYS = ("wave", "compare_wave", "survey_file", "survey_path", "codebook", "frame_file")
MAKE_SAFE = re.compile(r"[A-Za-z0-9_./{}-]*")  # nothing make (`$`, `#`, `\\`) or a shell would act on


def make_assignments(values: dict[str, Any]) -> str:
    """`NAME := value` lines for make, each value checked to be a literal token (None: empty). The checks when
    parameters are read already hold every value to this; this is the last gate before make runs the text."""
    lines = []
    for name, value in values.items():
        text = "" if value is None else str(value)
        if not MAKE_SAFE.fullmatch(text):
            raise ValueError(f"{name.lower()}: {text!r} cannot be handed to make: only letters, digits, '_', '-', '.', "
                             "'/' and the {placeholders} are")  # fmt: skip
        lines.append(f"{name} := {text}\n")
    return "".join(lines)


def make_vars(params: Params) -> str:
    """The parameters make needs, as Makefile assignments (upper-case names)."""
    return make_assignments({key.upper(): params.as_dict()[key] for key in MAKE_KEYS})


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", default=None)
    parser.add_argument("--get", help="print one parameter's value")
    args = parser.parse_args(argv)
    params = load(args.params)
    if args.get:
        print(params.as_dict()[args.get])
    else:
        root = find_root(Path(args.params).resolve().parent if args.params else None)
        print(make_vars(params), end="")
        print(f"PUBLICATION_EPOCH := {default_epoch(params, root)}")


if __name__ == "__main__":
    main()
