"""Change between two waves: for every survey finding in both, the difference in percentage points, its interval
and a test, so the words can follow the test.

* Interval: Newcombe's hybrid score interval for p_new - p_old, built from each wave's own Wilson interval with
  that wave's own finite population correction (its frame's PCNs), as `stats.compare_proportions` does for
  small versus large PCNs. With weighted estimates, the same construction uses the weighted intervals.
* Test: for two independent samples: the pooled two-proportion z-test with each wave's FPC (or Fisher's exact
  test when a cell is small); weighted, the z-test on Kish's effective sample sizes. The same clinical director
  may answer both waves, so the samples are not independent: the methods say so (see `NOT_INDEPENDENT`).
* Suppression: a change is suppressed when either wave's figure is.
* A finding whose question one wave did not ask gets a record saying so (status "new" or "dropped"), never an
  invented comparison.

Each record is a finding `<id>_change` of kind "change", written by the `change` notebook.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from scipy import stats as sps

from briefing.analysis import stats
from briefing.analysis.findings import Finding
from briefing.analysis import findings as findings_io

COMPARED, NEW, DROPPED, SUPPRESSED = "compared", "new", "dropped", "suppressed"
SUFFIX = "_change"
# What the methods say about the test (read by the template; the figures it names come from the records).
NOT_INDEPENDENT = (
    "the same clinical director may answer both waves, so the two samples are not independent; a test for "
    "independent samples ignores that overlap"
)


def is_survey_share(record: dict[str, Any]) -> bool:
    """A registered survey finding (a share of respondents), as opposed to frame figures, charts and comparisons."""
    return record.get("kind") == "proportion" and "question" in record


def quoted(record: dict[str, Any]) -> dict[str, Any]:
    """The figure the text quotes, with its interval and what it stands on."""
    return {k: record.get(k) for k in ("value", "ci_low", "ci_high", "numerator", "denominator", "population", "suppressed")}


def weighted_comparison(new: dict[str, Any], old: dict[str, Any], level: float) -> stats.Comparison:
    """Newcombe's interval from each wave's weighted Wilson interval; z-test on the effective sample sizes."""
    a, b = new["weighted"], old["weighted"]
    p1, p2 = a["value"], b["value"]
    d = p1 - p2
    low = d - math.sqrt((p1 - a["ci_low"]) ** 2 + (b["ci_high"] - p2) ** 2)
    high = d + math.sqrt((a["ci_high"] - p1) ** 2 + (p2 - b["ci_low"]) ** 2)
    n1, n2 = a["effective_n"], b["effective_n"]
    f1, f2 = stats.fpc(min(n1, new["population"]), new["population"]), stats.fpc(min(n2, old["population"]), old["population"])
    pbar = (p1 * n1 + p2 * n2) / (n1 + n2)
    se = math.sqrt(pbar * (1 - pbar) * (f1 / n1 + f2 / n2))
    p_value = (1.0 if d == 0 else 0.0) if se == 0 else float(2 * sps.norm.sf(abs(d) / se))
    test = f"{stats.Z_TEST} on effective sample sizes (finite population corrected)"
    return stats.Comparison(p1, p2, d, low, high, p_value, bool(p_value < 1 - level), test, level)


def compare(new: dict[str, Any], old: dict[str, Any], estimate: str, level: float) -> stats.Comparison:
    if estimate == "weighted":
        return weighted_comparison(new, old, level)
    return stats.compare_proportions(
        new["numerator"], new["denominator"], old["numerator"], old["denominator"],
        population=(new["population"], old["population"]), level=level,
    )  # fmt: skip


def change_finding(fid: str, new: dict | None, old: dict | None, waves: tuple[str, str], estimate: str,
                   level: float, notebook: str) -> Finding:  # fmt: skip
    """One finding's change from the comparison wave to the reported wave (or why there is none)."""
    wave, previous_wave = waves
    record = new or old
    extra: dict[str, Any] = {
        "finding": fid, "wave": wave, "compare_wave": previous_wave, "theme": record["theme"],
        "question": record["question"], "subgroup": record["subgroup"], "estimate": estimate,
        "confidence_level": level, "current": quoted(new) if new else None, "previous": quoted(old) if old else None,
        "suppressed": False, "significant": False,
    }  # fmt: skip
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
    result = compare(new, old, estimate, level)
    extra.update(status=COMPARED, p1=result.p1, p2=result.p2, difference=result.difference, ci_low=result.ci_low,
                 ci_high=result.ci_high, p_value=result.p_value, significant=result.significant, test=result.test)  # fmt: skip
    return Finding(fid + SUFFIX, result.difference, record["description"], base, notebook, inputs, kind="change", extra=extra)


def changes(current: dict[str, Any], previous: dict[str, Any], notebook: str) -> list[Finding]:
    """Every survey finding of either wave, compared where both have it. Inputs are merged findings.json files."""
    params = current["parameters"]
    waves = (str(params["wave"]), str(previous["parameters"]["wave"]))
    new = {fid: r for fid, r in current["findings"].items() if is_survey_share(r)}
    old = {fid: r for fid, r in previous["findings"].items() if is_survey_share(r)}
    ordered = [*new, *(fid for fid in old if fid not in new)]
    return [
        change_finding(fid, new.get(fid), old.get(fid), waves, params["estimate"], params["confidence_level"], notebook)
        for fid in ordered
    ]


def frame_change(current: dict[str, Any], previous: dict[str, Any], notebook: str) -> Finding | None:
    """How the reference frame moved between the waves' own frames: a true count, no test (not a sample)."""
    new, old = current["findings"].get("pcn_count"), previous["findings"].get("pcn_count")
    if new is None or old is None:
        return None
    frames = [current["parameters"]["frame_file"], previous["parameters"]["frame_file"]]
    return Finding(
        "pcn_count_change", new["value"] - old["value"], "change in the number of primary care networks",
        "PCNs in each wave's reference frame", notebook, sorted(set(frames)), kind="frame_change",
        extra={"previous": old["value"], "previous_median": previous["findings"]["pcn_median_patients"]["value"],
               "previous_frame_file": frames[1], "compare_wave": str(previous["parameters"]["wave"])},
    )  # fmt: skip


def load_pair(current_path: str | Path, previous_path: str | Path) -> tuple[dict, dict]:
    return findings_io.load(current_path), findings_io.load(previous_path)
