"""House-style Jinja filters: every number in the narrative goes through one of these.

House style (UK Government Analysis Function / ONS): "%" with no space ("11%"), "percentage
points" for differences, thousands separators ("1,250"), no sentence starts with a numeral, and
hedged plain-words proportions ("almost half") that are true of the *unrounded* value.

Install with `register(env)`; the environment may use `jinja2.StrictUndefined` (an undefined
value reaching any filter raises `UndefinedError`). Note that `count` here replaces Jinja's
built-in `count` (an alias of `length`); use `length` for lengths.

Filters (all in FILTERS)
------------------------
percent(p, dp=0)            0.1127 -> "11%"; dp=1 -> "11.3%"; half-up rounding
count(n)                    1250 -> "1,250"
number_words(n)             13 -> "thirteen"; 213 -> "two hundred and thirteen"
proportion_words(p)         0.49 -> "almost half"; 0.34 -> "over a third"
pp(diff, dp=0)              0.2134 or -0.2134 -> "21 percentage points"
higher_or_lower(diff)       "higher" / "lower" / "the same"
more_or_fewer(diff)         "more" / "fewer" / "as many"
likelihood(comparison)      "were more likely than" / "were no more likely, within the margin of error, than"
compare_words(comparison)   dict of phrases: direction, difference, verdict, likelihood, ...
capfirst(s)                 "fewer than 8 ..." -> "Fewer than 8 ..."
sentence_start(s)           "11% of ..." -> "Eleven per cent of ..."
suppressed_or(value, fmt="count", count=None, base=None, threshold=None)
                            "fewer than 8" in place of a disclosive figure, else fmt(value)
"""

from __future__ import annotations

import math
import numbers
import re
import sys
from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from functools import partial
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from briefing.analysis.suppression import SMALL_COMPLEMENT, Suppression

if TYPE_CHECKING:
    import jinja2

__all__ = [
    "DEFAULT_THRESHOLD",
    "FILTERS",
    "FRACTIONS",
    "SUPPRESSED",
    "SUPPRESSED_COMPLEMENT",
    "capfirst",
    "compare_words",
    "count",
    "higher_or_lower",
    "likelihood",
    "more_or_fewer",
    "number_words",
    "percent",
    "pp",
    "proportion_words",
    "register",
    "sentence_start",
    "suppressed_or",
]

# The one place for the suppression marker text. `{threshold}` is filled in from params.
SUPPRESSED = "fewer than {threshold}"
# Used when the count is large but its complement (base - count) is small: "all but fewer than 8".
SUPPRESSED_COMPLEMENT = "all but fewer than {threshold}"
DEFAULT_THRESHOLD = 8


# --------------------------------------------------------------------------------------------
# Numbers
# --------------------------------------------------------------------------------------------


def _undefined(x: Any) -> bool:
    """A name a template used that is not there (one of Jinja's Undefined values). Only a loaded Jinja makes one,
    so Jinja is not loaded to ask: the render uses these words without it (its review page and data files)."""
    jinja = sys.modules.get("jinja2")
    return jinja is not None and isinstance(x, jinja.Undefined)


def _decimal(x: Any, name: str = "value") -> Decimal:
    """A finite Decimal from an int, float, numpy number or Decimal; raise on anything else."""
    if _undefined(x):
        float(x)  # raises UndefinedError (for every Undefined flavour)
    if x is None:
        raise TypeError(
            f"{name} is None: a missing or suppressed figure cannot be formatted; "
            "decide in the template (e.g. with suppressed_or)"
        )
    if isinstance(x, bool) or not isinstance(x, (numbers.Real, Decimal)):
        raise TypeError(f"{name} must be a number, got {x!r}")
    if isinstance(x, Decimal):
        d = x
    elif isinstance(x, numbers.Integral):
        d = Decimal(int(x))
    else:
        # str(float) is the shortest repr that round-trips, so 0.145 -> Decimal("0.145") and
        # rounds half-up to 15% as a reader expects (0.145 * 100 in binary is 14.499999...).
        d = Decimal(str(float(x)))
    if not d.is_finite():
        raise ValueError(f"{name} must be a finite number, got {x!r}")
    return d


