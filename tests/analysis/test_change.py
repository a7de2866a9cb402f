"""Change between waves: the statistics against statsmodels and a hand calculation, and the records' status."""

from __future__ import annotations

import dataclasses
import math

import pytest
from scipy import stats as sps
from statsmodels.stats.proportion import proportions_ztest

from briefing.analysis import change, stats


def record(k: int, n: int, population: int | None, wave: str = "2020", suppressed: bool = False, **extra) -> dict:
    """A survey finding as findings.json holds it (unweighted figure quoted)."""
    low, high = stats.proportion_ci(k, n, population)
    return {
        "id": "plan_to_leave",
        "kind": "proportion",
        "question": "leave_role_12m",
        "subgroup": None,
        "theme": "retention",
        "description": "plan to leave",
        "base": "clinical directors who answered",
        "inputs": [f"data/pcn-clinical-directors/raw/pcn_cd_survey_{wave}.csv"],
        "value": None if suppressed else k / n,
        "numerator": None if suppressed else k,
        "denominator": n,
        "population": population,
        "ci_low": None if suppressed else low,
        "ci_high": None if suppressed else high,
        "suppressed": suppressed,
        "estimate": "unweighted",
        **extra,
    }


def test_change_matches_a_hand_calculation_with_each_waves_fpc():
    k1, n1, N1, k2, n2, N2 = 41, 195, 1251, 23, 211, 1250  # the example waves: 2020 against 2019
    result = change.change_finding(
        "plan_to_leave", record(k1, n1, N1), record(k2, n2, N2, wave="2019"), ("2020", "2019"), "unweighted", 0.95, "nb"
    )
    p1, p2 = k1 / n1, k2 / n2
    d = p1 - p2
    assert result.value == pytest.approx(d)
    # The z-test with each wave's FPC, the shares pooled by effective size m = n / f.
    f1, f2 = (N1 - n1) / (N1 - 1), (N2 - n2) / (N2 - 1)
    m1, m2 = n1 / f1, n2 / f2
    pbar = (p1 * m1 + p2 * m2) / (m1 + m2)
    z_stat = d / math.sqrt(pbar * (1 - pbar) * (f1 / n1 + f2 / n2))
    assert result.extra["p_value"] == pytest.approx(2 * sps.norm.sf(z_stat))
    # The interval is the one inverted from that test (checked against its definition in test_stats).
    same = stats.compare_proportions(k1, n1, k2, n2, population=(N1, N2))
    assert (result.extra["ci_low"], result.extra["ci_high"]) == (same.ci_low, same.ci_high)
    assert (round(d, 4), round(result.extra["ci_low"], 3), round(result.extra["ci_high"], 3)) == (0.1013, 0.037, 0.168)
    assert result.extra["significant"] is True and result.extra["status"] == "compared"
    assert result.extra["test"] == "two-proportion z-test (finite population corrected)"
    assert result.extra["previous"]["value"] == pytest.approx(p2) and result.extra["current"]["value"] == pytest.approx(
        p1
    )


def test_without_a_population_it_is_statsmodels_z_test():
    new, old = record(41, 195, None), record(23, 211, None, wave="2019")
    result = change.change_finding("plan_to_leave", new, old, ("2020", "2019"), "unweighted", 0.95, "nb")
    _, p_value = proportions_ztest([41, 23], [195, 211])
    assert result.extra["p_value"] == pytest.approx(p_value)
    assert result.extra["test"] == stats.Z_TEST


def weighted(k: int, n: int, population: int, wave: str) -> dict:
    """A survey finding with its weighted estimate, from equal weights."""
    r = record(k, n, population, wave)
    r["weighted"] = {"value": r["value"], "ci_low": r["ci_low"], "ci_high": r["ci_high"], "effective_n": n}
    return r


def test_weighted_change_with_equal_weights_equals_the_unweighted_one():
    new, old = weighted(41, 195, 1251, "2020"), weighted(23, 211, 1250, "2019")
    plain = change.change_finding("x", new, old, ("2020", "2019"), "unweighted", 0.95, "nb")
    weighted_result = change.change_finding("x", new, old, ("2020", "2019"), "weighted", 0.95, "nb")
    for key in ("difference", "ci_low", "ci_high", "p_value"):
        assert weighted_result.extra[key] == pytest.approx(plain.extra[key], abs=1e-11), key
    assert "effective sample sizes" in weighted_result.extra["test"]


def test_a_weighted_census_is_a_census_for_the_test_too():
    # Both waves a census of 100 (effective n 90): each wave's interval is its point, so the change is known
    # exactly and the test says so (with its FPC from the effective n, p was 0.40 beside a zero-width interval).
    new, old = weighted(52, 100, 100, "2020"), weighted(50, 100, 100, "2019")
    for r in (new, old):
        r["weighted"].update(effective_n=90.0)
        assert r["weighted"]["ci_low"] == r["weighted"]["ci_high"] == r["weighted"]["value"]
    result = change.change_finding("x", new, old, ("2020", "2019"), "weighted", 0.95, "nb").extra
    assert result["ci_low"] == result["ci_high"] == pytest.approx(0.02)
    assert result["p_value"] == 0.0 and result["significant"] is True


