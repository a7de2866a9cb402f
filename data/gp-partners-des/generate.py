"""The SYNTHETIC example survey of GP partners on the network DES: two invented waves, 2020 and 2021.

No such survey exists. So that the briefing generator can be shown (and tested) on a second survey, this script
invents respondent-level data whose figures were chosen in advance (TARGETS, per cent, by the finding ids
of codebook.yml, including the subgroup findings its comparisons add, e.g. des_not_sign_cd_partner):

1. Solve, not sample. For each finding the count nearest its target share of the answered base is taken, and
   accepted only when it lies within MARGIN percentage points, so any rounding rule gives the target. A finding
   with targets for each part of a partition (partners who are PCN clinical directors and other partners;
   smaller and larger practices) is solved part by part, and the whole must still meet its own target.
2. Invent the rest with numpy.random.default_rng(seed): regions (REGION_WEIGHTS), practice list sizes (lognormal,
   within their size band), which optional answers are blank (BLANKS), how the answers that no finding
   counts split (the Block weights), hours a week (a skewed lognormal per role, HOURS), the options nobody
   targeted (INVENTED_OPTIONS), who comments and what they say. A latent "strain" score (correlation RHO with
   every answer's order) makes a partner who gives one unfavourable answer likelier to give others.
3. Comments all start "SYNTHETIC EXAMPLE - "; four (PLANTED) hold invented personal data (a phone number, a mobile
   number, an e-mail address, a title and a surname) so that the briefing's quotes show the redaction.

The role mix and the share of smaller practices are fixed counts, not draws. Deterministic: the same seed gives
byte-identical files. Reads codebook.yml (plain YAML) for the column order, the separator and the bounds of its
subgroups and numeric finding; imports nothing of the briefing package.

Usage: python data/gp-partners-des/generate.py [--wave YEAR] [--respondents N] [--seed S] [--out-dir DIR]
(default: both waves, into raw/ beside this script, as survey tools export them: 2020 an Excel workbook, 2021 a
SurveyMonkey-style CSV; each gets its provenance record, <name>.meta.yml)

Other waves, for measuring how the build scales (`make bench`, scripts/scale_survey.py), never committed: a year
with no design of its own (e.g. `--wave 2025`) is made like the latest designed wave a year on (its invented
figures, role mix and share of smaller practices; its fieldwork's days in that year, seeded by its first day), as
a SurveyMonkey-style CSV; `--respondents 5000` makes any wave that large (its blanks scaled alike), `--seed` seeds
it otherwise. Their records say so (`command`, `made_like`), and are marked synthetic like every wave here.
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import re
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

import numpy as np
import openpyxl
import pandas as pd
import yaml

HERE = Path(__file__).resolve().parent
CODEBOOK = yaml.safe_load((HERE / "codebook.yml").read_text(encoding="utf-8"))
SCRIPT = "data/gp-partners-des/generate.py"
RELEASED = "2026-12-01"  # the day these synthetic rows were first committed: each wave's release date
MARGIN = 0.45  # percentage points: a solved share must lie this close to its target
RHO = 0.5  # correlation of each answer's order with the respondent's latent strain
QUOTABLE = 12  # a planted comment goes to a partner whose role x region cell has at least this many respondents

QUESTIONS = {question["id"]: question for question in CODEBOOK["questions"]}
SMALL_BELOW = CODEBOOK["subgroups"]["small_practice"]["below"]  # patients
LONG_HOURS = CODEBOOK["findings"]["long_pcn_hours"]["at_least"]  # hours a week
BAND_TESTS = {"below": np.less, "at_least": np.greater_equal}  # the numeric bands this codebook's subgroups use

# Invented: respondents per NHS England region, roughly in proportion to the practices in each.
REGION_WEIGHTS = {"East of England": 0.11, "London": 0.17, "Midlands": 0.19, "North East and Yorkshire": 0.14,
                  "North West": 0.15, "South East": 0.15, "South West": 0.09}  # fmt: skip
LIST_SIZE_MEDIAN, LIST_SIZE_SIGMA, LIST_SIZE_RANGE = 8_500, 0.55, (1_200, 45_000)  # invented practice list sizes
HOURS = {"cd_partner": (16, 0.6), "other_partner": (6.5, 0.8)}  # invented: median and sigma of hours a week
HOURS_MAX = 60


@dataclass(frozen=True)
class Block:
    """Answers handed out together: `finding`'s target fixes how many (None: the rest), split by invented weights."""

    finding: str | None
    weights: dict[str, float]  # answers from most to least unfavourable


