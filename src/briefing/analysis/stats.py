"""Survey statistics for the briefing: intervals, comparisons, weights and disclosure control.

Pure functions (no I/O, no global state). Sampling is treated as simple random sampling
without replacement from a finite frame (e.g. every hospital trust in England), so every interval can take the
finite population correction (FPC)

    f = (N - n) / (N - 1)

which multiplies the variance of a sample proportion (Cochran, *Sampling Techniques*, 3rd ed.,
1977, section 3.2: V(p) = (N - n)/(N - 1) * PQ/n). With f = 1 (population=None) everything
reduces to the textbook infinite-population methods; with n = N (a census) f = 0 and the
intervals collapse to the point estimate.

Public API
----------
proportion_ci(count, base, population=None, level=0.95) -> (low, high)
weighted_proportion_ci(mask, weights, population=None, level=0.95) -> (low, high)
compare_proportions(count1, base1, count2, base2, population=None, level=0.95) -> Comparison
compare_weighted(value1, base1, effective_n1, value2, base2, effective_n2, population=None, level=0.95) -> Comparison
post_stratify(sample, population, cells, population_count_col=None) -> Series
rake(sample, margins, max_iter=100, tol=1e-6) -> Series
weights_for(sample, population, cells, min_cell=10, population_count_col=None) -> Weighting
weighted_proportion(mask, weights) -> float
effective_n(weights) -> float
suppress(count, base=None, threshold=8, complement=True) -> bool
Suppression(threshold=8, complement=True): .reason(count, base) / __call__(count, base)
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

# The disclosure rule, in a module of its own without numpy or pandas: the narrative and render steps use it.
from briefing.analysis.suppression import SECONDARY as SECONDARY
from briefing.analysis.suppression import SECONDARY_BASE as SECONDARY_BASE
from briefing.analysis.suppression import SMALL_BASE, SMALL_COMPLEMENT, SMALL_COUNT, Suppression, suppress
from briefing.analysis.suppression import as_count as _as_count

__all__ = [
    "Comparison",
    "NOT_TESTED",
    "RakingError",
    "SMALL_BASE",
    "SMALL_COMPLEMENT",
    "SMALL_COUNT",
    "Suppression",
    "Weighting",
    "Z_TEST",
    "compare_proportions",
    "compare_weighted",
    "effective_n",
    "fpc",
    "post_stratify",
    "proportion_ci",
    "rake",
    "suppress",
    "weighted_proportion",
    "weighted_proportion_ci",
    "weights_for",
]


def _scipy_optimize():
    """scipy.optimize.elementwise, imported on first use (as `_normal`)."""
    from scipy.optimize import elementwise

    return elementwise


def _normal():
    """scipy.special, imported on first use, for the standard normal distribution: `ndtri` its quantile, `ndtr`
    its distribution function, the very functions scipy.stats.norm's ppf and sf call (so the same bits), without
    importing scipy.stats, which costs half a second more. The narrative and render steps import this module for
    its disclosure rule only."""
    from scipy import special

    return special


Z_TEST = "two-proportion z-test"


# --------------------------------------------------------------------------------------------
# Validation helpers
# --------------------------------------------------------------------------------------------


def _as_counts(value, name: str) -> np.ndarray:
    """Whole numbers >= 0, as an integer array of value's shape: `_as_count` for a number or an array of them."""
    array = np.asarray(value)
    if array.dtype == bool or not (np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)):
        raise TypeError(f"{name} must be a whole number, got {value!r}")
    whole = np.isfinite(array) & (array == np.round(array)) if array.dtype.kind == "f" else np.ones(array.shape, bool)
    if not whole.all():
        raise ValueError(f"{name} must be a whole number, got {array[~whole].flat[0]!r}")
    counts = array.astype(np.int64)
    if (counts < 0).any():
        raise ValueError(f"{name} must not be negative, got {counts[counts < 0].flat[0]}")
    return counts


