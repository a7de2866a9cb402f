"""The SYNTHETIC example wave: 213 invented respondents whose figures reproduce the published 2019 survey.

The BMA's survey of PCN clinical directors (fieldwork October-November 2019, published January 2020; 213
respondents of about 1,250 clinical directors) published percentages, not microdata. So that the briefing can be
built and tested end to end, this module invents respondent-level data whose figures, computed as the briefing
computes them (respondents whose answer is one of a finding's `counts`, over respondents who answered the
question, within the finding's size band), round to each published percentage.

How (deterministic, so two runs give a byte-identical CSV):
1. Solve, not sample: for each finding, the integer count nearest the published share on its answered base,
   accepted only when it is within 0.45 percentage points, so any rounding rule gives the published figure.
   The size-band finding is solved jointly: band sizes nearest the frame's band shares such that integer counts
   exist for the small band, the large band and the whole sample at once.
2. Invent the rest with a seeded numpy Generator (SEED): which real 2019-20 PCNs (by size band) lend their
   region and approximate list size (jittered +/-3% and rounded to 100, kept in band, so no row is a real PCN);
   how the non-counted answers split (INVENTED_SPLITS); a latent "pessimism" score (correlation RHO) so that
   respondents who give one unfavourable answer tend to give others; which answers are left blank (BLANKS).

A second SYNTHETIC wave, 2020, shows how the briefing reports change over time. No 2020 figures of this survey
have been published, so nothing in it is calibrated to a publication: its shares (INVENTED_2020) are made up to
show plausible movement (more clinical directors planning to leave; fewer saying it is too early to tell), it is
set against the real 2020-21 frame, it asks one question new in 2020 (protected time), and its export words one
answer differently ("Not manageable"; the codebook maps it back to "Unmanageable").

Usage: python data/pcn-clinical-directors/generate.py [--params params.yml] [--wave 2020] [--out CSV]
(writes the wave CSV and its provenance record beside it, CSV with suffix .meta.yml).
"""

from __future__ import annotations

import argparse
import functools
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from briefing import config
from briefing.inputs import survey
from briefing.inputs.codebook import Codebook, FindingSpec, load_codebook

RELEASED = "2026-11-23"  # the day these synthetic rows were first committed: the wave's release date
# Each wave's briefing is dated as if published after its fieldwork (2019: the month the BMA published), not by
# the day the synthetic rows were made.
BRIEFING_DATES = {"2019": "2020-01-31", "2020": "2021-01-29"}
SEED = 20191101  # fieldwork opened in October-November 2019; any fixed seed would do
RESPONDENTS = 213
MARGIN = 0.45  # percentage points: a solved share must lie this close to the published figure
RHO = 0.5  # correlation of each question's answer order with the respondent's latent pessimism

# Published figures (per cent) of the BMA survey of PCN clinical directors, 2019, by finding id.
PUBLISHED = {
    "plan_to_leave": 11,
    "workload_impact_negative": 27,
    "workload_impact_too_early": 63,
    "workload_unmanageable": 49,
    "workload_unmanageable_small": 63,
    "workload_unmanageable_large": 42,
    "not_confident_workforce": 71,
    "arrs_not_reimbursed": 26,
    "relationship_poor": 53,
    "not_confident_partnership": 58,
    "priority_funding": 39,  # published as "just under 40%"
}

# Invented: blank answers per optional question (the published shares hold on the answered base).
BLANKS = {
    "leave_role_12m": 2,
    "workload_impact": 1,
    "workload_manageable": 0,
    "confidence_workforce": 3,
    "arrs_reimbursement": 5,
    "relationship_system": 2,
    "confidence_partnership": 3,
    "priorities": 0,
}

# INVENTED, not published: the 2020 wave's shares (per cent), chosen to show plausible movement since 2019.
# No 2020 figures of this survey exist; these numbers describe nobody.
INVENTED_2020 = {
    "plan_to_leave": 21,
    "workload_impact_negative": 33,
    "workload_impact_too_early": 41,
    "workload_unmanageable": 54,
    "workload_unmanageable_small": 64,
    "workload_unmanageable_large": 47,
    "not_confident_workforce": 69,
    "arrs_not_reimbursed": 12,
    "relationship_poor": 49,
    "not_confident_partnership": 61,
    "priority_funding": 44,
    "not_enough_time": 62,  # a question new in 2020
}
BLANKS_2020 = {**BLANKS, "leave_role_12m": 3, "arrs_reimbursement": 4, "protected_time": 2}


