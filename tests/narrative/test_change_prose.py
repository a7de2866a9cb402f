"""Words for change follow the test and the unrounded values: a rise, a fall and no change, either side of the
test's threshold."""

from __future__ import annotations

import pytest

from briefing.analysis import change, stats
from briefing.narrative import change_prose

N_OLD, N_NEW, POP = 200, 200, 1250
OLD_K = 40  # 20% in 2019


def change_record(new_k: int, old_k: int = OLD_K, status: str | None = None) -> dict:
    def rec(k, wave):
        low, high = stats.proportion_ci(k, N_NEW, POP)
        return {
            "kind": "proportion",
            "question": "q",
            "subgroup": None,
            "theme": "t",
            "description": "plan to leave",
            "base": "b",
            "inputs": [],
            "value": k / N_NEW,
            "numerator": k,
            "denominator": N_NEW,
            "population": POP,
            "ci_low": low,
            "ci_high": high,
            "suppressed": False,
        }

    made = change.change_finding(
        "plan_to_leave", rec(new_k, "2020"), rec(old_k, "2019"), ("2020", "2019"), "unweighted", 0.95, "nb"
    )
    return made.as_record()


def threshold(direction: int) -> int:
    """The first new count (moving away from OLD_K) whose change the test calls larger than chance."""
    k = OLD_K
    while not change_record(k)["significant"]:
        k += direction
    return k


@pytest.mark.parametrize("direction, word, verb", [(1, "up", "a rise"), (-1, "down", "a fall")])
def test_either_side_of_the_threshold(direction, word, verb):
    k = threshold(direction)
    beyond, within = change_record(k), change_record(k - direction)
    assert beyond["p_value"] < 0.05 <= within["p_value"]
    before = "20%"
    assert change_prose.change_clause(beyond).startswith(f"{word} from {before} in 2019: {verb} of ")
    assert change_prose.change_clause(beyond).endswith("larger than chance alone would explain")
    assert change_prose.change_clause(beyond, with_interval=False) == (
        f"{word} from {before} in 2019, {verb} larger than chance alone would explain"
    )
    assert change_prose.change_clause(within, with_interval=False) == (
        f"little changed since 2019 ({before}): the difference is within the margin of error"
    )
    assert "within the margin of error" in change_prose.change_clause(within)
    assert "chance" not in change_prose.change_clause(within)


def test_a_rise_in_full_with_its_interval():
    record = change_record(62)  # 31% against 20%
    assert change_prose.change_clause(record) == (
        "up from 20% in 2019: a rise of 11 percentage points (95% confidence interval 3 to 19 percentage points), "
        "larger than chance alone would explain"
    )
    assert change_prose.change_sentence(record).startswith("The share is up from 20% in 2019")
    assert change_prose.change_lead(record, "clinical directors") == (
        "Clinical directors who plan to leave: 31% in 2020, up from 20% in 2019, a rise larger than chance alone "
        "would explain."
    )
    assert change_prose.change_lead(record, "GP partners").startswith("GP partners who plan to leave: 31%")


def test_no_change_in_full_says_the_difference_and_a_signed_interval():
    record = change_record(42)  # 21% against 20%
    assert change_prose.change_clause(record) == (
        "little changed since 2019 (20%): the difference of 1 percentage point is within the margin of error "
        "(95% confidence interval \u22126 to 8 percentage points)"
    )
    # 20.5% against 20%: the unrounded difference (0.5 points, just under as a float) is "less than 1 point"
    assert "the difference of less than 1 percentage point" in change_prose.change_clause(change_record(41))


def test_a_tiny_difference_is_less_than_a_point_not_zero():
    record = change_record(OLD_K)
    record.update(difference=0.004, significant=False)
    assert "the difference of less than 1 percentage point is within" in change_prose.change_clause(record)


def test_new_dropped_and_suppressed_changes_never_invent_a_comparison():
    new = {"status": "new", "wave": "2020", "compare_wave": "2019"}
    assert change_prose.change_clause(new) == "asked for the first time in 2020"
    assert change_prose.change_sentence(new) == "The question was asked for the first time in 2020."
    assert change_prose.change_clause({"status": "dropped", "wave": "2020", "compare_wave": "2019"}).startswith(
        "not asked in 2020"
    )
    assert "suppressed" in change_prose.change_clause({"status": "suppressed", "wave": "2020", "compare_wave": "2019"})


def test_signed_change_for_tables():
    assert [change_prose.signed_change(x) for x in (0.1013, -0.141, 0.0, -0.004)] == ["+10", "\u221214", "0", "0"]


def test_key_findings_lead_with_supported_whole_sample_changes_largest_first():
    findings = {
        "a_change": {**change_record(62), "id": "a_change"},
        "b_change": {**change_record(41), "id": "b_change"},
        "c_change": {**change_record(10), "id": "c_change"},
        "d_change": {**change_record(90), "id": "d_change", "subgroup": "small"},
    }
    assert [r["id"] for r in change_prose.supported_changes(findings)] == ["c_change", "a_change"]
