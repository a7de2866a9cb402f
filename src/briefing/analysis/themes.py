"""What the notebooks call: load a wave and the frame, compute a theme's findings, write them.

Notebooks stay thin (parameters, a few calls, the outputs); the logic lives here, with unit tests.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property, lru_cache
from pathlib import Path

import pandas as pd

from briefing import config
from briefing.analysis import change, stats
from briefing.analysis import findings as findings_io
from briefing.analysis.findings import Finding
from briefing.inputs import validated
from briefing.inputs.codebook import Codebook, FindingSpec, answered_mask, counts_mask, load_codebook

WHOLE = "(all)"  # the area of a briefing with no edition, in the disclosure plan, when the codebook names no coverage
# Which finite population correction a figure carries (recorded as `fpc`, so the methods can say it).
FPC_FRAME, FPC_SIZE, FPC_NONE = "frame", "size", "none"


@dataclass
class Context:
    params: config.Params
    codebook: Codebook
    survey: pd.DataFrame
    frame: pd.DataFrame | None  # the reference frame's units in the area; None: the survey has no frame
    root: Path
    rest: Context | None = None  # an edition: the rest of the survey's coverage, to compare the area with
    withheld: dict[str, str] | None = (
        None  # finding id or chart cell -> why, from cross-edition disclosure control; None: no plan
    )

    @cached_property
    def weighting(self) -> stats.Weighting | None:
        return survey_weights(self) if self.codebook.weighting and self.frame is not None else None

    @property
    def survey_inputs(self) -> list[str]:
        return [p for p in (self.params.survey_path, self.params.codebook, self.params.frame_file) if p]

    @property
    def whole(self) -> bool:
        """Whether the context is the survey's whole coverage (not an edition's area, nor the rest of it)."""
        return self.params.edition is None

    @cached_property
    def frame_view(self) -> pd.DataFrame | None:
        """The frame with the survey's question ids as columns (population.frame.match), so a subgroup's or a
        partition's definition applies to the frame's units as to the respondents."""
        spec = self.codebook.population.frame
        if self.frame is None or spec is None:
            return None
        return pd.DataFrame({q: self.frame[column] for q, column in spec.match.items()}, index=self.frame.index)


def whole_area(codebook: Codebook) -> str:
    """The name of the whole survey's area in the disclosure plan: the codebook's coverage (e.g. the country)."""
    coverage = codebook.survey.coverage or WHOLE
    if codebook.editions and coverage in codebook.questions[codebook.editions.by].values():
        raise ValueError(
            f"{codebook.path}: survey.coverage {coverage!r} is also an edition's value: name the whole apart"
        )
    return coverage


def edition_question(codebook: Codebook, params: config.Params) -> str | None:
    """The question an edition's value is an answer of (the codebook's `editions: by:`); None without an edition."""
    if params.edition is None:
        return None
    if codebook.editions is None:
        raise ValueError(
            f"{codebook.path}: editions: missing, so the parameter edition: {params.edition!r} names nothing"
        )
    question = codebook.questions[codebook.editions.by]
    if params.edition not in question.values():
        raise ValueError(
            f"parameters: edition {params.edition!r} is not an answer of {codebook.path}'s editions.by question "
            f"{question.id!r} ({', '.join(question.values())})"
        )
    return question.id


def frame_column(codebook: Codebook, question: str) -> str | None:
    """The frame's column for a survey question (population.frame.match), or None."""
    frame = codebook.population.frame
    return frame.match.get(question) if frame else None