@dataclass(frozen=True)
class Design:
    """What one synthetic wave is made from."""

    wave: str
    seed: int
    respondents: int
    targets: dict[str, float]  # finding id -> per cent
    blanks: dict[str, int]  # question -> blank answers
    frame_year: str  # the QOF year whose real frame lends regions and list sizes
    below: dict[str, float]  # finding id -> a share the solved figure must stay under ("just under 40%")
    published: bool  # targets are published figures (2019) or invented (2020)


DESIGNS = {
    "2019": Design("2019", SEED, RESPONDENTS, PUBLISHED, BLANKS, "2019-20", {"priority_funding": 40}, True),
    "2020": Design("2020", 20201101, 198, INVENTED_2020, BLANKS_2020, "2020-21", {}, False),
}

# Invented: relative weights splitting each question's answers within the counted and the non-counted groups.
# Listed from most to least unfavourable: respondents with higher pessimism receive answers earlier in the list.
_CONFIDENCE = {
    "Not at all confident": 0.35,
    "Not very confident": 0.65,
    "Don't know": 0.20,
    "Fairly confident": 0.68,
    "Very confident": 0.12,
}
INVENTED_SPLITS = {
    "leave_role_12m": {"Yes": 1, "Don't know": 0.30, "No": 0.70},
    "workload_impact": {"Negative impact": 1, "Too early to tell": 1, "No impact": 0.55, "Positive impact": 0.45},
    "workload_manageable": {"Unmanageable": 1, "Just about manageable": 0.85, "Manageable": 0.15},
    "confidence_workforce": _CONFIDENCE,
    "arrs_reimbursement": {"Not yet": 1, "Not applicable": 0.40, "Yes": 0.60},
    "relationship_system": {
        "Very poor": 0.30,
        "Poor": 0.70,
        "Neither good nor poor": 0.40,
        "Good": 0.45,
        "Very good": 0.15,
    },
    "confidence_partnership": _CONFIDENCE,
    "protected_time": {"No": 1, "Don't know": 0.25, "Yes": 0.75},
}
# Invented: chance that a respondent names each other priority (multiple choice).
OTHER_PRIORITIES = {
    "Workforce": 0.62,
    "Premises": 0.38,
    "Management support": 0.30,
    "IT and data": 0.24,
    "Time to lead": 0.46,
}
COMMENTS = [
    "SYNTHETIC EXAMPLE - not a real response. Generated to show how free-text comments are stored.",
    'SYNTHETIC EXAMPLE - invented text with a comma, and "quotes", to exercise CSV quoting.',
    "SYNTHETIC EXAMPLE - this respondent does not exist.",
]
# Invented comments that exercise the quotes' redaction (narrative/quotes.py): an e-mail address, a phone number,
# an NHS number, a URL, a person's name after a title and a PCN name from the frame. Marked synthetic, like COMMENTS.
REDACTION_EXAMPLES = [
    "SYNTHETIC EXAMPLE - The workload is relentless: I finish PCN paperwork most evenings after surgery. "
    "Ring me on 020 7946 0123 or write to cd.example@nhs.example if you want the detail.",
    "SYNTHETIC EXAMPLE - Dr Jane Example and I set up West Merton PCN with no management support at all; "
    "our plan is at https://example.org/pcn-plan for anyone who asks.",
    "SYNTHETIC EXAMPLE - Recruiting under the additional roles scheme is slow. One patient, NHS number "
    "943 476 5919, waited months for a pharmacist review while we waited for the money.",
    "SYNTHETIC EXAMPLE - Without proper funding and protected time to lead, the partnership model will not "
    "survive; relationships with the trusts have not helped.",
]
# Fallback when the reference frame is absent: 2019-20 PCNs per region (QOF) and a lognormal list size
# (median 44,000 patients, sigma 0.32), roughly matching the frame's median and quartiles.
FALLBACK_REGIONS = {
    "East of England": 145,
    "London": 201,
    "Midlands": 223,
    "North East and Yorkshire": 185,
    "North West": 163,
    "South East": 205,
    "South West": 128,
}
FALLBACK_MEDIAN, FALLBACK_SIGMA = 44_000, 0.32


