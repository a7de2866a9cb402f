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
    # not supported, and the interval is wide: the survey cannot tell (never "little changed")
    sentence = change_prose.change_sentence(within)
    assert sentence.startswith(f"The survey cannot tell whether the share has changed since 2019 ({before}): ")
    assert sentence.endswith("is within what chance could produce with these numbers.")
    assert "little changed" not in sentence and "margin of error" not in sentence
    with pytest.raises(ValueError, match="cannot tell"):
        change_prose.change_clause(within)


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


def test_a_change_the_test_cannot_tell_says_so_with_its_size_and_no_interval():
    record = change_record(42)  # 21% against 20%, interval -6 to 8: wide
    assert change_prose.change_sentence(record) == (
        "The survey cannot tell whether the share has changed since 2019 (20%): the change of 1 percentage point "
        "is within what chance could produce with these numbers."
    )
    # 20.5% against 20%: the unrounded difference (0.5 points, just under as a float) is "less than 1 point"
    assert "the change of less than 1 percentage point" in change_prose.change_sentence(change_record(41))


@pytest.mark.parametrize(
    "low, high, little", [(-0.05, 0.05, True), (-0.049, 0.03, True), (-0.051, 0.03, False), (-0.02, 0.06, False)]
)
def test_little_changed_only_when_the_interval_is_within_five_points(low, high, little):
    record = change_record(42)
    record.update(ci_low=low, ci_high=high, significant=False)
    sentence = change_prose.change_sentence(record)
    assert ("little changed since 2019" in sentence) is little
    assert ("cannot tell" in sentence) is not little


def test_the_environment_varies_the_form_of_a_change_it_cannot_tell():
    import jinja2

    env = change_prose.register(jinja2.Environment())
    record = change_record(42)
    sentences = [env.filters["change_sentence"](record) for _ in range(6)]
    assert len(set(sentences)) == 3
    assert max(sentences.count(s) for s in sentences) == 2  # no form more than twice in six
    assert all(s.count(".") >= 1 and "cannot tell" in s for s in sentences)


def test_a_tiny_difference_is_less_than_a_point_not_zero():
    record = change_record(OLD_K)
    record.update(difference=0.004, significant=False)
    assert "the change of less than 1 percentage point is within" in change_prose.change_sentence(record)


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