# Each choice question: the partition it is solved within, and its blocks from most to least unfavourable.
CHOICES = {
    "sign_des": ("clinical_director", [Block("des_not_sign", {"No": 1}), Block("des_undecided", {"Undecided": 1}),
                          Block(None, {"Yes": 1})]),
    "practice_workload": ("practice_size", [Block("workload_unmanageable_practice", {"Unmanageable": 1}),
                                   Block(None, {"Just about manageable": 0.75, "Manageable": 0.25})]),
    "pcn_benefits_patients": (None, [
        Block("not_confident_benefit", {"Not at all confident": 0.35, "Not very confident": 0.65}),
        Block(None, {"Don't know": 0.15, "Fairly confident": 0.65, "Very confident": 0.20}),
    ]),
}  # fmt: skip
TARGETED_OPTIONS = {"More funding": "help_funding", "Fewer specifications": "help_fewer_specifications",
                    "More workforce": "help_workforce"}  # fmt: skip
INVENTED_OPTIONS = {"More time to deliver": 0.40, "Less reporting": 0.33}  # chance each is chosen
NOTHING = "Nothing would"  # the answer of a respondent who chose no other option

COMMENT_SHARE = 0.3  # invented: the share of respondents who leave a comment
COMMENTS = {  # invented, by the respondent's answer to sign_des; GENERAL ones go to anyone
    "No": [
        "SYNTHETIC EXAMPLE - The draft specifications ask for far more than the funding covers; we cannot sign up "
        "to that as it stands.",
        "SYNTHETIC EXAMPLE - Our partners voted not to sign. The specifications read as a transfer of work without "
        "the staff to do it.",
        "SYNTHETIC EXAMPLE - We would rather lose the network money than promise work we cannot deliver safely.",
        "SYNTHETIC EXAMPLE - Nobody asked practices before the specifications were drafted. Fewer, clearer "
        "requirements would change our minds.",
    ],
    "Undecided": [
        "SYNTHETIC EXAMPLE - We want to stay in the network, but not on these terms. We will decide when the final "
        "specifications are out.",
        "SYNTHETIC EXAMPLE - Leaving the network feels like a bigger risk than signing, which is not a good reason "
        "to sign anything.",
    ],
    "Yes": [
        "SYNTHETIC EXAMPLE - We will sign because our PCN works well locally, but the timescales in the "
        "specifications are unrealistic.",
        "SYNTHETIC EXAMPLE - The additional roles have helped us; the extra requirements put that at risk.",
    ],
}
GENERAL = [
    "SYNTHETIC EXAMPLE - PCN meetings now take an evening a week on top of a full clinical list.",
    "SYNTHETIC EXAMPLE - Time is the problem: every new specification comes with reporting and no time to do it.",
    "SYNTHETIC EXAMPLE - Give us the workforce first and the targets later, not the other way round.",
    "SYNTHETIC EXAMPLE - The funding per patient does not reflect what is being asked of a small practice.",
    'SYNTHETIC EXAMPLE - invented text with a comma, and "quotes", to exercise CSV quoting.',
]
# Invented comments with invented personal data, each given to the first quotable respondent it fits.
PLANTED: list[tuple[str, Callable[[pd.DataFrame], pd.Series]]] = [
    ("SYNTHETIC EXAMPLE - Our practice will not sign unless the specifications are cut back. Call me on "
     "020 7946 0718 if you want the detail.", lambda w: w["sign_des"] == "No"),
    ("SYNTHETIC EXAMPLE - I now spend two evenings a week on PCN work on top of my sessions; write to "
     "partner.example@practice.example and I will send you our rota.", lambda w: w["pcn_hours"] >= LONG_HOURS),
    ("SYNTHETIC EXAMPLE - Dr Exampleton and I share the PCN work between us and neither of us has the time. "
     "More funding for staff would make the difference.", lambda w: w["sign_des"] != "Yes"),
    ("SYNTHETIC EXAMPLE - We are undecided. Fewer specifications and a later start would help; my mobile is "
     "07700 900461.", lambda w: w["sign_des"] == "Undecided"),
]  # fmt: skip