# --- solving the counts ---------------------------------------------------------------------------------------
def solve_count(base: int, percent: float, below: float | None = None) -> int:
    """The integer count whose share of `base` is nearest `percent`, within MARGIN (and under `below`)."""
    count = round(base * percent / 100)
    share = 100 * count / base
    if abs(share - percent) >= MARGIN or (below is not None and share >= below):
        raise ValueError(f"no count of {base} respondents gives {percent}% within {MARGIN} points")
    return count


def fits(base: int, percent: float) -> bool:
    try:
        solve_count(base, percent)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class BandSolution:
    sizes: dict[str, int]  # respondents per band: small, medium, large
    counted: dict[str, int]  # counted answers per band


def solve_bands(total: int, shares: dict[str, float], overall: float, small: float, large: float) -> BandSolution:
    """Band sizes nearest `shares` of `total` with integer counts meeting the small, large and overall figures."""
    expected = {band: total * share for band, share in shares.items()}
    candidates = []
    for n_small in range(1, total):
        for n_large in range(1, total - n_small):
            n_medium = total - n_small - n_large
            distance = abs(n_small - expected["small"]) + abs(n_large - expected["large"])
            candidates.append((distance, n_small, n_large, n_medium))
    for _, n_small, n_large, n_medium in sorted(candidates):
        if fits(n_small, small) and fits(n_large, large) and fits(total, overall):
            c_small, c_large = solve_count(n_small, small), solve_count(n_large, large)
            c_medium = solve_count(total, overall) - c_small - c_large
            if 0 <= c_medium <= n_medium:
                sizes = {"small": n_small, "medium": n_medium, "large": n_large}
                return BandSolution(sizes, {"small": c_small, "medium": c_medium, "large": c_large})
    raise ValueError("no band sizes meet the size-band figures")


def largest_remainder(total: int, weights: dict[str, float]) -> dict[str, int]:
    """Split `total` in proportion to `weights` into integers that sum to `total` (ties: listed order)."""
    if not weights:
        return {}
    scale = sum(weights.values())
    exact = {k: total * w / scale for k, w in weights.items()}
    counts = {k: math.floor(v) for k, v in exact.items()}
    by_remainder = sorted(exact, key=lambda k: -(exact[k] - counts[k]))
    for key in by_remainder[: total - sum(counts.values())]:
        counts[key] += 1
    return counts


def answer_counts(question: str, findings: list[FindingSpec], base: int, counted: dict[str, int]) -> dict[str, int]:
    """How many respondents give each answer, in INVENTED_SPLITS order: each finding's solved total split over
    its counted values, the rest over the values no finding counts."""
    weights = INVENTED_SPLITS[question]
    counts: dict[str, int] = {}
    for spec in findings:
        counts |= largest_remainder(counted[spec.id], {v: weights[v] for v in spec.counts})
    rest = {v: w for v, w in weights.items() if v not in counts}
    counts |= largest_remainder(base - sum(counts.values()), rest)
    return {v: counts[v] for v in weights}


# --- respondents ----------------------------------------------------------------------------------------------
@functools.lru_cache
def codebook_limits(path: str) -> tuple[float, float]:
    codebook = load_codebook(config.find_root() / path)
    return codebook.subgroups["small"].band.high[0], codebook.subgroups["large"].band.low[0]


def limits(params: config.Params) -> tuple[float, float]:
    """The small and large PCN bands' limits, from the codebook's subgroups (no longer parameters)."""
    return codebook_limits(params.codebook)


def band_of(size: pd.Series, params: config.Params) -> pd.Series:
    band = pd.Series("medium", index=size.index)
    band[size < limits(params)[0]] = "small"
    band[size > limits(params)[1]] = "large"
    return band


def keep_in_band(size: np.ndarray, band: np.ndarray, params: config.Params) -> np.ndarray:
    """Clip jittered list sizes back into their band (bands are solved for, so they must hold exactly)."""
    size = np.where(band == "small", np.minimum(size, limits(params)[0] - 100), size)
    size = np.where(band == "large", np.maximum(size, limits(params)[1] + 100), size)
    medium = band == "medium"
    size[medium] = np.clip(size[medium], limits(params)[0], limits(params)[1])
    return size


def frame_pcns(frame_path: Path, params: config.Params) -> pd.DataFrame | None:
    if not frame_path.is_file():
        return None
    frame = pd.read_csv(frame_path, usecols=["pcn_code", "region", "registered_patients"], dtype={"pcn_code": str})
    frame = frame.sort_values("pcn_code").reset_index(drop=True)
    return frame.assign(band=band_of(frame["registered_patients"], params))


