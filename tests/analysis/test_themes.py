"""Findings from the example data: values, intervals, weighting, comparison and disclosure control."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
import yaml

from briefing.analysis import stats
from briefing.analysis import themes as analysis
from briefing.inputs.codebook import Population
from briefing.narrative import writer as narrative
from tests.conftest import ROOT

SURVEY = ROOT / "data" / "pcn-clinical-directors" / "raw" / "pcn_cd_survey_2019.csv"


@pytest.fixture(scope="module")
def ctx():
    return analysis.load_context(ROOT / "params.yml", wave="2019")


@pytest.fixture(scope="module")
def results(ctx):
    found = {}
    for theme in ("retention", "workload", "workforce", "relationships", "priorities"):
        found.update({f.id: f for f in analysis.survey_findings(ctx, theme, "nb")})
    found.update({f.id: f for f in analysis.population_findings(ctx, "nb")})
    return found


def independent_share(column: str, counted: set[str], rows=None) -> tuple[int, int]:
    """Plain pandas from the CSV, without the package's codebook masks."""
    df = pd.read_csv(SURVEY, dtype=str, keep_default_na=False)
    if rows is not None:
        df = df[rows(df)]
    answered = df[column].str.strip() != ""
    if column == "priorities":
        hit = df[column].str.split(";").map(lambda values: bool(counted & {v.strip() for v in values}))
    else:
        hit = df[column].isin(counted)
    return int((hit & answered).sum()), int(answered.sum())


SMALL = lambda df: df["pcn_list_size"].astype(int) < 40000  # noqa: E731  (params.yml thresholds)
LARGE = lambda df: df["pcn_list_size"].astype(int) > 60000  # noqa: E731

CASES = {
    "plan_to_leave": ("leave_role_12m", {"Yes"}, None),
    "workload_impact_negative": ("workload_impact", {"Negative impact"}, None),
    "workload_impact_too_early": ("workload_impact", {"Too early to tell"}, None),
    "workload_unmanageable": ("workload_manageable", {"Unmanageable"}, None),
    "workload_unmanageable_small": ("workload_manageable", {"Unmanageable"}, SMALL),
    "workload_unmanageable_large": ("workload_manageable", {"Unmanageable"}, LARGE),
    "not_confident_workforce": ("confidence_workforce", {"Not very confident", "Not at all confident"}, None),
    "arrs_not_reimbursed": ("arrs_reimbursement", {"Not yet"}, None),
    "relationship_poor": ("relationship_system", {"Poor", "Very poor"}, None),
    "not_confident_partnership": ("confidence_partnership", {"Not very confident", "Not at all confident"}, None),
    "priority_funding": ("priorities", {"Adequate funding"}, None),
}


def published() -> dict[str, int]:
    meta = yaml.safe_load(SURVEY.with_suffix(".meta.yml").read_text())
    return meta["published_figures_percent"]


@pytest.mark.parametrize("fid", sorted(CASES))
def test_each_finding_matches_an_independent_computation(results, fid):
    column, counted, rows = CASES[fid]
    k, n = independent_share(column, counted, rows)
    record = results[fid]
    assert (record.numerator, record.denominator) == (k, n)
    assert record.value == pytest.approx(k / n)
    assert round(100 * record.value) == published()[fid]


def test_intervals_are_wilson_with_fpc_and_contain_the_estimate(results, ctx):
    record = results["plan_to_leave"]
    low, high = stats.proportion_ci(record.numerator, record.denominator, len(ctx.frame), 0.95)
    assert (record.extra["ci_low"], record.extra["ci_high"]) == pytest.approx((low, high))
    assert low < record.value < high
    assert record.extra["population"] == len(ctx.frame) == 1250


def test_small_vs_large_comparison_uses_each_band_population(results, ctx):
    cmp = results["workload_unmanageable_small_vs_large"]
    small, large = results["workload_unmanageable_small"], results["workload_unmanageable_large"]
    assert cmp.value == pytest.approx(small.value - large.value)
    patients = ctx.frame["registered_patients"]
    assert small.extra["population"] == int((patients < 40000).sum())  # the codebook's subgroups, on the frame
    assert large.extra["population"] == int((patients > 60000).sum())
    assert small.extra["fpc"] == large.extra["fpc"] == "frame"
    assert cmp.extra["significant"] == (cmp.extra["p_value"] < 0.05)


def test_weighted_estimates_sit_beside_unweighted(results):
    for fid in CASES:
        extra = results[fid].extra
        assert extra["unweighted"]["value"] == pytest.approx(results[fid].value)  # params.yml quotes unweighted
        assert 0 <= extra["weighted"]["value"] <= 1
        assert extra["weighted"]["effective_n"] <= results[fid].denominator + 1e-9


def test_weights_reproduce_the_frame_margins(ctx):
    size = ctx.codebook.partitions["size"]
    sample = ctx.survey.assign(band=size.assign(ctx.survey))
    frame = ctx.frame.assign(band=size.assign(ctx.frame_view))
    weights = ctx.weighting.weights
    for column in ("region", "band"):
        weighted = weights.groupby(sample[column]).sum() / weights.sum()
        target = frame[column].value_counts(normalize=True)
        assert weighted.sort_index().to_numpy() == pytest.approx(target.sort_index().to_numpy(), abs=1e-4)


def test_frame_findings(results, ctx):
    patients = ctx.frame["registered_patients"]
    assert results["unit_count"].value == 1250
    assert results["unit_median_size"].value == patients.median()
    assert results["unit_share_small"].numerator == int((patients < 40000).sum())
    assert results["unit_share_large"].numerator == int((patients > 60000).sum())
    assert "unit_share_medium" not in results  # an unpublished part
    assert results["response_rate"].value == pytest.approx(213 / 1250)


