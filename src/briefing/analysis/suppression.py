"""Disclosure control: when a count or a share must not be published, and why (the reasons findings.json records).

Pure Python, without numpy or pandas, so that the steps which only apply or name the rule (the narrative, the
render) do not import the statistics stack; briefing.analysis.stats re-exports all of it.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass


def as_count(value, name: str) -> int:
    """An integer count >= 0 (integral floats and numpy integers accepted); stats._as_counts for arrays."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a whole number, got {value!r}")
    if isinstance(value, numbers.Integral):
        out = int(value)
    else:
        if not math.isfinite(value) or value != int(value):
            raise ValueError(f"{name} must be a whole number, got {value!r}")
        out = int(value)
    if out < 0:
        raise ValueError(f"{name} must not be negative, got {out}")
    return out


SMALL_COUNT = "small count"
SMALL_BASE = "small base"
SMALL_COMPLEMENT = "small complement"
SECONDARY = "withheld (secondary suppression)"  # not small itself: protects a small figure elsewhere
SECONDARY_BASE = "withheld with its base (secondary suppression)"


@dataclass(frozen=True)
class Suppression:
    """Disclosure control rule (NHS Digital practice: suppress counts of 1 to 7 with threshold 8).

    For a count on its own (base None): suppressed when 1 <= count < threshold. Zero is shown:
    NHS Digital suppresses 1 to 7, not 0.

    For a count or percentage with its base: suppressed when
      * the count is 1 .. threshold-1 (SMALL_COUNT), or
      * the base is below threshold (SMALL_BASE; the percentage is unstable and the count is
        small anyway), or
      * with `complement=True` (default), base - count is 1 .. threshold-1 (SMALL_COMPLEMENT).

    Why the complement: the briefing publishes every base ("213 respondents"), so
    "210 (99%) said yes" discloses that 3 said no just as surely as printing 3. Secondary
    disclosure by differencing against a published base is exactly what suppressing 1-7
    protects against, so the complement is checked by default. Pass complement=False for
    outputs whose bases are not published.
    """

    threshold: int = 8
    complement: bool = True

    def __post_init__(self) -> None:
        if isinstance(self.threshold, bool) or not isinstance(self.threshold, numbers.Integral) or self.threshold < 1:
            raise ValueError(f"threshold must be a whole number of at least 1, got {self.threshold!r}")

    def reason(self, count: int, base: int | None = None) -> str | None:
        """Why the figure is suppressed (SMALL_COUNT, SMALL_BASE, SMALL_COMPLEMENT), or None."""
        count = as_count(count, "count")
        t = self.threshold
        if 1 <= count < t:
            return SMALL_COUNT
        if base is None:
            return None
        base = as_count(base, "base")
        if count > base:
            raise ValueError(f"count ({count}) cannot exceed base ({base})")
        if base < t:
            return SMALL_BASE
        if self.complement and 1 <= base - count < t:
            return SMALL_COMPLEMENT
        return None

    def __call__(self, count: int, base: int | None = None) -> bool:
        return self.reason(count, base) is not None


def suppress(count: int, base: int | None = None, threshold: int = 8, complement: bool = True) -> bool:
    """True when the figure must not be shown; see `Suppression` for the rule."""
    return Suppression(threshold, complement)(count, base)