def fallback_pcns(rng: np.random.Generator, params: config.Params) -> pd.DataFrame:
    """A parametric stand-in frame (documented above), used only when the real frame is missing."""
    regions = list(FALLBACK_REGIONS)
    n = sum(FALLBACK_REGIONS.values())
    sizes = np.exp(rng.normal(math.log(FALLBACK_MEDIAN), FALLBACK_SIGMA, n)).round()
    frame = pd.DataFrame({"region": np.repeat(regions, list(FALLBACK_REGIONS.values())), "registered_patients": sizes})
    return frame.assign(band=band_of(frame["registered_patients"], params))


def respondents_frame(
    rng: np.random.Generator, pcns: pd.DataFrame, bands: BandSolution, params: config.Params
) -> pd.DataFrame:
    """One respondent per sampled PCN (without replacement, per band): region and a jittered list size."""
    picks = [
        pcns[pcns["band"] == band].sample(n=size, random_state=rng).assign(band=band)
        for band, size in bands.sizes.items()
    ]
    people = pd.concat(picks).sample(frac=1, random_state=rng).reset_index(drop=True)
    jittered = people["registered_patients"].to_numpy() * rng.uniform(0.97, 1.03, len(people))
    sizes = keep_in_band(np.round(jittered / 100) * 100, people["band"].to_numpy(), params)
    return pd.DataFrame({"region": people["region"], "pcn_list_size": sizes.astype(int), "band": people["band"]})


def assign(answers: dict[str, int], who: np.ndarray, key: np.ndarray, out: np.ndarray) -> None:
    """Give the answers (most unfavourable first) to respondents `who`, most pessimistic first."""
    order = who[np.argsort(-key[who], kind="stable")]
    out[order] = np.repeat(list(answers), list(answers.values()))


def single_answers(
    rng: np.random.Generator,
    design: Design,
    question: str,
    findings: list[FindingSpec],
    counted: dict[str, int],
    bands_of_people: np.ndarray,
    key: np.ndarray,
    bands: BandSolution | None,
) -> np.ndarray:
    """One question's answers: blanks at random, then solved counts handed out by pessimism (per band if solved so)."""
    n = len(key)
    out = np.full(n, None, dtype=object)
    answered = np.setdiff1d(np.arange(n), rng.choice(n, design.blanks[question], replace=False))
    if bands is None:
        assign(answer_counts(question, findings, len(answered), counted), answered, key, out)
        return out
    overall = [s for s in findings if s.subgroup is None]
    for band in bands.sizes:
        who = answered[bands_of_people[answered] == band]
        band_counted = {s.id: bands.counted[band] for s in overall}
        assign(answer_counts(question, overall, len(who), band_counted), who, key, out)
    return out


def priority_answers(
    rng: np.random.Generator, design: Design, question: str, spec: FindingSpec, codebook: Codebook
) -> np.ndarray:
    """Multiple choice: exactly the solved number name the counted priority; other priorities at random."""
    n = design.respondents
    answered = np.setdiff1d(np.arange(n), rng.choice(n, design.blanks[question], replace=False))
    solved = solve_count(len(answered), design.targets[spec.id], below=design.below.get(spec.id))
    counted = set(rng.choice(answered, solved, replace=False))
    order = codebook.questions[question].values()
    out = np.full(n, None, dtype=object)
    for person in answered:
        chosen = {v for v, p in OTHER_PRIORITIES.items() if rng.random() < p} | set(
            spec.counts if person in counted else []
        )
        chosen = chosen or {"Workforce"}
        out[person] = codebook.separator.join(v for v in order if v in chosen)
    return out