@dataclass(frozen=True)
class Design:
    """What one synthetic wave is made from."""

    wave: str
    seed: int
    respondents: int
    fieldwork: dict[str, str]  # start and end, ISO dates (invented)
    roles: dict[str, float]  # partner_role -> share of respondents (invented)
    small_share: float  # share of respondents in practices below SMALL_BELOW patients (invented)
    targets: dict[str, float]  # finding id -> per cent (invented)
    blanks: dict[str, int]  # optional question -> blank answers (invented)


# Invented: each finding's figure (per cent) in 2020 and in 2021, side by side so that the movement shows.
TARGETS = {
    "des_not_sign": (74, 61),  # a large majority would not sign; fewer a year on
    "des_not_sign_cd_partner": (52, 40),
    "des_not_sign_other_partner": (78, 65),
    "des_undecided": (17, 24),
    "not_confident_benefit": (62, 60),
    "long_pcn_hours": (38, 42),
    "long_pcn_hours_cd_partner": (81, 85),
    "long_pcn_hours_other_partner": (31, 33),
    "workload_unmanageable_practice": (58, 65),
    "workload_unmanageable_practice_small_practice": (62, 70),
    "workload_unmanageable_practice_large_practice": (57, 64),
    "help_funding": (71, 70),
    "help_fewer_specifications": (64, 55),
    "help_workforce": (48, 52),
}
BLANKS = {"pcn_hours": (3, 4), "practice_workload": (2, 3), "pcn_benefits_patients": (4, 2),
          "more_likely_to_sign": (6, 5)}  # fmt: skip
WAVES = {  # wave: seed (its fieldwork's first day), respondents, fieldwork, role mix, share of smaller practices
    "2020": (20200113, 600, {"start": "2020-01-13", "end": "2020-02-07"},
             {"Senior partner": 0.28, "Partner": 0.57, "Partner and PCN clinical director": 0.15}, 0.23),
    "2021": (20210111, 612, {"start": "2021-01-11", "end": "2021-02-05"},
             {"Senior partner": 0.27, "Partner": 0.56, "Partner and PCN clinical director": 0.17}, 0.22),
}  # fmt: skip
DESIGNS = {
    wave: Design(wave, *settings, {f: t[i] for f, t in TARGETS.items()}, {q: b[i] for q, b in BLANKS.items()})
    for i, (wave, settings) in enumerate(WAVES.items())
}
LATEST = max(DESIGNS)  # a year with no design of its own is made like this wave, a year on


def design_for(wave: str, respondents: int | None = None, seed: int | None = None) -> Design:
    """The wave's design (DESIGNS), or for another year LATEST's moved to that year; `respondents` scales it (its
    blanks alike) and `seed` reseeds it, when given."""
    if not re.fullmatch(r"\d{4}", wave):
        raise ValueError(f"wave {wave!r}: a wave of this survey is a year, e.g. 2025")
    design = DESIGNS.get(wave) or moved(DESIGNS[LATEST], wave)
    if respondents is not None and respondents != design.respondents:
        if respondents < 1:
            raise ValueError(f"--respondents {respondents}: a wave needs at least one respondent")
        blanks = {q: round(b * respondents / design.respondents) for q, b in design.blanks.items()}
        design = replace(design, respondents=respondents, blanks=blanks)
    return design if seed is None else replace(design, seed=seed)