def load_context(
    params_path: str | Path | None = None,
    withheld_path: str | Path | None = None,
    whole: bool = False,
    typed_path: str | Path | None = None,
    **overrides,
) -> Context:
    """Parameters (params.yml, overridden by papermill's values), the validated wave, the frame; restricted to
    the edition's area (whole=True: the survey's whole coverage, whatever the edition). `withheld_path`: the
    build's disclosure plan (briefing.analysis.disclosure), whose figures for this area are withheld.
    `typed_path`: the build's validated, typed copy of the wave and its frame (inputs/validated.py), which a build's
    notebooks read; without it (a notebook run on its own) the wave's file is read and validated here."""
    root = config.find_root(Path(params_path).resolve().parent if params_path else None)
    params = config.load(params_path, **overrides)
    params = dataclasses.replace(params, edition=None if whole else params.edition)
    codebook = codebook_once(root / params.codebook)
    if params.estimate == "weighted" and not codebook.weighting:
        raise ValueError(
            f"parameters: estimate: weighted, but {codebook.path} has no `weighting:` (and the weights need a "
            "reference frame): quote the unweighted estimates"
        )
    if typed_path:
        survey, frame = validated.read(root / typed_path)
    else:
        survey = survey_once(root / params.survey_path, codebook, params.wave)
        frame = frame_once(root / params.frame_file, codebook) if params.frame_file else None
    withheld = read_withheld(root, withheld_path, params.edition or whole_area(codebook))
    by = edition_question(codebook, params)
    if by is None:
        return Context(params, codebook, survey, frame, root, withheld=withheld)
    here = None
    if frame is not None:
        column = frame_column(codebook, by)
        if column is None:
            raise ValueError(
                f"{codebook.path}: population.frame.match does not map the editions.by question {by!r} to a "
                "frame column, so an edition's area cannot be set against the frame"
            )
        here = frame[column] == params.edition
        if not here.any():
            known = ", ".join(sorted(frame[column].dropna().unique()))
            raise ValueError(
                f"parameters: edition {params.edition!r} matches no {codebook.population.frame.unit.singular} in "
                f"{params.frame_file} ({column}: {known})"
            )
    in_area = survey[by] == params.edition

    def part(rows: pd.DataFrame, keep) -> pd.DataFrame:
        return rows[keep].reset_index(drop=True)

    # The rest of the coverage's share, beside the area's, gives the whole's count: it is withheld where the whole's is.
    rest = Context(
        params,
        codebook,
        part(survey, ~in_area),
        None if frame is None else part(frame, ~here),
        root,
        withheld=read_withheld(root, withheld_path, whole_area(codebook)),
    )
    return Context(
        params,
        codebook,
        part(survey, in_area),
        None if frame is None else part(frame, here),
        root,
        rest,
        withheld,
    )


# --- the codebook, the waves and the frames, read once per process ------------------------------------------------
# A build's notebooks run in a few long-lived worker processes (analysis/run_notebooks.py), each edition's too, and
# each reads the same validated files: kept here by their content (so a changed file is read again), each is read, parsed and
# checked once per process. A wave or frame is handed out as a copy, so no notebook sees another's changes; the
# codebook is immutable (frozen dataclasses).
READ_ONCE = 32  # files kept: every wave and frame of a build, with room to spare


def content_key(path: Path) -> tuple[str, str]:
    """The file as the cache knows it: its real path (an edition's folder links data/) and its content's digest."""
    real = path.resolve()
    return str(real), hashlib.sha256(real.read_bytes()).hexdigest()


@lru_cache(maxsize=READ_ONCE)
def _codebook(real: str, digest: str) -> Codebook:
    return load_codebook(Path(real))


@lru_cache(maxsize=READ_ONCE)
def _survey(real: str, digest: str, codebook: tuple[str, str], wave: str) -> pd.DataFrame:
    # (here, not above: a build's notebooks read the validated copy, and never load pandera, which validating needs)
    from briefing.inputs.validate import read_survey

    return read_survey(Path(real), _codebook(*codebook), wave)


@lru_cache(maxsize=READ_ONCE)
def _frame(real: str, digest: str, codebook: tuple[str, str]) -> pd.DataFrame:
    return validated.load_frame(Path(real), _codebook(*codebook))


def codebook_once(path: Path) -> Codebook:
    """load_codebook, once per content; its `path` as given (error messages name the file the build read)."""
    codebook = _codebook(*content_key(path))
    return codebook if codebook.path == path else dataclasses.replace(codebook, path=path)


