"""The attacker: from everything a build and its editions publish, solve for every count that is not shown.

Unknowns, per wave: for each edition's area r (the values of the codebook's `editions: by:` question) and each
part b of the partition the survey is weighted and shown by (the PCN size bands: the finest cells), each charted question q and each
answer v, the number of respondents giving v (x), the number who answered q (n), and the number of respondents
(R). They are whole numbers, at least 0, at most the region's PCNs in the band (the public frame, and the rule the
build checks); a single-choice row's answers add up to its n, a multiple-choice row's add up to at least n (each
answer names one or more), and n is at most R.

Everything published becomes a linear constraint over them (`Attack.read`): a count or base, a share (exactly
k/n: 10 significant digits pin the fraction), a row's "fewer than 8" (1 to 7), "withheld" (not 1 to 7: else the
reason would be the small count), "too few answers to show" (a base of 0 to 7), the reason a finding is suppressed
(small count, small base, small complement or secondary: each says which of its count, base and complement is
small), respondents and response rates, the weighting summary (post-stratification means every cell has at least
`MIN_CELL`; raking that some cell has fewer), any weights or effective sample size a region publishes (decoded to
its respondents per band), the comparisons' shares (a region and the rest of England) and the changes' wave
figures. A published number the attacker does not read fails `unread`, so a new output must be modelled here.

Stronger than what is published: the attacker is also told England's weights (never published), so England's
weighted shares, at the precision printed, are linear constraints too.

Criterion: a count of 1 to threshold-1 that is not published (a suppressed or withheld figure, a band or region
never shown, the finest cell) is disclosed when its integer range, given all constraints, is a single value
(min == max). `determined` solves min and max (scipy.optimize.milp) for every such count and returns those so
determined.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import lil_matrix

from briefing.analysis import disclosure, distributions, stats, themes
from briefing.inputs.codebook import answered_mask, load_codebook
from tests.conftest import ROOT, SURVEY

PARTITION = "size"  # the partition the PCN survey is weighted and shown by (its codebook's `partitions:`)
CODEBOOK = load_codebook(ROOT / "data" / SURVEY / "codebook.yml")
BANDS = CODEBOOK.partitions[PARTITION].subgroups
WHOLE = themes.whole_area(CODEBOOK)
MIN_CELL = 10  # stats.weights_for's default: post-stratification needs every cell to have this many

# What the attacker makes of each kind of record: keys that carry no number about the respondents (TEXT: words,
# ids, settings); the numbers it reads, or that follow from those it reads (READ: an interval or a test from its
# shares and bases); and kinds whose numbers are the public frame's (FRAME).
TEXT = {
    "base",
    "description",
    "id",
    "inputs",
    "kind",
    "notebook",
    "theme",
    "question",
    "counts",
    "subgroup",
    "estimate",
    "confidence_level",
    "population",
    "path",
    "title",
    "source",
    "alt",
    "not_drawn",  # why a chart is not drawn: a sentence with no count (the threshold at most)
    "bars",
    "shows",
    "first",
    "second",
    "test",
    "edition",
    "versus",
    "fpc",
    "comparison",
    "finding",
    "wave",
    "compare_wave",
    "status",
    "first_asked",
    "method",
    "significant",
    "suppressed",
    "previous_frame_file",
    "rounded_to",
    "weighted_decimals",
}
READ = {
    "proportion": {
        "numerator",
        "denominator",
        "value",
        "suppression_reason",
        "unweighted",
        "weighted",
        "ci_low",
        "ci_high",
    },
    "figure": {"rows", "value", "numerator", "denominator"},
    "weighting": {"respondents", "value", "weight_min", "weight_max", "numerator", "denominator"},
    "comparison": {"p1", "p2", "value", "difference", "ci_low", "ci_high", "p_value", "numerator", "denominator"},
    "change": {
        "current",
        "previous",
        "value",
        "p1",
        "p2",
        "difference",
        "ci_low",
        "ci_high",
        "p_value",
        "numerator",
        "denominator",
    },
}
FRAME = {"count", "median", "table", "frame_change"}


def unread(records: dict) -> list[str]:
    """Published fields the attacker does not read: each must be modelled (READ), or be no count (TEXT, FRAME)."""
    return sorted(
        f"{fid}.{key}"
        for fid, r in records.items()
        if r["kind"] not in FRAME
        for key in r
        if key not in TEXT and key not in READ.get(r["kind"], set())
    )


@dataclass
class Space:
    """The unknowns of one wave, with their true values (to check the model and pick what to solve for)."""

    params: object  # the build's parameters (public: the size bands' limits, the threshold)
    regions: list[str]
    questions: dict  # id -> codebook Question
    specs: dict  # finding id -> codebook FindingSpec (public)
    frame: dict  # (region, band) -> PCNs in the frame
    shares: dict  # region -> band -> frame share, for decoding weights
    index: dict = field(default_factory=dict)
    truth: list = field(default_factory=list)

    def var(self, *key) -> int:
        return self.index[key]

    def add(self, key, true_value: int) -> None:
        self.index[key] = len(self.truth)
        self.truth.append(true_value)

    def cells(self, area: str | None, band: str | None):
        regions = self.regions if area in (None, WHOLE) else [area]
        return [(r, b) for r in regions for b in ([band] if band else BANDS)]

    def count(self, area, band, q, values) -> dict:
        return {self.var("x", r, b, q, v): 1 for r, b in self.cells(area, band) for v in values}

    def base(self, area, band, q) -> dict:
        return {self.var("n", r, b, q): 1 for r, b in self.cells(area, band)}

    def respondents(self, area, band=None) -> dict:
        return {self.var("R", r, b): 1 for r, b in self.cells(area, band)}


def space_for(ctx: themes.Context) -> Space:
    """The unknowns of England's context for one wave, with their values in the raw data."""
    frame_band = ctx.codebook.partitions[PARTITION].assign(ctx.frame_view)
    survey_band = ctx.codebook.partitions[PARTITION].assign(ctx.survey)
    regions = sorted(disclosure.areas_of(ctx))
    frame = {(r, b): int(((ctx.frame["region"] == r) & (frame_band == b)).sum()) for r in regions for b in BANDS}
    shares = {r: {b: frame[r, b] / sum(frame[r, c] for c in BANDS) for b in BANDS} for r in regions}
    questions = {q: ctx.codebook.questions[q] for q in distributions.charted(ctx.codebook, ctx.params.wave)}
    space = Space(ctx.params, regions, questions, ctx.codebook.findings_in(ctx.params.wave), frame, shares)
    for r in regions:
        for b in BANDS:
            part = ctx.survey[(ctx.survey["region"] == r) & (survey_band == b)]
            space.add(("R", r, b), len(part))
            for q, question in questions.items():
                n, counts = distributions.raw_counts(part, question, ctx.codebook.separator)
                assert n == int(answered_mask(part, question).sum())
                space.add(("n", r, b, q), n)
                for v, c in counts.items():
                    space.add(("x", r, b, q, v), c)
    return space


