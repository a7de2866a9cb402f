"""What the notebooks call: load a wave and the frame, compute a theme's findings, write them.

Notebooks stay thin (parameters, a few calls, the outputs); the logic lives here, with unit tests.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import json
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from briefing import config
from briefing.analysis import change, stats
from briefing.inputs.codebook import Codebook, FindingSpec, answered_mask, counts_mask, load_codebook
from briefing.analysis import findings as findings_io
from briefing.analysis.findings import Finding
from briefing.inputs.frame import size_band
from briefing.inputs.validate import read_survey

SIZE_BANDS = ("small", "medium", "large")
ENGLAND = "England"  # the area of a briefing with no region, in the disclosure plan


@dataclass
class Context:
    params: config.Params
    codebook: Codebook
    survey: pd.DataFrame
    frame: pd.DataFrame
    root: Path
    rest: "Context | None" = None  # a regional briefing: the rest of England, to compare the region with
    withheld: dict[str, str] | None = (
        None  # finding id or chart cell -> why, from cross-edition disclosure control; None: no plan
    )

    @cached_property
    def weighting(self) -> stats.Weighting:
        return survey_weights(self)

    @property
    def survey_inputs(self) -> list[str]:
        return [self.params.survey_path, self.params.codebook, self.params.frame_file]


def load_context(
    params_path: str | Path | None = None, withheld_path: str | Path | None = None, england: bool = False, **overrides
) -> Context:
    """Parameters (params.yml, overridden by papermill's values), the validated wave, the frame; region-filtered
    (england=True: the whole of England, whatever the region). `withheld_path`: the build's disclosure plan
    (briefing.analysis.disclosure), whose figures for this area are withheld (secondary suppression)."""
    root = config.find_root(Path(params_path).resolve().parent if params_path else None)
    params = config.load(params_path, **overrides)
    # Each wave against its own year's frame (resolved with the parameters; checked when the wave is validated).
    params = dataclasses.replace(params, region=None if england else params.region)
    codebook = load_codebook(root / params.codebook)
    survey = read_survey(root / params.survey_path, codebook, params.wave)
    frame = load_frame(root / params.frame_file)
    withheld = read_withheld(root, withheld_path, params.region or ENGLAND)
    if not params.region:
        return Context(params, codebook, survey, frame, root, withheld=withheld)
    here = frame["region"] == params.region
    if not here.any():
        known = ", ".join(sorted(frame["region"].unique()))
        raise ValueError(
            f"params.yml: region {params.region!r} matches no PCN in {params.frame_file} (regions: {known})"
        )
    in_region = survey["region"] == params.region
    # The rest of England's share, beside the region's, gives England's count: it is withheld where England's is.
    rest = Context(
        params,
        codebook,
        survey[~in_region].reset_index(drop=True),
        frame[~here].reset_index(drop=True),
        root,
        withheld=read_withheld(root, withheld_path, ENGLAND),
    )
    return Context(
        params,
        codebook,
        survey[in_region].reset_index(drop=True),
        frame[here].reset_index(drop=True),
        root,
        rest,
        withheld,
    )


def read_withheld(root: Path, path: str | Path | None, area: str) -> dict[str, str] | None:
    """The area's figures withheld by secondary suppression (briefing.analysis.disclosure); None without a plan
    (the charts then fall back on each row's own rule)."""
    if not path:
        return None
    plan = json.loads((root / path).read_text(encoding="utf-8"))
    return plan.get("withheld", {}).get(area, {})


def load_frame(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"pcn_code": str, "region": str})


def subgroup_description(subgroup: str | None, params: config.Params) -> str:
    if subgroup == "small":
        return f"leading PCNs with fewer than {params.small_pcn_max:,} patients"
    if subgroup == "large":
        return f"leading PCNs with more than {params.large_pcn_min:,} patients"
    return ""


def population_of(ctx: Context, subgroup: str | None) -> int:
    """Clinical directors the estimate speaks for: one per PCN in the frame (in the subgroup's size band)."""
    if subgroup is None:
        return len(ctx.frame)
    return int((size_band(ctx.frame["registered_patients"], ctx.params) == subgroup).sum())


def survey_weights(ctx: Context) -> stats.Weighting:
    """Weights to the frame's region by size-band mix (post-stratified, or raked where cells are sparse)."""
    cells = ["band"] if ctx.params.region else ["region", "band"]
    sample = ctx.survey.assign(band=size_band(ctx.survey["pcn_list_size"], ctx.params))
    frame = ctx.frame.assign(band=size_band(ctx.frame["registered_patients"], ctx.params))
    return stats.weights_for(sample[cells], frame[cells], cells)


# What a weighted estimate publishes (disclosure control). The weights are never published: with the frame's
# counts they give each weighting cell's respondents. A region is weighted on size band alone, and a band has a
# handful of respondents, so a regional edition publishes no weighted estimate (its weighted share, beside the
# unweighted count, splits every finding by band). England's weighted shares and intervals are published to
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
    """Whether the area's briefing publishes weighted estimates: England's only (see WEIGHTED_DECIMALS)."""
    return ctx.params.region is None


def estimates(
    counted: pd.Series, answered: pd.Series, weights: pd.Series | None, population: int, level: float
) -> dict:
    """Unweighted and weighted proportion with their intervals (Wilson score, finite population corrected); the
    weighted one as published (rounded, see WEIGHTED_DECIMALS), or None without weights (a regional edition)."""
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
    survey: pd.DataFrame, spec: FindingSpec, codebook: Codebook, params: config.Params, subgroup: str | None = None
) -> tuple[pd.Series, pd.Series]:
    """(counted, answered): respondents (in the spec's size band, or `subgroup`) whose answer counts; who answered."""
    band = subgroup or spec.subgroup
    in_group = pd.Series(True, index=survey.index)
    if band:
        in_group = size_band(survey["pcn_list_size"], params) == band
    answered = answered_mask(survey, codebook.questions[spec.question]) & in_group
    return counts_mask(survey, spec, codebook) & answered, answered