def survey_once(path: Path, codebook: Codebook, wave: str) -> pd.DataFrame:
    """read_survey (read, validated and typed), once per content of the wave's file and the codebook."""
    return _survey(*content_key(path), content_key(codebook.path), str(wave)).copy()


def frame_once(path: Path, codebook: Codebook) -> pd.DataFrame:
    """The frame as validation reads it (inputs/validated.py), once per content of the frame and the codebook."""
    return _frame(*content_key(path), content_key(codebook.path)).copy()


def read_withheld(root: Path, path: str | Path | None, area: str) -> dict[str, str] | None:
    """The area's figures withheld by secondary suppression (briefing.analysis.disclosure); None without a plan
    (the charts then fall back on each row's own rule)."""
    if not path:
        return None
    plan = json.loads((root / path).read_text(encoding="utf-8"))
    return plan.get("withheld", {}).get(area, {})


def subgroup_of(codebook: Codebook, name: str):
    if name not in codebook.subgroups:
        raise ValueError(f"{codebook.path}: subgroup {name!r} is not defined in `subgroups:`")
    return codebook.subgroups[name]


def subgroup_description(subgroup: str | None, codebook: Codebook) -> str:
    """Who a subgroup is, in the codebook's words ("who work part time"); empty for all respondents."""
    return subgroup_of(codebook, subgroup).description() if subgroup else ""


def population_of(ctx: Context, subgroup: str | None) -> tuple[int | None, str]:
    """How many the estimate speaks for (the finite population correction's N), and which correction applies:
    with a frame, its units in the area (times respondents_per_unit), in a subgroup where the frame maps the
    subgroup's question; with a fixed size, that size for the whole survey only; else none (N = None)."""
    population = ctx.codebook.population
    if population.kind == FPC_SIZE:
        return (population.size, FPC_SIZE) if subgroup is None and ctx.whole else (None, FPC_NONE)
    if population.kind != FPC_FRAME or ctx.frame is None:
        return None, FPC_NONE
    per_unit = population.frame.respondents_per_unit or 1
    if subgroup is None:
        return len(ctx.frame) * per_unit, FPC_FRAME
    group = subgroup_of(ctx.codebook, subgroup)
    if group.question not in population.frame.match:
        return None, FPC_NONE
    return int(group.mask(ctx.frame_view).sum()) * per_unit, FPC_FRAME


def cell_names(ctx: Context) -> list[str]:
    """The weighting cells' names (codebook `weighting:`), less the editions' question in an edition's area
    (one value there)."""
    by = ctx.codebook.editions.by if ctx.codebook.editions else None
    return [n for n in ctx.codebook.weighting if ctx.whole or ctx.codebook.part_question(n) != by]


def cells_of(ctx: Context, table: pd.DataFrame) -> pd.DataFrame:
    """Each row's weighting cell: a partition's part, or a question's answer (table: question-id columns)."""
    partitions = ctx.codebook.partitions
    return pd.DataFrame(
        {n: partitions[n].assign(table) if n in partitions else table[n] for n in cell_names(ctx)},
        index=table.index,
    )


def survey_weights(ctx: Context) -> stats.Weighting | None:
    """Weights to the frame's cells of the codebook's `weighting:` (post-stratified, or raked where cells are
    sparse); None when no cell is left (an edition weighted on its own question alone)."""
    cells = cell_names(ctx)
    if not cells:
        return None
    return stats.weights_for(cells_of(ctx, ctx.survey), cells_of(ctx, ctx.frame_view), cells)


# What a weighted estimate publishes (disclosure control). The weights are never published: with the frame's
# counts they give each weighting cell's respondents. An edition's area is weighted on the other cells alone, each
# with a handful of respondents, so an edition publishes no weighted estimate (its weighted share, beside the
# unweighted count, splits every finding by cell). The whole survey's weighted shares and intervals are published to
# the whole percent the text prints (WEIGHTED_DECIMALS of a proportion), and its effective sample sizes as the
# band of EFFECTIVE_N_STEP they fall in (its lower end: "between 200 and 210").
WEIGHTED_DECIMALS = 2
EFFECTIVE_N_STEP = 10