def moved(design: Design, wave: str) -> Design:
    """The design in another year: its fieldwork's days in that year, seeded by the first (as DESIGNS are)."""
    fieldwork = {key: wave + day[4:] for key, day in design.fieldwork.items()}
    return replace(design, wave=wave, fieldwork=fieldwork, seed=int(fieldwork["start"].replace("-", "")))


# --- solving counts -------------------------------------------------------------------------------------------
def solve_count(base: int, percent: float, finding: str) -> int:
    """The integer count whose share of `base` is nearest `percent`, within MARGIN."""
    count = round(base * percent / 100)
    if abs(100 * count / base - percent) >= MARGIN:
        raise ValueError(f"{finding}: no count of {base} respondents gives {percent}% within {MARGIN} points")
    return count


def proportional(total: int, bases: dict[str, int]) -> dict[str, int]:
    """`total` split across parts in proportion to their bases (largest remainder; ties: first part)."""
    whole = sum(bases.values())
    exact = {part: total * base / whole for part, base in bases.items()}
    counts = {part: math.floor(share) for part, share in exact.items()}
    by_remainder = sorted(exact, key=lambda part: counts[part] - exact[part])
    for part in by_remainder[: total - sum(counts.values())]:
        counts[part] += 1
    return counts


def block_counts(finding: str, bases: dict[str, int], targets: dict[str, float]) -> dict[str, int]:
    """How many in each part get the finding's answers: per part when every part has a target, else overall."""
    parts = {part: f"{finding}_{part}" for part in bases}
    total = sum(bases.values())
    if not all(pid in targets for pid in parts.values()):
        return proportional(solve_count(total, targets[finding], finding), bases)
    counts = {part: solve_count(bases[part], targets[pid], pid) for part, pid in parts.items()}
    share = 100 * sum(counts.values()) / total
    if abs(share - targets[finding]) >= MARGIN:
        raise ValueError(f"{finding}: its parts' targets give {share:.2f}%, not {targets[finding]}% within {MARGIN}")
    return counts


# --- inventing answers ----------------------------------------------------------------------------------------
def exact_counts(shares: dict[str, float], total: int) -> dict[str, int]:
    return proportional(total, {key: round(share * 10_000) for key, share in shares.items()})


def in_subgroup(wave: pd.DataFrame, rows: np.ndarray, subgroup: str) -> np.ndarray:
    """Which of the rows are in the codebook's subgroup (a set of values, or a numeric band)."""
    spec = CODEBOOK["subgroups"][subgroup]
    answers = wave[spec["question"]].to_numpy()[rows]
    if "values" in spec:
        return np.isin(answers, spec["values"])
    ((band, bound),) = ((key, spec[key]) for key in BAND_TESTS if key in spec)
    return BAND_TESTS[band](answers.astype(float), bound)


def parts(wave: pd.DataFrame, rows: np.ndarray, partition: str | None) -> dict[str, np.ndarray]:
    """The rows in each subgroup of the codebook's partition (None: all of them, as one part)."""
    if partition is None:
        return {"all": rows}
    return {subgroup: rows[in_subgroup(wave, rows, subgroup)] for subgroup in CODEBOOK["partitions"][partition]}


def ranked(rows: np.ndarray, score: np.ndarray) -> np.ndarray:
    """Rows from the highest latent score (most unfavourable answers) down."""
    return rows[np.argsort(-score[rows], kind="stable")]


def draw_block(rng: np.random.Generator, block: Block, size: int) -> list[str]:
    """`size` answers of the block, drawn by its weights, most unfavourable first."""
    names = list(block.weights)
    weights = np.array(list(block.weights.values()), dtype=float)
    drawn = np.sort(rng.choice(len(names), size=size, p=weights / weights.sum()))
    return [names[i] for i in drawn]