def ratio(p: float, limit: int) -> Fraction:
    """The fraction a published share (10 significant digits) stands for: two fractions with denominators up to
    `limit` differ by at least 1/limit^2, far more than the rounding."""
    exact = Fraction(p).limit_denominator(limit)
    assert abs(float(exact) - p) <= 1e-9, f"{p} is not a share of at most {limit}"
    return exact


def minus(a: dict, b: dict) -> dict:
    out = dict(a)
    for k, c in b.items():
        out[k] = out.get(k, 0) - c
    return {k: c for k, c in out.items() if c}


def scaled(form: dict, by: float) -> dict:
    return {k: c * by for k, c in form.items()}


def precision(value: float) -> float:
    """Half a unit of the last digit published: whole percent (2 decimals) or 10 significant digits."""
    if value == round(value, 2):
        return 0.005
    return 0.5 * 10 ** (math.floor(math.log10(abs(value))) - 9) if value else 5e-11


class Attack:
    """Linear constraints over one wave's unknowns (plus 0/1 helpers for "either ... or"), checked against the
    truth as they are added: a constraint the true counts break is a bug in the attacker, not a finding."""

    def __init__(self, space: Space, weights: dict | None = None):
        self.space, self.t = space, space.params.suppression_threshold
        self.rows: list[tuple[dict, float, float]] = []
        self.truth = list(space.truth)
        self.targets: dict[str, dict] = {}
        self.seen: set[frozenset] = set()
        self.weights = weights or {}  # area -> (region, band) -> weight, where the attacker knows them
        self.big = sum(space.frame.values())  # no count exceeds England's PCNs
        self.upper = [space.frame[key[1], key[2]] for key in space.index]  # no cell exceeds its PCNs
        for (r, b), pcns in space.frame.items():  # each row's own structure
            self.range({space.var("R", r, b): 1}, 0, pcns, "frame")
            for q, question in space.questions.items():
                n, xs = space.var("n", r, b, q), [space.var("x", r, b, q, v) for v in question.values()]
                self.range(minus({n: 1}, {space.var("R", r, b): 1}), -self.big, 0, "answered <= respondents")
                total = minus({x: 1 for x in xs}, {n: 1})
                if distributions.sums_to_base(question):
                    self.range(total, 0, 0, "a row adds up to its base")
                else:
                    self.range(total, 0, self.big, "each answer names at least one")
                    for x in xs:
                        self.range(minus({x: 1}, {n: 1}), -self.big, 0, "an answer at most its base")

    # --- constraints ---------------------------------------------------------------------------------------------

    def value(self, form: dict) -> float:
        return sum(c * self.truth[k] for k, c in form.items())

    def range(self, form: dict, lo: float, hi: float, why: str) -> None:
        v = self.value(form)
        assert lo - 1e-6 <= v <= hi + 1e-6, f"attacker's model is wrong ({why}): true {v} not in [{lo}, {hi}]"
        self.rows.append((form, lo, hi))

    def equal(self, form: dict, value: float, why: str) -> None:
        self.range(form, value, value, why)

    def helper(self, true_value: int) -> int:
        self.truth.append(true_value)
        self.upper.append(1)
        return len(self.truth) - 1

    def most(self, form: dict) -> float:
        """The form's largest possible value within the variables' bounds (a tight "big M")."""
        return sum(c * self.upper[k] for k, c in form.items() if c > 0)

    def not_small(self, form: dict, why: str) -> None:
        """0, or at least the threshold."""
        v = self.value(form)
        assert not 1 <= v < self.t, f"attacker's model is wrong ({why}): {v} is small"
        z = self.helper(int(v >= self.t))
        self.range(minus(form, {z: self.most(form)}), -math.inf, 0, why)
        self.range(minus(form, {z: self.t}), 0, math.inf, why)

    def small(self, form: dict, why: str) -> None:
        self.range(form, 1, self.t - 1, why)

    def any_small(self, forms: list[dict], why: str) -> None:
        """At least one of the forms is 1 to threshold-1."""
        flags = [self.helper(int(1 <= self.value(f) < self.t)) for f in forms]
        assert any(self.truth[z] for z in flags), f"attacker's model is wrong ({why})"
        self.range({z: 1 for z in flags}, 1, len(flags), why)
        for f, z in zip(forms, flags, strict=False):
            self.range(minus(f, {z: 1}), 0, math.inf, why)
            big = self.most(f)
            self.range({**f, z: big}, -math.inf, self.t - 1 + big, why)

    def share(self, count: dict, base: dict, p: float, why: str) -> None:
        """A published share k/n: b*k - a*n = 0 for the fraction a/b it stands for."""
        exact = ratio(p, self.big)
        self.range(minus(scaled(count, exact.denominator), scaled(base, exact.numerator)), 0, 0, why)

    def target(self, label: str, form: dict) -> None:
        """A count the attacker must not pin: one of 1 to threshold-1 (a published one is pinned: a leak too)."""
        if form and 1 <= self.value(form) < self.t and frozenset(form.items()) not in self.seen:
            self.seen.add(frozenset(form.items()))
            self.targets[label] = form

    # --- reading what is published -------------------------------------------------------------------------------

    def read(self, records: dict, area: str | None) -> None:
        """One edition's findings.json records (`area`: its region, None for England)."""
        area = area or WHOLE
        assert not unread(records), f"published numbers the attacker does not read: {unread(records)}"
        for fid, r in records.items():
            if r["kind"] == "proportion" and "question" in r:
                self.finding(r, area, fid)
            elif r["kind"] == "proportion" and fid == "response_rate":
                self.equal(self.space.respondents(area), r["numerator"], fid)
            elif r["kind"] == "figure" and "rows" in r:
                self.chart(r, area, fid)
            elif r["kind"] == "weighting":
                self.weighting(r, area)
            elif r["kind"] == "comparison" and not r["suppressed"]:
                self.comparison(r, records, area)
            elif r["kind"] == "change":
                self.change(r, area, "current")
        for fid, r in records.items():  # weighted shares, once the weights are known (or decoded)
            if r["kind"] == "proportion" and "question" in r and r.get("weighted") and area in self.weights:
                self.weighted(r, area, fid)

    def finding(self, r: dict, area: str, fid: str) -> None:
        q, question = r["question"], self.space.questions[r["question"]]
        assert distributions.sums_to_base(question) or len(r["counts"]) == 1, f"{fid}: not linear"
        count = self.space.count(area, r["subgroup"], q, r["counts"])
        base = self.space.base(area, r["subgroup"], q)
        if r["numerator"] is not None:
            self.equal(count, r["numerator"], fid)
        if r["denominator"] is not None:
            self.equal(base, r["denominator"], fid)
        unweighted = [
            (r.get("unweighted") or {}).get("value"),
            r["value"] if r.get("estimate") == "unweighted" else None,
        ]
        for p in filter(lambda p: p is not None, unweighted):
            self.share(count, base, p, fid)
        self.reason(r.get("suppression_reason"), count, base, fid)
        label = f"{area}: {fid}"
        self.target(label, count)
        self.target(f"{label} (base)", base)
        self.target(f"{label} (complement)", minus(base, count))

    def reason(self, why: str | None, count: dict, base: dict, fid: str) -> None:
        """What a finding's suppression reason says (stats.Suppression checks count, then base, then complement)."""
        complement = minus(base, count)
        if why == stats.SMALL_COUNT:
            self.small(count, fid)
        elif why is not None:
            self.not_small(count, fid)
            if why == stats.SMALL_BASE:
                self.range(base, 0, self.t - 1, fid)
            else:
                self.range(base, self.t, math.inf, fid)
                (self.small if why == stats.SMALL_COMPLEMENT else self.not_small)(complement, fid)

    def chart(self, r: dict, area: str, fid: str) -> None:
        q = r["question"]
        question = self.space.questions[q]
        labels = {f"Those {themes.subgroup_description(b, CODEBOOK)}": b for b in BANDS}
        complement = not distributions.sums_to_base(question)
        for row in r["rows"]:
            band = labels.get(row["label"])
            assert band or row["label"].startswith("All "), f"{fid}: unknown row {row['label']!r}"
            base = self.space.base(area, band, q)
            label = f"{area}: {fid} [{band or 'all'}]"
            if row["n"] is None:
                if row["withheld"]:
                    self.range(base, self.t, math.inf, f"{fid}: withheld row")
                else:
                    self.range(base, 0, self.t - 1, f"{fid}: too few answers")
            else:
                self.equal(base, row["n"], fid)
            self.target(f"{label} n", base)
            for v in question.values():
                count = self.space.count(area, band, q, [v])
                self.target(f"{label} {v}", count)
                self.target(f"{label} not {v}", minus(base, count))
                share = row["shares"].get(v)
                if row["n"] is None:
                    continue
                if share is not None:
                    self.equal(count, round(share * row["n"]), fid)
                elif v in row["withheld"]:
                    self.not_small(count, f"{fid} {v}: withheld")
                    if complement:
                        self.not_small(minus(base, count), f"{fid} {v}: withheld")
                elif complement:
                    self.any_small([count, minus(base, count)], f"{fid} {v}: suppressed")
                else:
                    self.small(count, f"{fid} {v}: suppressed")

    def weighting(self, r: dict, area: str) -> None:
        space = self.space
        self.equal(space.respondents(area), r["respondents"], "weighting")
        cells = space.cells(area, None)
        if r.get("method") == "post-stratification":
            for r_, b in cells:
                self.range({space.var("R", r_, b): 1}, MIN_CELL, math.inf, "post-stratified")
        elif r.get("method") == "raking":
            self.any_below([{space.var("R", r_, b): 1} for r_, b in cells], MIN_CELL, "raked")
        if area != WHOLE:
            self.decode_region(r, area)

    def any_below(self, forms: list[dict], limit: int, why: str) -> None:
        flags = [self.helper(int(self.value(f) < limit)) for f in forms]
        self.range({z: 1 for z in flags}, 1, len(flags), why)
        for f, z in zip(forms, flags, strict=False):
            big = self.most(f)
            self.range({**f, z: big}, -math.inf, limit - 1 + big, why)

    def decode_region(self, r: dict, area: str) -> None:
        """A region's weights are its bands' frame shares over their shares of respondents (post-stratified on
        band): a weight gives that band's respondents; the effective sample size narrows the split."""
        total, shares = r["respondents"], self.space.shares[area]
        decoded = {}
        for w in (r.get("weight_min"), r.get("weight_max")):
            if w is None:
                continue
            fits = [b for b in BANDS if shares[b] and abs(shares[b] * total / w - round(shares[b] * total / w)) < 1e-6]
            if len(fits) == 1:
                decoded[fits[0]] = round(shares[fits[0]] * total / w)
        if r.get("value") is not None:
            splits = [(s, m, total - s - m) for s in range(1, total) for m in range(1, total - s)]
            fits = [
                split
                for split in splits
                if abs(1 / sum(shares[b] ** 2 / k for b, k in zip(BANDS, split, strict=False)) - r["value"])
                <= max(precision(r["value"]), 1e-9)
            ]
            for i, b in enumerate(BANDS):
                lo, hi = min(s[i] for s in fits), max(s[i] for s in fits)
                self.range(self.space.respondents(area, b), lo, hi, "effective sample size")
                if lo == hi:
                    decoded[b] = lo
        for b, k in decoded.items():
            self.equal(self.space.respondents(area, b), k, "weights")
        if set(decoded) == set(BANDS) or len(decoded) == 2:
            split = {b: decoded.get(b, total - sum(decoded.values())) for b in BANDS}
            self.weights[area] = {(area, b): shares[b] * total / split[b] for b in BANDS}

    def weighted(self, r: dict, area: str, fid: str) -> None:
        """sum(w x) / sum(w n) within half a unit of the published weighted share (at least 1e-4: the solver's
        tolerance is about 1e-7, and a tighter window makes the search slow: 10 digits are read to 4, which leaves
        the attacker weaker than it could be)."""
        p, q = r["weighted"]["value"], r["question"]
        if p is None:
            return
        w, slack = self.weights[area], max(precision(p), 1e-4)
        num = {
            self.space.var("x", c, b, q, v): w[c, b]
            for c, b in self.space.cells(area, r["subgroup"])
            for v in r["counts"]
        }
        den = {self.space.var("n", c, b, q): w[c, b] for c, b in self.space.cells(area, r["subgroup"])}
        self.range(minus(num, scaled(den, p + slack)), -math.inf, 0, f"{fid} weighted")
        self.range(minus(num, scaled(den, p - slack)), 0, math.inf, f"{fid} weighted")

    def comparison(self, r: dict, records: dict, area: str) -> None:
        """The two shares compared: two band findings, or the region and the rest of England."""
        first, second = records.get(r["first"]), records.get(r["second"])
        q, counts = first["question"], first["counts"]
        parts = [(area, first["subgroup"]), (area, second["subgroup"])]
        forms = [(self.space.count(a, b, q, counts), self.space.base(a, b, q)) for a, b in parts]
        if "versus" in r:  # the second is England less the region
            england = (
                self.space.count(None, second["subgroup"], q, counts),
                self.space.base(None, second["subgroup"], q),
            )
            forms[1] = (minus(england[0], forms[0][0]), minus(england[1], forms[0][1]))
        for (count, base), p in zip(forms, (r["p1"], r["p2"]), strict=False):
            self.share(count, base, p, r["id"])

    def read_previous(self, records: dict, area: str | None) -> None:
        """The comparison wave's figures in an edition of the reported wave (its change records)."""
        for r in records.values():
            if r["kind"] == "change":
                self.change(r, area, "previous")

    def change(self, r: dict, area: str | None, which: str) -> None:
        """A change record's figure for one wave (`current` or `previous`): that wave's finding as quoted."""
        quoted, area = r.get(which), area or WHOLE
        if quoted is None:
            return
        spec = self.space.specs[r["finding"]]
        count = self.space.count(area, spec.subgroup, spec.question, spec.counts)
        base = self.space.base(area, spec.subgroup, spec.question)
        if quoted["numerator"] is not None:
            self.equal(count, quoted["numerator"], r["id"])
        if quoted["denominator"] is not None:
            self.equal(base, quoted["denominator"], r["id"])
        if quoted["value"] is not None and r["estimate"] == "unweighted":
            self.share(count, base, quoted["value"], r["id"])

    def every_cell(self) -> None:
        """Targets beyond the published positions: every area (England, each region) by every band (all, or
        one) by every answer and base, and each finest cell's respondents."""
        space = self.space
        for area in (WHOLE, *space.regions):
            for band in (None, *BANDS):
                self.target(f"{area} respondents [{band or 'all'}]", space.respondents(area, band))
                for q, question in space.questions.items():
                    self.target(f"{area} {q} [{band or 'all'}] n", space.base(area, band, q))
                    for v in question.values():
                        self.target(f"{area} {q} [{band or 'all'}] {v}", space.count(area, band, q, [v]))

    # --- solving -------------------------------------------------------------------------------------------------

    def problem(self):
        size = len(self.truth)
        matrix = lil_matrix((len(self.rows), size))
        lo, hi = np.empty(len(self.rows)), np.empty(len(self.rows))
        for i, (form, a, b) in enumerate(self.rows):
            for k, c in form.items():
                matrix[i, k] = c
            lo[i], hi[i] = a, b
        return (
            LinearConstraint(matrix.tocsr(), lo, hi),
            Bounds(np.zeros(size), np.array(self.upper, float)),
            np.ones(size),
        )

    def determined(self, rounds: int = 3, enough: int = 12, seconds: float = 30) -> dict[str, int | None]:
        """Targets whose integer range is one value (label -> that value; None: the solver ran out of time, so
        it is not shown to be undetermined), from their min and max; at most `enough` (a leak is a leak).
        First, solutions that push every open target away from its true value at once (random directions): a
        target that differs from the truth in one of them is not determined."""
        constraint, bounds, integrality = self.problem()
        size = len(self.truth)

        def vector(forms_signs):
            c = np.zeros(size)
            for form, sign in forms_signs:
                for k, v in form.items():
                    c[k] += sign * v
            return c

        def solve(objective):
            result = milp(
                objective,
                constraints=constraint,
                bounds=bounds,
                integrality=integrality,
                options={"time_limit": seconds},
            )
            assert result.status in (0, 1), f"the attacker's problem has no solution: {result.message}"
            return (np.round(result.x) if result.x is not None else None), result.status == 0

        open_ = dict(self.targets)
        rng, idle = np.random.default_rng(0), 0
        while open_ and idle < rounds:
            x, _ = solve(vector((form, rng.choice((-1, 1))) for form in open_.values()))
            moved = (
                set() if x is None else {label for label, f in open_.items() if vector([(f, 1)]) @ x != self.value(f)}
            )
            open_ = {label: form for label, form in open_.items() if label not in moved}
            idle = 0 if moved else idle + 1
        pinned: dict[str, int | None] = {}
        for label, form in sorted(open_.items()):
            (low, low_exact), (high, high_exact) = solve(vector([(form, 1)])), solve(vector([(form, -1)]))
            low, high = (None if x is None else float(vector([(form, 1)]) @ x) for x in (low, high))
            if not (low_exact and high_exact):
                if low is None or high is None or low == high:
                    pinned[label] = None
            elif low == high:
                pinned[label] = int(low)
            if len(pinned) >= enough:
                break
        return pinned