def rounded(value: float, decimals: int = WEIGHTED_DECIMALS) -> float:
    """Half-up on the decimal value, as the text's percentages round (0.645 -> 0.65)."""
    return float(Decimal(str(float(value))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP))


def banded_effective_n(weights: pd.Series) -> int:
    """The lower end of the EFFECTIVE_N_STEP band Kish's effective sample size falls in (1 below one step)."""
    return max(1, int(stats.effective_n(weights) // EFFECTIVE_N_STEP) * EFFECTIVE_N_STEP)


def publishes_weighted(ctx: Context) -> bool:
    """Whether the area's briefing publishes weighted estimates: the whole survey's only, when it is weighted
    (see WEIGHTED_DECIMALS)."""
    return ctx.whole and ctx.weighting is not None


def estimates(
    counted: pd.Series, answered: pd.Series, weights: pd.Series | None, population: int, level: float
) -> dict:
    """Unweighted and weighted proportion with their intervals (Wilson score, finite population corrected); the
    weighted one as published (rounded, see WEIGHTED_DECIMALS), or None without weights (an edition)."""
    k, n = int(counted.sum()), int(answered.sum())
    if n == 0:
        return {"unweighted": None, "weighted": None}
    low, high = stats.proportion_ci(k, n, population, level)
    unweighted = {"value": k / n, "ci_low": low, "ci_high": high}
    if weights is None:
        return {"unweighted": unweighted, "weighted": None}
    w = weights[answered]
    w_low, w_high = stats.weighted_proportion_ci(counted[answered], w, population, level)
    weighted = {"value": stats.weighted_proportion(counted[answered], w), "ci_low": w_low, "ci_high": w_high}
    return {
        "unweighted": unweighted,
        "weighted": {**{key: rounded(v) for key, v in weighted.items()}, "effective_n": banded_effective_n(w)},
    }


def suppress_record(finding: Finding, threshold: int, withheld: str | None = None) -> Finding:
    """Disclosure control at the source: a suppressed figure never reaches findings.json, a chart or the text.
    `withheld` is a reason from cross-edition control (secondary suppression), applied when no primary one is."""
    reason = stats.Suppression(threshold).reason(finding.numerator, finding.denominator) or withheld
    finding.extra["suppressed"] = reason is not None
    finding.extra["suppression_reason"] = reason
    if reason is not None:
        finding.value = finding.numerator = None
        finding.extra.update(ci_low=None, ci_high=None, unweighted=None, weighted=None)
        small_base = finding.denominator is not None and finding.denominator < threshold  # a small count too
        if small_base or withheld == stats.SECONDARY_BASE:
            finding.denominator = None
    return finding


def spec_masks(
    survey: pd.DataFrame, spec: FindingSpec, codebook: Codebook, subgroup: str | None = None
) -> tuple[pd.Series, pd.Series]:
    """(counted, answered): respondents (in the spec's subgroup, or `subgroup`) whose answer counts; who answered."""
    group = subgroup or spec.subgroup
    in_group = subgroup_of(codebook, group).mask(survey) if group else pd.Series(True, index=survey.index)
    answered = answered_mask(survey, codebook.questions[spec.question]) & in_group
    return counts_mask(survey, spec, codebook) & answered, answered


def survey_finding(ctx: Context, spec: FindingSpec, notebook: str) -> Finding:
    """The share of respondents (in the finding's subgroup) answering the question whose answer counts."""
    question = ctx.codebook.questions[spec.question]
    counted, answered = spec_masks(ctx.survey, spec, ctx.codebook)
    numerator, denominator = int(counted.sum()), int(answered.sum())
    population, fpc = population_of(ctx, spec.subgroup)
    weights = ctx.weighting.weights if publishes_weighted(ctx) else None
    both = estimates(counted, answered, weights, population, ctx.params.confidence_level)
    estimate = ctx.params.estimate if publishes_weighted(ctx) else "unweighted"  # an edition: no weighted figure
    quoted = both[estimate] or {"value": None, "ci_low": None, "ci_high": None}
    who = " ".join(filter(None, [ctx.codebook.respondents.plural, subgroup_description(spec.subgroup, ctx.codebook)]))
    finding = Finding(
        id=spec.id,
        value=quoted["value"],
        numerator=numerator,
        denominator=denominator,
        description=spec.description_text(),  # placeholders filled, {{ printed as {
        base=f"{who} who answered: {question.wording}",
        notebook=notebook,
        inputs=ctx.survey_inputs,
        extra={
            "question": spec.question,
            "counts": list(spec.counts),
            "subgroup": spec.subgroup,
            "theme": spec.theme,
            "estimate": estimate,
            "ci_low": quoted["ci_low"],
            "ci_high": quoted["ci_high"],
            "confidence_level": ctx.params.confidence_level,
            "population": population,
            "fpc": fpc,
            **both,
        },
    )
    return suppress_record(finding, ctx.params.suppression_threshold, (ctx.withheld or {}).get(spec.id))


def comparison_finding(
    ctx: Context, first: Finding, second: Finding, fid: str, notebook: str, result: stats.Comparison | None = None
) -> Finding:
    """The difference between two subgroup shares as the text quotes them (unweighted or weighted), with a test:
    the verdict the narrative's verb follows, and an interval that agrees with it. `result`: the test, where
    already made (`compared`)."""
    extra = {"first": first.id, "second": second.id, "theme": first.extra["theme"], "suppressed": False}
    if first.extra["suppressed"] or second.extra["suppressed"]:
        extra["suppressed"] = True
        return Finding(
            fid,
            None,
            "difference suppressed (small numbers)",
            "",
            notebook,
            first.inputs,
            kind="comparison",
            extra=extra,
        )
    result = result or change.compare(
        first.as_record(), second.as_record(), first.extra["estimate"], ctx.params.confidence_level
    )
    extra.update(
        **change.result_fields(result),
        confidence_level=ctx.params.confidence_level,
    )
    return Finding(
        fid,
        result.difference,
        f"{first.description} minus {second.description}",
        f"{first.base}; compared with {second.base}",
        notebook,
        first.inputs,
        kind="comparison",
        extra=extra,
    )


def survey_themes(ctx: Context) -> list[str]:
    """The themes of the codebook's findings registry, in registry order."""
    return list(dict.fromkeys(spec.theme for spec in ctx.codebook.findings.values()))


def survey_findings(ctx: Context, theme: str, notebook: str) -> list[Finding]:
    registered = [s for s in ctx.codebook.findings.values() if s.theme == theme]
    if not registered:
        raise ValueError(f"{ctx.params.codebook}: no findings registered for theme {theme!r}")
    # A finding whose question the wave did not ask is absent from the wave (never an empty or invented figure).
    specs = [s for s in registered if s.id in ctx.codebook.findings_in(ctx.params.wave)]
    results = [survey_finding(ctx, spec, notebook) for spec in specs]
    by_id = {f.id: f for f in results}
    # The codebook's declared subgroup comparisons of this theme's findings, then an edition's area against the rest.
    pairs = {
        fid: (by_id[first.id], by_id[second.id])
        for fid, (first, second) in ctx.codebook.comparison_findings(ctx.params.wave).items()
        if first.id in by_id and second.id in by_id
    }
    against_rest = {f"{s.id}_vs_rest": s for s in specs if s.subgroup is None} if ctx.rest is not None else {}
    pairs.update({fid: (by_id[s.id], survey_finding(ctx.rest, s, notebook)) for fid, s in against_rest.items()})
    tests = compared(ctx, pairs)
    for fid, (first, second) in pairs.items():
        by_id[fid] = comparison_finding(ctx, first, second, fid, notebook, tests.get(fid))
        if fid in against_rest:
            as_edition_vs_rest(ctx, by_id[fid], against_rest[fid])
    return list(by_id.values())


def compared(ctx: Context, pairs: dict[str, tuple[Finding, Finding]]) -> dict[str, stats.Comparison]:
    """The tests of the pairs neither of whose shares is suppressed, made together (`change.compare_all`)."""
    tested = {fid: pair for fid, pair in pairs.items() if not any(f.extra["suppressed"] for f in pair)}
    records = [(first.as_record(), second.as_record(), first.extra["estimate"]) for first, second in tested.values()]
    return dict(zip(tested, change.compare_all(records, ctx.params.confidence_level), strict=True))


def rest_words(codebook: Codebook) -> str:
    """What an edition's area is compared with: "the rest of <coverage>" (the codebook's `survey: coverage:`)."""
    return f"the rest of {codebook.survey.coverage or 'the survey'}"


def as_edition_vs_rest(ctx: Context, comparison: Finding, spec: FindingSpec) -> None:
    """Word a comparison as the edition's area against the rest of the coverage (not against a total that
    contains it)."""
    versus = rest_words(ctx.codebook)
    comparison.extra.update(edition=ctx.params.edition, versus=versus)
    comparison.description = f"{spec.description_text()}: {ctx.params.edition} minus {versus}"


def weighting_finding(ctx: Context, notebook: str) -> Finding:
    """How the weights were made, for the methods appendix: the method and its cells in words, and the band of
    EFFECTIVE_N_STEP the effective sample size falls in; never a weight or a cell's count. An edition, or a survey
    the codebook does not weight: not weighted (`publishes_weighted`)."""
    extra = {"respondents": len(ctx.survey), "rounded_to": EFFECTIVE_N_STEP, "weighted_decimals": WEIGHTED_DECIMALS}
    if not publishes_weighted(ctx):
        words = "weighted estimates are not shown for one edition's area" if ctx.codebook.weighting else "not weighted"
        return Finding(
            "weighting",
            None,
            words,
            f"all {ctx.codebook.respondents.plural}",
            notebook,
            ctx.survey_inputs,
            kind="weighting",
            extra={**extra, "method": None},
        )
    weighting = ctx.weighting
    return Finding(
        "weighting",
        banded_effective_n(weighting.weights),
        weighting_words(ctx.codebook, weighting.method),
        f"all {ctx.codebook.respondents.plural}",
        notebook,
        ctx.survey_inputs,
        kind="weighting",
        extra={**extra, "method": weighting.method},
    )


def cell_words(codebook: Codebook, name: str) -> str:
    """A weighting cell's name in words: the editions' area word (`editions: area: singular`), a partition's id
    with its parts' labels ("<id> group (<label>, <label> and <label>)"), else the question's id as words."""
    if name in codebook.partitions:
        labels = [part.label for part in codebook.partitions[name].parts]
        joined = labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} and {labels[-1]}"
        return f"{name.replace('_', ' ')} group ({joined})"
    if codebook.editions and codebook.editions.by == name:
        return codebook.editions.area.singular
    return name.replace("_", " ")


def weighting_words(codebook: Codebook, method: str) -> str:
    """The method in words (`stats.weights_for` chooses it; its own description counts the sparse cells: not
    published)."""
    words = [cell_words(codebook, name) for name in codebook.weighting]
    if method == "post-stratification":
        return f"post-stratified on {' by '.join(words)}"
    return (
        f"raked to the frame's totals by {' and by '.join(words)}, as some combinations of them have too few "
        "respondents to post-stratify"
    )


def size_column(ctx: Context) -> tuple[str, str] | None:
    """(question, frame column) of the first numeric question the frame maps (a unit's size), or None."""
    match = ctx.codebook.population.frame.match
    return next(((q, c) for q, c in match.items() if ctx.codebook.questions[q].type == "numeric"), None)


def published_parts(ctx: Context) -> list:
    """The published parts of every partition whose question the frame maps, in codebook order."""
    match = ctx.codebook.population.frame.match
    return [
        part
        for partition in ctx.codebook.partitions.values()
        if partition.question in match
        for part in partition.parts
        if part.published
    ]


def population_findings(ctx: Context, notebook: str) -> list[Finding]:
    """What the reference frame says of the area's units (their count, the share in each published part of each
    partition, their median size where the frame maps one), and the survey's response rate against it."""
    spec, params = ctx.codebook.population.frame, ctx.params
    inputs = [params.frame_file]
    units = len(ctx.frame)
    base = f"{spec.unit.plural} in the reference frame"
    found = [subareas_table(ctx, notebook)] if spec.subareas and not ctx.whole else []
    found.append(Finding("unit_count", units, spec.unit.plural, base, notebook, inputs, kind="count"))
    for part in published_parts(ctx):
        inside = part.mask(ctx.frame_view)
        found.append(
            Finding(
                f"unit_share_{part.id}",
                float(inside.mean()) if units else None,
                f"of {spec.unit.plural} are {part.label}",
                base,
                notebook,
                inputs,
                numerator=int(inside.sum()),
                denominator=units,
                extra={"subgroup": part.id},
            )
        )
    size = size_column(ctx)
    if size is not None:
        found.append(
            Finding(
                "unit_median_size",
                float(ctx.frame[size[1]].median()),
                f"median {size[1].replace('_', ' ')} per {spec.unit.singular}",
                base,
                notebook,
                inputs,
                kind="median",
                extra={"question": size[0], "column": size[1]},
            )
        )
    per_unit = spec.respondents_per_unit or 1
    found.append(
        Finding(
            "response_rate",
            len(ctx.survey) / (units * per_unit),
            f"of the {spec.unit.plural}' {ctx.codebook.respondents.plural} responded",
            f"respondents out of {ctx.codebook.respondents.plural} of the {spec.unit.plural} in the frame "
            f"({per_unit} per {spec.unit.singular})",
            notebook,
            [params.survey_path, params.frame_file],
            numerator=len(ctx.survey),
            denominator=units * per_unit,
        )
    )
    return [*found, weighting_finding(ctx, notebook)]


def subareas_table(ctx: Context, notebook: str) -> Finding:
    """The area's subareas (population.frame.subareas) from the frame: their units, median size and
    share in each published part (true figures for every area, whatever the survey's coverage)."""
    spec = ctx.codebook.population.frame
    size, parts = size_column(ctx), published_parts(ctx)
    view = ctx.frame_view
    rows = []
    for code, group in ctx.frame.groupby(spec.subareas.code, sort=False):
        rows.append(
            {
                "code": code,
                "name": group[spec.subareas.name].iloc[0],
                "units": len(group),
                "median_size": float(group[size[1]].median()) if size else None,
                "shares": {p.id: float(p.mask(view.loc[group.index]).mean()) for p in parts},
            }
        )
    rows.sort(key=lambda row: row["name"])
    return Finding(
        "subarea_table",
        len(rows),
        f"{spec.subareas.title} in {ctx.params.edition}",
        f"{spec.unit.plural} in the reference frame",
        notebook,
        [ctx.params.frame_file],
        kind="table",
        extra={"rows": rows},
    )


def as_table(findings: list[Finding]) -> pd.DataFrame:
    """The findings as a table, for the notebook's output."""
    rows = [
        {k: r[k] for k in ("id", "value", "numerator", "denominator", "description")}
        for r in (f.as_record() for f in findings)
    ]
    return pd.DataFrame(rows).set_index("id")


def write_findings(findings: list[Finding], findings_path: str | Path, ctx: Context) -> Path:
    """Write the notebook's findings (a relative path is taken from the project root)."""
    path = Path(findings_path)
    return findings_io.write(findings, path if path.is_absolute() else ctx.root / path)
