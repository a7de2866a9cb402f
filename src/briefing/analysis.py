"""What the notebooks call: load a wave and the frame, compute a theme's findings, write them.

Notebooks stay thin (parameters, a few calls, the outputs); the logic lives here, with unit tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from briefing import config
from briefing.codebook import Codebook, FindingSpec, answered_mask, counts_mask, load_codebook
from briefing import findings as findings_io
from briefing.findings import Finding
from briefing.validate import read_survey

SIZE_BANDS = ("small", "medium", "large")


@dataclass
class Context:
    params: config.Params
    codebook: Codebook
    survey: pd.DataFrame
    frame: pd.DataFrame
    root: Path

    @property
    def survey_inputs(self) -> list[str]:
        return [self.params.survey_path, self.params.codebook, self.params.frame_file]


def load_context(params_path: str | Path | None = None, **overrides) -> Context:
    """Parameters (params.yml, overridden by papermill's values), the validated wave, the frame; region-filtered."""
    root = config.find_root(Path(params_path).resolve().parent if params_path else None)
    params = config.load(params_path, **overrides)
    codebook = load_codebook(root / params.codebook)
    survey = read_survey(root / params.survey_path, codebook, params.wave)
    frame = load_frame(root / params.frame_file)
    if params.region:
        survey = survey[survey["region"] == params.region]
        frame = frame[frame["region"] == params.region]
        if frame.empty:
            raise ValueError(f"params.yml: region {params.region!r} matches no PCN in {params.frame_file}")
    return Context(params, codebook, survey.reset_index(drop=True), frame.reset_index(drop=True), root)


def load_frame(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"pcn_code": str, "region": str})


def size_band(list_size: pd.Series, params: config.Params) -> pd.Series:
    """small: fewer than small_pcn_max patients; large: more than large_pcn_min; medium: between."""
    band = pd.Series("medium", index=list_size.index, dtype=object)
    band[list_size < params.small_pcn_max] = "small"
    band[list_size > params.large_pcn_min] = "large"
    return band


def subgroup_description(subgroup: str | None, params: config.Params) -> str:
    if subgroup == "small":
        return f"leading PCNs with fewer than {params.small_pcn_max:,} patients"
    if subgroup == "large":
        return f"leading PCNs with more than {params.large_pcn_min:,} patients"
    return ""


def survey_finding(ctx: Context, spec: FindingSpec, notebook: str) -> Finding:
    """The share of respondents (in the finding's subgroup) answering the question whose answer counts."""
    survey = ctx.survey
    if spec.subgroup:
        survey = survey[size_band(survey["pcn_list_size"], ctx.params) == spec.subgroup]
    question = ctx.codebook.questions[spec.question]
    answered = answered_mask(survey, question)
    counted = counts_mask(survey, spec, ctx.codebook) & answered
    numerator, denominator = int(counted.sum()), int(answered.sum())
    who = " ".join(filter(None, ["clinical directors", subgroup_description(spec.subgroup, ctx.params)]))
    return Finding(
        id=spec.id,
        value=numerator / denominator if denominator else None,
        numerator=numerator,
        denominator=denominator,
        description=spec.description,
        base=f"{who} who answered: {question.wording}",
        notebook=notebook,
        inputs=ctx.survey_inputs,
        extra={"question": spec.question, "counts": list(spec.counts), "subgroup": spec.subgroup, "theme": spec.theme},
    )


def survey_findings(ctx: Context, theme: str, notebook: str) -> list[Finding]:
    specs = [s for s in ctx.codebook.findings.values() if s.theme == theme]
    if not specs:
        raise ValueError(f"{ctx.params.codebook}: no findings registered for theme {theme!r}")
    return [survey_finding(ctx, spec, notebook) for spec in specs]


def landscape_findings(ctx: Context, notebook: str) -> list[Finding]:
    """The real size of every PCN, from the reference frame, and the survey's response rate against it."""
    frame, params = ctx.frame, ctx.params
    inputs = [params.frame_file]
    patients = frame["registered_patients"]
    n_pcns = len(frame)
    bands = size_band(patients, params)
    base = "PCNs in the reference frame"
    return [
        Finding("pcn_count", n_pcns, "primary care networks", base, notebook, inputs, kind="count"),
        Finding("pcn_share_small", (bands == "small").mean(), f"of PCNs have fewer than {params.small_pcn_max:,} patients",
                base, notebook, inputs, numerator=int((bands == "small").sum()), denominator=n_pcns),
        Finding("pcn_share_large", (bands == "large").mean(), f"of PCNs have more than {params.large_pcn_min:,} patients",
                base, notebook, inputs, numerator=int((bands == "large").sum()), denominator=n_pcns),
        Finding("pcn_median_patients", float(patients.median()), "median registered patients per PCN", base,
                notebook, inputs, kind="median"),
        Finding("response_rate", len(ctx.survey) / n_pcns, "of PCNs' clinical directors responded",
                "respondents out of PCNs in the frame (one clinical director per PCN)", notebook,
                [params.survey_path, params.frame_file], numerator=len(ctx.survey), denominator=n_pcns),
    ]  # fmt: skip


def as_table(findings: list[Finding]) -> pd.DataFrame:
    """The findings as a table, for the notebook's output."""
    rows = [{k: r[k] for k in ("id", "value", "numerator", "denominator", "description")} for r in (f.as_record() for f in findings)]
    return pd.DataFrame(rows).set_index("id")


def write_findings(findings: list[Finding], findings_path: str | Path, ctx: Context) -> Path:
    """Write the notebook's findings (a relative path is taken from the project root)."""
    path = Path(findings_path)
    return findings_io.write(findings, path if path.is_absolute() else ctx.root / path)