def build_wave(
    codebook: Codebook, params: config.Params, frame_path: Path, design: Design = DESIGNS["2019"]
) -> pd.DataFrame:
    """The wave's respondents, answers in canonical wording (`exported_wording` applies the wave's export)."""
    rng = np.random.default_rng(design.seed)
    n = design.respondents
    pcns = frame_pcns(frame_path, params)
    pcns = fallback_pcns(rng, params) if pcns is None else pcns
    findings = {fid: codebook.findings[fid] for fid in design.targets}
    by_question: dict[str, list[FindingSpec]] = {}
    for spec in findings.values():
        by_question.setdefault(spec.question, []).append(spec)
    band_solution = solve_size_bands(pcns, findings, design)
    people = respondents_frame(rng, pcns, band_solution, params)
    pessimism = rng.normal(size=n)
    columns = {
        "respondent_id": [f"SYN{i:04d}" for i in range(1, n + 1)],
        "wave": design.wave,
        "region": people["region"],
        "pcn_list_size": people["pcn_list_size"],
    }
    for question, specs in by_question.items():
        if codebook.questions[question].type == "multiple_choice":
            columns[question] = priority_answers(rng, design, question, specs[0], codebook)
            continue
        key = RHO * pessimism + math.sqrt(1 - RHO**2) * rng.normal(size=n)
        base = n - design.blanks[question]
        counted = {s.id: solve_count(base, design.targets[s.id]) for s in specs if s.subgroup is None}
        banded = band_solution if any(s.subgroup for s in specs) else None
        columns[question] = single_answers(
            rng, design, question, specs, counted, people["band"].to_numpy(), key, banded
        )
    comments = np.full(n, None, dtype=object)
    comments[np.sort(rng.choice(n, len(COMMENTS), replace=False))] = COMMENTS
    columns["comments"] = comments
    return add_redaction_examples(pd.DataFrame(columns)[[q.id for q in codebook.asked_in(design.wave)]], params)


def add_redaction_examples(wave: pd.DataFrame, params: config.Params) -> pd.DataFrame:
    """Give REDACTION_EXAMPLES to the first respondents without a comment whose region x size-band cell is large
    enough to be quoted. Uses no random numbers, so every other column is unchanged."""
    cells = wave["region"] + "|" + band_of(wave["pcn_list_size"], params)
    quotable = (cells.map(cells.value_counts()) >= params.suppression_threshold) & wave["comments"].isna()
    chosen = wave.index[quotable][: len(REDACTION_EXAMPLES)]
    return wave.assign(
        comments=wave["comments"].where(~wave.index.isin(chosen), pd.Series(REDACTION_EXAMPLES, index=chosen))
    )


def exported_wording(wave: pd.DataFrame, codebook: Codebook, wave_label: str) -> pd.DataFrame:
    """Answers as the wave's export words them (the codebook's `exported` mapping, applied in reverse)."""
    out = wave.copy()
    for question in codebook.asked_in(wave_label):
        renamed = {canonical: text for text, canonical in question.canonical(wave_label).items()}
        if renamed:
            out[question.id] = out[question.id].map(lambda v: renamed.get(v, v))
    return out


def solve_size_bands(pcns: pd.DataFrame, findings: dict[str, FindingSpec], design: Design) -> BandSolution:
    """Band sizes and counts for the size-band findings, with band shares taken from the frame."""
    banded = [s for s in findings.values() if s.subgroup]
    question = banded[0].question
    overall = next(s for s in findings.values() if s.question == question and s.subgroup is None)
    if design.blanks[question]:
        raise ValueError(f"{question}: the size-band question is solved per band, so it takes no blanks")
    shares = pcns["band"].value_counts(normalize=True).to_dict()
    by_band = {s.subgroup: design.targets[s.id] for s in banded}
    targets = design.targets
    return solve_bands(design.respondents, shares, targets[overall.id], by_band["small"], by_band["large"])


