"""Tests for briefing.narrative.prose: house-style number filters for the narrative templates."""

from __future__ import annotations

import math
from decimal import Decimal

import jinja2
import numpy as np
import pytest
from markupsafe import Markup

from briefing.analysis.stats import compare_proportions
from briefing.narrative import prose
from briefing.narrative.prose import (
    FILTERS,
    SUPPRESSED,
    capfirst,
    compare_words,
    count,
    higher_or_lower,
    likelihood,
    more_or_fewer,
    number_words,
    percent,
    pp,
    proportion_words,
    register,
    sentence_start,
    suppressed_or,
)

# ---------------------------------------------------------------------------------------------
# percent
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "p,dp,expected",
    [
        (0.1127, 0, "11%"),
        (0.1127, 1, "11.3%"),
        (0.11, 1, "11.0%"),
        (0, 0, "0%"),
        (1, 0, "100%"),
        (1.0, 1, "100.0%"),
        (0.005, 0, "1%"),  # half-up, not banker's (which would give 0%)
        (0.015, 0, "2%"),
        (0.025, 0, "3%"),  # banker's rounding would give 2%
        (0.145, 0, "15%"),  # 0.145 * 100 is 14.499999... in binary floating point
        (0.0049, 0, "0%"),
        (0.995, 0, "100%"),  # decision: shown as ONS tables would; prose says "almost all"
        (0.9949, 0, "99%"),
        (0.00049, 1, "0.0%"),
        (0.12345, 2, "12.35%"),
        (71 / 213, 0, "33%"),
        (np.float64(0.4929577), 0, "49%"),
        (Decimal("0.125"), 0, "13%"),
        (-0.001, 0, "0%"),  # no "-0%"
        (-0.2134, 0, "-21%"),
    ],
)
def test_percent(p, dp, expected):
    assert percent(p, dp) == expected


@pytest.mark.parametrize(
    "bad,error",
    [
        (None, TypeError),
        (math.nan, ValueError),
        (math.inf, ValueError),
        ("11%", TypeError),
        (True, TypeError),
        (11.27, ValueError),
    ],
)
def test_percent_rejects(bad, error):
    with pytest.raises(error):
        percent(bad)


def test_percent_none_message_points_to_suppression():
    with pytest.raises(TypeError, match="suppressed_or"):
        percent(None)


# ---------------------------------------------------------------------------------------------
# count and number_words
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "n,expected",
    [
        (0, "0"),
        (7, "7"),
        (213, "213"),
        (999, "999"),
        (1000, "1,000"),
        (1250, "1,250"),
        (1234567, "1,234,567"),
        (np.int64(1250), "1,250"),
        (1250.0, "1,250"),
        (2.5, "3"),
        (3.5, "4"),
        (-1250, "-1,250"),
    ],
)
def test_count(n, expected):
    assert count(n) == expected


@pytest.mark.parametrize("bad", [None, math.nan, "1250", False])
def test_count_rejects(bad):
    with pytest.raises((TypeError, ValueError)):
        count(bad)


@pytest.mark.parametrize(
    "n,expected",
    [
        (0, "zero"),
        (1, "one"),
        (8, "eight"),
        (11, "eleven"),
        (19, "nineteen"),
        (20, "twenty"),
        (21, "twenty-one"),
        (40, "forty"),
        (99, "ninety-nine"),
        (100, "one hundred"),
        (101, "one hundred and one"),
        (213, "two hundred and thirteen"),
        (1000, "one thousand"),
        (1005, "one thousand and five"),
        (1250, "one thousand two hundred and fifty"),
        (999_999, "nine hundred and ninety-nine thousand nine hundred and ninety-nine"),
        (np.int64(12), "twelve"),
        (12.0, "twelve"),
    ],
)
def test_number_words(n, expected):
    assert number_words(n) == expected


@pytest.mark.parametrize("bad", [-1, 1_000_000, 1.5])
def test_number_words_rejects(bad):
    with pytest.raises(ValueError):
        number_words(bad)