def survey_finding(ctx: Context, spec: FindingSpec, notebook: str) -> Finding:
    """The share of respondents (in the finding's subgroup) answering the question whose answer counts."""
    question = ctx.codebook.questions[spec.question]
    counted, answered = spec_masks(ctx.survey, spec, ctx.codebook, ctx.params)
    numerator, denominator = int(counted.sum()), int(answered.sum())
    population = population_of(ctx, spec.subgroup)
    weights = ctx.weighting.weights if publishes_weighted(ctx) else None
    both = estimates(counted, answered, weights, population, ctx.params.confidence_level)
    estimate = ctx.params.estimate if publishes_weighted(ctx) else "unweighted"  # a region: no weighted figure
    quoted = both[estimate] or {"value": None, "ci_low": None, "ci_high": None}
    who = " ".join(filter(None, ["clinical directors", subgroup_description(spec.subgroup, ctx.params)]))
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
            **both,
        },
    )
    return suppress_record(finding, ctx.params.suppression_threshold, (ctx.withheld or {}).get(spec.id))


def comparison_finding(ctx: Context, first: Finding, second: Finding, fid: str, notebook: str) -> Finding:
    """The difference between two subgroup shares as the text quotes them (unweighted or weighted), with a test:
    the verdict the narrative's verb follows, and an interval that agrees with it."""
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
    result = change.compare(first.as_record(), second.as_record(), first.extra["estimate"], ctx.params.confidence_level)
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
    for question_id in sorted({s.question for s in specs}):
        small = next(
            (f for f in results if f.extra["question"] == question_id and f.extra["subgroup"] == "small"), None
        )
        large = next(
            (f for f in results if f.extra["question"] == question_id and f.extra["subgroup"] == "large"), None
        )
        if small and large:
            fid = f"{small.id.removesuffix('_small')}_small_vs_large"
            by_id[fid] = comparison_finding(ctx, small, large, fid, notebook)
    if ctx.rest is not None:
        for spec in specs:
            if spec.subgroup is None:
                by_id[f"{spec.id}_vs_rest"] = region_vs_rest(ctx, by_id[spec.id], spec, notebook)
    return list(by_id.values())