# --- output ---------------------------------------------------------------------------------------------------
def write_wave(wave: pd.DataFrame, out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    wave.to_csv(out, index=False, lineterminator="\n", encoding="utf-8")
    return out


def sidecar_record(params: config.Params, out: Path, frame_path: Path, design: Design = DESIGNS["2019"]) -> dict:
    return (
        published_sidecar(params, out, frame_path)
        if design.published
        else invented_sidecar(params, out, frame_path, design)
    )


def published_sidecar(params: config.Params, out: Path, frame_path: Path) -> dict:
    return {
        "title": "Survey of PCN clinical directors, 2019 (SYNTHETIC example data)",
        "synthetic": True,
        "notice": (
            "The respondent-level data behind this briefing are synthetic: invented by this project so that "
            "each headline percentage matches the figure published by the BMA from its 2019 survey of primary "
            "care network clinical directors (213 respondents). Other breakdowns, and any comparison not "
            "published by the BMA, reflect invented data and say nothing about real clinical directors."
        ),
        "description": (
            f"a synthetic wave of {RESPONDENTS} respondents, calibrated so that each published figure of the BMA "
            "survey of PCN clinical directors (fieldwork October-November 2019, published January 2020) is "
            "reproduced; regions and approximate list sizes are drawn from the real 2019-20 PCN frame"
        ),
        "origin": "made by this project's script: python data/pcn-clinical-directors/generate.py",
        "date": "figures calibrated to the BMA publication of January 2020; rows regenerated by the command below",
        "calibrated_to": "BMA survey of PCN clinical directors, fieldwork October-November 2019, published January 2020",
        "fieldwork": {"start": "2019-10", "end": "2019-11"},  # known to the month (the BMA's publication)
        "wave": params.wave,  # the wave this file is (briefing.inputs.survey finds the survey's waves by it)
        "year": params.wave,  # the year the frame must cover (checked by briefing.inputs.crosscheck)
        "released": RELEASED,
        "briefing_date": BRIEFING_DATES[params.wave],  # dates the briefing unless params.yml or SOURCE_DATE_EPOCH do
        "published_figures_percent": dict(PUBLISHED),
        "seed": SEED,
        "frame": frame_path.as_posix(),
        "frame_year": "2019-20",
        "licence": "MIT (the project's licence); no personal data: every respondent is invented",
        "command": f"python data/pcn-clinical-directors/generate.py --out {out.as_posix()}",
    }


def invented_sidecar(params: config.Params, out: Path, frame_path: Path, design: Design) -> dict:
    return {
        "title": f"Survey of PCN clinical directors, {design.wave} (SYNTHETIC example data, invented figures)",
        "synthetic": True,
        "notice": (
            f"The {design.wave} wave behind this briefing is synthetic and its figures are invented: no "
            f"{design.wave} results of this survey have been published. It was made up by this project to show "
            "how the briefing reports change between waves, so every figure for it, and every change since the "
            "previous wave, says nothing about real clinical directors."
        ),
        "description": (
            f"a synthetic wave of {design.respondents} respondents whose shares are invented (not calibrated to any "
            f"publication: no {design.wave} figures of this survey exist); regions and approximate list sizes are "
            f"drawn from the real {design.frame_year} PCN frame"
        ),
        "origin": "made by this project's script: python data/pcn-clinical-directors/generate.py",
        "date": "invented by this project; rows regenerated by the command below",
        "calibrated_to": f"nothing: no {design.wave} figures of this survey have been published",
        "fieldwork": {"start": f"{design.wave}-10", "end": f"{design.wave}-11"},  # invented, like the figures
        "wave": params.wave,  # the wave this file is (briefing.inputs.survey finds the survey's waves by it)
        "year": params.wave,  # the year the frame must cover (checked by briefing.inputs.crosscheck)
        "released": RELEASED,
        "briefing_date": BRIEFING_DATES[params.wave],  # dates the briefing unless params.yml or SOURCE_DATE_EPOCH do
        "invented_figures_percent": dict(design.targets),
        "seed": design.seed,
        "frame": frame_path.as_posix(),
        "frame_year": design.frame_year,
        "licence": "MIT (the project's licence); no personal data: every respondent is invented",
        "command": f"python data/pcn-clinical-directors/generate.py --wave {design.wave} --out {out.as_posix()}",
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write a SYNTHETIC example survey wave.")
    parser.add_argument("--params", default=None, help="parameters file (default: params.yml at the project root)")
    parser.add_argument("--wave", default="2019", choices=sorted(DESIGNS), help="which synthetic wave")
    parser.add_argument("--out", default=None, type=Path, help="CSV to write (default: the wave's file in raw/)")
    args = parser.parse_args(argv)
    design = DESIGNS[args.wave]
    params = config.load(args.params, wave=design.wave)
    root = config.find_root(Path(args.params).resolve().parent if args.params else None)
    out = args.out or Path(params.survey_path)
    frame_path = Path(survey.frame_file(root, params.survey, design.frame_year))
    codebook = load_codebook(root / params.codebook)
    wave = exported_wording(build_wave(codebook, params, root / frame_path, design), codebook, design.wave)
    target = write_wave(wave, out if out.is_absolute() else root / out)
    meta = target.with_suffix(".meta.yml")
    record = sidecar_record(params, out, frame_path, design)
    meta.write_text(yaml.safe_dump(record, sort_keys=False, width=110), encoding="utf-8")
    print(f"synthetic: wrote {target} ({len(wave)} respondents) and {meta}")


if __name__ == "__main__":
    main()
