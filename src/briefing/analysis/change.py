"""Change between two waves: for every survey finding in both, the difference in percentage points, its interval
and a test, so the words can follow the test.

* Test and interval (`compare`, one method for both, so the interval excludes zero exactly when the test finds a
  change): the pooled two-proportion z-test with each wave's own finite population correction (its frame's units,
  where it has one), and the score interval inverted from it, as `stats.compare_proportions` does for two
  subgroups.
  Weighted, the same on each wave's weighted share and Kish's effective sample size, the FPC still that of the
  wave's respondents (`stats.compare_weighted`). The same respondent may answer both waves, so the samples
  are not independent: the methods say so (see `NOT_INDEPENDENT`).
* Suppression: a change is suppressed when either wave's figure is.
* A finding whose question one wave did not ask gets a record saying so (status "new" or "dropped"), never an
  invented comparison.

Each record is a finding `<id>_change` of kind "change", written by the `change` notebook.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from briefing.analysis import findings as findings_io
from briefing.analysis import stats
from briefing.analysis.findings import Finding

COMPARED, NEW, DROPPED, SUPPRESSED = "compared", "new", "dropped", "suppressed"
SUFFIX = "_change"
# What the methods say about the test (read by the template; the figures it names come from the records).
NOT_INDEPENDENT = (
    "the same respondent may answer both waves, so the two samples are not independent; a test for "
    "independent samples ignores that overlap"
)


def is_survey_share(record: dict[str, Any]) -> bool:
    """A registered survey finding (a share of respondents), as opposed to frame figures, charts and comparisons."""
    return record.get("kind") == "proportion" and "question" in record


def quoted(record: dict[str, Any]) -> dict[str, Any]:
    """The figure the text quotes, with its interval and what it stands on."""
    return {
        k: record.get(k) for k in ("value", "ci_low", "ci_high", "numerator", "denominator", "population", "suppressed")
    }


RESULT_FIELDS = ("p1", "p2", "difference", "ci_low", "ci_high", "p_value", "significant", "test")


def result_fields(result: stats.Comparison) -> dict[str, Any]:
    """What a findings record keeps of a comparison: both shares, the difference, its interval and the test."""
    return {name: getattr(result, name) for name in RESULT_FIELDS}


def compare(first: dict[str, Any], second: dict[str, Any], estimate: str, level: float) -> stats.Comparison:
    """first minus second (two findings.json records, e.g. two waves of a finding, or two subgroups), on the
    estimate the text quotes: the counts, or the weighted shares on their effective sample sizes."""
    population = (first["population"], second["population"])
    if estimate == "weighted":
        a, b = first["weighted"], second["weighted"]
        return stats.compare_weighted(
            a["value"],
            first["denominator"],
            a["effective_n"],
            b["value"],
            second["denominator"],
            b["effective_n"],
            population=population,
            level=level,
        )
    return stats.compare_proportions(
        first["numerator"],
        first["denominator"],
        second["numerator"],
        second["denominator"],
        population=population,
        level=level,
    )


def compare_all(pairs: list[tuple[dict[str, Any], dict[str, Any], str]], level: float) -> list[stats.Comparison]:
    """`compare` of each (first, second, estimate), the same numbers: the unweighted ones of the same populations
    in one vectorised call (`stats.compare_proportions_each`), the weighted ones one at a time."""
    results: list[stats.Comparison | None] = [None] * len(pairs)
    by_population: dict[tuple, list[int]] = {}
    for i, (first, second, estimate) in enumerate(pairs):
        if estimate == "weighted":
            results[i] = compare(first, second, estimate, level)
        else:
            by_population.setdefault((first["population"], second["population"]), []).append(i)
    for population, rows in by_population.items():
        counts = [[pairs[i][side][key] for i in rows] for side in (0, 1) for key in ("numerator", "denominator")]
        for i, result in zip(rows, stats.compare_proportions_each(*counts, population, level), strict=True):
            results[i] = result
    return results


def estimate_of(new: dict[str, Any], old: dict[str, Any], estimate: str) -> str:
    """The estimate a change compares: the build's, unless a wave has no weighted figure (an edition's)."""
    return estimate if new.get("weighted") and old.get("weighted") else "unweighted"


def is_compared(new: dict | None, old: dict | None) -> bool:
    """Whether a finding's change is tested: both waves have it, neither suppressed."""
    return new is not None and old is not None and not (new["suppressed"] or old["suppressed"])