# ---------------------------------------------------------------------------------------------
# proportion_words
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "p,expected",
    [
        # the house-style cases
        (0.74, "almost three-quarters"),
        (0.34, "over a third"),
        (0.26, "over a quarter"),  # never "almost a third"
        (0.333, "almost a third"),  # not "a third": the hedge is about the unrounded value
        (0.49, "almost half"),
        (0.11, "over 1 in 10"),
        # exact fractions take no hedge
        (0.0, "none"),
        (1.0, "all"),
        (0.5, "half"),
        (0.25, "a quarter"),
        (1 / 3, "a third"),
        (71 / 213, "a third"),
        (2 / 3, "two-thirds"),
        (0.75, "three-quarters"),
        (0.1, "1 in 10"),
        (0.2, "1 in 5"),
        (0.4, "two-fifths"),
        (0.6, "three-fifths"),
        (0.8, "four-fifths"),
        (0.9, "nine in 10"),
        (0.05, "1 in 20"),
        # just either side of a fraction
        (0.4999, "almost half"),
        (0.5001, "over half"),
        (0.47, "almost half"),  # exactly 3 points below: close (inclusive)
        (0.469, "over two-fifths"),  # 3.1 points below half: not close
        (0.30, "over a quarter"),  # 3.3 points below a third: not close
        (0.31, "almost a third"),
        (0.64, "almost two-thirds"),  # nearer two-thirds than three-fifths
        (0.62, "over three-fifths"),  # nearer three-fifths
        (0.77, "over three-quarters"),  # close to four-fifths, but nearer three-quarters
        (0.78, "almost four-fifths"),
        (0.19, "almost 1 in 5"),
        (0.15, "over 1 in 10"),
        (0.09, "almost 1 in 10"),  # relative rule: within 10% of 0.1
        (0.08, "over 1 in 20"),  # 2 points below 1 in 10 but 20% short of it
        # the ends: never "all"/"none" unless exact
        (0.995, "almost all"),
        (0.97, "almost all"),
        (0.96, "over nine in 10"),
        (212 / 213, "almost all"),
        (1 / 213, "almost 1 in 200"),
        (0.003, "over 1 in 500"),
        (0.0004, "fewer than 1 in 1,000"),
        (0.00095, "almost 1 in 1,000"),
        (np.float64(0.74), "almost three-quarters"),
    ],
)
def test_proportion_words(p, expected):
    assert proportion_words(p) == expected


def test_proportion_words_hedges_are_true():
    # Property over a fine grid: "almost F" means p < F and within 3 points; "over F" means
    # p > F; "fewer than F" means p < F; a bare fraction means p equals it.
    values = {w: v for v, w in prose.FRACTIONS}
    values["none"] = 0.0
    for p in np.linspace(0, 1, 10001):
        text = proportion_words(p)
        hedge, _, rest = text.partition(" ")
        if hedge == "almost":
            assert p < values[rest] and values[rest] - p <= 0.03 + 1e-12, (p, text)
        elif hedge == "over":
            assert p > values[rest], (p, text)
        elif text.startswith("fewer than "):
            assert p < values[text[len("fewer than ") :]], (p, text)
        else:
            assert math.isclose(p, values[text], abs_tol=1e-12), (p, text)


@pytest.mark.parametrize("bad", [-0.01, 1.01, None, math.nan])
def test_proportion_words_rejects(bad):
    with pytest.raises((TypeError, ValueError)):
        proportion_words(bad)


# ---------------------------------------------------------------------------------------------
# Differences
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "diff,dp,expected",
    [
        (0.2134, 0, "21 percentage points"),
        (-0.2134, 0, "21 percentage points"),
        (0.01, 0, "1 percentage point"),
        (-0.012, 0, "1 percentage point"),
        (0.015, 0, "2 percentage points"),  # half-up
        (0.005, 0, "1 percentage point"),
        (0.004, 0, "less than 1 percentage point"),
        (0.0, 0, "0 percentage points"),
        (0.004, 1, "0.4 percentage points"),
        (0.0004, 1, "less than 0.1 percentage points"),
        (0.01, 1, "1.0 percentage points"),
        (0.2134, 1, "21.3 percentage points"),
    ],
)
def test_pp(diff, dp, expected):
    assert pp(diff, dp) == expected


@pytest.mark.parametrize("diff,hl,mf", [(0.2, "higher", "more"), (-0.2, "lower", "fewer"), (0, "the same", "as many")])
def test_direction_words(diff, hl, mf):
    assert higher_or_lower(diff) == hl
    assert more_or_fewer(diff) == mf