# --- disclosure control when the briefing is filtered to one region -----------------------------------------


@pytest.fixture(scope="module")
def regional():
    """The smallest region by respondents: small cells certainly occur there."""
    region = pd.read_csv(SURVEY)["region"].value_counts().idxmin()
    ctx = analysis.load_context(ROOT / "params.yml", wave="2019", edition=region)
    found = {}
    for theme in ("retention", "workload", "workforce", "relationships", "priorities"):
        found.update({f.id: f.as_record() for f in analysis.survey_findings(ctx, theme, "nb")})
    return ctx, found


def test_region_filter_applies_to_survey_and_frame(regional):
    ctx, _ = regional
    assert set(ctx.survey["region"]) == {ctx.params.edition} == set(ctx.frame["region"])


def test_small_counts_are_suppressed_at_the_source(regional):
    ctx, found = regional
    threshold = ctx.params.suppression_threshold
    suppressed = [r for r in found.values() if r.get("suppressed")]
    assert suppressed, "a small region should trigger suppression"
    for record in found.values():
        if record["kind"] != "proportion":
            continue
        k, n = record["numerator"], record["denominator"]
        if record["suppressed"]:
            assert record["value"] is None and k is None and record["weighted"] is None
        else:
            assert not 0 < k < threshold and n >= threshold and not 0 < n - k < threshold


def test_suppressed_figures_read_as_fewer_than_threshold(regional):
    ctx, found = regional
    filters = narrative.record_filters(ctx.params.suppression_threshold)
    record = next(r for r in found.values() if r.get("suppressed") and r["kind"] == "proportion")
    assert filters["share"](record) == f"fewer than {ctx.params.suppression_threshold}"
    assert filters["share_of"](record, "clinical directors").startswith("fewer than")


def test_a_weighted_briefing_compares_the_weighted_shares_it_quotes():
    weighted = analysis.load_context(ROOT / "params.yml", wave="2019", estimate="weighted")
    found = {f.id: f for f in analysis.survey_findings(weighted, "workload", "nb")}
    cmp, small, large = (found[f"workload_unmanageable_{k}"] for k in ("small_vs_large", "small", "large"))
    assert small.value == small.extra["weighted"]["value"] != small.extra["unweighted"]["value"]
    assert cmp.value == pytest.approx(small.value - large.value)
    assert "effective sample sizes" in cmp.extra["test"]
    assert cmp.extra["significant"] == (cmp.extra["ci_low"] > 0 or cmp.extra["ci_high"] < 0)


# --- the population: frame, fixed size or none (the codebook's `population:`) ----------------------------------


def gp_context(**overrides):
    return analysis.load_context(ROOT / "params.yml", survey="gp-partners-des", wave="2021", **overrides)


def test_without_a_population_no_finding_has_a_finite_population_correction():
    ctx = gp_context()
    found = {f.id: f for f in analysis.survey_findings(ctx, "time_workload", "nb")}
    assert ctx.frame is None and ctx.weighting is None
    for f in found.values():
        if f.kind == "proportion":
            assert (f.extra["population"], f.extra["fpc"]) == (None, "none")
    hours = found["long_pcn_hours"]  # the numeric finding: 10 hours or more a week
    answered = pd.to_numeric(ctx.survey["pcn_hours"], errors="coerce").dropna()
    assert (hours.numerator, hours.denominator) == (int((answered >= 10).sum()), len(answered))
    assert hours.extra["ci_low"] == pytest.approx(stats.proportion_ci(hours.numerator, hours.denominator)[0])


def test_a_fixed_population_size_corrects_the_whole_only(monkeypatch):
    ctx = gp_context()
    sized = dataclasses.replace(ctx.codebook, population=Population("size", size=2000))
    ctx = dataclasses.replace(ctx, codebook=sized)
    found = {f.id: f for f in analysis.survey_findings(ctx, "signing", "nb")}
    whole, part = found["des_not_sign"], found["des_not_sign_cd_partner"]
    assert (whole.extra["population"], whole.extra["fpc"]) == (2000, "size")
    assert (part.extra["population"], part.extra["fpc"]) == (None, "none")  # a subgroup's size is not known
    assert whole.extra["ci_low"] == pytest.approx(stats.proportion_ci(whole.numerator, whole.denominator, 2000)[0])


def test_a_subgroup_the_frame_cannot_map_gets_no_correction(ctx):
    unmapped = dataclasses.replace(
        ctx.codebook.population.frame,
        match={"region": "region"},  # the list size not mapped to the frame
    )
    codebook = dataclasses.replace(ctx.codebook, population=Population("frame", frame=unmapped))
    other = dataclasses.replace(ctx, codebook=codebook)
    assert analysis.population_of(other, "small") == (None, "none")
    assert analysis.population_of(other, None) == (len(ctx.frame), "frame")


def test_the_subgroup_comparisons_are_the_codebooks():
    ctx = gp_context()
    found = {f.id for theme in ctx.codebook.themes for f in analysis.survey_findings(ctx, theme, "nb")}
    declared = {c.id for c in ctx.codebook.comparisons}
    assert {fid for fid in found if "_vs_" in fid} == declared


def test_the_weighting_is_described_in_the_codebooks_words(ctx):
    words = analysis.weighting_words(ctx.codebook, "post-stratification")
    assert words == (
        "post-stratified on NHS England region by size group (small PCNs, medium-sized PCNs and large PCNs)"
    )


def test_weighted_estimates_need_the_codebooks_weighting():
    with pytest.raises(ValueError, match=r"estimate: weighted, but .*gp-partners-des/codebook.yml has no `weighting:`"):
        gp_context(estimate="weighted")