def _round(d: Decimal, dp: int) -> Decimal:
    if isinstance(dp, bool) or not isinstance(dp, numbers.Integral) or dp < 0:
        raise ValueError(f"dp must be a whole number >= 0, got {dp!r}")
    q = d.quantize(Decimal(1).scaleb(-int(dp)), rounding=ROUND_HALF_UP)
    return abs(q) if q == 0 else q  # no "-0%"


def percent(p: Any, dp: int = 0) -> str:
    """A proportion as a percentage: 0.1127 -> "11%", dp=1 -> "11.3%".

    Rounds half-up on the decimal value as written (0.005 -> "1%", 0.145 -> "15%",
    0.995 -> "100%"). Like ONS tables this shows 99.5% as "100%"; prose that must not imply
    "all" should use `proportion_words`, which says "all" only when exact.
    Expects a proportion between -1 and 1 (raises otherwise, to catch a percentage passed by
    mistake); None raises TypeError: a suppressed figure must go through `suppressed_or`.
    """
    d = _decimal(p, "percent")
    if abs(d) > 1:
        raise ValueError(f"percent expects a proportion between -1 and 1 (0.11 for 11%), got {p!r}")
    return f"{_round(d * 100, dp):,f}%"


def count(n: Any) -> str:
    """A count with thousands separators: 1250 -> "1,250". Non-whole values round half-up."""
    return f"{_round(_decimal(n, 'count'), 0):,f}"


_ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
).split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def _words(n: int) -> str:
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + (f"-{_ONES[ones]}" if ones else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return f"{_ONES[hundreds]} hundred" + (f" and {_words(rest)}" if rest else "")
    thousands, rest = divmod(n, 1000)
    head = f"{_words(thousands)} thousand"
    if not rest:
        return head
    return head + (" and " if rest < 100 else " ") + _words(rest)


def number_words(n: Any) -> str:
    """A whole number 0..999,999 in British English words: 13 -> "thirteen",
    42 -> "forty-two", 213 -> "two hundred and thirteen", 1250 -> "one thousand two hundred and fifty".
    """
    d = _decimal(n, "number_words")
    if d != d.to_integral_value():
        raise ValueError(f"number_words needs a whole number, got {n!r}")
    i = int(d)
    if not 0 <= i <= 999_999:
        raise ValueError(f"number_words covers 0 to 999,999, got {n!r}; rephrase the sentence")
    return _words(i)


def pp(diff: Any, dp: int = 0) -> str:
    """The size of a difference of proportions in percentage points (absolute value).

    0.2134 -> "21 percentage points"; 0.01 -> "1 percentage point"; 0 -> "0 percentage points";
    a non-zero difference that rounds to 0 -> "less than 1 percentage point" (true of the
    unrounded value). Rounds half-up. Direction words come from higher_or_lower/more_or_fewer.
    """
    d = abs(_decimal(diff, "pp")) * 100
    q = _round(d, dp)
    if q == 0 and d != 0:
        unit = Decimal(1).scaleb(-int(dp))
        return f"less than {unit:f} percentage {'point' if unit == 1 else 'points'}"
    text = f"{q:,f}"
    return f"{text} percentage {'point' if text == '1' else 'points'}"


def higher_or_lower(diff: Any) -> str:
    """ "higher" for a positive difference, "lower" for negative, "the same" for zero."""
    d = _decimal(diff, "higher_or_lower")
    return "higher" if d > 0 else "lower" if d < 0 else "the same"


def more_or_fewer(diff: Any) -> str:
    """ "more" for a positive difference, "fewer" for negative, "as many" for zero."""
    d = _decimal(diff, "more_or_fewer")
    return "more" if d > 0 else "fewer" if d < 0 else "as many"


# --------------------------------------------------------------------------------------------
# Plain-words proportions
# --------------------------------------------------------------------------------------------

# The fixed set of simple fractions, ascending. "1 in N" for small shares.
FRACTIONS: tuple[tuple[float, str], ...] = (
    (1 / 1000, "1 in 1,000"),
    (1 / 500, "1 in 500"),
    (1 / 200, "1 in 200"),
    (1 / 100, "1 in 100"),
    (1 / 50, "1 in 50"),
    (1 / 25, "1 in 25"),
    (1 / 20, "1 in 20"),
    (1 / 10, "1 in 10"),
    (1 / 5, "1 in 5"),
    (1 / 4, "a quarter"),
    (1 / 3, "a third"),
    (2 / 5, "two-fifths"),
    (1 / 2, "half"),
    (3 / 5, "three-fifths"),
    (2 / 3, "two-thirds"),
    (3 / 4, "three-quarters"),
    (4 / 5, "four-fifths"),
    (9 / 10, "nine in 10"),
    (1.0, "all"),
)
ABS_TOL = 0.03  # "almost" only within 3 percentage points below the fraction ...
REL_TOL = 0.10  # ... and within 10% of the fraction (so 0.09 is "almost 1 in 10", 0.08 is not)


def proportion_words(p: Any, abs_tol: float = ABS_TOL, rel_tol: float = REL_TOL) -> str:
    """A proportion in plain words with a hedge that is true of the unrounded value.

    Rule, for 0 <= p <= 1 and the fractions in FRACTIONS (f_below < p < f_above):
      * p equal to a fraction (to 1e-9) -> the bare fraction: "half", "a third", "all", "none";
      * p close below f_above -> "almost <f_above>", where close means
        f_above - p <= min(abs_tol, rel_tol * f_above) and p is nearer f_above than f_below;
      * otherwise -> "over <f_below>" (always true; "over" is used at any distance above);
      * 0 < p < 1/1000 and not close to it -> "fewer than 1 in 1,000".
    So 0.74 -> "almost three-quarters", 0.34 -> "over a third", 0.26 -> "over a quarter"
    (never "almost a third"), 0.333 -> "almost a third", 0.49 -> "almost half",
    0.11 -> "over 1 in 10", 0.30 -> "over a quarter" (3.3 points short of a third is not close),
    0.995 -> "almost all" (never "all" unless exact).
    """
    d = _decimal(p, "proportion_words")
    x = float(d)
    if not 0 <= x <= 1:
        raise ValueError(f"proportion_words expects a proportion between 0 and 1, got {p!r}")
    if x == 0:
        return "none"
    for value, words in FRACTIONS:
        if math.isclose(x, value, rel_tol=1e-9, abs_tol=1e-12):
            return words
    below = [(v, w) for v, w in FRACTIONS if v < x]
    above = [(v, w) for v, w in FRACTIONS if v > x]
    up_value, up_words = above[0]  # x < 1 here, and 1.0 is a fraction
    gap_up = up_value - x
    close = gap_up <= min(abs_tol, rel_tol * up_value) + 1e-12
    if not below:
        return f"almost {up_words}" if close else f"fewer than {up_words}"
    down_value, down_words = below[-1]
    if close and gap_up < x - down_value:
        return f"almost {up_words}"
    return f"over {down_words}"


def _fraction_named(words: str) -> float | None:
    """The fraction a plain-words share names ("over half" -> 0.5), or None."""
    bare = words.removeprefix("over ").removeprefix("almost ").removeprefix("fewer than ")
    return next((value for value, name in FRACTIONS if name == bare), None)


def hedged_words(p: Any, low: Any = None, high: Any = None) -> str:
    """proportion_words, held to the interval too, so a sentence never hedges against itself.

    "over F" claims the share is above F: kept only when the interval's low end is above F; "almost F" claims it
    is below F: kept only when the interval's high end is below F (and "fewer than F" likewise). Otherwise the
    words are "about <the fraction nearest the value>": 0.54 with 48% to 60% is "about half", never "over half".
    Without an interval (low or high None) the words are proportion_words'. "almost all" is kept (the interval's
    top may touch 100%, and "about all" says nothing).
    """
    words = proportion_words(p)
    if low is None or high is None or words in ("almost all", "none", "all"):
        return words
    fraction = _fraction_named(words)
    low, high = float(_decimal(low, "low")), float(_decimal(high, "high"))
    if fraction is None or math.isclose(float(_decimal(p)), fraction, abs_tol=1e-12):
        return words
    held = low > fraction if words.startswith("over ") else high < fraction
    if held:
        return words
    candidates = [(v, w) for v, w in FRACTIONS if 1 / 20 <= v < 1]
    nearest = min(candidates, key=lambda c: (abs(c[0] - float(_decimal(p))), c[0]))[1]
    return f"about {nearest}"


def share_phrase(words: str, group: str) -> str:
    """ "about half of ward sisters", "about 1 in 5 ward sisters" (no "of" after "1 in N")."""
    return f"{words} {group}" if " in " in words else f"{words} of {group}"


# --------------------------------------------------------------------------------------------
# Comparisons
# --------------------------------------------------------------------------------------------


def _field(comparison: Any, name: str) -> Any:
    if _undefined(comparison):
        float(comparison)  # raises UndefinedError
    if isinstance(comparison, Mapping):
        if name not in comparison:
            raise KeyError(f"comparison has no {name!r}")
        return comparison[name]
    return getattr(comparison, name)


# A difference the test cannot tell from chance is "little" only when its interval is narrow: both ends within
# NARROW (5 percentage points) of zero. Five points is under the margin of error of any one share this survey
# size gives (about 6 points at 200 respondents), so a difference so bounded is small beside what the briefing can
# measure at all; a wider interval that still includes zero means the survey cannot tell, not that there is no gap.
NARROW = 0.05
SUPPORTED, NARROW_KIND, UNCERTAIN = "supported", "narrow", "uncertain"
CHANCE = "within what chance could produce with these numbers"
BEYOND_CHANCE = "larger than chance alone would explain"


def difference_kind(record: Any, limit: float = NARROW) -> str:
    """What the test says of a difference or a change: "supported" (significant), "narrow" (not significant, and
    both ends of its interval within `limit` of zero: little difference) or "uncertain" (the survey cannot tell).
    Reads the record's `significant`, `ci_low` and `ci_high`; an interval the analysis did not record counts as
    wide, so a record without one is never called "little changed"."""
    if bool(_field(record, "significant")):
        return SUPPORTED
    low = _field(record, "ci_low") if _has(record, "ci_low") else None
    high = _field(record, "ci_high") if _has(record, "ci_high") else None
    if low is not None and high is not None and -limit <= float(low) and float(high) <= limit:
        return NARROW_KIND
    return UNCERTAIN


def likelihood(comparison: Any) -> str:
    """The verb phrase for "<group 1> ... <group 2> to <do something>", driven by the test.

    significant, p1 > p2:  "were more likely than";  p1 < p2: "were less likely than"
    not significant, interval narrow (difference_kind "narrow"):  "were about as likely as"
    not significant, interval wide: raises, because no such verb is true: the survey cannot tell, which takes a
    sentence of its own (compare_words' `verdict`).
    """
    diff = _decimal(_field(comparison, "difference"), "difference")
    kind = difference_kind(comparison)
    if kind == SUPPORTED:
        if diff == 0:
            raise ValueError("a significant comparison with no difference")
        return "were more likely than" if diff > 0 else "were less likely than"
    if kind == NARROW_KIND:
        return "were about as likely as"
    raise ValueError(
        "the test cannot tell whether these groups differ, so no 'more/less likely' verb is true; "
        "word it with compare_words' verdict"
    )


def compare_words(comparison: Any, dp: int = 0, between: str = "the two groups") -> dict[str, Any]:
    """Phrases for a comparison, so one template sentence reads right whatever the test found:

    direction:   "higher" / "lower" / "the same"     (p1 relative to p2)
    difference:  pp(difference), e.g. "17 percentage points"
    kind:        difference_kind: "supported", "narrow" or "uncertain"
    verdict:     a sentence: "The gap of 21 percentage points is larger than chance alone would explain.";
                 narrow: "<Between> differ little: every difference the interval allows is under 5 percentage
                 points either way."; uncertain: "The survey cannot tell whether <between> differ: the gap of 17
                 percentage points is within what chance could produce with these numbers."
    significant, test: passed through from the comparison
    """
    diff = _field(comparison, "difference")
    kind = difference_kind(comparison)
    gap = pp(diff, dp)
    if kind == SUPPORTED:
        verdict = f"The gap of {gap} is {BEYOND_CHANCE}."
    elif kind == NARROW_KIND:
        verdict = (
            f"{capfirst(between)} differ little: the interval of the difference lies within {pp(NARROW)} either way."
        )
    else:
        verdict = f"The survey cannot tell whether {between} differ: the gap of {gap} is {CHANCE}."
    return {
        "direction": higher_or_lower(diff),
        "difference": gap,
        "kind": kind,
        "verdict": verdict,
        "significant": kind == SUPPORTED,
        "test": _field(comparison, "test") if _has(comparison, "test") else None,
    }


def many_tests(tests: int, level: float) -> bool:
    """True when a briefing makes enough tests that one passing by chance alone is a real prospect: the chance of
    at least one false positive among `tests` independent tests at `level` is MANY_TESTS_CHANCE or more (at 95%,
    five tests or more)."""
    return tests > 0 and chance_of_a_false_positive(tests, level) >= MANY_TESTS_CHANCE


MANY_TESTS_CHANCE = 0.2


def chance_of_a_false_positive(tests: int, level: float) -> float:
    """The chance that at least one of `tests` independent tests at `level` passes when nothing differs."""
    return 1 - float(level) ** int(tests)


def tests_note(passed: int, tests: int, level: float, what: str = "changes") -> str:
    """Where a briefing headlines some of many tests: how many it made, and the chance one passes by luck alone.
    Empty when the tests are few (many_tests) or none passed (nothing is headlined). `what`: "changes" (between
    waves) or "comparisons" (between groups)."""
    if passed < 1 or not many_tests(tests, level):
        return ""
    nothing = "nothing had changed" if what == "changes" else "no group differed"
    return (
        f"{'This is one' if passed == 1 else 'These are ' + number_words(passed)} of the {number_words(tests)} {what} "
        f"tested. With {number_words(tests)} "
        f"tests at the {percent(level)} level, the chance that at least one passes by luck alone, even if "
        f"{nothing}, is about {percent(chance_of_a_false_positive(tests, level))}: treat a single result near the "
        "threshold with caution."
    )


def _has(obj: Any, name: str) -> bool:
    return name in obj if isinstance(obj, Mapping) else hasattr(obj, name)


# --------------------------------------------------------------------------------------------
# Sentence starts
# --------------------------------------------------------------------------------------------


def _keep_markup(original: Any, text: str) -> str:
    return Markup(text) if isinstance(original, Markup) else text


def capfirst(s: Any) -> str:
    """Capitalise the first letter only (after any leading whitespace); the rest is unchanged."""
    text = str(s)
    stripped = text.lstrip()
    lead = text[: len(text) - len(stripped)]
    return _keep_markup(s, lead + stripped[:1].upper() + stripped[1:])


_LEADING_NUMBER = re.compile(r"^(\s*)(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(%|\s+per\s+cent\b)?")


def sentence_start(s: Any) -> str:
    """Make `s` fit to start a sentence: a leading numeral is written in words, else capfirst.

    "11% of directors" -> "Eleven per cent of directors" (ONS: "per cent" in words when the
    number is spelt out); "213 ward sisters" -> "Two hundred and thirteen ward
    sisters"; "11.3% of" -> "Eleven point three per cent of"; "1 in 10" -> "One in 10";
    "fewer than 8" -> "Fewer than 8". Numbers above 999,999 raise: rephrase the sentence.
    """
    text = str(s)
    m = _LEADING_NUMBER.match(text)
    if not m:
        return capfirst(s)
    lead, whole, fraction, pct = m.groups()
    words = number_words(int(whole.replace(",", "")))
    if fraction:
        words += " point " + " ".join(_ONES[int(c)] for c in fraction[1:])
    if pct:
        words += " per cent"
    words = words[:1].upper() + words[1:]
    return _keep_markup(s, lead + words + text[m.end() :])


# --------------------------------------------------------------------------------------------
# Suppression
# --------------------------------------------------------------------------------------------


def suppressed_or(
    value: Any,
    fmt: str = "count",
    count: Any = None,
    base: Any = None,
    threshold: int | None = None,
    complement: bool = True,
    **fmt_kwargs: Any,
) -> str:
    """The figure formatted with filter `fmt`, or the suppression marker when it is disclosive.

    fmt="count": `value` is the count (or pass count=); suppressed when 1..threshold-1, or, with
    base=, when the complement is small (stats.Suppression). Any other fmt ("percent",
    "proportion_words", ...): `value` is the proportion and count= and base= are required;
    suppressed when the count is 1..threshold-1, the base is below threshold or the complement
    is 1..threshold-1. The marker is SUPPRESSED ("fewer than 8"), or SUPPRESSED_COMPLEMENT
    ("all but fewer than 8") when only the complement is small, so the marker stays true.

    Template: {{ quit.p | suppressed_or("percent", count=quit.count, base=quit.base) }}
    The threshold defaults to the one given to `register` (params.suppression_threshold).
    """
    if fmt not in FILTERS or fmt == "suppressed_or":
        raise ValueError(f"unknown format {fmt!r}; use one of {sorted(set(FILTERS) - {'suppressed_or'})}")
    threshold = DEFAULT_THRESHOLD if threshold is None else threshold
    if fmt == "count" and count is None:
        count = value
    if count is None or (fmt != "count" and base is None):
        raise ValueError(f"suppressed_or({fmt!r}) needs count= and base= to decide on suppression")
    for arg in (count, base):
        if _undefined(arg):
            float(arg)  # raises UndefinedError
    reason = Suppression(threshold, complement).reason(count, base)
    if reason is None:
        return FILTERS[fmt](value, **fmt_kwargs)
    marker = SUPPRESSED_COMPLEMENT if reason == SMALL_COMPLEMENT else SUPPRESSED
    return marker.format(threshold=threshold)


# --------------------------------------------------------------------------------------------
# Registration
# --------------------------------------------------------------------------------------------

FILTERS: dict[str, Callable[..., Any]] = {
    "percent": percent,
    "count": count,
    "number_words": number_words,
    "proportion_words": proportion_words,
    "hedged_words": hedged_words,
    "pp": pp,
    "higher_or_lower": higher_or_lower,
    "more_or_fewer": more_or_fewer,
    "likelihood": likelihood,
    "compare_words": compare_words,
    "difference_kind": difference_kind,
    "tests_note": tests_note,
    "capfirst": capfirst,
    "sentence_start": sentence_start,
    "suppressed_or": suppressed_or,
}


def register(env: jinja2.Environment, suppression_threshold: int | None = None) -> jinja2.Environment:
    """Install every filter in FILTERS on `env` (returned for chaining).

    `suppression_threshold` (params.suppression_threshold) becomes the default threshold of
    `suppressed_or` in this environment, so templates need not repeat it.
    """
    env.filters.update(FILTERS)
    if suppression_threshold is not None:
        Suppression(suppression_threshold)  # validate now, not at render time
        env.filters["suppressed_or"] = partial(suppressed_or, threshold=suppression_threshold)
    return env