def test_small_cells_take_the_same_test_and_an_interval_that_agrees():
    result = change.change_finding(
        "x", record(2, 40, 1251), record(5, 42, 1250, "2019"), ("2020", "2019"), "unweighted", 0.95, "nb"
    )
    assert result.extra["test"] == "two-proportion z-test (finite population corrected)"
    assert result.extra["ci_low"] < 0 < result.extra["ci_high"] and result.extra["significant"] is False


def test_a_suppressed_wave_suppresses_the_change():
    result = change.change_finding(
        "x",
        record(5, 195, 1251, suppressed=True),
        record(23, 211, 1250, "2019"),
        ("2020", "2019"),
        "unweighted",
        0.95,
        "nb",
    )
    assert result.value is None and result.extra["suppressed"] is True and result.extra["status"] == change.SUPPRESSED
    assert "difference" not in result.extra


def test_a_question_asked_in_one_wave_only_is_new_or_dropped_never_compared():
    new_only = change.change_finding("x", record(120, 196, 1251), None, ("2020", "2019"), "unweighted", 0.95, "nb")
    assert (new_only.extra["status"], new_only.extra["first_asked"], new_only.value) == (change.NEW, "2020", None)
    dropped = change.change_finding(
        "x", None, record(23, 211, 1250, "2019"), ("2020", "2019"), "unweighted", 0.95, "nb"
    )
    assert (dropped.extra["status"], dropped.extra["current"]) == (change.DROPPED, None)


def test_changes_cover_every_survey_finding_of_either_wave():
    current = {
        "parameters": {"wave": "2020", "estimate": "unweighted", "confidence_level": 0.95},
        "findings": {
            "a": record(41, 195, 1251),
            "b": record(120, 196, 1251),
            "unit_count": {"kind": "count", "value": 1251},
        },
    }
    previous = {
        "parameters": {"wave": "2019"},
        "findings": {"a": record(23, 211, 1250, "2019"), "c": record(9, 50, 1250, "2019")},
    }
    by_id = {c.id: c.extra["status"] for c in change.changes(current, previous, "nb")}
    assert by_id == {"a_change": "compared", "b_change": "new", "c_change": "dropped"}


def test_the_frame_change_is_the_difference_of_the_two_waves_own_frames():
    def merged(wave: str, pcns: int, median: float, frame: str) -> dict:
        return {
            "parameters": {"wave": wave, "frame_file": frame},
            "findings": {
                "unit_count": {"value": pcns, "description": "primary care networks", "base": "units in the frame"},
                "unit_median_size": {"value": median},
            },
        }

    found = change.frame_change(
        merged("2020", 1251, 44500.0, "f21.csv"), merged("2019", 1250, 44000.0, "f20.csv"), "nb"
    )
    assert (found.id, found.value, found.kind) == ("unit_count_change", 1, "frame_change")
    assert found.description == "change in the number of primary care networks"  # the frame's unit words
    assert found.extra == {
        "previous": 1250,
        "previous_median": 44000.0,
        "previous_frame_file": "f20.csv",
        "compare_wave": "2019",
    }
    assert found.inputs == ["f20.csv", "f21.csv"]
    assert change.frame_change(merged("2020", 1251, 1.0, "f"), {"parameters": {}, "findings": {}}, "nb") is None


def test_comparisons_made_together_are_each_as_made_alone():
    # One vectorised test per set of populations: every field of every pair the same, bit for bit, as a call per
    # pair (the interval's root-finder works element by element), an empty group and a census among them.
    pairs = [
        (record(41, 195, 1251), record(23, 211, 1250, wave="2019"), "unweighted"),
        ({**record(0, 1, 1251), "denominator": 0}, record(23, 211, 1250, wave="2019"), "unweighted"),  # no one
        (record(7, 20, None), record(3, 25, None), "unweighted"),  # no frame: another population
        (weighted(41, 195, 1251, "2020"), weighted(23, 211, 1250, "2019"), "weighted"),
        (record(52, 100, 100), record(50, 100, 100), "unweighted"),  # both censuses
        (record(120, 196, 1251), record(99, 205, 1250, wave="2019"), "unweighted"),
    ]
    together = change.compare_all(pairs, 0.95)
    alone = [change.compare(first, second, estimate, 0.95) for first, second, estimate in pairs]
    assert [repr(dataclasses.astuple(c)) for c in together] == [repr(dataclasses.astuple(c)) for c in alone]
    assert math.isnan(together[1].difference)
    empty = together[1]
    assert empty.test == stats.NOT_TESTED and empty.significant is False
    assert together[0].test == "two-proportion z-test (finite population corrected)"
    assert together[4].ci_low == together[4].ci_high == pytest.approx(0.02)