def test_comparison_words_follow_the_test_and_the_width_of_its_interval():
    supported = compare_proportions(56, 70, 48, 80)
    assert likelihood(supported) == "were more likely than"
    assert (
        compare_words(supported)["verdict"]
        == "The gap of 20 percentage points is larger than chance alone would explain."
    )
    wide = compare_proportions(30, 60, 25, 60)  # 8 points, not significant, interval far wider than +/-5
    words = compare_words(wide, between="small and large PCNs")
    assert words["kind"] == "uncertain" and not words["significant"]
    assert words["verdict"] == (
        "The survey cannot tell whether small and large PCNs differ: the gap of 8 percentage points is within what "
        "chance could produce with these numbers."
    )
    with pytest.raises(ValueError, match="cannot tell"):
        likelihood(wide)
    for banned in ("differ little", "no more likely", "margin of error"):
        assert banned not in words["verdict"]


@pytest.mark.parametrize(
    "low, high, kind", [(-0.05, 0.05, "narrow"), (-0.0501, 0.02, "uncertain"), (-0.01, 0.0501, "uncertain")]
)
def test_differ_little_only_when_both_ends_are_within_five_points(low, high, kind):
    record = {"difference": 0.01, "significant": False, "ci_low": low, "ci_high": high}
    assert compare_words(record)["kind"] == kind
    assert ("differ little" in compare_words(record)["verdict"]) is (kind == "narrow")
    assert (likelihood(record) == "were about as likely as") if kind == "narrow" else True


@pytest.mark.parametrize(
    "p, low, high, words",
    [
        (0.54, 0.48, 0.60, "about half"),  # "over half" would claim a majority the interval does not hold
        (0.55, 0.51, 0.59, "over half"),  # the low end is above half: the hedge holds
        (0.49, 0.43, 0.55, "about half"),
        (0.49, 0.47, 0.499, "almost half"),  # the high end is below half
        (0.21, 0.16, 0.27, "about 1 in 5"),
        (0.21, 0.205, 0.215, "over 1 in 5"),
    ],
)
def test_a_hedge_holds_for_the_value_and_its_interval(p, low, high, words):
    from briefing.narrative.prose import hedged_words

    assert hedged_words(p, low, high) == words


@pytest.mark.parametrize("tests, noted", [(4, False), (5, True), (9, True)])  # at 95%: 19% and 23% by chance
def test_many_tests_are_said_where_one_is_headlined(tests, noted):
    from briefing.narrative.prose import tests_note

    note = tests_note(1, tests, 0.95)
    assert bool(note) is noted
    assert tests_note(0, tests, 0.95) == ""  # nothing headlined, nothing to caution
    if noted:
        assert note.startswith(f"This is one of the {number_words(tests)} changes tested.") and "by luck alone" in note


def test_comparison_words_accept_a_mapping():
    d = {"difference": -0.2134, "significant": True}
    assert likelihood(d) == "were less likely than"
    assert compare_words(d)["difference"] == "21 percentage points"
    assert compare_words(d)["test"] is None


# ---------------------------------------------------------------------------------------------
# Sentence starts
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "s,expected",
    [
        ("fewer than 8 directors", "Fewer than 8 directors"),
        ("almost half of directors", "Almost half of directors"),
        ("iPCN", "IPCN"),
        ("", ""),
        ("  over a third", "  Over a third"),
        ("Already capitalised", "Already capitalised"),
        ("eLECTRIC", "ELECTRIC"),  # only the first letter changes
    ],
)
def test_capfirst(s, expected):
    assert capfirst(s) == expected


@pytest.mark.parametrize(
    "s,expected",
    [
        ("11% of clinical directors", "Eleven per cent of clinical directors"),
        ("213 clinical directors", "Two hundred and thirteen clinical directors"),
        ("1,250 PCNs", "One thousand two hundred and fifty PCNs"),
        ("11.3% of directors", "Eleven point three per cent of directors"),
        ("40 per cent of", "Forty per cent of"),
        ("1 in 10 directors", "One in 10 directors"),
        ("0% of", "Zero per cent of"),
        ("almost half of directors", "Almost half of directors"),
        ("fewer than 8 directors", "Fewer than 8 directors"),
        ("\n  74% said", "\n  Seventy-four per cent said"),
        ("over 1 in 10", "Over 1 in 10"),
    ],
)
def test_sentence_start(s, expected):
    assert sentence_start(s) == expected


def test_sentence_start_rejects_huge_numbers():
    with pytest.raises(ValueError, match="rephrase"):
        sentence_start("1,000,000 patients")