def _not_above(smaller: np.ndarray, larger: np.ndarray, names: tuple[str, str]) -> None:
    broken = smaller > larger
    if np.any(broken):
        a, b = np.broadcast_arrays(smaller, larger)
        raise ValueError(f"{names[0]} ({a[broken].flat[0]}) cannot exceed {names[1]} ({b[broken].flat[0]})")


def _z(level: float) -> float:
    if isinstance(level, bool) or not isinstance(level, numbers.Real) or not 0 < level < 1:
        raise ValueError(f"level must be strictly between 0 and 1, got {level!r}")
    return float(_normal().ndtri(1 - (1 - level) / 2))


def _fpc(base: np.ndarray, population) -> np.ndarray:
    """(N - n)/(N - 1) element by element: 1 without a population or without respondents, 0 for a census."""
    if population is None:
        return np.ones_like(base, dtype=float)
    population = _as_counts(population, "population")
    _not_above(np.asarray(base), population, ("base", "population"))
    base = np.asarray(base, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        sampled = (population - base) / (population - 1)
    return np.where(base == 0, 1.0, np.where(base == population, 0.0, sampled))


def fpc(base: float, population: int | None) -> float:
    """Finite population correction (N - n) / (N - 1) for a sample of `base` from `population`.

    None means an infinite population (1.0). population == base is a census (0.0), N = 1 included. A sample of
    no one (base 0) has no variance to correct: 1.0, for any N.
    """
    if population is not None and (isinstance(population, bool) or not isinstance(population, numbers.Real)):
        raise TypeError(f"population must be a whole number or None, got {population!r}")
    return float(_fpc(base, population))


def _wilson(p: float, n: float, f: float, z: float) -> tuple[float, float]:
    """Wilson score interval for proportion p observed on n, variance multiplied by f.

    Solves (p - pi)^2 = z^2 * f * pi (1 - pi) / n for pi. Writing m = n / f (f > 0):
        centre = (p + z^2 / (2m)) / (1 + z^2 / m)
        half   = z / (1 + z^2 / m) * sqrt(p (1 - p) / m + z^2 / (4 m^2))
    f = 0 (census) gives the point p.
    """
    if f == 0:
        return (p, p)
    m = n / f
    z2 = z * z
    denom = 1 + z2 / m
    centre = (p + z2 / (2 * m)) / denom
    half = z / denom * math.sqrt(max(p * (1 - p) / m + z2 / (4 * m * m), 0.0))
    # Clip rounding noise only (the Wilson interval always lies inside [0, 1]).
    return (max(0.0, centre - half), min(1.0, centre + half))


# --------------------------------------------------------------------------------------------
# Intervals
# --------------------------------------------------------------------------------------------


def proportion_ci(count: int, base: int, population: int | None = None, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for count/base, with the finite population correction.

    Formula. With p = count/base, n = base, z the (1 + level)/2 normal quantile and
    f = (N - n)/(N - 1) (f = 1 when population is None), the interval is the set of pi with
    (p - pi)^2 <= z^2 * f * pi(1 - pi)/n, i.e. the Wilson (1927) score interval with the
    variance of p scaled by the FPC (Cochran 1977, section 3.2). In closed form, with m = n/f:

        centre = (p + z^2/(2m)) / (1 + z^2/m)
        half   = z/(1 + z^2/m) * sqrt(p(1 - p)/m + z^2/(4m^2))
        (low, high) = (centre - half, centre + half)

    So it is the ordinary Wilson interval evaluated at the "effective" sample size m = n/f.

    References: E. B. Wilson (1927), "Probable inference, the law of succession, and statistical
    inference", JASA 22:209-212; W. G. Cochran (1977), *Sampling Techniques*, 3rd ed., Wiley.

    Returns (nan, nan) when base == 0; (p, p) when population == base (census).
    Raises ValueError unless 0 <= count <= base <= population.
    """
    count = _as_count(count, "count")
    base = _as_count(base, "base")
    if count > base:
        raise ValueError(f"count ({count}) cannot exceed base ({base})")
    z = _z(level)
    f = fpc(base, population)
    if base == 0:
        return (math.nan, math.nan)
    return _wilson(count / base, base, f, z)


def weighted_proportion_ci(
    mask: pd.Series,
    weights: pd.Series,
    population: int | None = None,
    level: float = 0.95,
) -> tuple[float, float]:
    """Wilson interval for a weighted proportion, on Kish's effective sample size.

    p is `weighted_proportion(mask, weights)`; the interval is the Wilson interval of p with
    n replaced by `effective_n` of the weights of the answering rows (mask not NA), and the FPC
    computed from the actual number of answering respondents n: f = (N - n)/(N - 1). The
    variance is therefore approximately deff * f * p(1 - p)/n with deff = n / n_eff.
    """
    mask, weights = _align(mask, weights)
    answered = mask.notna()
    n = int(answered.sum())
    z = _z(level)
    f = fpc(n, population)
    if n == 0:
        return (math.nan, math.nan)
    p = weighted_proportion(mask, weights)
    n_eff = effective_n(weights[answered])
    return _wilson(p, n_eff, f, z)


# --------------------------------------------------------------------------------------------
# Comparing two proportions
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    """Two independent proportions compared: p1 - p2 with its interval and a test.

    The interval is the set of differences the test does not reject, so it excludes zero exactly when
    `significant` (|z| above the normal quantile for `level`, i.e. `p_value < 1 - level`): the words, the
    p-value and the printed interval never disagree. The fields are arrays when the counts given were.
    """

    p1: float
    p2: float
    difference: float
    ci_low: float
    ci_high: float
    p_value: float
    significant: bool
    test: str
    level: float = 0.95


NOT_TESTED = "not tested: a group has no respondents"
_TOLERANCE = 1e-12  # how closely an interval's ends are found: far finer than the percentage points printed
_NUDGE = 1e-9  # a step off an accepted end with no variance, as a share of the bracket


def _domain_populations(population) -> tuple:
    if population is None:
        return (None, None)
    if isinstance(population, (str, bytes)) or not isinstance(population, Sequence):
        raise TypeError(
            "population for a comparison must be None or a pair (N1, N2): the number of "
            f"population units in each group (e.g. small and large organisations), got {population!r}"
        )
    if len(population) != 2:
        raise ValueError(f"population must be a pair (N1, N2), got {population!r}")
    return (population[0], population[1])


def _test_name(populations: tuple, weighted: bool) -> str:
    name = f"{Z_TEST} on effective sample sizes" if weighted else Z_TEST
    return name if populations == (None, None) else f"{name} (finite population corrected)"


def _restricted_shares(p1, p2, w1, delta):
    """The shares (pi1, pi2) most likely under pi1 - pi2 = delta, each sample's likelihood weighted by its
    effective size (w1 = m1 / (m1 + m2)): Miettinen and Nurminen's (1985) closed-form root of the cubic, written
    as statsmodels' `score_test_proportions_2indep` does with the sizes scaled to sum to 1, except the delta^2
    term of `c`, whose coefficient is the second sample's size, not its count (statsmodels issue 10269: its
    interval for a difference is off by that). A census sample (w1 = 1, or 0 for the second) is known exactly,
    so it keeps its own share."""
    w2 = 1 - w1
    count2 = w2 * p2
    pooled = w1 * p1 + count2
    b = (w1 + 2 * w2) * delta - 1 - pooled
    c = (w2 * delta - 1 - 2 * count2) * delta + pooled
    d = count2 * delta * (1 - delta)
    third = b / 3  # powers written as products: numpy's float ** is several times slower
    q = third * third * third - b * c / 6 + d / 2
    r = np.where(q < 0, -1.0, 1.0) * np.sqrt(np.maximum(third * third - c / 3, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        cosine = np.where(r == 0, 0.0, np.clip(q / (r * r * r), -1.0, 1.0))  # r = 0: a triple root, -b/3
    pi2 = 2 * r * np.cos((np.pi + np.arccos(cosine)) / 3) - b / 3
    pi2 = np.where(delta == 0, pooled, np.where(w1 == 1, p1 - delta, np.where(w1 == 0, p2, pi2)))
    pi2 = np.clip(pi2, np.maximum(0.0, -delta), np.minimum(1.0, 1.0 - delta))
    return pi2 + delta, pi2


def _null_variance(p1, v1, p2, v2, delta):
    """The variance of p1 - p2 under H0: p1 - p2 = delta, where v_i = f_i / n_i is sample i's variance
    multiplier (1 / its effective size; 0 for a census), at the shares most likely under H0."""
    total = v1 + v2
    with np.errstate(divide="ignore", invalid="ignore"):
        w1 = np.where(total > 0, v2 / total, 0.5)
    pi1, pi2 = _restricted_shares(p1, p2, w1, delta)
    return pi1 * (1 - pi1) * v1 + pi2 * (1 - pi2) * v2


def _excess(p1, v1, p2, v2, delta, z: float):
    """(p1 - p2 - delta)^2 - z^2 * variance under H0: above 0 exactly where the score test rejects delta
    (|statistic| > z). Finite everywhere, censuses included, so a root-finder can use it."""
    gap = p1 - p2 - delta
    return gap * gap - z * z * _null_variance(p1, v1, p2, v2, delta)


def _interval_end(excess, inside, outside: float, zero_rejected) -> np.ndarray:
    """Where the test starts rejecting between `inside` (the observed differences, never rejected) and
    `outside` (-1 or 1): the accepted end of the final bracket of scipy's bracketing root-finder. Zero is made
    a bracket end first, so each end lies on zero's side exactly as the test at zero says, whatever the
    rounding. `excess(delta, rows)` is the test's excess at delta for the comparisons `rows` (flat indexes)."""
    accepted = np.array(inside, dtype=float).ravel()
    rejected = np.full_like(accepted, outside)
    crosses_zero = (np.minimum(accepted, rejected) < 0) & (np.maximum(accepted, rejected) > 0)
    accepted = np.where(crosses_zero & ~zero_rejected.ravel(), 0.0, accepted)
    rejected = np.where(crosses_zero & zero_rejected.ravel(), 0.0, rejected)
    every = np.arange(accepted.size)
    f_accepted, f_rejected = excess(accepted, every), excess(rejected, every)
    ends = np.where(f_rejected <= 0, outside, accepted)  # outside accepted: the difference is -1 or 1 itself
    # An excess of exactly 0 on the accepted side (a difference held with no variance) brackets nothing: step a
    # hair towards the rejected end; if that is rejected already, the end is where we stand.
    still = np.flatnonzero(f_accepted == 0)
    nudged = accepted[still] + (rejected[still] - accepted[still]) * _NUDGE
    f_nudged = excess(nudged, still)
    accepted[still], f_accepted[still] = nudged, f_nudged
    at_end = np.zeros(accepted.size, dtype=bool)
    at_end[still] = f_nudged > 0
    rows = np.flatnonzero((f_rejected > 0) & ~at_end)
    if rows.size:
        a, b = accepted[rows], rejected[rows]
        found = _scipy_optimize().find_root(
            excess, (np.minimum(a, b), np.maximum(a, b)), args=(rows,), tolerances={"xatol": _TOLERANCE, "xrtol": 0.0}
        )
        (low, high), (f_low, _) = found.bracket, found.f_bracket
        ends[rows] = np.where(f_low <= 0, low, high)
    return ends.reshape(np.shape(inside))


def _score_comparison(p1, v1, p2, v2, level: float, test: str, empty) -> Comparison:
    """p1 - p2 with the score test (Mee 1984; Miettinen and Nurminen 1985 without their n/(n - 1) factor) and
    the interval inverted from it: every difference the test at `level` does not reject. `empty` marks
    comparisons with a group of no respondents: nan, not significant."""
    z = _z(level)
    p1, v1, p2, v2 = np.broadcast_arrays(*(np.asarray(x, dtype=float) for x in (p1, v1, p2, v2)))
    p1, p2 = np.where(empty, 0.5, p1), np.where(empty, 0.5, p2)
    v1, v2 = np.where(empty, 1.0, v1), np.where(empty, 1.0, v2)

    flat = [x.ravel() for x in (p1, v1, p2, v2)]

    def excess(delta, rows):
        return _excess(*(x[rows] for x in flat), delta, z)

    zero = np.zeros_like(p1)
    significant = _excess(p1, v1, p2, v2, zero, z) > 0
    low = _interval_end(excess, p1 - p2, -1.0, significant)
    high = _interval_end(excess, p1 - p2, 1.0, significant)
    with np.errstate(divide="ignore", invalid="ignore"):  # no variance at all: the observed gap is certain
        statistic = np.abs(p1 - p2) / np.sqrt(_null_variance(p1, v1, p2, v2, zero))
    p_value = np.where(p1 == p2, 1.0, 2 * _normal().ndtr(-statistic))  # 2 P(Z > |z|)
    fields = [np.where(empty, np.nan, x) for x in (p1, p2, p1 - p2, low, high, p_value)]
    significant = significant & ~empty
    if np.ndim(empty) == 0:
        fields, significant = [float(x) for x in fields], bool(significant)
        test = NOT_TESTED if empty else test
    return Comparison(*fields, significant=significant, test=test, level=level)


def compare_proportions(
    count1,
    base1,
    count2,
    base2,
    population: tuple[int, int] | None = None,
    level: float = 0.95,
) -> Comparison:
    """Compare count1/base1 with count2/base2 (independent groups, e.g. small vs large organisations).

    Test: the pooled two-proportion z-test, z = (p1 - p2) / sqrt(pbar(1 - pbar)(v1 + v2)) with v_i = f_i/n_i
    and pbar the shares pooled in proportion to 1/v_i (without a population f_i = 1, and this is
    statsmodels' `proportions_ztest`). With `population=(N1, N2)`, the groups' sizes in the frame, each
    group takes its own FPC f_i = (N_i - n_i)/(N_i - 1), exactly as in `proportion_ci`.

    Interval: the score interval inverted from that test, the set of differences delta for which the score
    statistic (p1 - p2 - delta) / sqrt(v1 pi1(1 - pi1) + v2 pi2(1 - pi2)), with (pi1, pi2) the most likely
    shares under pi1 - pi2 = delta, is within the normal quantile (Mee 1984, Biometrics 40:1175-1176; Newcombe
    1998, Statistics in Medicine 17:873-890, method 5; Miettinen and Nurminen's, method 6, has n/(n - 1) more
    variance). It
    excludes zero exactly when the test is significant, whatever the cell counts: one method, so a small
    table cannot print an interval off zero beside "within the margin of error". A census group (n_i = N_i)
    has no sampling error; two census groups differ by exactly p1 - p2.

    A group with base 0 gives nan estimates, p_value nan, significant False and test `NOT_TESTED`. Counts and
    bases may be arrays of one shape (the result's fields are then arrays): every small table is checked so.
    """
    count1, base1 = _as_counts(count1, "count1"), _as_counts(base1, "base1")
    count2, base2 = _as_counts(count2, "count2"), _as_counts(base2, "base2")
    _not_above(count1, base1, ("count1", "base1"))
    _not_above(count2, base2, ("count2", "base2"))
    n1_pop, n2_pop = _domain_populations(population)
    f1, f2 = _fpc(base1, n1_pop), _fpc(base2, n2_pop)
    empty = (base1 == 0) | (base2 == 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        p1, p2 = count1 / base1, count2 / base2
        v1, v2 = f1 / base1, f2 / base2
    return _score_comparison(p1, v1, p2, v2, level, _test_name((n1_pop, n2_pop), weighted=False), empty)


def compare_proportions_each(
    count1, base1, count2, base2, population: tuple[int, int] | None = None, level: float = 0.95
) -> list[Comparison]:
    """`compare_proportions` of each pair of the sequences, one Comparison each, bit for bit as a call per pair gives
    it (the root-finder works element by element), from one vectorised call: each call costs about as much
    whatever the number of pairs, so a notebook's comparisons take the time of one."""
    together = compare_proportions(*(np.asarray(x) for x in (count1, base1, count2, base2)), population, level)
    empty = (np.asarray(base1) == 0) | (np.asarray(base2) == 0)
    numbers = ("p1", "p2", "difference", "ci_low", "ci_high", "p_value")
    return [
        Comparison(
            *(float(getattr(together, name)[i]) for name in numbers),
            significant=bool(together.significant[i]),
            test=NOT_TESTED if empty[i] else together.test,
            level=level,
        )
        for i in range(empty.size)
    ]


def compare_weighted(
    value1: float,
    base1: int,
    effective_n1: float,
    value2: float,
    base2: int,
    effective_n2: float,
    population: tuple[int, int] | None = None,
    level: float = 0.95,
) -> Comparison:
    """Compare two weighted proportions (e.g. one finding in two waves): the test and interval of
    `compare_proportions` with each group's variance f_i / n_eff_i, on Kish's effective sample size n_eff_i and
    the FPC of the n_i respondents who answered, f_i = (N_i - n_i)/(N_i - 1): the same FPC as the group's own
    interval (`weighted_proportion_ci`), so a census is a census in both. Equal weights (n_eff = n) give
    exactly `compare_proportions`.
    """
    base1, base2 = _as_count(base1, "base1"), _as_count(base2, "base2")
    for value, n_eff, base, i in ((value1, effective_n1, base1, 1), (value2, effective_n2, base2, 2)):
        if base and not 0 <= value <= 1:
            raise ValueError(f"value{i} must be a proportion between 0 and 1, got {value!r}")
        if base and not 0 < n_eff <= base * (1 + 1e-9):
            raise ValueError(f"effective_n{i} must be above 0 and at most base{i} ({base}), got {n_eff!r}")
    n1_pop, n2_pop = _domain_populations(population)
    f1, f2 = _fpc(base1, n1_pop), _fpc(base2, n2_pop)
    if base1 == 0 or base2 == 0:
        return _score_comparison(0.5, 1.0, 0.5, 1.0, level, NOT_TESTED, empty=True)
    v1, v2 = f1 / effective_n1, f2 / effective_n2
    return _score_comparison(value1, v1, value2, v2, level, _test_name((n1_pop, n2_pop), weighted=True), empty=False)


# --------------------------------------------------------------------------------------------
# Weighting
# --------------------------------------------------------------------------------------------


class RakingError(RuntimeError):
    """Raking (iterative proportional fitting) did not converge."""


class Weighting(NamedTuple):
    """Weights (mean 1, indexed like the sample), the method used and why."""

    weights: pd.Series
    method: str  # "post-stratification" | "raking"
    description: str


def _check_columns(frame: pd.DataFrame, cols: Sequence[str], what: str) -> None:
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        raise KeyError(f"{what} has no column(s) {missing}")


def _check_no_missing(sample: pd.DataFrame, cols: Sequence[str]) -> None:
    for c in cols:
        if sample[c].isna().any():
            raise ValueError(
                f"{int(sample[c].isna().sum())} respondent(s) have no value for weighting "
                f"variable {c!r}; impute or drop them before weighting"
            )


def _population_counts(population: pd.DataFrame, cells: list[str], population_count_col: str | None) -> pd.Series:
    """Population count per cell: a sum of `population_count_col`, or one row per unit."""
    _check_columns(population, cells, "population")
    if population_count_col is None:
        counts = population.groupby(cells, observed=True, dropna=False).size()
    else:
        _check_columns(population, [population_count_col], "population")
        counts = population.groupby(cells, observed=True, dropna=False)[population_count_col].sum()
    if (counts < 0).any():
        raise ValueError("population counts must not be negative")
    return counts.astype(float)


def _normalise(w: np.ndarray, index: pd.Index) -> pd.Series:
    return pd.Series(w / w.mean(), index=index, name="weight")


def post_stratify(
    sample: pd.DataFrame,
    population: pd.DataFrame,
    cells: list[str],
    population_count_col: str | None = None,
) -> pd.Series:
    """Post-stratification weights: population share of the cell / sample share of the cell.

    `population` holds one row per cell with the count in `population_count_col`, or, when
    `population_count_col` is None, one row per population unit (e.g. a frame of organisations). Weights
    are normalised to mean 1 over the sample (so they sum to the sample size).

    Raises ValueError when a respondent is in a cell the population does not have (or has with
    count 0), or has no value for a weighting variable. Populated cells without respondents are
    left out, so they are not represented; `weights_for` avoids this by raking instead.
    """
    cells = list(cells)
    _check_columns(sample, cells, "sample")
    _check_no_missing(sample, cells)
    if len(sample) == 0:
        raise ValueError("cannot weight an empty sample")
    pop = _population_counts(population, cells, population_count_col)
    pop = pop[pop > 0]
    pop_share = (pop / pop.sum()).rename("pop_share").reset_index()
    keys = sample[cells].reset_index(drop=True)
    samp_share = (keys.groupby(cells, observed=True).size() / len(keys)).rename("samp_share").reset_index()
    table = samp_share.merge(pop_share, on=cells, how="left")
    orphan = table[table["pop_share"].isna()]
    if len(orphan):
        shown = ", ".join(str(tuple(r)) for r in orphan[cells].itertuples(index=False))
        raise ValueError(f"respondents are in cell(s) with no population: {shown}")
    table["w"] = table["pop_share"] / table["samp_share"]
    w = keys.merge(table[cells + ["w"]], on=cells, how="left")["w"].to_numpy(dtype=float)
    return _normalise(w, sample.index)


def rake(
    sample: pd.DataFrame,
    margins: Mapping[str, pd.Series],
    max_iter: int = 100,
    tol: float = 1e-6,
) -> pd.Series:
    """Raking weights by iterative proportional fitting (Deming and Stephan 1940).

    `margins` maps a sample column to a Series of population totals indexed by category. Each
    margin is used as shares (totals / their sum), so margins whose totals differ slightly are
    still consistent. Starting from weights of 1, each sweep scales the weights so the weighted
    shares match each margin in turn; it stops when, after a sweep, every weighted share is
    within `tol` of its target. Weights are normalised to mean 1.

    Raises ValueError when a respondent's category has no (or zero) population total, or a
    populated category has no respondents (no weights can match it); RakingError (a
    RuntimeError) when `max_iter` sweeps do not reach `tol`.
    """
    if not margins:
        raise ValueError("rake needs at least one margin")
    cols = list(margins)
    _check_columns(sample, cols, "sample")
    _check_no_missing(sample, cols)
    if len(sample) == 0:
        raise ValueError("cannot weight an empty sample")
    if max_iter < 1:
        raise ValueError("max_iter must be at least 1")

    targets: dict[str, pd.Series] = {}
    for col, totals in margins.items():
        totals = pd.Series(totals, dtype=float)
        if (totals < 0).any() or totals.isna().any():
            raise ValueError(f"margin {col!r} has negative or missing totals")
        totals = totals[totals > 0]
        present = set(sample[col].unique())
        unknown = present - set(totals.index)
        if unknown:
            raise ValueError(f"respondents have {col!r} value(s) {sorted(map(str, unknown))} with no population total")
        empty = set(totals.index) - present
        if empty:
            raise ValueError(
                f"margin {col!r} has populated categories with no respondents "
                f"{sorted(map(str, empty))}: collapse categories before raking"
            )
        targets[col] = totals / totals.sum()

    codes = {col: sample[col].to_numpy() for col in cols}
    w = np.ones(len(sample))
    worst = math.inf
    for _ in range(max_iter):
        for col in cols:
            current = pd.Series(w).groupby(codes[col]).sum() / w.sum()
            factor = targets[col] / current
            w = w * factor.reindex(codes[col]).to_numpy()
        worst = 0.0
        for col in cols:
            current = pd.Series(w).groupby(codes[col]).sum() / w.sum()
            worst = max(worst, float((current - targets[col]).abs().max()))
        if worst <= tol:
            return _normalise(w, sample.index)
    raise RakingError(
        f"raking did not converge in {max_iter} iterations: the weighted shares are still up to "
        f"{worst:.2g} from the margins (tolerance {tol:g}). The sample may be too sparse for these "
        "margins; collapse categories, rake on fewer variables or raise max_iter."
    )


def weights_for(
    sample: pd.DataFrame,
    population: pd.DataFrame,
    cells: list[str],
    min_cell: int = 10,
    population_count_col: str | None = None,
    max_iter: int = 100,
    tol: float = 1e-6,
) -> Weighting:
    """Weights to the population on `cells`: post-stratification when the cells allow, else raking.

    Post-stratifies when every populated cell (population count > 0) has at least `min_cell`
    respondents (so no populated cell is empty in the sample). Otherwise rakes on the one-way
    margins of each variable in `cells` (population totals per category), which needs enough
    respondents per category rather than per combination. The default min_cell of 10 is a
    judgement: a weight resting on fewer respondents is volatile (rules of thumb in the
    literature run from about 5 to 30 per cell).

    Returns Weighting(weights, method, description) where description says which method and why.
    """
    cells = list(cells)
    if isinstance(min_cell, bool) or not isinstance(min_cell, numbers.Integral) or min_cell < 1:
        raise ValueError(f"min_cell must be a whole number of at least 1, got {min_cell!r}")
    _check_columns(sample, cells, "sample")
    _check_no_missing(sample, cells)
    pop = _population_counts(population, cells, population_count_col)
    pop = pop[pop > 0]
    samp = sample.groupby(cells, observed=True).size()
    n_in_cell = samp.reindex(pop.index, fill_value=0)
    label = " \u00d7 ".join(cells)
    thin = n_in_cell[n_in_cell < min_cell]
    if len(thin) == 0:
        weights = post_stratify(sample, population, cells, population_count_col)
        return Weighting(
            weights,
            "post-stratification",
            f"post-stratified on {label}: all {len(pop)} populated cells have at least "
            f"{min_cell} respondents (smallest {int(n_in_cell.min())})",
        )
    margins = {}
    for c in cells:
        margins[c] = pop.groupby(level=c, observed=True).sum()
    weights = rake(sample, margins, max_iter=max_iter, tol=tol)
    empty = int((thin == 0).sum())
    verb = "has" if len(thin) == 1 else "have"
    why = f"{len(thin)} of {len(pop)} populated cells of {label} {verb} fewer than {min_cell} respondents"
    if empty:
        why += f" ({empty} with none)"
    return Weighting(weights, "raking", f"raked on the margins of {', '.join(cells)}: {why}")


def _align(mask: pd.Series, weights: pd.Series) -> tuple[pd.Series, pd.Series]:
    mask = pd.Series(mask)
    weights = pd.Series(weights, dtype=float)
    if len(mask) != len(weights):
        raise ValueError(f"mask has {len(mask)} rows but weights {len(weights)}")
    if not mask.index.equals(weights.index):
        if set(mask.index) != set(weights.index):
            raise ValueError("mask and weights have different indexes")
        weights = weights.reindex(mask.index)
    if weights.isna().any() or (weights < 0).any():
        raise ValueError("weights must be non-negative numbers")
    return mask, weights


def weighted_proportion(mask: pd.Series, weights: pd.Series) -> float:
    """Weighted share of rows where `mask` is true: sum(w * mask) / sum(w).

    Rows where mask is missing (NA: question not answered) leave both numerator and base.
    Series are aligned on their index. Returns nan when no answering row has weight.
    """
    mask, weights = _align(mask, weights)
    answered = mask.notna()
    m = mask[answered].astype(bool).to_numpy()
    w = weights[answered].to_numpy()
    total = w.sum()
    if total == 0:
        return math.nan
    return float((w * m).sum() / total)


def effective_n(weights) -> float:
    """Kish's effective sample size (sum w)^2 / sum(w^2); equals n for equal weights."""
    w = np.asarray(weights, dtype=float)
    if np.isnan(w).any() or (w < 0).any():
        raise ValueError("weights must be non-negative numbers")
    sq = float((w * w).sum())
    if sq == 0:
        return 0.0
    return float(w.sum()) ** 2 / sq