def answered_rows(rng: np.random.Generator, size: int, blanks: int) -> np.ndarray:
    left_blank = rng.choice(size, size=blanks, replace=False)
    return np.setdiff1d(np.arange(size), left_blank)


def question_score(rng: np.random.Generator, strain: np.ndarray) -> np.ndarray:
    return RHO * strain + math.sqrt(1 - RHO**2) * rng.standard_normal(len(strain))


def choice_answers(wave, rng, strain, question: str, design: Design) -> np.ndarray:
    partition, blocks = CHOICES[question]
    answers = np.full(len(wave), None, dtype=object)
    score = question_score(rng, strain)
    split = parts(wave, answered_rows(rng, len(wave), design.blanks.get(question, 0)), partition)
    bases = {part: len(rows) for part, rows in split.items()}
    fixed = [block_counts(block.finding, bases, design.targets) for block in blocks[:-1]]
    for part, rows in split.items():
        sizes = [counts[part] for counts in fixed]
        sizes.append(len(rows) - sum(sizes))
        if sizes[-1] < 0:
            raise ValueError(f"{question}: the targets in {part!r} add up to more than its {len(rows)} respondents")
        order, start = ranked(rows, score), 0
        for block, size in zip(blocks, sizes):
            answers[order[start : start + size]] = draw_block(rng, block, size)
            start += size
    return answers


def hours_pmf(median: float, sigma: float) -> np.ndarray:
    """A lognormal's probability of each whole number of hours 0..HOURS_MAX (rounded to the nearest hour)."""

    def cdf(x: float) -> float:
        return 0.0 if x <= 0 else 0.5 * (1 + math.erf((math.log(x) - math.log(median)) / (sigma * math.sqrt(2))))

    pmf = np.diff([cdf(edge) for edge in np.arange(HOURS_MAX + 2) - 0.5])
    return pmf / pmf.sum()


def draw_hours(rng: np.random.Generator, pmf: np.ndarray, size: int, long: bool) -> np.ndarray:
    """`size` hours from the pmf, all at least LONG_HOURS (long) or all under it, most first."""
    hours = np.arange(HOURS_MAX + 1)
    keep = hours >= LONG_HOURS if long else hours < LONG_HOURS
    drawn = rng.choice(hours[keep], size=size, p=pmf[keep] / pmf[keep].sum())
    return np.sort(drawn)[::-1]


def hours_answers(wave, rng, strain, design: Design) -> pd.array:
    hours = np.full(len(wave), -1, dtype=int)
    score = question_score(rng, strain)
    split = parts(wave, answered_rows(rng, len(wave), design.blanks.get("pcn_hours", 0)), "clinical_director")
    long = block_counts("long_pcn_hours", {part: len(rows) for part, rows in split.items()}, design.targets)
    for part, rows in split.items():
        order, pmf = ranked(rows, score), hours_pmf(*HOURS[part])
        hours[order[: long[part]]] = draw_hours(rng, pmf, long[part], long=True)
        hours[order[long[part] :]] = draw_hours(rng, pmf, len(rows) - long[part], long=False)
    return pd.array(np.where(hours < 0, None, hours), dtype="Int64")


def options_answers(wave, rng, strain, design: Design) -> np.ndarray:
    """Each option chosen by its solved count (targeted) or by chance (invented); no option: NOTHING."""
    rows = answered_rows(rng, len(wave), design.blanks.get("more_likely_to_sign", 0))
    chosen = {option: set() for option in [*TARGETED_OPTIONS, *INVENTED_OPTIONS]}
    for option, finding in TARGETED_OPTIONS.items():
        count = solve_count(len(rows), design.targets[finding], finding)
        chosen[option] = set(ranked(rows, question_score(rng, strain))[:count])
    for option, chance in INVENTED_OPTIONS.items():
        chosen[option] = set(rows[rng.random(len(rows)) < chance])
    order = [response["value"] for response in QUESTIONS["more_likely_to_sign"]["responses"]]
    answers = np.full(len(wave), None, dtype=object)
    for row in rows:
        picked = [option for option in order if row in chosen.get(option, ())]
        answers[row] = CODEBOOK["separator"].join(picked) if picked else NOTHING
    return answers