def test_markup_is_preserved():
    out = sentence_start(Markup("11% of <b>directors</b>"))
    assert isinstance(out, Markup) and out == "Eleven per cent of <b>directors</b>"
    assert isinstance(capfirst(Markup("over")), Markup)


# ---------------------------------------------------------------------------------------------
# Suppression
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value,kwargs,expected",
    [
        (0, {}, "0"),
        (1, {}, "fewer than 8"),
        (7, {}, "fewer than 8"),
        (8, {}, "8"),
        (1250, {}, "1,250"),
        (206, {"base": 213}, "all but fewer than 8"),
        (205, {"base": 213}, "205"),
        (9, {"threshold": 10}, "fewer than 10"),
    ],
)
def test_suppressed_or_count(value, kwargs, expected):
    assert suppressed_or(value, "count", **kwargs) == expected


@pytest.mark.parametrize(
    "count_,base,fmt,expected",
    [
        (24, 213, "percent", "11%"),
        (7, 213, "percent", "fewer than 8"),
        (1, 213, "percent", "fewer than 8"),
        (0, 213, "percent", "0%"),
        (0, 7, "percent", "fewer than 8"),  # small base
        (5, 5, "percent", "fewer than 8"),
        (8, 8, "percent", "100%"),
        (210, 213, "percent", "all but fewer than 8"),  # the 3 who did not would be disclosed
        (105, 213, "proportion_words", "almost half"),
        (3, 7, "proportion_words", "fewer than 8"),
    ],
)
def test_suppressed_or_proportion(count_, base, fmt, expected):
    assert suppressed_or(count_ / base if base else 0, fmt, count=count_, base=base) == expected


def test_suppressed_or_passes_format_options():
    assert suppressed_or(24 / 213, "percent", count=24, base=213, dp=1) == "11.3%"


def test_suppressed_or_needs_count_and_base_for_proportions():
    with pytest.raises(ValueError, match="count= and base="):
        suppressed_or(0.11, "percent")
    with pytest.raises(ValueError, match="unknown format"):
        suppressed_or(3, "nonsense")


def test_marker_text_lives_in_one_place(monkeypatch):
    monkeypatch.setattr(prose, "SUPPRESSED", "[c] ({threshold} or fewer)")
    assert suppressed_or(3) == "[c] (8 or fewer)"
    assert SUPPRESSED == "fewer than {threshold}"


# ---------------------------------------------------------------------------------------------
# Registration and templates
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def env():
    return register(jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False), suppression_threshold=8)


def test_register_installs_every_filter(env):
    for name in FILTERS:
        assert name in env.filters
    assert set(FILTERS) >= {
        "percent",
        "count",
        "number_words",
        "proportion_words",
        "pp",
        "capfirst",
        "sentence_start",
        "suppressed_or",
        "likelihood",
        "compare_words",
    }


def test_threshold_from_register(env):
    assert env.from_string("{{ 9 | suppressed_or }}").render() == "9"
    env10 = register(jinja2.Environment(undefined=jinja2.StrictUndefined), suppression_threshold=10)
    assert env10.from_string("{{ 9 | suppressed_or | sentence_start }} directors").render() == "Fewer than 10 directors"
    assert env10.from_string("{{ 12 | suppressed_or(threshold=13) }}").render() == "fewer than 13"
    with pytest.raises(ValueError):
        register(jinja2.Environment(), suppression_threshold=0)


def test_suppressed_percentage_in_a_template(env):
    t = env.from_string('{{ q.p | suppressed_or("percent", count=q.count, base=q.base) | sentence_start }} of them')
    assert t.render(q={"p": 3 / 40, "count": 3, "base": 40}) == "Fewer than 8 of them"
    assert t.render(q={"p": 11 / 40, "count": 11, "base": 40}) == "Twenty-eight per cent of them"


@pytest.mark.parametrize(
    "source",
    [
        "{{ missing | percent }}",
        "{{ missing | count }}",
        "{{ missing | proportion_words }}",
        "{{ missing | pp }}",
        "{{ missing | number_words }}",
        "{{ missing | likelihood }}",
        "{{ missing | suppressed_or }}",
        "{{ 0.5 | suppressed_or('percent', count=missing, base=10) }}",
        "{{ missing | sentence_start }}",
        "{{ missing | capfirst }}",
    ],
)
def test_strict_undefined_raises(env, source):
    with pytest.raises(jinja2.UndefinedError):
        env.from_string(source).render()
