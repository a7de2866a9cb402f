"""The briefing's parameters: one file (`params.yml`), read by the Makefile, notebooks and templates."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shlex
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import yaml

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
    """Read params.yml; keyword overrides (e.g. from papermill) win when not None."""
    path = Path(path) if path else find_root() / PARAMS_FILE
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    overrides = {k: v for k, v in overrides.items() if v is not None}
    if "survey_path" in overrides:  # an explicit file (papermill's -r survey_path) stands in for the pattern
        overrides["survey_file"] = overrides.pop("survey_path")
    raw = {**OPTIONAL, **raw, **overrides}
    known = {f.name for f in fields(Params)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ValueError(f"{path}: unknown parameter(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    missing = sorted(known - set(raw))
    if missing:
        raise ValueError(f"{path}: missing parameter(s) {', '.join(missing)}")
    raw["wave"] = str(raw["wave"])
    raw["compare_wave"] = None if raw["compare_wave"] is None else str(raw["compare_wave"])
    if raw["frame_year"] is not None and not isinstance(raw["frame_year"], dict):
        raise ValueError(f"{path}: frame_year must map a wave to its QOF year, e.g. {{\"2020\": 2020-21}}, or be null")
    raw["frame_year"] = {str(k): str(v) for k, v in raw["frame_year"].items()} if raw["frame_year"] else None
    raw["publication_date"] = iso_date(raw["publication_date"], f"{path}: publication_date")
    if raw["estimate"] not in ("unweighted", "weighted"):
        raise ValueError(f"{path}: estimate must be 'unweighted' or 'weighted', not {raw['estimate']!r}")
    if not raw["small_pcn_max"] <= raw["large_pcn_min"]:
        raise ValueError(f"{path}: small_pcn_max must not exceed large_pcn_min")
    return Params(**raw)


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
    record = yaml.safe_load(meta.read_text(encoding="utf-8")) if meta.is_file() else {}
    released = iso_date((record or {}).get("released"), f"{meta}: released")
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


def make_vars(params: Params) -> str:
    """The parameters as Makefile variable assignments (upper-case names)."""
    lines = []
    for key, value in params.as_dict().items():
        text = "" if value is None else str(value)
        lines.append(f"{key.upper()} := {text}")
    return "\n".join(lines) + "\n"


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