# --- what the editions publish, without rendering -------------------------------------------------------------


def england_weights(ctx: themes.Context) -> dict:
    """England's weight of each region x band cell (raked on their margins: one weight per cell), for the
    stronger attacker; never published."""
    bands = ctx.codebook.partitions[PARTITION].assign(ctx.survey)
    weights = ctx.weighting.weights.groupby([ctx.survey[ctx.codebook.editions.by], bands]).first()
    return {cell: float(w) for cell, w in weights.items()}


def edition_records(root, plan_path, wave: str, region: str | None) -> dict:
    """One edition's findings.json as the notebooks write it (each theme's findings, its charts' rows, the
    population notebook's), read back through the published JSON (10 significant digits)."""
    from briefing.analysis import findings as findings_io
    from briefing.analysis.findings import Finding
    from briefing.publication import theme_charts

    ctx = themes.load_context(root / "params.yml", plan_path, wave=wave, edition=region, compare_wave=None)
    out = []
    for theme in themes.survey_themes(ctx):
        results = themes.survey_findings(ctx, theme, "test")
        out += results
        by_question: dict[str, list] = {}
        for f in results:
            if f.kind == "proportion" and f.extra.get("question"):
                by_question.setdefault(f.extra["question"], []).append(f)
        for q, group in by_question.items():
            rows = [row.as_record() for row in theme_charts.rows_for(ctx, q, group)]
            out.append(
                Finding(f"fig_{q}", None, "", "", "test", [], kind="figure", extra={"question": q, "rows": rows})
            )
    out += themes.population_findings(ctx, "test")
    return json.loads(
        findings_io.dumps({"parameters": ctx.params.as_dict(), "findings": {f.id: f.as_record() for f in out}})
    )
