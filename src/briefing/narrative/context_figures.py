"""Context figures from other published sources (`data/context/context_figures.yml`), checked on load, and their
bibliography for pandoc's citeproc.

The briefing never types a number into prose, and that holds for other people's figures too: a template reads a
figure's `value` through the house-style filters and cites its source by `citation_key`:

    {{ c.des_signup.value | percent }} of GP practices signed up ... [@nhse_des_signup]

`load_context_figures` returns {id: entry} with every field checked (a mistake names the file, the entry and the
field); `csl_items` turns the entries into CSL-JSON items; `write_bibliography` writes them byte-identically on
every run, for `--citeproc --bibliography=...` (pandoc) or `bibliography:` (Quarto).

    python -m briefing.narrative.context_figures --out build/context/references.json
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import numbers
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from briefing.inputs.survey import WaveDates
from briefing.narrative import escape
from briefing.yamlfile import read_mapping

__all__ = [
    "available_by",
    "fieldwork_end",
    "fieldwork_words",
    "CSL_TYPES",
    "ContextError",
    "DEFAULT_FILE",
    "UNITS",
    "csl_items",
    "load_context_figures",
    "write_bibliography",
]

DEFAULT_FILE = "context/context_figures.yml"  # in the survey's folder
SCHEMA_VERSION = 1

UNITS = ("proportion", "count")
CSL_TYPES = ("report", "article-newspaper", "article-magazine", "article-journal", "webpage")

ID = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
# No digits: templates may hold no digit outside {{ }} (tests/test_templates.py), so a key must be typable as
# [@key]. Lower-case letters and single underscores also keep clear of Quarto's @fig-/@tbl-/@sec- references.
CITATION_KEY = re.compile(r"^[a-z]+(?:_[a-z]+)*$")
DATE = re.compile(r"^(?P<y>\d{4})(?:-(?P<m>\d{2})(?:-(?P<d>\d{2}))?)?$")
URL = re.compile(r"^https?://\S+$")

FIGURE_REQUIRED = {"id", "citation_key", "statement", "value", "unit", "population", "measure", "period", "source"}
FIGURE_OPTIONAL = {"base", "base_unit", "approximate", "hedge", "reported_in", "notes"}
SOURCE_REQUIRED = {"organisation", "title", "csl_type", "date", "url_verified", "licence"}
SOURCE_OPTIONAL = {"url", "title_verified", "accessed", "verification", "publisher", "container_title"}
REPORT_REQUIRED = {"organisation", "title", "url", "url_verified"}
REPORT_OPTIONAL = {"verification"}


class ContextError(ValueError):
    """The context-figures file is malformed; the message names the file, the entry and the field."""


# --------------------------------------------------------------------------------------------------------------
# Which figures a wave may cite: none published after its fieldwork
# --------------------------------------------------------------------------------------------------------------

MONTHS = ("january february march april may june july august september october november december").split()
NOT_RECORDED = "not recorded"  # what the briefing prints for fieldwork a wave's record gives no dates for


def latest_day(iso: str) -> dt.date:
    """The last day an ISO date as precise as it is known could be: "2020" -> 31 December 2020, "2020-07" -> 31 July."""
    m = DATE.match(str(iso))
    if not m:
        raise ValueError(f"not an ISO date: {iso!r}")
    year = int(m["y"])
    if m["d"]:
        return dt.date(year, int(m["m"]), int(m["d"]))
    if m["m"]:
        month = int(m["m"])
        return dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
    return dt.date(year, 12, 31)


def fieldwork_end(dates: WaveDates) -> dt.date | None:
    """The last day of a wave's fieldwork (a month's last day when only the month is known), from its record's
    `fieldwork: {start, end}`; without one, the end of its `year`; None when the record gives neither."""
    if dates.fieldwork:
        return latest_day(dates.fieldwork[1])
    return latest_day(dates.year) if dates.year and DATE.match(dates.year) else None


def fieldwork_words(dates: WaveDates) -> str:
    """A wave's fieldwork as the briefing prints it: "13 January to 7 February 2020", "October to November 2019"
    (known to the month), "December 2019 to January 2020"; NOT_RECORDED when its record gives no dates."""
    if not dates.fieldwork:
        return NOT_RECORDED
    (start, start_year), (end, end_year) = (day_words(iso) for iso in dates.fieldwork)
    return f"{start}{'' if start_year == end_year else ' ' + start_year} to {end} {end_year}"


def day_words(iso: str) -> tuple[str, str]:
    """ "2020-02-07" -> ("7 February", "2020"); "2019-11" -> ("November", "2019")."""
    m = DATE.match(iso)
    month = MONTHS[int(m["m"]) - 1].capitalize()
    return (f"{int(m['d'])} {month}" if m["d"] else month), m["y"]


def citable(figure: Mapping[str, Any]) -> bool:
    """Whether a figure's source can be cited as a reader would need it: its real title (not a descriptive one in
    square brackets) and the page that carries the figure (`url_verified`, not an organisation's home page)."""
    source = figure["source"]
    return bool(source.get("url")) and source["url_verified"] and not source["title"].startswith("[")


def available_by(figures: Mapping[str, dict], cutoff: dt.date | None) -> dict[str, dict]:
    """The figures a briefing may cite when its fieldwork ended on `cutoff`: citable ones whose source could not
    have been published later (a date known only to the month or year counts as its last day). No cutoff: every
    citable one. A figure left out stays in the file, with what is unconfirmed, for a reviewer to settle."""
    return {
        fid: fig
        for fid, fig in figures.items()
        if citable(fig) and (cutoff is None or latest_day(fig["source"]["date"]) <= cutoff)
    }


# --------------------------------------------------------------------------------------------------------------
# Loading and validation
# --------------------------------------------------------------------------------------------------------------


class _Checker:
    """Builds error messages of the form '<file>: figure <id> (entry <n>): field <name>: <problem>'."""

    def __init__(self, path: Path):
        self.path = path

    def fail(self, where: str, field: str | None, problem: str) -> ContextError:
        at = f"{self.path}: {where}" + (f": field {field!r}" if field else "")
        return ContextError(f"{at}: {problem}")

    def keys(self, where: str, prefix: str, entry: Mapping, required: set[str], optional: set[str]) -> None:
        for name in sorted(required - set(entry)):
            raise self.fail(where, prefix + name, "is required but missing")
        for name in sorted(set(entry) - required - optional):
            raise self.fail(where, prefix + name, f"is not a known field (known: {sorted(required | optional)})")
        for name in sorted(required):
            if entry[name] is None or (isinstance(entry[name], str) and not entry[name].strip()):
                raise self.fail(where, prefix + name, "is empty")

    def text(self, where: str, field: str, value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(where, field, f"must be non-empty text, got {value!r}")
        return value.strip()

    def flag(self, where: str, field: str, value: Any) -> bool:
        if not isinstance(value, bool):
            raise self.fail(where, field, f"must be true or false, got {value!r}")
        return value

    def date(self, where: str, field: str, value: Any, full: bool = False) -> str:
        """ISO date text: YYYY-MM-DD, or (unless `full`) YYYY-MM or YYYY when that is all that is known."""
        if isinstance(value, dt.datetime):
            raise self.fail(where, field, f"must be a date, not a date and time: {value!r}")
        if isinstance(value, dt.date):
            value = value.isoformat()
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        shape = "YYYY-MM-DD" if full else "YYYY-MM-DD, YYYY-MM or YYYY (quoted)"
        m = DATE.match(value) if isinstance(value, str) else None
        if not m or (full and not m.group("d")):
            raise self.fail(where, field, f"must be an ISO date {shape}, got {value!r}")
        try:
            dt.date(int(m.group("y")), int(m.group("m") or 1), int(m.group("d") or 1))
        except ValueError as error:
            raise self.fail(where, field, f"is not a real date: {value!r} ({error})") from None
        return value

    def url(self, where: str, field: str, value: Any) -> str:
        if not isinstance(value, str) or not URL.match(value):
            raise self.fail(where, field, f"must be an http(s) address with no spaces, got {value!r}")
        return value


def _number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _check_figure(check: _Checker, index: int, raw: Any) -> dict[str, Any]:
    where = f"entry {index}"
    if not isinstance(raw, Mapping):
        raise check.fail(where, None, f"must be a mapping of fields, got {type(raw).__name__}")
    if isinstance(raw.get("id"), str):
        where = f"figure {raw['id']!r} (entry {index})"
    check.keys(where, "", raw, FIGURE_REQUIRED, FIGURE_OPTIONAL)
    fig: dict[str, Any] = dict(raw)

    if not isinstance(fig["id"], str) or not ID.match(fig["id"]):
        raise check.fail(where, "id", f"must be snake_case (a-z, 0-9, single underscores), got {fig['id']!r}")
    if not isinstance(fig["citation_key"], str) or not CITATION_KEY.match(fig["citation_key"]):
        raise check.fail(
            where,
            "citation_key",
            f"must be lower-case letters joined by single underscores, no digits (templates hold no digits), "
            f"got {fig['citation_key']!r}",
        )
    for name in ("statement", "population", "measure"):
        fig[name] = check.text(where, name, fig[name])
    if _number(fig["period"]):
        fig["period"] = str(fig["period"])
    fig["period"] = check.text(where, "period", fig["period"])

    unit, value = fig["unit"], fig["value"]
    if unit not in UNITS:
        raise check.fail(where, "unit", f"must be one of {list(UNITS)}, got {unit!r}")
    if not _number(value) or value != value or value in (float("inf"), float("-inf")):
        raise check.fail(where, "value", f"must be a finite number, got {value!r}")
    if unit == "proportion" and not 0 <= value <= 1:
        raise check.fail(where, "value", f"is a proportion, so must be between 0 and 1 (0.26 for 26%), got {value!r}")
    if unit == "count" and (value < 0 or value != int(value)):
        raise check.fail(where, "value", f"is a count, so must be a whole number >= 0, got {value!r}")

    if "base" in fig:
        base = fig["base"]
        if not _number(base) or base != int(base) or base < 1:
            raise check.fail(
                where, "base", f"must be a whole number >= 1 (the number the figure is out of), got {base!r}"
            )
        fig["base"] = int(base)
        if unit == "count" and value > base:
            raise check.fail(where, "value", f"count {value!r} is larger than its base {base!r}")
        fig["base_unit"] = check.text(where, "base_unit", fig.get("base_unit"))
    elif "base_unit" in fig:
        raise check.fail(where, "base_unit", "is given without a base")

    fig["approximate"] = check.flag(where, "approximate", fig.get("approximate", False))
    if fig["approximate"]:
        fig["hedge"] = check.text(where, "hedge", fig.get("hedge"))
    elif "hedge" in fig:
        raise check.fail(where, "hedge", "is given but `approximate` is not true")
    else:
        fig["hedge"] = None
    if "notes" in fig:
        fig["notes"] = check.text(where, "notes", fig["notes"])

    fig["source"] = _check_source(check, where, fig["source"])
    fig["reported_in"] = _check_reported_in(check, where, fig.get("reported_in", []))
    fig["cite"] = f"[@{fig['citation_key']}]"
    return fig


def _check_source(check: _Checker, where: str, raw: Any) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        raise check.fail(where, "source", f"must be a mapping, got {type(raw).__name__}")
    check.keys(where, "source.", raw, SOURCE_REQUIRED, SOURCE_OPTIONAL)
    src: dict[str, Any] = dict(raw)
    for name in ("organisation", "title", "licence"):
        src[name] = check.text(where, f"source.{name}", src[name])
    for name in ("publisher", "container_title", "verification"):
        if name in src:
            src[name] = check.text(where, f"source.{name}", src[name])
    if src["csl_type"] not in CSL_TYPES:
        raise check.fail(where, "source.csl_type", f"must be one of {list(CSL_TYPES)}, got {src['csl_type']!r}")
    src["date"] = check.date(where, "source.date", src["date"])
    src["url_verified"] = check.flag(where, "source.url_verified", src["url_verified"])
    src["title_verified"] = check.flag(where, "source.title_verified", src.get("title_verified", True))
    if "url" in src:
        src["url"] = check.url(where, "source.url", src["url"])
    elif src["url_verified"]:
        raise check.fail(where, "source.url", "is required when url_verified is true")
    if src["url_verified"]:
        for name in ("accessed", "verification"):
            if name not in src:
                raise check.fail(
                    where, f"source.{name}", "is required when url_verified is true (when and how it was checked)"
                )
    if "accessed" in src:
        src["accessed"] = check.date(where, "source.accessed", src["accessed"], full=True)
        if src["accessed"] < src["date"][:10]:
            raise check.fail(
                where, "source.accessed", f"{src['accessed']} is before the publication date {src['date']}"
            )
    return src


def _check_reported_in(check: _Checker, where: str, raw: Any) -> list[dict[str, Any]]:
    if not isinstance(raw, list):
        raise check.fail(where, "reported_in", f"must be a list of secondary reports, got {type(raw).__name__}")
    out = []
    for i, item in enumerate(raw):
        prefix = f"reported_in[{i}]."
        if not isinstance(item, Mapping):
            raise check.fail(where, f"reported_in[{i}]", "must be a mapping")
        check.keys(where, prefix, item, REPORT_REQUIRED, REPORT_OPTIONAL)
        rep = dict(item)
        for name in ("organisation", "title"):
            rep[name] = check.text(where, prefix + name, rep[name])
        rep["url"] = check.url(where, prefix + "url", rep["url"])
        rep["url_verified"] = check.flag(where, prefix + "url_verified", rep["url_verified"])
        out.append(rep)
    return out


def load_context_figures(path: str | Path = DEFAULT_FILE) -> dict[str, dict[str, Any]]:
    """{id: figure} from the context-figures file, in file order, every field checked.

    Each figure is a plain dict: id, citation_key, cite ("[@key]"), statement, value, unit, base and base_unit
    (when stated), approximate, hedge (text or None), population, measure, period, notes, source (organisation,
    title, title_verified, csl_type, date, url, url_verified, accessed, verification, licence, ...) and
    reported_in (a list, possibly empty). Raises ContextError naming the file, the entry and the field.
    """
    path = Path(path)
    check = _Checker(path)
    data = read_mapping(path, "context-figures file", "figures", ContextError)
    if data.get("schema_version") != SCHEMA_VERSION:
        raise ContextError(
            f"{path}: field 'schema_version' must be {SCHEMA_VERSION}, got {data.get('schema_version')!r}"
        )
    unknown = set(data) - {"schema_version", "figures"}
    if unknown:
        raise ContextError(f"{path}: unknown top-level field(s) {sorted(unknown)}")
    if not data["figures"]:
        raise ContextError(f"{path}: `figures:` is empty")

    figures: dict[str, dict[str, Any]] = {}
    keys: dict[str, str] = {}
    for index, raw in enumerate(data["figures"], start=1):
        fig = _check_figure(check, index, raw)
        where = f"figure {fig['id']!r} (entry {index})"
        if fig["id"] in figures:
            raise check.fail(where, "id", f"{fig['id']!r} appears more than once")
        if fig["citation_key"] in keys:
            raise check.fail(
                where,
                "citation_key",
                f"{fig['citation_key']!r} is already used by figure {keys[fig['citation_key']]!r}",
            )
        figures[fig["id"]] = fig
        keys[fig["citation_key"]] = fig["id"]
    return figures


# --------------------------------------------------------------------------------------------------------------
# Bibliography
# --------------------------------------------------------------------------------------------------------------


def _date_parts(iso: str) -> dict[str, list[list[int]]]:
    return {"date-parts": [[int(part) for part in iso.split("-")]]}


def csl_items(figures: Mapping[str, Mapping[str, Any]] | Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """CSL-JSON items, one per figure, sorted by citation key (so the order never depends on the input's).

    The author is the organisation as a literal name (no person is credited for an organisation's figure);
    `issued` holds as much of the date as is known; URL and accessed appear only when given.
    """
    entries = figures.values() if isinstance(figures, Mapping) else figures
    items = []
    for fig in entries:
        src = fig["source"]
        item: dict[str, Any] = {
            "id": fig["citation_key"],
            "type": src["csl_type"],
            "title": escape.csl(src["title"]),  # printed as the source states it: no markup, no title case
            "author": [{"literal": src["organisation"]}],
            "publisher": escape.csl(src.get("publisher", src["organisation"])),
            "issued": _date_parts(src["date"]),
        }
        if src.get("container_title"):
            item["container-title"] = escape.csl(src["container_title"])
        if src.get("url"):
            item["URL"] = src["url"]
        if src.get("accessed"):
            item["accessed"] = _date_parts(src["accessed"])
        items.append(item)
    items.sort(key=lambda item: item["id"])
    ids = [item["id"] for item in items]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ContextError(f"citation key(s) {duplicates} used by more than one figure")
    return items


def bibliography_text(figures: Mapping[str, Mapping[str, Any]] | Iterable[Mapping[str, Any]]) -> str:
    """The CSL-JSON text `write_bibliography` writes: sorted items and keys, two-space indent, final newline."""
    return json.dumps(csl_items(figures), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_bibliography(
    figures: Mapping[str, Mapping[str, Any]] | Iterable[Mapping[str, Any]], path: str | Path
) -> Path:
    """Write the CSL-JSON bibliography to `path` (byte-identical for the same figures); returns the path.

    The file is left untouched (timestamp included) when its content would not change, so `make` sees no update.
    """
    path = Path(path)
    text = bibliography_text(figures).encode("utf-8")
    if path.is_file() and path.read_bytes() == text:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(text)
    tmp.replace(path)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check the context figures and write their CSL-JSON bibliography.")
    parser.add_argument("--figures", default=DEFAULT_FILE, help=f"the context-figures file (default {DEFAULT_FILE})")
    parser.add_argument("--out", required=True, help="where to write the CSL-JSON bibliography")
    args = parser.parse_args(argv)
    figures = load_context_figures(args.figures)
    out = write_bibliography(figures, args.out)
    print(f"{out}: {len(figures)} context figure(s) cited")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