def region_vs_rest(ctx: Context, here: Finding, spec: FindingSpec, notebook: str) -> Finding:
    """The region against the rest of England (not against a total that contains it), with a test."""
    rest = survey_finding(ctx.rest, spec, notebook)
    comparison = comparison_finding(ctx, here, rest, f"{spec.id}_vs_rest", notebook)
    comparison.extra.update(region=ctx.params.region, versus="the rest of England")
    comparison.description = f"{spec.description_text()}: {ctx.params.region} minus the rest of England"
    return comparison


def weighting_finding(ctx: Context, notebook: str) -> Finding:
    """How the weights were made, for the methods appendix: the method and its cells in words, and the band of
    EFFECTIVE_N_STEP the effective sample size falls in; never a weight or a cell's count. A regional edition: not
    weighted (`publishes_weighted`)."""
    extra = {"respondents": len(ctx.survey), "rounded_to": EFFECTIVE_N_STEP, "weighted_decimals": WEIGHTED_DECIMALS}
    if not publishes_weighted(ctx):
        return Finding(
            "weighting",
            None,
            "weighted estimates are not shown for a single region",
            "all respondents",
            notebook,
            ctx.survey_inputs,
            kind="weighting",
            extra={**extra, "method": None},
        )
    weighting = ctx.weighting
    return Finding(
        "weighting",
        banded_effective_n(weighting.weights),
        WEIGHTING_WORDS[weighting.method],
        "all respondents",
        notebook,
        ctx.survey_inputs,
        kind="weighting",
        extra={**extra, "method": weighting.method},
    )


# The method in words (`stats.weights_for` chooses it; its own description counts the sparse cells: not published).
WEIGHTING_WORDS = {
    "post-stratification": "post-stratified on region by PCN size band",
    "raking": "raked to the frame's totals by region and by PCN size band, as some region and size band "
    "combinations have too few respondents to post-stratify",
}


def landscape_findings(ctx: Context, notebook: str) -> list[Finding]:
    """The real size of every PCN, from the reference frame, and the survey's response rate against it."""
    frame, params = ctx.frame, ctx.params
    inputs = [params.frame_file]
    patients = frame["registered_patients"]
    n_pcns = len(frame)
    bands = size_band(patients, params)
    base = "PCNs in the reference frame"
    local = [stp_table(ctx, notebook)] if params.region else []
    return local + [
        Finding("pcn_count", n_pcns, "primary care networks", base, notebook, inputs, kind="count"),
        Finding(
            "pcn_share_small",
            (bands == "small").mean(),
            f"of PCNs have fewer than {params.small_pcn_max:,} patients",
            base,
            notebook,
            inputs,
            numerator=int((bands == "small").sum()),
            denominator=n_pcns,
        ),
        Finding(
            "pcn_share_large",
            (bands == "large").mean(),
            f"of PCNs have more than {params.large_pcn_min:,} patients",
            base,
            notebook,
            inputs,
            numerator=int((bands == "large").sum()),
            denominator=n_pcns,
        ),
        Finding(
            "pcn_median_patients",
            float(patients.median()),
            "median registered patients per PCN",
            base,
            notebook,
            inputs,
            kind="median",
        ),
        Finding(
            "response_rate",
            len(ctx.survey) / n_pcns,
            "of PCNs' clinical directors responded",
            "respondents out of PCNs in the frame (one clinical director per PCN)",
            notebook,
            [params.survey_path, params.frame_file],
            numerator=len(ctx.survey),
            denominator=n_pcns,
        ),
        weighting_finding(ctx, notebook),
    ]


def stp_table(ctx: Context, notebook: str) -> Finding:
    """The region's STPs from the real frame: PCN count, median list size, share of small PCNs (true figures
    for every area, whatever the survey's coverage)."""
    frame = ctx.frame.assign(small=size_band(ctx.frame["registered_patients"], ctx.params) == "small")
    rows = [
        {
            "stp_code": code,
            "stp_name": group["stp_name"].iloc[0],
            "pcns": len(group),
            "median_patients": float(group["registered_patients"].median()),
            "share_small": float(group["small"].mean()),
        }
        for code, group in frame.groupby("stp_code", sort=False)
    ]
    rows.sort(key=lambda row: row["stp_name"])
    return Finding(
        "stp_table",
        len(rows),
        f"sustainability and transformation partnerships (STPs) in {ctx.params.region}",
        "PCNs in the reference frame",
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
