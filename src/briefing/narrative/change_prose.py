"""Words for change between waves, built on the house-style filters in prose.py (percent, pp, compare_words).

The verdict follows the test, and every size is true of the unrounded values:
  rise:      "up from 11% in 2019: a rise of 10 percentage points (95% confidence interval 4 to 17 percentage
              points), larger than chance alone would explain"
  fall:      "down from 26% in 2019: a fall of 14 percentage points (...), larger than chance alone would explain"
  no change: "little changed since 2019 (49%): the difference of 5 percentage points is within the margin of
              error (95% confidence interval -4 to 14 percentage points)"
  new:       "asked for the first time in 2020"
A change record is a `<finding>_change` record of findings.json (analysis/change.py).
"""

from __future__ import annotations

from typing import Any

import jinja2

from briefing.narrative import prose

RISE, FALL = "a rise", "a fall"
BEYOND_CHANCE = "larger than chance alone would explain"
WITHIN_MARGIN = "is within the margin of error"


def signed_points(x: float) -> str:
    """A bound of a difference's interval in percentage points, signed only when negative: "-4", "17"."""
    return prose.percent(x).rstrip("%").replace("-", "\u2212")


def signed_change(x: float) -> str:
    """A change for a table, in percentage points with its sign: "+10", "−14", "0"."""
    text = signed_points(x)
    return text if text.startswith("−") or text == "0" else f"+{text}"


def change_interval(change: dict[str, Any]) -> str:
    level = prose.percent(change["confidence_level"])
    low, high = signed_points(change["ci_low"]), signed_points(change["ci_high"])
    return f"{level} confidence interval {low} to {high} percentage points"


def change_clause(change: dict[str, Any], with_interval: bool = True) -> str:
    """How a finding moved since the comparison wave, in words that follow the test (see the module's doc);
    with_interval=False gives the short form for key findings ("up from 11% in 2019, a rise larger than ...")."""
    status, earlier = change["status"], change["compare_wave"]
    if status == "new":
        return f"asked for the first time in {change['wave']}"
    if status == "dropped":
        return f"not asked in {change['wave']} (it was asked in {earlier})"
    if status == "suppressed":
        return f"not compared with {earlier}: a figure in one of the waves is suppressed (small numbers)"
    before = prose.percent(change["previous"]["value"])
    words = prose.compare_words(change)
    if change["significant"]:
        up = change["difference"] > 0
        kind = RISE if up else FALL
        if not with_interval:
            return f"{'up' if up else 'down'} from {before} in {earlier}, {kind} {BEYOND_CHANCE}"
        return (
            f"{'up' if up else 'down'} from {before} in {earlier}: {kind} of {words['difference']} "
            f"({change_interval(change)}), {BEYOND_CHANCE}"
        )
    if not with_interval:
        return f"little changed since {earlier} ({before}): the difference {WITHIN_MARGIN}"
    return (
        f"little changed since {earlier} ({before}): the difference of {words['difference']} {WITHIN_MARGIN} "
        f"({change_interval(change)})"
    )


def change_sentence(change: dict[str, Any]) -> str:
    """The clause as a sentence after a finding's headline: "The share is up from 11% in 2019: ..."."""
    if change["status"] in ("new", "dropped"):
        return f"The question was {change_clause(change)}."
    return f"The share is {change_clause(change)}."


def change_lead(change: dict[str, Any], who: str) -> str:
    """A key-findings line for a change the test supports: "Clinical directors who plan to leave ...: 21% in 2020,
    up from 11% in 2019, a rise larger than chance alone would explain" (`who`: the respondents, in the plural)."""
    now = prose.percent(change["current"]["value"])
    return (
        f"{prose.capfirst(who)} who {change['description']}: {now} in {change['wave']}, {change_clause(change, False)}."
    )


def supported_changes(findings: dict[str, Any]) -> list[dict[str, Any]]:
    """Whole-sample changes the test supports, largest first (what the key findings lead with)."""
    moved = [r for r in findings.values() if r.get("kind") == "change" and r["significant"] and not r["subgroup"]]
    return sorted(moved, key=lambda r: (-abs(r["difference"]), r["id"]))


FILTERS = {
    "change_clause": change_clause,
    "change_sentence": change_sentence,
    "change_lead": change_lead,
    "change_interval": change_interval,
    "signed_change": signed_change,
    "supported_changes": supported_changes,
}


def register(env: jinja2.Environment) -> jinja2.Environment:
    env.filters.update(FILTERS)
    return env