def comment_answers(wave: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """Invented comments for about COMMENT_SHARE of respondents, then the PLANTED ones on quotable respondents."""
    comments = np.full(len(wave), None, dtype=object)
    for row in np.flatnonzero(rng.random(len(wave)) < COMMENT_SHARE):
        pool = COMMENTS[wave["sign_des"].iat[row]] + GENERAL
        comments[row] = pool[rng.integers(len(pool))]
    cells = wave[CODEBOOK["quotes"]["attribution"]].agg("|".join, axis=1)  # the cells a quote is attributed to
    quotable = cells.map(cells.value_counts()) >= QUOTABLE
    taken: set[int] = set()
    for text, fits in PLANTED:
        fitting = [r for r in np.flatnonzero((quotable & fits(wave).fillna(False)).astype(bool)) if r not in taken]
        if not fitting:
            raise ValueError(f"no quotable respondent fits the planted comment {text[:40]!r}...")
        row = fitting[0]
        comments[row] = text
        taken.add(row)
    return comments


def build_wave(design: Design) -> pd.DataFrame:
    rng = np.random.default_rng(design.seed)
    n = design.respondents
    roles = [role for role, count in exact_counts(design.roles, n).items() for _ in range(count)]
    wave = pd.DataFrame({"respondent_id": [f"GPP{i:04d}" for i in range(1, n + 1)], "wave": design.wave,
                         "partner_role": rng.permutation(np.array(roles, dtype=object))})  # fmt: skip
    regions = list(REGION_WEIGHTS)
    weights = np.array(list(REGION_WEIGHTS.values()))
    wave["region"] = [regions[i] for i in rng.choice(len(regions), size=n, p=weights / weights.sum())]
    wave["practice_list_size"] = list_sizes(rng, n, design.small_share)
    strain = rng.standard_normal(n)
    wave["sign_des"] = choice_answers(wave, rng, strain, "sign_des", design)
    wave["pcn_hours"] = hours_answers(wave, rng, strain, design)
    for question in ("practice_workload", "pcn_benefits_patients"):
        wave[question] = choice_answers(wave, rng, strain, question, design)
    wave["more_likely_to_sign"] = options_answers(wave, rng, strain, design)
    wave["comments"] = comment_answers(wave, rng)
    return wave[list(QUESTIONS)]


def list_sizes(rng: np.random.Generator, n: int, small_share: float) -> np.ndarray:
    """Practice list sizes, rounded to 10 patients: exactly round(n * small_share) below SMALL_BELOW."""
    small = round(n * small_share)
    sizes = np.concatenate([in_band(rng, small, LIST_SIZE_RANGE[0], SMALL_BELOW),
                            in_band(rng, n - small, SMALL_BELOW, LIST_SIZE_RANGE[1] + 1)])  # fmt: skip
    return rng.permutation(sizes)


def in_band(rng: np.random.Generator, size: int, low: int, high: int) -> np.ndarray:
    """`size` lognormal list sizes, rounded to 10, with low <= size < high (drawn until enough fall inside)."""
    found = np.empty(0, dtype=int)
    while len(found) < size:
        drawn = np.round(rng.lognormal(math.log(LIST_SIZE_MEDIAN), LIST_SIZE_SIGMA, 4 * size) / 10).astype(int) * 10
        found = np.concatenate([found, drawn[(drawn >= low) & (drawn < high)]])
    return found[:size]


# --- output: each wave as a survey platform exports it -------------------------------------------------------
# 2020 as a Microsoft Forms-style Excel workbook (one header row of question texts; a multiple-choice answer's
# options joined by ";"), 2021 as a SurveyMonkey-style CSV (question texts in row 1, answer options in row 2, one
# column per option of the multiple-choice question). Neither has a wave column (its record names the wave); both
# carry the respondent's invented e-mail address (at a .example domain) and the 2021 one an IP address from the
# documentation range 192.0.2.0/24 (RFC 5737), which the codebook marks `personal:` and the briefing never sees.
EXPORTS = {"2020": ".xlsx", "2021": ".csv"}  # any other wave: a SurveyMonkey-style CSV
SHEET = "Sheet1"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the workbook's zip entries, dated alike so the file is the same bytes each time
MULTIPLE = "more_likely_to_sign"


def export_suffix(wave: str) -> str:
    return EXPORTS.get(wave, ".csv")


def export_name(wave: str) -> str:
    return f"gp_partners_des_{wave}{export_suffix(wave)}"


def header(qid: str) -> str:
    """The export's column for a question: the first name of its `source:` in the codebook."""
    source = QUESTIONS[qid].get("source", qid)
    return source if isinstance(source, str) else source[0]


def invented_email(respondent: str) -> str:
    return f"{respondent.lower()}@practice.example"


def export_columns(wave: pd.DataFrame) -> list[str]:
    return [q for q in QUESTIONS if q != "wave"]


def forms_rows(wave: pd.DataFrame) -> list[list]:
    """Microsoft Forms' layout: ID, e-mail, name, then one column per question."""
    questions = export_columns(wave)
    rows = [["ID", "Email", "Name", *(header(q) for q in questions[1:])]]
    for record in wave.itertuples(index=False):
        values = record._asdict()
        cells = [None if pd.isna(values[q]) else values[q] for q in questions]
        rows.append([cells[0], invented_email(cells[0]), None, *cells[1:]])
    return rows


def monkey_rows(wave: pd.DataFrame) -> list[list[str]]:
    """SurveyMonkey's layout: respondent metadata, then per question one column (row 2: "Response" or
    "Open-Ended Response"), the multiple-choice question one column per option (row 2: the option; cell: the option
    when ticked)."""
    options = [response["value"] for response in QUESTIONS[MULTIPLE]["responses"]]
    head, second = ["Respondent ID", "Email Address", "IP Address"], ["", "", ""]
    for qid in export_columns(wave)[1:]:
        if qid == MULTIPLE:
            head += [header(qid)] + [""] * (len(options) - 1)
            second += options
        else:
            head.append(header(qid))
            second.append("Open-Ended Response" if QUESTIONS[qid]["type"] in ("numeric", "free_text") else "Response")
    rows = [head, second]
    for number, record in enumerate(wave.itertuples(index=False), start=1):
        values = {q: ("" if pd.isna(v) else str(v)) for q, v in record._asdict().items()}
        row = [values["respondent_id"], invented_email(values["respondent_id"]), f"192.0.2.{number % 254 + 1}"]
        for qid in export_columns(wave)[1:]:
            if qid == MULTIPLE:
                ticked = set(values[qid].split(CODEBOOK["separator"])) if values[qid] else set()
                row += [option if option in ticked else "" for option in options]
            else:
                row.append(values[qid])
        rows.append(row)
    return rows


def write_monkey_csv(wave: pd.DataFrame, target: Path) -> None:
    with target.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(monkey_rows(wave))


def write_forms_workbook(wave: pd.DataFrame, target: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = SHEET
    for row in forms_rows(wave):
        sheet.append([int(v) if isinstance(v, (np.integer,)) else v for v in row])
    book.properties.creator = "generate.py"
    buffer = io.BytesIO()
    book.save(buffer)
    with zipfile.ZipFile(buffer) as made, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as fixed:
        for entry in made.infolist():
            data = made.read(entry.filename)
            if entry.filename == "docProps/core.xml":  # openpyxl stamps the time of saving
                data = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>" + RELEASED.encode() + rb"T00:00:00Z", data
                )
            fixed.writestr(zipfile.ZipInfo(entry.filename, ZIP_TIME), data, zipfile.ZIP_DEFLATED)


def command(design: Design) -> str:
    """The command that remakes the wave: its year, and its size and seed where they are not its design's."""
    made = design_for(design.wave)
    flags = [f"--wave {design.wave}"]
    flags += [f"--respondents {design.respondents}"] if design.respondents != made.respondents else []
    flags += [f"--seed {design.seed}"] if design.seed != made.seed else []
    return f"python {SCRIPT} {' '.join(flags)}"


def provenance(design: Design, rows: int) -> dict:
    workbook = export_suffix(design.wave) == ".xlsx"
    return {
        "title": f"Survey of GP partners on the network DES, {design.wave} (SYNTHETIC example data)",
        "synthetic": True,
        "notice": (
            "This survey is synthetic: the GP partners, their answers and their comments were invented by this "
            "project to show the briefing generator on a second survey, and its figures were made up in advance. "
            "No figure, change or difference in this briefing says anything about real GP partners or the network DES."
        ),
        "description": (
            f"a synthetic wave of {rows} invented respondents whose shares were fixed in advance "
            "(invented_figures_percent); no such survey exists and nothing in it is calibrated to a publication"
        ),
        "origin": f"made by this project's script: python {SCRIPT}",
        "date": "invented by this project; rows regenerated by the command below",
        "calibrated_to": "nothing: the survey, its respondents and its figures are invented",
        "wave": design.wave,
        "year": design.wave,
        "released": max(RELEASED, f"{design.wave}-03-01"),  # a later year's wave: after its fieldwork
        "fieldwork": dict(design.fieldwork),
        "invented_figures_percent": dict(design.targets),
        "seed": design.seed,
        "briefing_date": f"{design.wave}-03-01",  # its briefing's date: after its fieldwork, not the file's
        "licence": "MIT (the project's licence); no personal data: every respondent is invented",
        "command": command(design),
        **(
            {}
            if design.wave in DESIGNS
            else {"made_like": f"the {LATEST} wave (its invented figures and mix), in its own year"}
        ),
        "rows": rows,
        **({"sheet": SHEET} if workbook else {"layout": "surveymonkey"}),
        "exported_as": (
            "a Microsoft Forms-style Excel workbook (one header row of question texts)"
            if workbook
            else "a SurveyMonkey-style CSV (question texts in row 1, answer options in row 2)"
        ),
    }


def write_wave(design: Design, out_dir: Path) -> Path:
    return write_export(design, build_wave(design), out_dir)


def write_export(design: Design, wave: pd.DataFrame, out_dir: Path) -> Path:
    """The wave as its platform exports it, with its provenance record beside it."""
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / export_name(design.wave)
    (write_forms_workbook if export_suffix(design.wave) == ".xlsx" else write_monkey_csv)(wave, target)
    meta = yaml.safe_dump(provenance(design, len(wave)), sort_keys=False, width=110, allow_unicode=True)
    target.with_suffix(".meta.yml").write_text(meta, encoding="utf-8")
    return target


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write the SYNTHETIC example waves of the GP partners' survey.")
    parser.add_argument(
        "--wave", help=f"one wave, a year (default: {', '.join(sorted(DESIGNS))}); another year is made like {LATEST}"
    )
    parser.add_argument("--respondents", type=int, help="respondents in each wave written (default: its design's)")
    parser.add_argument("--seed", type=int, help="the random numbers' seed (default: its design's)")
    parser.add_argument("--out-dir", type=Path, default=HERE / "raw", help="folder to write (default: raw/)")
    args = parser.parse_args(argv)
    try:
        designs = [
            design_for(wave, args.respondents, args.seed) for wave in ([args.wave] if args.wave else sorted(DESIGNS))
        ]
    except ValueError as error:
        parser.error(str(error))
    for design in designs:
        target = write_wave(design, args.out_dir)
        print(f"generate: wrote {target} and {target.with_suffix('.meta.yml').name} (SYNTHETIC)")


if __name__ == "__main__":
    main()