def change_finding(
    fid: str,
    new: dict | None,
    old: dict | None,
    waves: tuple[str, str],
    estimate: str,
    level: float,
    notebook: str,
    result: stats.Comparison | None = None,
) -> Finding:
    """One finding's change from the comparison wave to the reported wave (or why there is none). `result`: its
    comparison, where already made (`compare_all`)."""
    wave, previous_wave = waves
    record = new or old
    extra: dict[str, Any] = {
        "finding": fid,
        "wave": wave,
        "compare_wave": previous_wave,
        "theme": record["theme"],
        "question": record["question"],
        "subgroup": record["subgroup"],
        "estimate": estimate,
        "confidence_level": level,
        "current": quoted(new) if new else None,
        "previous": quoted(old) if old else None,
        "suppressed": False,
        "significant": False,
    }
    inputs = sorted({*(new or {}).get("inputs", []), *(old or {}).get("inputs", [])})
    base = record["base"]
    if new is None or old is None:
        status = DROPPED if new is None else NEW
        extra["status"] = status
        extra["first_asked"] = wave if status == NEW else None
        return Finding(fid + SUFFIX, None, record["description"], base, notebook, inputs, kind="change", extra=extra)
    if new["suppressed"] or old["suppressed"]:
        extra.update(status=SUPPRESSED, suppressed=True)
        return Finding(fid + SUFFIX, None, record["description"], base, notebook, inputs, kind="change", extra=extra)
    estimate = extra["estimate"] = estimate_of(new, old, estimate)  # an edition publishes no weighted figure
    result = result or compare(new, old, estimate, level)
    extra.update(
        status=COMPARED,
        **result_fields(result),
    )
    return Finding(
        fid + SUFFIX, result.difference, record["description"], base, notebook, inputs, kind="change", extra=extra
    )


def changes(current: dict[str, Any], previous: dict[str, Any], notebook: str) -> list[Finding]:
    """Every survey finding of either wave, compared where both have it. Inputs are merged findings.json files."""
    params = current["parameters"]
    waves = (str(params["wave"]), str(previous["parameters"]["wave"]))
    new = {fid: r for fid, r in current["findings"].items() if is_survey_share(r)}
    old = {fid: r for fid, r in previous["findings"].items() if is_survey_share(r)}
    ordered = [*new, *(fid for fid in old if fid not in new)]
    estimate, level = params["estimate"], params["confidence_level"]
    tested = [fid for fid in ordered if is_compared(new.get(fid), old.get(fid))]
    pairs = [(new[fid], old[fid], estimate_of(new[fid], old[fid], estimate)) for fid in tested]
    results = dict(zip(tested, compare_all(pairs, level), strict=True))
    return [
        change_finding(fid, new.get(fid), old.get(fid), waves, estimate, level, notebook, results.get(fid))
        for fid in ordered
    ]


def frame_change(current: dict[str, Any], previous: dict[str, Any], notebook: str) -> Finding | None:
    """How the reference frame moved between the waves' own frames (`unit_count`, where both waves have a frame):
    a true count, no test (not a sample)."""
    new, old = current["findings"].get("unit_count"), previous["findings"].get("unit_count")
    if new is None or old is None:
        return None
    frames = [current["parameters"]["frame_file"], previous["parameters"]["frame_file"]]
    median = previous["findings"].get("unit_median_size")
    return Finding(
        "unit_count_change",
        new["value"] - old["value"],
        f"change in the number of {new['description']}",
        f"{new['base']}, each wave's own",
        notebook,
        sorted(set(frames)),
        kind="frame_change",
        extra={
            "previous": old["value"],
            "previous_median": median["value"] if median else None,
            "previous_frame_file": frames[1],
            "compare_wave": str(previous["parameters"]["wave"]),
        },
    )


def load_pair(current_path: str | Path, previous_path: str | Path) -> tuple[dict, dict]:
    return findings_io.load(current_path), findings_io.load(previous_path)
